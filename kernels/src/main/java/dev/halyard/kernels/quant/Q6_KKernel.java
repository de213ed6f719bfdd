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
import jdk.incubator.vector.VectorOperators;

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
}
