package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I64;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * The slice-major twins of {@link Q8_0Kernel#dotTile4} and {@link Q8_0Kernel#dotTile4x4}, for tiled
 * matrices wider than one 2048-column slice ({@code WeightMatrix.slices}): the same decoding, but
 * each row's accumulators start from {@code acc} and are stored back there unfolded, so they carry
 * one accumulator per row through all the slices ({@link Simd#fold4} folds them after the last): the
 * bits of the whole-row kernels. Separate copies on purpose: one kernel doing both kept extra values
 * live and made C2's whole-row loop ~10% slower.
 */
public final class Q8_0SliceKernel {
    private Q8_0SliceKernel() {}

    /** {@link Q8_0Kernel#dotTile4} over one column slice: the four rows' accumulators at acc[ai + r*L ..]. */
    public static void dotTile4Acc(MemorySegment w, long off, float[] x, int xi, int n, float[] acc, int ai) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ai), a1 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, ai + 2 * L), a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        long end = off + (long) (n / Q8_0Kernel.QK) * 4 * Q8_0Kernel.BYTES;
        int e = xi;
        // A long induction variable over the byte offset, not an int block counter: with the int loop C2
        // built code that streamed from DRAM at ~17 GB/s on one core, with this one ~26 GB/s (in cache
        // both run ~30 GB/s). The four scales come in one 8-byte read.
        for (long col = off; col < end; col += 4 * Q8_0Kernel.BYTES, e += Q8_0Kernel.QK) {
            long sc = w.get(I64, col);
            float d0 = Float.float16ToFloat((short) sc);
            float d1 = Float.float16ToFloat((short) (sc >>> 16));
            float d2 = Float.float16ToFloat((short) (sc >>> 32));
            float d3 = Float.float16ToFloat((short) (sc >>> 48));
            for (int h = 0; h < 2; h++) {
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, col + 8 + 16 * h, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, col + 40 + 16 * h, ORDER);
                ByteVector q2 = ByteVector.fromMemorySegment(B16, w, col + 72 + 16 * h, ORDER);
                ByteVector q3 = ByteVector.fromMemorySegment(B16, w, col + 104 + 16 * h, ORDER);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, e + 16 * h + p * L);
                    a0 = ((FloatVector) q0.convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                    a1 = ((FloatVector) q1.convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                    a2 = ((FloatVector) q2.convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                    a3 = ((FloatVector) q3.convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
                }
            }
        }
        a0.intoArray(acc, ai);
        a1.intoArray(acc, ai + L);
        a2.intoArray(acc, ai + 2 * L);
        a3.intoArray(acc, ai + 3 * L);
    }

    /**
     * {@link Q8_0Kernel#dotTile4x4} over one column slice, the 16 accumulators carried in acc (token t, row r at
     * {@code ai + (4t + r) L}; see {@link #dotTile4Acc}).
     */
    public static void dotTile4x4Acc(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ai), a10 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ai + 2 * L), a30 = FloatVector.fromArray(F, acc, ai + 3 * L);
        FloatVector a01 = FloatVector.fromArray(F, acc, ai + 4 * L), a11 = FloatVector.fromArray(F, acc, ai + 5 * L);
        FloatVector a21 = FloatVector.fromArray(F, acc, ai + 6 * L), a31 = FloatVector.fromArray(F, acc, ai + 7 * L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ai + 8 * L), a12 = FloatVector.fromArray(F, acc, ai + 9 * L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ai + 10 * L), a32 = FloatVector.fromArray(F, acc, ai + 11 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ai + 12 * L), a13 = FloatVector.fromArray(F, acc, ai + 13 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ai + 14 * L), a33 = FloatVector.fromArray(F, acc, ai + 15 * L);
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        long end = off + (long) (n / Q8_0Kernel.QK) * 4 * Q8_0Kernel.BYTES;
        int e = 0;
        for (long col = off; col < end; col += 4 * Q8_0Kernel.BYTES, e += Q8_0Kernel.QK) { // a long induction variable, as in dotTile4
            long sc = w.get(I64, col);
            float d0 = Float.float16ToFloat((short) sc);
            float d1 = Float.float16ToFloat((short) (sc >>> 16));
            float d2 = Float.float16ToFloat((short) (sc >>> 32));
            float d3 = Float.float16ToFloat((short) (sc >>> 48));
            for (int h = 0; h < 2; h++) {
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, col + 8 + 16 * h, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, col + 40 + 16 * h, ORDER);
                ByteVector q2 = ByteVector.fromMemorySegment(B16, w, col + 72 + 16 * h, ORDER);
                ByteVector q3 = ByteVector.fromMemorySegment(B16, w, col + 104 + 16 * h, ORDER);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector w0 = ((FloatVector) q0.convertShape(B2F, F, p)).mul(d0);
                    FloatVector w1 = ((FloatVector) q1.convertShape(B2F, F, p)).mul(d1);
                    FloatVector w2 = ((FloatVector) q2.convertShape(B2F, F, p)).mul(d2);
                    FloatVector w3 = ((FloatVector) q3.convertShape(B2F, F, p)).mul(d3);
                    int i = e + 16 * h + p * L;
                    FloatVector t = FloatVector.fromArray(F, x, xi + i);
                    a00 = w0.fma(t, a00); a10 = w1.fma(t, a10); a20 = w2.fma(t, a20); a30 = w3.fma(t, a30);
                    t = FloatVector.fromArray(F, x, x1 + i);
                    a01 = w0.fma(t, a01); a11 = w1.fma(t, a11); a21 = w2.fma(t, a21); a31 = w3.fma(t, a31);
                    t = FloatVector.fromArray(F, x, x2 + i);
                    a02 = w0.fma(t, a02); a12 = w1.fma(t, a12); a22 = w2.fma(t, a22); a32 = w3.fma(t, a32);
                    t = FloatVector.fromArray(F, x, x3 + i);
                    a03 = w0.fma(t, a03); a13 = w1.fma(t, a13); a23 = w2.fma(t, a23); a33 = w3.fma(t, a33);
                }
            }
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
    }
}
