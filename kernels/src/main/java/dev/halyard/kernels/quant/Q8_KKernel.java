package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.F32;
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
 * Q8_K (ggml block_q8_K): 256 elements in 292 bytes {@code {f32 d; int8 qs[256]; int16 bsums[16]}};
 * element j is {@code d * qs[j]} (bsums are sums of 16 quants, only used by integer dot products).
 */
public final class Q8_KKernel {
    private Q8_KKernel() {}

    static final int QK = 256; // elements per block
    static final int BYTES = 292; // bytes per block

    /** ggml's dequantize_row_q8_K. */
    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = w.get(Bytes.F32, blk);
            for (int j = 0; j < QK; j++) dst[di + b * QK + j] = d * Bytes.i8(w, blk + 4 + j);
        }
    }

    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = w.get(F32, blk);
            for (int j = 0; j < QK; j += 16) {
                ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 4 + j, ORDER);
                int y = di + b * QK + j;
                for (int p = 0; p < PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + p * L);
            }
        }
    }

    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int j = 0; j < QK; j += 16) {
                ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 4 + j, ORDER);
                int e = xi + b * QK + j;
                for (int p = 0; p < PARTS; p++) {
                    s0 = ((FloatVector) q.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + p * L), s0);
                }
                FloatVector t = s0; // rotate: 4 independent FMA chains
                s0 = s1;
                s1 = s2;
                s2 = s3;
                s3 = t;
            }
            acc = s0.add(s1).add(s2.add(s3)).fma(FloatVector.broadcast(F, w.get(F32, blk)), acc);
        }
        FloatVector folded = acc;
        if (Simd.L == 16) folded = folded.add(folded.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) folded = folded.add(folded.rearrange(Simd.FOLD4));
        folded = folded.add(folded.rearrange(Simd.FOLD2));
        folded = folded.add(folded.rearrange(Simd.FOLD1));
        return folded.lane(0);
    }
}
