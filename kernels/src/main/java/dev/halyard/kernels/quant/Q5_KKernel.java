package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Bytes.I32;
import static dev.halyard.kernels.quant.Bytes.I64;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.OR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K (ggml block_q5_K): 256 elements in 176 bytes {@code {f16 d; f16 dmin; u8 scales[12]; u8 qh[32];
 * u8 qs[128]}}: as Q4_K, plus a fifth bit: for chunk c (0..3), element 64c+l takes bit 2c of qh[l] and
 * element 64c+32+l bit 2c+1; value {@code d*sc * q - dmin*m}.
 */
public final class Q5_KKernel {
    private Q5_KKernel() {}

    static final int QK = 256; // elements per block
    static final int BYTES = 176; // bytes per block

    /** ggml's dequantize_row_q5_K. */
    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Bytes.half(w, blk);
            float min = Bytes.half(w, blk + 2);
            long lo = KScales.low8(w, blk + 4);
            int hi = KScales.high4(w, blk + 4);
            int y = di + b * QK;
            for (int c = 0; c < 4; c++) {
                float d1 = d * KScales.scale(2 * c, lo, hi), m1 = min * KScales.min(2 * c, lo, hi);
                float d2 = d * KScales.scale(2 * c + 1, lo, hi), m2 = min * KScales.min(2 * c + 1, lo, hi);
                int u1 = 1 << (2 * c), u2 = 2 << (2 * c);
                long ql = blk + 48 + 32L * c;
                for (int l = 0; l < 32; l++) {
                    int h = (Bytes.u8(w, blk + 16 + l) & u1) != 0 ? 16 : 0;
                    dst[y + l] = d1 * ((Bytes.u8(w, ql + l) & 0x0F) + h) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    int h = (Bytes.u8(w, blk + 16 + l) & u2) != 0 ? 16 : 0;
                    dst[y + 32 + l] = d2 * ((Bytes.u8(w, ql + l) >> 4) + h) - m2;
                }
                y += 64;
            }
        }
    }


    /** {@link #dequantize} bit for bit: as Q4_K's dequantizeVector, with the fifth bits of {@link #dot}. */
    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk));
            float min = Float.float16ToFloat(w.get(I16, blk + 2));
            long lo = w.get(I64, blk + 4); // scale bytes 0..7
            long hi = w.get(I32, blk + 12) & 0xffffffffL; // scale bytes 8..11
            long sc = (lo & 0x3f3f3f3fL) | ((hi & 0x0f0f0f0fL) | ((lo & 0xc0c0c0c0L) >>> 2)) << 32; // byte j: scale j
            long mn = ((lo >>> 32) & 0x3f3f3f3fL) | (((hi >>> 4) & 0x0f0f0f0fL) | ((lo >>> 34) & 0x30303030L)) << 32;
            ByteVector qh0 = ByteVector.fromMemorySegment(B16, w, blk + 16, ORDER); // qh[0..15]
            ByteVector qh1 = ByteVector.fromMemorySegment(B16, w, blk + 32, ORDER); // qh[16..31]
            for (int c = 0; c < 4; c++) {
                float d1 = d * (int) ((sc >>> (16 * c)) & 0xff), m1 = min * (int) ((mn >>> (16 * c)) & 0xff);
                float d2 = d * (int) ((sc >>> (16 * c + 8)) & 0xff), m2 = min * (int) ((mn >>> (16 * c + 8)) & 0xff);
                byte u1 = (byte) (1 << (2 * c)), u2 = (byte) (2 << (2 * c));
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, blk + 48 + 32L * c, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, blk + 64 + 32L * c, ORDER);
                ByteVector lo0 = q0.and((byte) 0x0F).lanewise(OR, (byte) 0x10, qh0.and(u1).compare(NE, 0));
                ByteVector lo1 = q1.and((byte) 0x0F).lanewise(OR, (byte) 0x10, qh1.and(u1).compare(NE, 0));
                ByteVector hi0 = q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, qh0.and(u2).compare(NE, 0));
                ByteVector hi1 = q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, qh1.and(u2).compare(NE, 0));
                int y = di + b * QK + 64 * c;
                for (int p = 0; p < PARTS; p++) {
                    int k = y + p * L;
                    ((FloatVector) lo0.convertShape(B2F, F, p)).mul(d1).sub(m1).intoArray(dst, k);
                    ((FloatVector) lo1.convertShape(B2F, F, p)).mul(d1).sub(m1).intoArray(dst, k + 16);
                    ((FloatVector) hi0.convertShape(B2F, F, p)).mul(d2).sub(m2).intoArray(dst, k + 32);
                    ((FloatVector) hi1.convertShape(B2F, F, p)).mul(d2).sub(m2).intoArray(dst, k + 48);
                }
            }
        }
    }

    /** As Q4_K's dot, with bit 2c (2c+1) of qh tested per byte lane and OR-ed in as 0x10. */
    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk));
            float min = Float.float16ToFloat(w.get(I16, blk + 2));
            long lo = w.get(I64, blk + 4); // scale bytes 0..7
            long hi = w.get(I32, blk + 12) & 0xffffffffL; // scale bytes 8..11
            long sc = (lo & 0x3f3f3f3fL) | ((hi & 0x0f0f0f0fL) | ((lo & 0xc0c0c0c0L) >>> 2)) << 32; // byte j: scale j
            long mn = ((lo >>> 32) & 0x3f3f3f3fL) | (((hi >>> 4) & 0x0f0f0f0fL) | ((lo >>> 34) & 0x30303030L)) << 32;
            ByteVector qh0 = ByteVector.fromMemorySegment(B16, w, blk + 16, ORDER); // qh[0..15]
            ByteVector qh1 = ByteVector.fromMemorySegment(B16, w, blk + 32, ORDER); // qh[16..31]
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * ((sc >>> (16 * c)) & 0xff));
                FloatVector m1 = FloatVector.broadcast(F, -min * ((mn >>> (16 * c)) & 0xff));
                FloatVector d2 = FloatVector.broadcast(F, d * ((sc >>> (16 * c + 8)) & 0xff));
                FloatVector m2 = FloatVector.broadcast(F, -min * ((mn >>> (16 * c + 8)) & 0xff));
                byte u1 = (byte) (1 << (2 * c)), u2 = (byte) (2 << (2 * c));
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, blk + 48 + 32L * c, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, blk + 64 + 32L * c, ORDER);
                ByteVector lo0 = q0.and((byte) 0x0F).lanewise(OR, (byte) 0x10, qh0.and(u1).compare(NE, 0));
                ByteVector lo1 = q1.and((byte) 0x0F).lanewise(OR, (byte) 0x10, qh1.and(u1).compare(NE, 0));
                ByteVector hi0 = q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, qh0.and(u2).compare(NE, 0));
                ByteVector hi1 = q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, qh1.and(u2).compare(NE, 0));
                int e = xi + b * QK + 64 * c;
                for (int p = 0; p < PARTS; p++) {
                    int k = e + p * L;
                    a0 = ((FloatVector) lo0.convertShape(B2F, F, p)).fma(d1, m1).fma(FloatVector.fromArray(F, x, k), a0);
                    a1 = ((FloatVector) lo1.convertShape(B2F, F, p)).fma(d1, m1).fma(FloatVector.fromArray(F, x, k + 16), a1);
                    a2 = ((FloatVector) hi0.convertShape(B2F, F, p)).fma(d2, m2).fma(FloatVector.fromArray(F, x, k + 32), a2);
                    a3 = ((FloatVector) hi1.convertShape(B2F, F, p)).fma(d2, m2).fma(FloatVector.fromArray(F, x, k + 48), a3);
                }
            }
        }
        FloatVector folded = a0.add(a1).add(a2.add(a3));
        if (Simd.L == 16) folded = folded.add(folded.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) folded = folded.add(folded.rearrange(Simd.FOLD4));
        folded = folded.add(folded.rearrange(Simd.FOLD2));
        folded = folded.add(folded.rearrange(Simd.FOLD1));
        return folded.lane(0);
    }
}
