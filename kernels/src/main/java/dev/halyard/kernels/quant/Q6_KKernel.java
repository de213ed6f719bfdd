package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Bytes.I64;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q6_K (ggml block_q6_K): 256 elements in 210 bytes {@code {u8 ql[128]; u8 qh[64]; int8 scales[16];
 * f16 d}}. Each half n (128 elements) uses ql[64n ..], qh[32n ..], scales[8n ..]; for l in 0..31 the
 * four elements l, l+32, l+64, l+96 are the low/low/high/high nibbles of ql[l], ql[l+32], ql[l],
 * ql[l+32] with bits 0-1/2-3/4-5/6-7 of qh[l] on top; value {@code d * scales[16-group] * (q - 32)}.
 */
public final class Q6_KKernel {
    private Q6_KKernel() {}

    static final int QK = 256; // elements per block
    static final int BYTES = 210; // bytes per block

    /** ggml's dequantize_row_q6_K. */
    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Bytes.half(w, blk + 208);
            for (int half = 0; half < 2; half++) {
                long ql = blk + 64L * half, qh = blk + 128 + 32L * half, sc = blk + 192 + 8L * half;
                int y = di + b * QK + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = Bytes.u8(w, ql + l), c = Bytes.u8(w, ql + l + 32), h = Bytes.u8(w, qh + l);
                    int q1 = ((a & 0x0F) | (((h >> 0) & 3) << 4)) - 32;
                    int q2 = ((c & 0x0F) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * Bytes.i8(w, sc + is) * q1;
                    dst[y + l + 32] = d * Bytes.i8(w, sc + is + 2) * q2;
                    dst[y + l + 64] = d * Bytes.i8(w, sc + is + 4) * q3;
                    dst[y + l + 96] = d * Bytes.i8(w, sc + is + 6) * q4;
                }
            }
        }
    }


    /**
     * {@link #dequantize} bit for bit: quants decoded as in {@link #dot}, then q * (d * scale), the
     * scale product rounded first as in the reference.
     */
    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk + 208));
            for (int half = 0; half < 2; half++) {
                long scales = w.get(I64, blk + 192 + 8L * half); // byte i: scales[8 * half + i]
                for (int h = 0; h < 2; h++) {
                    ByteVector qlA = ByteVector.fromMemorySegment(B16, w, blk + 64L * half + 16 * h, ORDER);
                    ByteVector qlB = ByteVector.fromMemorySegment(B16, w, blk + 64L * half + 32 + 16 * h, ORDER);
                    ByteVector qh = ByteVector.fromMemorySegment(B16, w, blk + 128 + 32L * half + 16 * h, ORDER);
                    ByteVector q1 = qlA.and((byte) 0x0F)
                            .or(qh.reinterpretAsShorts().lanewise(LSHL, 4).reinterpretAsBytes().and((byte) 0x30))
                            .sub((byte) 32);
                    ByteVector q2 = qlB.and((byte) 0x0F)
                            .or(qh.reinterpretAsShorts().lanewise(LSHL, 2).reinterpretAsBytes().and((byte) 0x30))
                            .sub((byte) 32);
                    ByteVector q3 = qlA.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(qh.and((byte) 0x30))
                            .sub((byte) 32);
                    ByteVector q4 = qlB.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(qh.reinterpretAsShorts().lanewise(LSHR, 2).reinterpretAsBytes().and((byte) 0x30))
                            .sub((byte) 32);
                    long sh = scales >> (8 * h); // group k's scale in byte 2k
                    float s1 = d * (byte) sh, s2 = d * (byte) (sh >> 16), s3 = d * (byte) (sh >> 32), s4 = d * (byte) (sh >> 48);
                    int y = di + b * QK + 128 * half + 16 * h;
                    for (int p = 0; p < PARTS; p++) {
                        int k = y + p * L;
                        ((FloatVector) q1.convertShape(B2F, F, p)).mul(s1).intoArray(dst, k);
                        ((FloatVector) q2.convertShape(B2F, F, p)).mul(s2).intoArray(dst, k + 32);
                        ((FloatVector) q3.convertShape(B2F, F, p)).mul(s3).intoArray(dst, k + 64);
                        ((FloatVector) q4.convertShape(B2F, F, p)).mul(s4).intoArray(dst, k + 96);
                    }
                }
            }
        }
    }

    /**
     * Per 16 values of l: four 16-element groups decoded from the same three 16-byte loads (bits moved
     * with 16-bit shifts, then masked), each summed against x and scaled once by d * scales[group]
     * (the 8 int8 scales of a half read as one word: the vector kernels make no calls, see {@link Simd}).
     */
    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk + 208));
            for (int half = 0; half < 2; half++) {
                long scales = w.get(I64, blk + 192 + 8L * half); // byte i: scales[8 * half + i]
                for (int h = 0; h < 2; h++) {
                    ByteVector qlA = ByteVector.fromMemorySegment(B16, w, blk + 64L * half + 16 * h, ORDER);
                    ByteVector qlB = ByteVector.fromMemorySegment(B16, w, blk + 64L * half + 32 + 16 * h, ORDER);
                    ByteVector qh = ByteVector.fromMemorySegment(B16, w, blk + 128 + 32L * half + 16 * h, ORDER);
                    ByteVector q1 = qlA.and((byte) 0x0F)
                            .or(qh.reinterpretAsShorts().lanewise(LSHL, 4).reinterpretAsBytes().and((byte) 0x30))
                            .sub((byte) 32);
                    ByteVector q2 = qlB.and((byte) 0x0F)
                            .or(qh.reinterpretAsShorts().lanewise(LSHL, 2).reinterpretAsBytes().and((byte) 0x30))
                            .sub((byte) 32);
                    ByteVector q3 = qlA.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(qh.and((byte) 0x30))
                            .sub((byte) 32);
                    ByteVector q4 = qlB.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(qh.reinterpretAsShorts().lanewise(LSHR, 2).reinterpretAsBytes().and((byte) 0x30))
                            .sub((byte) 32);
                    int e = xi + b * QK + 128 * half + 16 * h;
                    FloatVector s1 = zero, s2 = zero, s3 = zero, s4 = zero;
                    for (int p = 0; p < PARTS; p++) {
                        int k = e + p * L;
                        s1 = ((FloatVector) q1.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, k), s1);
                        s2 = ((FloatVector) q2.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, k + 32), s2);
                        s3 = ((FloatVector) q3.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, k + 64), s3);
                        s4 = ((FloatVector) q4.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, k + 96), s4);
                    }
                    long sh = scales >> (8 * h); // group k's scale in byte 2k
                    a0 = s1.fma(FloatVector.broadcast(F, d * (byte) sh), a0);
                    a1 = s2.fma(FloatVector.broadcast(F, d * (byte) (sh >> 16)), a1);
                    a2 = s3.fma(FloatVector.broadcast(F, d * (byte) (sh >> 32)), a2);
                    a3 = s4.fma(FloatVector.broadcast(F, d * (byte) (sh >> 48)), a3);
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
     * {@code out[oi + r]}, in the canonical order (see {@code Tiles}): four {@link #dotRow} calls. Unlike
     * Q4_K and Q5_K, one Q6_K row is not held back by the latency of its single FMA chain at 256 and 512
     * bits (each FMA step covers 13 bytes of weights), and a two-row kernel that re-reads the quants to
     * stay in registers measured 25-30% slower there.
     */
    public static void dotRows4(MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        for (int r = 0; r < 4; r++) out[oi + r] = dotRow(w, off + r * rowBytes, x, xi, n);
    }

    /**
     * One row times one activation vector in the canonical order (see {@code Tiles}): one accumulator fed
     * in element order with {@code w * x + acc}, w the floats {@link #dequantizeVector} produces, so the
     * result equals "dequantise the row, then the F32 loop" bit for bit. Elements go in groups of 16,
     * each with its own scale; per half, the six 16-byte loads of {@link #dot} are decoded into its
     * eight groups in element order (quarter k: ql[32(k%2) ..], low nibbles for k < 2, high for k >= 2,
     * bits 2k, 2k+1 of qh; 16 elements from the first 16 bytes, then 16 from the next). w = q * (d *
     * scale) as in the reference (exact anyway: 11 + 7 + 5 significant bits).
     */
    public static float dotRow(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a = FloatVector.zero(F);
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk + 208));
            for (int half = 0; half < 2; half++) {
                long sc = w.get(I64, blk + 192 + 8L * half); // byte i: scales[8 * half + i]
                long ql = blk + 64L * half, qh = blk + 128 + 32L * half;
                ByteVector qlA0 = ByteVector.fromMemorySegment(B16, w, ql, ORDER), qlA1 = ByteVector.fromMemorySegment(B16, w, ql + 16, ORDER);
                ByteVector qlB0 = ByteVector.fromMemorySegment(B16, w, ql + 32, ORDER), qlB1 = ByteVector.fromMemorySegment(B16, w, ql + 48, ORDER);
                ByteVector qh0 = ByteVector.fromMemorySegment(B16, w, qh, ORDER), qh1 = ByteVector.fromMemorySegment(B16, w, qh + 16, ORDER);
                int e = xi + b * QK + 128 * half;
                // quarter k of the half: 16 elements from qh0 / qlX0, then 16 from qh1 / qlX1
                ByteVector g0 = qlA0.and((byte) 0x0F).or(qh0.reinterpretAsShorts().lanewise(LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                ByteVector g1 = qlA1.and((byte) 0x0F).or(qh1.reinterpretAsShorts().lanewise(LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                FloatVector s0 = FloatVector.broadcast(F, d * (byte) sc), s1 = FloatVector.broadcast(F, d * (byte) (sc >> 8));
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g0.convertShape(B2F, F, p)).mul(s0).fma(FloatVector.fromArray(F, x, e + p * L), a);
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g1.convertShape(B2F, F, p)).mul(s1).fma(FloatVector.fromArray(F, x, e + 16 + p * L), a);
                g0 = qlB0.and((byte) 0x0F).or(qh0.reinterpretAsShorts().lanewise(LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                g1 = qlB1.and((byte) 0x0F).or(qh1.reinterpretAsShorts().lanewise(LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                s0 = FloatVector.broadcast(F, d * (byte) (sc >> 16));
                s1 = FloatVector.broadcast(F, d * (byte) (sc >> 24));
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g0.convertShape(B2F, F, p)).mul(s0).fma(FloatVector.fromArray(F, x, e + 32 + p * L), a);
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g1.convertShape(B2F, F, p)).mul(s1).fma(FloatVector.fromArray(F, x, e + 48 + p * L), a);
                g0 = qlA0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(qh0.and((byte) 0x30)).sub((byte) 32);
                g1 = qlA1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(qh1.and((byte) 0x30)).sub((byte) 32);
                s0 = FloatVector.broadcast(F, d * (byte) (sc >> 32));
                s1 = FloatVector.broadcast(F, d * (byte) (sc >> 40));
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g0.convertShape(B2F, F, p)).mul(s0).fma(FloatVector.fromArray(F, x, e + 64 + p * L), a);
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g1.convertShape(B2F, F, p)).mul(s1).fma(FloatVector.fromArray(F, x, e + 80 + p * L), a);
                g0 = qlB0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .or(qh0.reinterpretAsShorts().lanewise(LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                g1 = qlB1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                        .or(qh1.reinterpretAsShorts().lanewise(LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                s0 = FloatVector.broadcast(F, d * (byte) (sc >> 48));
                s1 = FloatVector.broadcast(F, d * (byte) (sc >> 56));
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g0.convertShape(B2F, F, p)).mul(s0).fma(FloatVector.fromArray(F, x, e + 96 + p * L), a);
                for (int p = 0; p < PARTS; p++) a = ((FloatVector) g1.convertShape(B2F, F, p)).mul(s1).fma(FloatVector.fromArray(F, x, e + 112 + p * L), a);
            }
        }
        if (L == 16) a = a.add(a.rearrange(Simd.FOLD8));
        if (L >= 8) a = a.add(a.rearrange(Simd.FOLD4));
        a = a.add(a.rearrange(Simd.FOLD2));
        a = a.add(a.rearrange(Simd.FOLD1));
        return a.lane(0);
    }
}
