package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Bytes.I64;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    // ---- The tiled layout (WeightMatrix.tile4): rows in fours, per block column 4 x 210 = 840 bytes ----
    //
    //  [0, 8)     f16 d of row r at 2r
    //  [8, 72)    row r's 16 int8 scales at 8 + 16r
    //  [72 + 192r, 264 + 192r)  row r's quants: two groups of 16 little-endian ints holding the low 4
    //             bits (in group G, nibble k of int i: element 128G + 16k + i), then 16 ints holding the
    //             top 2 bits (bits 2k, 2k+1 of int i: element 16k + i)
    //
    // Element 16k + i is lane i of chunk k, and chunk k is scale group k: each 16-element group comes
    // out of three 64-byte loads per row with shifts and masks, and has one scale.

    /** Rewrites one block column: the 4 rows' ggml blocks at src[s + r*stride] into dst[d .. d + 840). */
    public static void tile(byte[] src, int s, int stride, byte[] dst, int d) {
        java.util.Arrays.fill(dst, d, d + 4 * BYTES, (byte) 0);
        for (int r = 0; r < 4; r++) {
            int blk = s + r * stride, row = d + 72 + 192 * r;
            System.arraycopy(src, blk + 208, dst, d + 2 * r, 2);
            System.arraycopy(src, blk + 192, dst, d + 8 + 16 * r, 16);
            for (int e = 0; e < QK; e++) {
                int t = e % 128 / 32, l = e % 32;
                int lo = (src[blk + 64 * (e / 128) + 32 * (t & 1) + l] >> (4 * (t >> 1))) & 0x0F;
                int hi = (src[blk + 128 + 32 * (e / 128) + l] >> (2 * t)) & 3;
                dst[row + 64 * (e / 128) + 4 * (e % 16) + (e % 128 / 16) / 2] |= (byte) (lo << (4 * (e % 32 / 16)));
                dst[row + 128 + 4 * (e % 16) + (e / 16) / 4] |= (byte) (hi << (2 * (e / 16 % 4)));
            }
        }
    }

    /** The inverse of {@link #tile} for row r: its ggml block from the column at src[s], into dst[d .. d + 210). */
    public static void untile(byte[] src, int s, int r, byte[] dst, int d) {
        int row = s + 72 + 192 * r;
        java.util.Arrays.fill(dst, d, d + 192, (byte) 0);
        System.arraycopy(src, s + 2 * r, dst, d + 208, 2);
        System.arraycopy(src, s + 8 + 16 * r, dst, d + 192, 16);
        for (int e = 0; e < QK; e++) {
            int t = e % 128 / 32, l = e % 32;
            int lo = (src[row + 64 * (e / 128) + 4 * (e % 16) + (e % 128 / 16) / 2] >> (4 * (e % 32 / 16))) & 0x0F;
            int hi = (src[row + 128 + 4 * (e % 16) + (e / 16) / 4] >> (2 * (e / 16 % 4))) & 3;
            dst[d + 64 * (e / 128) + 32 * (t & 1) + l] |= (byte) (lo << (4 * (t >> 1)));
            dst[d + 128 + 32 * (e / 128) + l] |= (byte) (hi << (2 * t));
        }
    }

    /**
     * {@link #dotRow} for the 4 rows of a tiled tile (same floats, same order, same bits), into {@code
     * out[oi .. oi + 4)}. Per block column the 4 rows' d * scale are formed as vectors into {@code s[0
     * .. 64)} and -32 times them into {@code s[64 .. 128)} (row r's 16 at 16r; a scratch the caller
     * owns, so that the kernel allocates nothing); then per chunk of L elements each row's unsigned
     * quant u = low | top << 4 comes from its int lanes, w = u * s - 32s with one FMA, and one more FMA
     * into the row's accumulator, the 4 rows sharing each activation load.
     *
     * <p>w is the reference's (u - 32) * s: that product is exact (s = d * scale has at most 11 + 7
     * significant bits, u - 32 at most 5), so the FMA's exact u * s - 32s needs no rounding either. The
     * one difference is the sign of a zero (u = 32 with s < 0: +0 here, -0 there), which no sum can
     * see: an accumulator starting at +0 never becomes -0, and acc + (+-0) * x is acc either way.
     */
    public static void dotTile4(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES;
            long ds = w.get(I64, col);
            float d0 = Float.float16ToFloat((short) ds), d1 = Float.float16ToFloat((short) (ds >>> 16));
            float d2 = Float.float16ToFloat((short) (ds >>> 32)), d3 = Float.float16ToFloat((short) (ds >>> 48));
            ByteVector c0 = ByteVector.fromMemorySegment(B16, w, col + 8, ORDER), c1 = ByteVector.fromMemorySegment(B16, w, col + 24, ORDER);
            ByteVector c2 = ByteVector.fromMemorySegment(B16, w, col + 40, ORDER), c3 = ByteVector.fromMemorySegment(B16, w, col + 56, ORDER);
            for (int p = 0; p < PARTS; p++) { // d * scale, and -32 times that
                FloatVector v0 = ((FloatVector) c0.convertShape(B2F, F, p)).mul(d0), v1 = ((FloatVector) c1.convertShape(B2F, F, p)).mul(d1);
                FloatVector v2 = ((FloatVector) c2.convertShape(B2F, F, p)).mul(d2), v3 = ((FloatVector) c3.convertShape(B2F, F, p)).mul(d3);
                v0.intoArray(s, p * L);
                v1.intoArray(s, 16 + p * L);
                v2.intoArray(s, 32 + p * L);
                v3.intoArray(s, 48 + p * L);
                v0.mul(-32f).intoArray(s, 64 + p * L);
                v1.mul(-32f).intoArray(s, 80 + p * L);
                v2.mul(-32f).intoArray(s, 96 + p * L);
                v3.mul(-32f).intoArray(s, 112 + p * L);
            }
            for (int g = 0; g < 2; g++) { // 128 elements: groups k = 8g .. 8g + 7
                long lo = col + 72 + 64 * g, hi = col + 72 + 128;
                for (int kk = 0; kk < 8; kk++) {
                    int k = 8 * g + kk; // group k: elements 16k .. 16k + 15, nibble kk of the low ints
                    FloatVector s0 = FloatVector.broadcast(F, s[k]), s1 = FloatVector.broadcast(F, s[16 + k]);
                    FloatVector s2 = FloatVector.broadcast(F, s[32 + k]), s3 = FloatVector.broadcast(F, s[48 + k]);
                    FloatVector t0 = FloatVector.broadcast(F, s[64 + k]), t1 = FloatVector.broadcast(F, s[80 + k]);
                    FloatVector t2 = FloatVector.broadcast(F, s[96 + k]), t3 = FloatVector.broadcast(F, s[112 + k]);
                    for (int p = 0; p < PARTS; p++) {
                        long lp = lo + 4L * L * p, hp = hi + 4L * L * p;
                        IntVector l0 = IntVector.fromMemorySegment(I, w, lp, ORDER), h0 = IntVector.fromMemorySegment(I, w, hp, ORDER);
                        IntVector l1 = IntVector.fromMemorySegment(I, w, lp + 192, ORDER), h1 = IntVector.fromMemorySegment(I, w, hp + 192, ORDER);
                        IntVector l2 = IntVector.fromMemorySegment(I, w, lp + 384, ORDER), h2 = IntVector.fromMemorySegment(I, w, hp + 384, ORDER);
                        IntVector l3 = IntVector.fromMemorySegment(I, w, lp + 576, ORDER), h3 = IntVector.fromMemorySegment(I, w, hp + 576, ORDER);
                        if (k >= 2) { // top bits 2k, 2k+1 to bits 4, 5
                            h0 = h0.lanewise(LSHR, 2 * k - 4);
                            h1 = h1.lanewise(LSHR, 2 * k - 4);
                            h2 = h2.lanewise(LSHR, 2 * k - 4);
                            h3 = h3.lanewise(LSHR, 2 * k - 4);
                        } else {
                            h0 = h0.lanewise(LSHL, 4 - 2 * k);
                            h1 = h1.lanewise(LSHL, 4 - 2 * k);
                            h2 = h2.lanewise(LSHL, 4 - 2 * k);
                            h3 = h3.lanewise(LSHL, 4 - 2 * k);
                        }
                        FloatVector xv = FloatVector.fromArray(F, x, xi + b * QK + 16 * k + p * L);
                        a0 = ((FloatVector) l0.lanewise(LSHR, 4 * kk).and(0x0F).or(h0.and(0x30)).convert(I2F, 0)).fma(s0, t0).fma(xv, a0);
                        a1 = ((FloatVector) l1.lanewise(LSHR, 4 * kk).and(0x0F).or(h1.and(0x30)).convert(I2F, 0)).fma(s1, t1).fma(xv, a1);
                        a2 = ((FloatVector) l2.lanewise(LSHR, 4 * kk).and(0x0F).or(h2.and(0x30)).convert(I2F, 0)).fma(s2, t2).fma(xv, a2);
                        a3 = ((FloatVector) l3.lanewise(LSHR, 4 * kk).and(0x0F).or(h3.and(0x30)).convert(I2F, 0)).fma(s3, t3).fma(xv, a3);
                    }
                }
            }
        }
        if (L == 16) {
            a0 = a0.add(a0.rearrange(Simd.FOLD8));
            a1 = a1.add(a1.rearrange(Simd.FOLD8));
            a2 = a2.add(a2.rearrange(Simd.FOLD8));
            a3 = a3.add(a3.rearrange(Simd.FOLD8));
        }
        if (L >= 8) {
            a0 = a0.add(a0.rearrange(Simd.FOLD4));
            a1 = a1.add(a1.rearrange(Simd.FOLD4));
            a2 = a2.add(a2.rearrange(Simd.FOLD4));
            a3 = a3.add(a3.rearrange(Simd.FOLD4));
        }
        a0 = a0.add(a0.rearrange(Simd.FOLD2));
        a1 = a1.add(a1.rearrange(Simd.FOLD2));
        a2 = a2.add(a2.rearrange(Simd.FOLD2));
        a3 = a3.add(a3.rearrange(Simd.FOLD2));
        out[oi] = a0.add(a0.rearrange(Simd.FOLD1)).lane(0);
        out[oi + 1] = a1.add(a1.rearrange(Simd.FOLD1)).lane(0);
        out[oi + 2] = a2.add(a2.rearrange(Simd.FOLD1)).lane(0);
        out[oi + 3] = a3.add(a3.rearrange(Simd.FOLD1)).lane(0);
    }

    /**
     * The four rows of a tiled tile, dequantised into dst[di + r*stride ..] (the batched path's panel):
     * the floats of {@link #dequantizeVector}, decoded as in {@link #dotTile4}.
     */
    public static void dequantizeTile4(MemorySegment w, long off, int n, float[] dst, int di, int stride) {
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES;
            for (int r = 0; r < 4; r++) {
                float d = Float.float16ToFloat(w.get(I16, col + 2 * r));
                long q = col + 72 + 192 * r;
                int y = di + r * stride + b * QK;
                for (int g = 0; g < 2; g++)
                    for (int p = 0; p < PARTS; p++) { // one load of each, 8 chunks: 16k + p*L for k = 8g ..
                        IntVector lo = IntVector.fromMemorySegment(I, w, q + 64 * g + 4L * L * p, ORDER);
                        IntVector hi = IntVector.fromMemorySegment(I, w, q + 128 + 4L * L * p, ORDER);
                        for (int kk = 0; kk < 8; kk++) {
                            int k = 8 * g + kk;
                            float sc = d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, col + 8 + 16 * r + k);
                            IntVector top = k >= 2 ? hi.lanewise(LSHR, 2 * k - 4) : hi.lanewise(LSHL, 4 - 2 * k);
                            ((FloatVector) lo.lanewise(LSHR, 4 * kk).and(0x0F).or(top.and(0x30)).sub(32).convert(I2F, 0)).mul(sc)
                                    .intoArray(dst, y + 16 * k + p * L);
                        }
                    }
            }
        }
    }
}
