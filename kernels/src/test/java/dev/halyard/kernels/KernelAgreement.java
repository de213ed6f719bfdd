package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** The vector-versus-scalar comparison, shared by the JUnit tests and the child-JVM width checks. */
final class KernelAgreement {
    private KernelAgreement() {}

    /** Relative tolerance of the vector dot, against sum |w * x|. */
    static final double DOT_TOLERANCE = 1e-4;

    static final Kernels SCALAR = new ScalarKernels();
    static final Kernels VECTOR = new VectorKernels();

    static List<GgmlType> formats() {
        return Arrays.stream(GgmlType.values()).filter(GgmlType::computable).toList();
    }

    /** Element counts to try: odd block counts, and for plain types lengths that leave a vector tail. */
    static int[] lengths(GgmlType type) {
        return type.quantized()
                ? new int[] {type.blockSize, 3 * type.blockSize, 7 * type.blockSize, 4096}
                : new int[] {1, 7, 37, 300, 4096 + 5};
    }

    /**
     * Random valid data of n elements at byte offset pad (so possibly unaligned), activations and output
     * at offset xOffset: dequantize must agree bit for bit and leave the rest of dst alone; dot within
     * {@link #DOT_TOLERANCE}.
     */
    static void check(GgmlType type, int n, int pad, int xOffset, long seed) {
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = RandomBlocks.allocate(arena, type, n, pad, rnd);
            float[] scalar = new float[xOffset + n + 3];
            float[] vector = new float[xOffset + n + 3];
            Arrays.fill(scalar, 42f);
            Arrays.fill(vector, 42f);
            SCALAR.dequantize(type, w, pad, scalar, xOffset, n);
            VECTOR.dequantize(type, w, pad, vector, xOffset, n);
            assertArrayEquals(scalar, vector, () -> type + " n=" + n + " pad=" + pad + ": vector dequantize differs");
            assertEquals(42f, scalar[xOffset + n], "dequantize wrote past its range");
            if (xOffset > 0) assertEquals(42f, scalar[xOffset - 1], "dequantize wrote before its range");

            float[] x = RandomBlocks.gaussian(xOffset + n, rnd);
            double exact = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) scalar[xOffset + i] * x[xOffset + i];
                magnitude += Math.abs((double) scalar[xOffset + i] * x[xOffset + i]);
            }
            float s = SCALAR.dot(type, w, pad, x, xOffset, n);
            float v = VECTOR.dot(type, w, pad, x, xOffset, n);
            assertEquals((float) exact, s, "scalar dot is not the sum of dequantised products");
            double error = Math.abs(v - exact), total = magnitude;
            assertTrue(Float.isFinite(v) && error <= DOT_TOLERANCE * total + 1e-30,
                    () -> type + " n=" + n + " pad=" + pad + ": vector dot " + v + ", scalar " + s
                            + ", relative error " + error / total);
        }
    }

    /**
     * All 65536 F16 bit patterns (at an unaligned offset) through {@code k.dequantize}, repeated so the
     * JIT compiles it, against {@link Float#float16ToFloat} bit for bit: subnormals, infinities, NaNs.
     */
    static void checkAllHalves(Kernels k) {
        MemorySegment seg = MemorySegment.ofArray(new byte[1 + 2 * 65536]);
        for (int h = 0; h < 65536; h++) seg.set(RandomBlocks.I16, 1 + 2L * h, (short) h);
        float[] out = new float[65536];
        for (int round = 0; round < 20; round++) k.dequantize(GgmlType.F16, seg, 1, out, 0, 65536);
        for (int h = 0; h < 65536; h++) {
            int expected = Float.floatToRawIntBits(Float.float16ToFloat((short) h));
            int actual = Float.floatToRawIntBits(out[h]);
            if (expected != actual)
                assertEquals(Integer.toHexString(expected), Integer.toHexString(actual),
                        k.name() + ": half 0x" + Integer.toHexString(h));
        }
    }
}
