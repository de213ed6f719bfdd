package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 (ggml block_q8_0): 32 elements in 34 bytes {@code {f16 d; int8 qs[32]}}; element j is
 * {@code qs[j] * d}.
 */
public final class Q8_0Kernel {
    private Q8_0Kernel() {}

    static final int QK = 32; // elements per block
    static final int BYTES = 34; // bytes per block

    /** ggml's dequantize_row_q8_0. */
    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Bytes.half(w, blk);
            for (int j = 0; j < QK; j++) dst[di + b * QK + j] = Bytes.i8(w, blk + 2 + j) * d;
        }
    }

    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk));
            for (int h = 0; h < 2; h++) {
                ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 2 + 16 * h, ORDER);
                int y = di + b * QK + 16 * h;
                for (int p = 0; p < PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + p * L);
            }
        }
    }

    /** Per block: q . x in registers, then one FMA by d into one of 4 rotating accumulators. */
    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            int e = xi + b * QK;
            ByteVector q0 = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER); // elements 0..15
            ByteVector q1 = ByteVector.fromMemorySegment(B16, w, blk + 18, ORDER); // elements 16..31
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                s = ((FloatVector) q0.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + p * L), s);
                s = ((FloatVector) q1.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + 16 + p * L), s);
            }
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(I16, blk))), a0);
            FloatVector t = a0; // rotate: 4 independent FMA chains hide the FMA latency
            a0 = a1;
            a1 = a2;
            a2 = a3;
            a3 = t;
        }
        FloatVector folded = a0.add(a1).add(a2.add(a3));
        if (Simd.L == 16) folded = folded.add(folded.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) folded = folded.add(folded.rearrange(Simd.FOLD4));
        folded = folded.add(folded.rearrange(Simd.FOLD2));
        folded = folded.add(folded.rearrange(Simd.FOLD1));
        return folded.lane(0);
    }
}
