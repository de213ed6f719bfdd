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

    /**
     * Four consecutive rows (row r at {@code off + r*rowBytes}) times one activation vector, into
     * {@code out[oi + r]}, in the canonical order (see {@code Tiles}), bit-identical to "dequantise the
     * row, then the F32 loop": two {@link #dotRows2} calls, as in {@link Q4_KKernel#dotRows4}.
     */
    public static void dotRows4(MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        dotRows2(w, off, rowBytes, x, xi, n, out, oi);
        dotRows2(w, off + 2 * rowBytes, rowBytes, x, xi, n, out, oi + 2);
    }

    /**
     * Two consecutive rows times one activation vector, into {@code out[oi]} and {@code out[oi + 1]}: as
     * {@link Q4_KKernel#dotRows2}, with the fifth bits of {@link #dot} (qh is re-read per chunk rather
     * than held in registers). w = {@code q * d1 + (-m1)} in one FMA equals the reference's
     * multiply-then-subtract because q * d1 is exact (5 + 17 significant bits).
     */
    public static void dotRows2(MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long o0 = off, o1 = off + rowBytes;
        for (int b = 0; b < n / QK; b++) {
            long bo = (long) b * BYTES;
            // per row: d, dmin, and scale j / min j in byte j of sc / mn (as in dot)
            float d0 = Float.float16ToFloat(w.get(I16, o0 + bo)), min0 = Float.float16ToFloat(w.get(I16, o0 + bo + 2));
            float d1 = Float.float16ToFloat(w.get(I16, o1 + bo)), min1 = Float.float16ToFloat(w.get(I16, o1 + bo + 2));
            long lo0 = w.get(I64, o0 + bo + 4), hi0 = w.get(I32, o0 + bo + 12) & 0xffffffffL;
            long lo1 = w.get(I64, o1 + bo + 4), hi1 = w.get(I32, o1 + bo + 12) & 0xffffffffL;
            long sc0 = (lo0 & 0x3f3f3f3fL) | ((hi0 & 0x0f0f0f0fL) | ((lo0 & 0xc0c0c0c0L) >>> 2)) << 32;
            long sc1 = (lo1 & 0x3f3f3f3fL) | ((hi1 & 0x0f0f0f0fL) | ((lo1 & 0xc0c0c0c0L) >>> 2)) << 32;
            long mn0 = ((lo0 >>> 32) & 0x3f3f3f3fL) | (((hi0 >>> 4) & 0x0f0f0f0fL) | ((lo0 >>> 34) & 0x30303030L)) << 32;
            long mn1 = ((lo1 >>> 32) & 0x3f3f3f3fL) | (((hi1 >>> 4) & 0x0f0f0f0fL) | ((lo1 >>> 34) & 0x30303030L)) << 32;
            for (int c = 0; c < 4; c++) {
                int e = xi + b * QK + 64 * c;
                byte u1 = (byte) (1 << (2 * c)), u2 = (byte) (2 << (2 * c));
                ByteVector r00 = ByteVector.fromMemorySegment(B16, w, o0 + bo + 48 + 32L * c, ORDER); // row 0, bytes 0..15
                ByteVector r01 = ByteVector.fromMemorySegment(B16, w, o0 + bo + 64 + 32L * c, ORDER); // row 0, bytes 16..31
                ByteVector r10 = ByteVector.fromMemorySegment(B16, w, o1 + bo + 48 + 32L * c, ORDER);
                ByteVector r11 = ByteVector.fromMemorySegment(B16, w, o1 + bo + 64 + 32L * c, ORDER);
                ByteVector h00 = ByteVector.fromMemorySegment(B16, w, o0 + bo + 16, ORDER); // row 0, qh[0..15]
                ByteVector h01 = ByteVector.fromMemorySegment(B16, w, o0 + bo + 32, ORDER); // row 0, qh[16..31]
                ByteVector h10 = ByteVector.fromMemorySegment(B16, w, o1 + bo + 16, ORDER);
                ByteVector h11 = ByteVector.fromMemorySegment(B16, w, o1 + bo + 32, ORDER);
                // elements 0..31: low nibbles and bit 2c, sub-block 2c
                FloatVector ds0 = FloatVector.broadcast(F, d0 * (int) ((sc0 >>> (16 * c)) & 0xff));
                FloatVector ms0 = FloatVector.broadcast(F, -(min0 * (int) ((mn0 >>> (16 * c)) & 0xff)));
                FloatVector ds1 = FloatVector.broadcast(F, d1 * (int) ((sc1 >>> (16 * c)) & 0xff));
                FloatVector ms1 = FloatVector.broadcast(F, -(min1 * (int) ((mn1 >>> (16 * c)) & 0xff)));
                ByteVector q00 = r00.and((byte) 0x0F).lanewise(OR, (byte) 0x10, h00.and(u1).compare(NE, 0));
                ByteVector q01 = r01.and((byte) 0x0F).lanewise(OR, (byte) 0x10, h01.and(u1).compare(NE, 0));
                ByteVector q10 = r10.and((byte) 0x0F).lanewise(OR, (byte) 0x10, h10.and(u1).compare(NE, 0));
                ByteVector q11 = r11.and((byte) 0x0F).lanewise(OR, (byte) 0x10, h11.and(u1).compare(NE, 0));
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, e + p * L);
                    a0 = ((FloatVector) q00.convertShape(B2F, F, p)).fma(ds0, ms0).fma(xv, a0);
                    a1 = ((FloatVector) q10.convertShape(B2F, F, p)).fma(ds1, ms1).fma(xv, a1);
                }
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, e + 16 + p * L);
                    a0 = ((FloatVector) q01.convertShape(B2F, F, p)).fma(ds0, ms0).fma(xv, a0);
                    a1 = ((FloatVector) q11.convertShape(B2F, F, p)).fma(ds1, ms1).fma(xv, a1);
                }
                // elements 32..63: high nibbles and bit 2c + 1, sub-block 2c + 1
                ds0 = FloatVector.broadcast(F, d0 * (int) ((sc0 >>> (16 * c + 8)) & 0xff));
                ms0 = FloatVector.broadcast(F, -(min0 * (int) ((mn0 >>> (16 * c + 8)) & 0xff)));
                ds1 = FloatVector.broadcast(F, d1 * (int) ((sc1 >>> (16 * c + 8)) & 0xff));
                ms1 = FloatVector.broadcast(F, -(min1 * (int) ((mn1 >>> (16 * c + 8)) & 0xff)));
                q00 = r00.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, h00.and(u2).compare(NE, 0));
                q01 = r01.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, h01.and(u2).compare(NE, 0));
                q10 = r10.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, h10.and(u2).compare(NE, 0));
                q11 = r11.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .lanewise(OR, (byte) 0x10, h11.and(u2).compare(NE, 0));
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, e + 32 + p * L);
                    a0 = ((FloatVector) q00.convertShape(B2F, F, p)).fma(ds0, ms0).fma(xv, a0);
                    a1 = ((FloatVector) q10.convertShape(B2F, F, p)).fma(ds1, ms1).fma(xv, a1);
                }
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, e + 48 + p * L);
                    a0 = ((FloatVector) q01.convertShape(B2F, F, p)).fma(ds0, ms0).fma(xv, a0);
                    a1 = ((FloatVector) q11.convertShape(B2F, F, p)).fma(ds1, ms1).fma(xv, a1);
                }
            }
        }
        if (L == 16) {
            a0 = a0.add(a0.rearrange(Simd.FOLD8));
            a1 = a1.add(a1.rearrange(Simd.FOLD8));
        }
        if (L >= 8) {
            a0 = a0.add(a0.rearrange(Simd.FOLD4));
            a1 = a1.add(a1.rearrange(Simd.FOLD4));
        }
        a0 = a0.add(a0.rearrange(Simd.FOLD2));
        a1 = a1.add(a1.rearrange(Simd.FOLD2));
        out[oi] = a0.add(a0.rearrange(Simd.FOLD1)).lane(0);
        out[oi + 1] = a1.add(a1.rearrange(Simd.FOLD1)).lane(0);
    }

    /** One row of {@link #dotRows2}: the same order and floats, one FMA chain. */
    public static float dotRow(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a = FloatVector.zero(F);
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk)), min = Float.float16ToFloat(w.get(I16, blk + 2));
            long lo = w.get(I64, blk + 4), hi = w.get(I32, blk + 12) & 0xffffffffL;
            long sc = (lo & 0x3f3f3f3fL) | ((hi & 0x0f0f0f0fL) | ((lo & 0xc0c0c0c0L) >>> 2)) << 32;
            long mn = ((lo >>> 32) & 0x3f3f3f3fL) | (((hi >>> 4) & 0x0f0f0f0fL) | ((lo >>> 34) & 0x30303030L)) << 32;
            ByteVector qh0 = ByteVector.fromMemorySegment(B16, w, blk + 16, ORDER); // qh[0..15]
            ByteVector qh1 = ByteVector.fromMemorySegment(B16, w, blk + 32, ORDER); // qh[16..31]
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * (int) ((sc >>> (16 * c)) & 0xff));
                FloatVector m1 = FloatVector.broadcast(F, -(min * (int) ((mn >>> (16 * c)) & 0xff)));
                FloatVector d2 = FloatVector.broadcast(F, d * (int) ((sc >>> (16 * c + 8)) & 0xff));
                FloatVector m2 = FloatVector.broadcast(F, -(min * (int) ((mn >>> (16 * c + 8)) & 0xff)));
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
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) lo0.convertShape(B2F, F, p)).fma(d1, m1).fma(FloatVector.fromArray(F, x, e + p * L), a);
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) lo1.convertShape(B2F, F, p)).fma(d1, m1).fma(FloatVector.fromArray(F, x, e + 16 + p * L), a);
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) hi0.convertShape(B2F, F, p)).fma(d2, m2).fma(FloatVector.fromArray(F, x, e + 32 + p * L), a);
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) hi1.convertShape(B2F, F, p)).fma(d2, m2).fma(FloatVector.fromArray(F, x, e + 48 + p * L), a);
            }
        }
        if (L == 16) a = a.add(a.rearrange(Simd.FOLD8));
        if (L >= 8) a = a.add(a.rearrange(Simd.FOLD4));
        a = a.add(a.rearrange(Simd.FOLD2));
        a = a.add(a.rearrange(Simd.FOLD1));
        return a.lane(0);
    }
}
