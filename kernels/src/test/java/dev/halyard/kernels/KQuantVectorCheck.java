package dev.halyard.kernels;

import dev.halyard.kernels.quant.Q4_1Kernel;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q5_0Kernel;
import dev.halyard.kernels.quant.Q5_1Kernel;
import dev.halyard.kernels.quant.Q5_KKernel;
import dev.halyard.kernels.quant.Q6_KKernel;
import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Bit-exact checks of the vector {@code dequantizeVector} of Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K
 * against their scalar {@code dequantize}, interpreted and after C2 has compiled them. Shared by
 * {@link KQuantVectorTest} (this JVM's width) and, through {@link #main}, its child JVMs capped to
 * 128 and 256 bits; main exits non-zero (uncaught AssertionError) on any failure.
 */
public final class KQuantVectorCheck {
    private KQuantVectorCheck() {}

    static final List<GgmlType> TYPES =
            List.of(GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    /** The formats with fused canonical-order kernels (dotRows4, dotRow), and those with dotRows2 too. */
    static final List<GgmlType> FUSED = List.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
    static final List<GgmlType> PAIRED = List.of(GgmlType.Q4_K, GgmlType.Q5_K);

    public static void main(String[] args) {
        System.out.println("float species bits=" + Simd.F.vectorBitSize());
        int checks = 0;
        for (GgmlType type : TYPES) {
            checks += checkDequantizeCases(type);
            warmDequantize(type, true);
            checks += checkDequantizeCases(type);
        }
        for (GgmlType type : FUSED) {
            checks += checkDotRowsCases(type);
            warmDotRows(type, true);
            checks += checkDotRowsCases(type);
        }
        System.out.println("k-quant vector checks passed: " + checks);
    }

    /** Block counts 1, 3, 7 and 16 (4096 elements for 256-element blocks), byte and float offsets. */
    static int checkDequantizeCases(GgmlType type) {
        int checks = 0;
        for (int blocks : new int[] {1, 3, 7, 16})
            for (int pad : new int[] {0, 1, 3, 7})
                for (boolean anyBits : new boolean[] {false, true}) {
                    checkDequantize(type, blocks * type.blockSize, pad, pad == 0 ? 0 : 5, anyBits, 131L * blocks + pad + type.id);
                    checks++;
                }
        return checks;
    }

    /**
     * n random elements at byte offset pad into dst at offset di: vector and scalar must agree bit for
     * bit and leave the rest of dst alone. anyBits keeps the random scale fields as they are (infinities,
     * NaNs, subnormals: every operation must match the reference's, not just finite results); NaNs are
     * then compared as NaN, whatever their payload.
     */
    static void checkDequantize(GgmlType type, int n, int pad, int di, boolean anyBits, long seed) {
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = RandomBlocks.allocate(arena, type, n, pad, rnd);
            if (anyBits) for (long i = 0; i < type.byteSize(n); i++) w.set(ValueLayout.JAVA_BYTE, pad + i, (byte) rnd.nextInt());
            float[] scalar = new float[di + n + 3], vector = new float[di + n + 3];
            Arrays.fill(scalar, 42f);
            Arrays.fill(vector, 42f);
            dequantizeScalar(type, w, pad, scalar, di, n);
            dequantizeVector(type, w, pad, vector, di, n);
            for (int i = 0; i < scalar.length; i++) {
                if (Float.floatToIntBits(scalar[i]) != Float.floatToIntBits(vector[i]))
                    throw new AssertionError(type + " n=" + n + " pad=" + pad + " di=" + di + " anyBits=" + anyBits
                            + ": element " + (i - di) + " scalar " + scalar[i] + " vector " + vector[i]);
            }
            if (scalar[di + n] != 42f || (di > 0 && scalar[di - 1] != 42f)) throw new AssertionError("wrote outside its range");
        }
    }

    /**
     * Calls the vector kernel in rounds of 2000 until a round allocates nothing (C2 has compiled it to
     * SIMD code; boxed vectors would allocate) or 60 s (10 s when not strict) have passed (C2 can take 20 s over the
     * large fused kernels on a busy machine), then fails if it still allocates: the checks after this
     * one run the compiled kernel. {@code strict}: fail if it still allocates — only in a fresh child
     * JVM ({@link #main}, run with -Xbatch by {@code KQuantVectorTest}): inside the test JVM, kernels
     * that earlier tests compiled with other profiles may stay in a compiled form that boxes (seen once
     * for Q5_K's dotRows4 after the whole kernels suite), and warming does not make C2 recompile them.
     */
    static void warmDequantize(GgmlType type, boolean strict) {
        int n = 2 * type.blockSize; // short rows: the interpreted (boxed) calls before C2 are slow
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = RandomBlocks.allocate(arena, type, n, 1, new Random(type.id));
            float[] dst = new float[n];
            long perCall = -1;
            // up to 60 s of this thread's CPU time, not of the wall clock: on a busy machine the JVM may
            // wait (or be stopped) for a minute before C2 has compiled the kernels
            for (long deadline = threads.getCurrentThreadCpuTime() + (strict ? 60_000_000_000L : 10_000_000_000L); perCall != 0 && threads.getCurrentThreadCpuTime() < deadline; ) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 2000; i++) dequantizeVector(type, w, 1, dst, 0, n);
                perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 2000;
            }
            if (strict && perCall != 0) throw new AssertionError(type + ": a warm vector dequantize allocates " + perCall + " bytes per call");
        }
    }

    /** Block counts 1, 3 and 16, rows packed or with an odd stride, byte and float offsets, any bits. */
    static int checkDotRowsCases(GgmlType type) {
        int checks = 0;
        for (int blocks : new int[] {1, 3, 16})
            for (int pad : new int[] {0, 3})
                for (boolean anyBits : new boolean[] {false, true}) {
                    checkDotRows(type, blocks * type.blockSize, pad, pad == 0 ? 0 : 7, pad == 0 ? 0 : 5, anyBits,
                            977L * blocks + pad + type.id);
                    checks++;
                }
        return checks;
    }

    /**
     * Four rows of n random elements (row r at byte pad + r * (rowBytes + gap)) times activations at
     * x[xi ..]: dotRows4, dotRows2 (where there is one) and dotRow must equal, bit for bit, the canonical loop over the rows as
     * dequantize writes them ({@link Tiles#dotScalar}); NaNs compared as NaN.
     */
    static void checkDotRows(GgmlType type, int n, int pad, int gap, int xi, boolean anyBits, long seed) {
        Random rnd = new Random(seed);
        long rowBytes = type.byteSize(n) + gap;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(pad + 4 * rowBytes, 1);
            for (int r = 0; r < 4; r++) RandomBlocks.fill(w, pad + r * rowBytes, type, n, rnd);
            if (anyBits) for (long i = 0; i < w.byteSize(); i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
            float[] x = RandomBlocks.gaussian(xi + n, rnd);
            float[] row = new float[n];
            float[] expected = new float[4], fused = new float[4 + 2];
            for (int r = 0; r < 4; r++) {
                dequantizeScalar(type, w, pad + r * rowBytes, row, 0, n);
                expected[r] = Tiles.dotScalar(row, 0, x, xi, n, Simd.L);
            }
            float[] pairs = new float[4 + 2];
            dotRows4(type, w, pad, rowBytes, x, xi, n, fused, 1);
            if (PAIRED.contains(type)) {
                dotRows2(type, w, pad, rowBytes, x, xi, n, pairs, 1);
                dotRows2(type, w, pad + 2 * rowBytes, rowBytes, x, xi, n, pairs, 3);
            } else {
                System.arraycopy(fused, 0, pairs, 0, pairs.length);
            }
            for (int r = 0; r < 4; r++) {
                float one = dotRow(type, w, pad + r * rowBytes, x, xi, n);
                int bits = Float.floatToIntBits(expected[r]);
                if (bits != Float.floatToIntBits(fused[1 + r]) || bits != Float.floatToIntBits(pairs[1 + r])
                        || bits != Float.floatToIntBits(one))
                    throw new AssertionError(type + " n=" + n + " pad=" + pad + " gap=" + gap + " anyBits=" + anyBits + ": row " + r
                            + " canonical " + expected[r] + " dotRows4 " + fused[1 + r] + " dotRows2 " + pairs[1 + r] + " dotRow " + one);
            }
            if (fused[0] != 0 || fused[5] != 0) throw new AssertionError("dotRows4 wrote outside out[oi .. oi+4)");
            if (pairs[0] != 0 || pairs[5] != 0) throw new AssertionError("dotRows2 wrote outside out[oi .. oi+2)");
        }
    }

    /** As {@link #warmDequantize}, for dotRows4 (hence dotRows2) and dotRow. */
    static void warmDotRows(GgmlType type, boolean strict) {
        int n = 2 * type.blockSize; // short rows: the interpreted (boxed) calls before C2 are slow
        long rowBytes = type.byteSize(n) + 3;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(1 + 4 * rowBytes, 1);
            Random rnd = new Random(type.id);
            for (int r = 0; r < 4; r++) RandomBlocks.fill(w, 1 + r * rowBytes, type, n, rnd);
            float[] x = RandomBlocks.gaussian(n, rnd), out = new float[4];
            long perCall = -1;
            for (long deadline = threads.getCurrentThreadCpuTime() + (strict ? 60_000_000_000L : 10_000_000_000L); perCall != 0 && threads.getCurrentThreadCpuTime() < deadline; ) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 2000; i++) {
                    dotRows4(type, w, 1, rowBytes, x, 0, n, out, 0);
                    out[0] += dotRow(type, w, 1, x, 0, n);
                }
                perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 2000;
            }
            if (strict && perCall != 0) throw new AssertionError(type + ": warm dotRows4 + dotRow allocate " + perCall + " bytes per call");
        }
    }

    static void dotRows4(GgmlType type, MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        switch (type) {
            case Q4_K -> Q4_KKernel.dotRows4(w, off, rowBytes, x, xi, n, out, oi);
            case Q5_K -> Q5_KKernel.dotRows4(w, off, rowBytes, x, xi, n, out, oi);
            case Q6_K -> Q6_KKernel.dotRows4(w, off, rowBytes, x, xi, n, out, oi);
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    static void dotRows2(GgmlType type, MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        switch (type) {
            case Q4_K -> Q4_KKernel.dotRows2(w, off, rowBytes, x, xi, n, out, oi);
            case Q5_K -> Q5_KKernel.dotRows2(w, off, rowBytes, x, xi, n, out, oi);
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    static float dotRow(GgmlType type, MemorySegment w, long off, float[] x, int xi, int n) {
        return switch (type) {
            case Q4_K -> Q4_KKernel.dotRow(w, off, x, xi, n);
            case Q5_K -> Q5_KKernel.dotRow(w, off, x, xi, n);
            case Q6_K -> Q6_KKernel.dotRow(w, off, x, xi, n);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static void dequantizeScalar(GgmlType type, MemorySegment w, long off, float[] dst, int di, int n) {
        switch (type) {
            case Q4_1 -> Q4_1Kernel.dequantize(w, off, dst, di, n);
            case Q5_0 -> Q5_0Kernel.dequantize(w, off, dst, di, n);
            case Q5_1 -> Q5_1Kernel.dequantize(w, off, dst, di, n);
            case Q4_K -> Q4_KKernel.dequantize(w, off, dst, di, n);
            case Q5_K -> Q5_KKernel.dequantize(w, off, dst, di, n);
            case Q6_K -> Q6_KKernel.dequantize(w, off, dst, di, n);
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    /** Through VectorKernels, so that its wiring is checked too. */
    static void dequantizeVector(GgmlType type, MemorySegment w, long off, float[] dst, int di, int n) {
        KernelAgreement.VECTOR.dequantize(type, w, off, dst, di, n);
    }
}
