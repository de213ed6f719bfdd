package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
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

    /**
     * Four consecutive rows (row r at {@code off + r*rowBytes}) times one activation vector, into
     * {@code out[oi + r]}: the decode-step kernel. Canonical order (see {@code Tiles}): each row keeps
     * one accumulator fed chunk by chunk with {@code (q * d) * x + acc}, the same floats the dequantised
     * panel holds, so results equal the batched path bit for bit. The four rows give four independent
     * FMA chains and share each activation load.
     */
    public static void dotRows4(MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long end = off + (long) (n / QK) * BYTES;
        int e = xi;
        // a long induction variable, as in dotTile4 (C2 builds a much faster DRAM stream from it)
        for (long o0 = off; o0 < end; o0 += BYTES, e += QK) {
            long o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
            float d0 = Float.float16ToFloat(w.get(I16, o0));
            float d1 = Float.float16ToFloat(w.get(I16, o1));
            float d2 = Float.float16ToFloat(w.get(I16, o2));
            float d3 = Float.float16ToFloat(w.get(I16, o3));
            for (int h = 0; h < 2; h++) {
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, o0 + 2 + 16 * h, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, o1 + 2 + 16 * h, ORDER);
                ByteVector q2 = ByteVector.fromMemorySegment(B16, w, o2 + 2 + 16 * h, ORDER);
                ByteVector q3 = ByteVector.fromMemorySegment(B16, w, o3 + 2 + 16 * h, ORDER);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, e + 16 * h + p * L);
                    a0 = ((FloatVector) q0.convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                    a1 = ((FloatVector) q1.convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                    a2 = ((FloatVector) q2.convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                    a3 = ((FloatVector) q3.convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
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
     * {@link #dotRows4} on the tiled layout ({@code WeightMatrix.tile4}): per block column, 4 scales
     * then 4 x 32 quants, read as one sequential stream.
     */
    public static void dotTile4(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long end = off + (long) (n / QK) * 4 * BYTES;
        int e = xi;
        // A long induction variable over the byte offset, not an int block counter: with the int loop C2
        // built code that streamed from DRAM at ~17 GB/s on one core, with this one ~26 GB/s (in cache
        // both run ~30 GB/s). The four scales come in one 8-byte read.
        for (long col = off; col < end; col += 4 * BYTES, e += QK) {
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
     * Four rows of a tiled tile times four tokens (x at {@code xi + t*xs}): {@code out[oi + t*os + r]}.
     * Each block is decoded in registers once for the four tokens, so a batch of decode steps (or a
     * short prompt) reads the int8 weights, not a float panel four times their size: 2.6-3x faster than
     * dequantise-then-tile at 4 tokens, 1.3x at 16, level with it at 32-128 (one thread, 2048x2048).
     * Same canonical order, so each output is bit-identical to {@link #dotTile4} for that token.
     */
    public static void dotTile4x4(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        long end = off + (long) (n / QK) * 4 * BYTES;
        int e = 0;
        for (long col = off; col < end; col += 4 * BYTES, e += QK) { // a long induction variable, as in dotTile4
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
        if (L == 16) {
            a00 = a00.add(a00.rearrange(Simd.FOLD8)); a10 = a10.add(a10.rearrange(Simd.FOLD8)); a20 = a20.add(a20.rearrange(Simd.FOLD8)); a30 = a30.add(a30.rearrange(Simd.FOLD8));
            a01 = a01.add(a01.rearrange(Simd.FOLD8)); a11 = a11.add(a11.rearrange(Simd.FOLD8)); a21 = a21.add(a21.rearrange(Simd.FOLD8)); a31 = a31.add(a31.rearrange(Simd.FOLD8));
            a02 = a02.add(a02.rearrange(Simd.FOLD8)); a12 = a12.add(a12.rearrange(Simd.FOLD8)); a22 = a22.add(a22.rearrange(Simd.FOLD8)); a32 = a32.add(a32.rearrange(Simd.FOLD8));
            a03 = a03.add(a03.rearrange(Simd.FOLD8)); a13 = a13.add(a13.rearrange(Simd.FOLD8)); a23 = a23.add(a23.rearrange(Simd.FOLD8)); a33 = a33.add(a33.rearrange(Simd.FOLD8));
        }
        if (L >= 8) {
            a00 = a00.add(a00.rearrange(Simd.FOLD4)); a10 = a10.add(a10.rearrange(Simd.FOLD4)); a20 = a20.add(a20.rearrange(Simd.FOLD4)); a30 = a30.add(a30.rearrange(Simd.FOLD4));
            a01 = a01.add(a01.rearrange(Simd.FOLD4)); a11 = a11.add(a11.rearrange(Simd.FOLD4)); a21 = a21.add(a21.rearrange(Simd.FOLD4)); a31 = a31.add(a31.rearrange(Simd.FOLD4));
            a02 = a02.add(a02.rearrange(Simd.FOLD4)); a12 = a12.add(a12.rearrange(Simd.FOLD4)); a22 = a22.add(a22.rearrange(Simd.FOLD4)); a32 = a32.add(a32.rearrange(Simd.FOLD4));
            a03 = a03.add(a03.rearrange(Simd.FOLD4)); a13 = a13.add(a13.rearrange(Simd.FOLD4)); a23 = a23.add(a23.rearrange(Simd.FOLD4)); a33 = a33.add(a33.rearrange(Simd.FOLD4));
        }
        a00 = a00.add(a00.rearrange(Simd.FOLD2)); a10 = a10.add(a10.rearrange(Simd.FOLD2)); a20 = a20.add(a20.rearrange(Simd.FOLD2)); a30 = a30.add(a30.rearrange(Simd.FOLD2));
        a01 = a01.add(a01.rearrange(Simd.FOLD2)); a11 = a11.add(a11.rearrange(Simd.FOLD2)); a21 = a21.add(a21.rearrange(Simd.FOLD2)); a31 = a31.add(a31.rearrange(Simd.FOLD2));
        a02 = a02.add(a02.rearrange(Simd.FOLD2)); a12 = a12.add(a12.rearrange(Simd.FOLD2)); a22 = a22.add(a22.rearrange(Simd.FOLD2)); a32 = a32.add(a32.rearrange(Simd.FOLD2));
        a03 = a03.add(a03.rearrange(Simd.FOLD2)); a13 = a13.add(a13.rearrange(Simd.FOLD2)); a23 = a23.add(a23.rearrange(Simd.FOLD2)); a33 = a33.add(a33.rearrange(Simd.FOLD2));
        int o0 = oi + 0 * os;
        out[o0 + 0] = a00.add(a00.rearrange(Simd.FOLD1)).lane(0); out[o0 + 1] = a10.add(a10.rearrange(Simd.FOLD1)).lane(0); out[o0 + 2] = a20.add(a20.rearrange(Simd.FOLD1)).lane(0); out[o0 + 3] = a30.add(a30.rearrange(Simd.FOLD1)).lane(0);
        int o1 = oi + 1 * os;
        out[o1 + 0] = a01.add(a01.rearrange(Simd.FOLD1)).lane(0); out[o1 + 1] = a11.add(a11.rearrange(Simd.FOLD1)).lane(0); out[o1 + 2] = a21.add(a21.rearrange(Simd.FOLD1)).lane(0); out[o1 + 3] = a31.add(a31.rearrange(Simd.FOLD1)).lane(0);
        int o2 = oi + 2 * os;
        out[o2 + 0] = a02.add(a02.rearrange(Simd.FOLD1)).lane(0); out[o2 + 1] = a12.add(a12.rearrange(Simd.FOLD1)).lane(0); out[o2 + 2] = a22.add(a22.rearrange(Simd.FOLD1)).lane(0); out[o2 + 3] = a32.add(a32.rearrange(Simd.FOLD1)).lane(0);
        int o3 = oi + 3 * os;
        out[o3 + 0] = a03.add(a03.rearrange(Simd.FOLD1)).lane(0); out[o3 + 1] = a13.add(a13.rearrange(Simd.FOLD1)).lane(0); out[o3 + 2] = a23.add(a23.rearrange(Simd.FOLD1)).lane(0); out[o3 + 3] = a33.add(a33.rearrange(Simd.FOLD1)).lane(0);
    }

    /**
     * The four rows of a tiled tile, dequantised into the batched path's panel.
     * Element e (a multiple of L) of row r goes to {@code dst[di + r*stride + es*e ..]}: es = 1
     * and stride = the row length lay the rows out one after another; es = 4 and stride = L interleave
     * them chunk by chunk, the layout of {@code Tiles.tile4x4Packed}.
     * Row by row, with a long induction variable over the block columns (as in {@link #dotTile4}): the
     * loop over an int block counter, four rows per block column, ran at 0.16-0.22 ns per weight on one
     * core, this one at 0.045-0.07 (same floats). A 16-token decode batch on 576 columns spent more time
     * dequantising its panel than multiplying it.
     */
    public static void dequantizeTile4(MemorySegment w, long off, int n, float[] dst, int di, int stride, int es) {
        long end = off + (long) (n / QK) * 4 * BYTES;
        for (int r = 0; r < 4; r++) {
            int y = di + r * stride, step = es * QK, half = es * 16;
            for (long col = off; col < end; col += 4 * BYTES, y += step) {
                float d = Float.float16ToFloat(w.get(I16, col + 2 * r));
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, col + 8 + 32 * r, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, col + 24 + 32 * r, ORDER);
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) q0.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + es * p * L);
                    ((FloatVector) q1.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + half + es * p * L);
                }
            }
        }
    }
}
