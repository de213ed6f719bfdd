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

    /** The four rows of a tiled tile, dequantised into dst[di + r*stride ..] (the batched path's panel). */
    public static void dequantizeTile4(MemorySegment w, long off, int n, float[] dst, int di, int stride) {
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES;
            for (int r = 0; r < 4; r++) {
                float d = Float.float16ToFloat(w.get(I16, col + 2 * r));
                for (int h = 0; h < 2; h++) {
                    ByteVector q = ByteVector.fromMemorySegment(B16, w, col + 8 + 32 * r + 16 * h, ORDER);
                    int y = di + r * stride + b * QK + 16 * h;
                    for (int p = 0; p < PARTS; p++) ((FloatVector) q.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + p * L);
                }
            }
        }
    }
}
