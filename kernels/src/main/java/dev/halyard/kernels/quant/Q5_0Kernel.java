package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.BIT_OF_LANE;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static dev.halyard.kernels.quant.Simd.SPREAD_01;
import static dev.halyard.kernels.quant.Simd.SPREAD_23;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.OR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_0 (ggml block_q5_0): 32 elements in 22 bytes {@code {f16 d; u8 qh[4]; u8 qs[16]}}; nibbles as in
 * Q4_0, and bit j of the little-endian uint32 qh is the fifth bit of element j; value
 * {@code (q - 16) * d}.
 */
public final class Q5_0Kernel {
    private Q5_0Kernel() {}

    static final int QK = 32; // elements per block
    static final int BYTES = 22; // bytes per block

    /** ggml's dequantize_row_q5_0. */
    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Bytes.half(w, blk);
            int qh = w.get(Bytes.I32, blk + 2);
            int y = di + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(w, blk + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0x0F) | h0) - 16) * d;
                dst[y + j + QK / 2] = (((q >> 4) | h1) - 16) * d;
            }
        }
    }


    /** {@link #dequantize} bit for bit: quants decoded as in {@link #dot}, then (q - 16) * d. */
    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk));
            int y = di + b * QK;
            ByteVector qh = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER); // qh[0..3], then qs: ignored
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 6, ORDER);
            ByteVector lo = q.and((byte) 0x0F) // elements 0..15
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_01).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            ByteVector hi = q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_23).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + p * L);
                ((FloatVector) hi.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + 16 + p * L);
            }
        }
    }

    /** As Q4_0's dot, with bit j of qh spread to byte lane j (shuffle, test) and OR-ed in as 0x10. */
    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            int e = xi + b * QK;
            ByteVector qh = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER); // qh[0..3], then qs: ignored
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 6, ORDER);
            ByteVector lo = q.and((byte) 0x0F) // elements 0..15
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_01).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            ByteVector hi = q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_23).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                s = ((FloatVector) lo.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + p * L), s);
                s = ((FloatVector) hi.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + 16 + p * L), s);
            }
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(I16, blk))), a0);
            FloatVector t = a0; // rotate: 4 independent FMA chains
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
