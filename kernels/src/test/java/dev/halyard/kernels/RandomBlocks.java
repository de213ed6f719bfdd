package dev.halyard.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Random but valid tensor data in ggml layouts: random quant bits everywhere, then every scale field
 * overwritten with a finite value of sane size (|d| in [1e-3, 1e-1]), so that no block holds inf/NaN.
 */
final class RandomBlocks {
    private RandomBlocks() {}

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A segment holding {@code n} random elements of {@code type} starting at byte {@code pad}. */
    static MemorySegment allocate(Arena arena, GgmlType type, int n, int pad, Random rnd) {
        MemorySegment seg = arena.allocate(pad + type.byteSize(n), 1);
        fill(seg, pad, type, n, rnd);
        return seg;
    }

    static void fill(MemorySegment seg, long off, GgmlType type, int n, Random rnd) {
        long bytes = type.byteSize(n);
        for (long i = 0; i < bytes; i++) seg.set(ValueLayout.JAVA_BYTE, off + i, (byte) rnd.nextInt());
        if (type == GgmlType.F32) {
            for (int i = 0; i < n; i++) seg.set(F32, off + 4L * i, (float) rnd.nextGaussian());
            return;
        }
        if (type == GgmlType.F16) {
            for (int i = 0; i < n; i++) {
                short h;
                do h = (short) rnd.nextInt(); while ((h & 0x7c00) == 0x7c00); // any finite half, subnormals too
                seg.set(I16, off + 2L * i, h);
            }
            return;
        }
        if (type == GgmlType.BF16) {
            for (int i = 0; i < n; i++) { // sign, exponent below 2^16 (subnormals too), 7 mantissa bits
                int h = (rnd.nextInt(2) << 15) | (rnd.nextInt(0x90) << 7) | rnd.nextInt(0x80);
                seg.set(I16, off + 2L * i, (short) h);
            }
            return;
        }
        for (int b = 0; b < n / type.blockSize; b++) {
            long blk = off + (long) b * type.typeSize;
            switch (type) {
                case Q4_0, Q5_0, Q8_0 -> seg.set(I16, blk, randomScale(rnd));
                case Q4_1, Q5_1, Q4_K, Q5_K -> { // d, then m (or dmin)
                    seg.set(I16, blk, randomScale(rnd));
                    seg.set(I16, blk + 2, randomScale(rnd));
                }
                case Q6_K -> seg.set(I16, blk + 208, randomScale(rnd));
                case Q8_K -> seg.set(F32, blk, Float.float16ToFloat(randomScale(rnd)));
                default -> throw new IllegalArgumentException("no generator for " + type);
            }
        }
    }

    /** A finite half with magnitude in [1e-3, 1e-1] and a random sign. */
    static short randomScale(Random rnd) {
        double magnitude = Math.exp(Math.log(1e-3) + rnd.nextDouble() * Math.log(100));
        return Float.floatToFloat16((float) (rnd.nextBoolean() ? magnitude : -magnitude));
    }

    static float[] gaussian(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }
}
