package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 (ggml block_q4_0): 32 elements in 18 bytes {@code {f16 d; u8 qs[16]}}; element j < 16 is the
 * low nibble of qs[j], element j + 16 its high nibble; value {@code (q - 8) * d}.
 */
public final class Q4_0Kernel {
    private Q4_0Kernel() {}

    static final int QK = 32; // elements per block
    static final int BYTES = 18; // bytes per block

    /** ggml's dequantize_row_q4_0. */
    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Bytes.half(w, blk);
            int y = di + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(w, blk + 2 + j);
                dst[y + j] = ((q & 0x0F) - 8) * d;
                dst[y + j + QK / 2] = ((q >> 4) - 8) * d;
            }
        }
    }

    // High nibbles below: a 16-bit shift then a mask (x86 has no byte shifts; the mask drops what
    // leaks in from the neighbouring byte).

    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk));
            int y = di + b * QK;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + p * L);
                ((FloatVector) hi.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + 16 + p * L);
            }
        }
    }

    /** Per block: nibbles unpacked in byte lanes, (q - 8) . x in registers, one FMA by d. */
    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            int e = xi + b * QK;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8); // elements 0..15
            ByteVector hi = q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                s = ((FloatVector) lo.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + p * L), s);
                s = ((FloatVector) hi.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + 16 + p * L), s);
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
     * Four consecutive rows times one activation vector, canonical order (see {@code Q8_0Kernel.dotRows4}):
     * each chunk is {@code (q - 8) * d} exactly as {@link #dequantizeVector} computes it, then one FMA.
     */
    public static void dotRows4(MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long o0 = off, o1 = off + rowBytes, o2 = off + 2 * rowBytes, o3 = off + 3 * rowBytes;
        for (int b = 0; b < n / QK; b++) {
            long bo = (long) b * BYTES;
            int e = xi + b * QK;
            float d0 = Float.float16ToFloat(w.get(I16, o0 + bo));
            float d1 = Float.float16ToFloat(w.get(I16, o1 + bo));
            float d2 = Float.float16ToFloat(w.get(I16, o2 + bo));
            float d3 = Float.float16ToFloat(w.get(I16, o3 + bo));
            ByteVector q0 = ByteVector.fromMemorySegment(B16, w, o0 + bo + 2, ORDER);
            ByteVector q1 = ByteVector.fromMemorySegment(B16, w, o1 + bo + 2, ORDER);
            ByteVector q2 = ByteVector.fromMemorySegment(B16, w, o2 + bo + 2, ORDER);
            ByteVector q3 = ByteVector.fromMemorySegment(B16, w, o3 + bo + 2, ORDER);
            ByteVector l0 = q0.and((byte) 0x0F).sub((byte) 8), l1 = q1.and((byte) 0x0F).sub((byte) 8);
            ByteVector l2 = q2.and((byte) 0x0F).sub((byte) 8), l3 = q3.and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < PARTS; p++) { // elements 0..15: low nibbles
                FloatVector xv = FloatVector.fromArray(F, x, e + p * L);
                a0 = ((FloatVector) l0.convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                a1 = ((FloatVector) l1.convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                a2 = ((FloatVector) l2.convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                a3 = ((FloatVector) l3.convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
            }
            ByteVector h0 = q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            ByteVector h1 = q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            ByteVector h2 = q2.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            ByteVector h3 = q3.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < PARTS; p++) { // elements 16..31: high nibbles
                FloatVector xv = FloatVector.fromArray(F, x, e + 16 + p * L);
                a0 = ((FloatVector) h0.convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                a1 = ((FloatVector) h1.convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                a2 = ((FloatVector) h2.convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                a3 = ((FloatVector) h3.convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
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

    /** {@link #dotRows4} on the tiled layout: per block column, 4 scales then 4 x 16 quant bytes. */
    public static void dotTile4(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES;
            int e = xi + b * QK;
            float d0 = Float.float16ToFloat(w.get(I16, col));
            float d1 = Float.float16ToFloat(w.get(I16, col + 2));
            float d2 = Float.float16ToFloat(w.get(I16, col + 4));
            float d3 = Float.float16ToFloat(w.get(I16, col + 6));
            ByteVector q0 = ByteVector.fromMemorySegment(B16, w, col + 8, ORDER);
            ByteVector q1 = ByteVector.fromMemorySegment(B16, w, col + 24, ORDER);
            ByteVector q2 = ByteVector.fromMemorySegment(B16, w, col + 40, ORDER);
            ByteVector q3 = ByteVector.fromMemorySegment(B16, w, col + 56, ORDER);
            ByteVector l0 = q0.and((byte) 0x0F).sub((byte) 8), l1 = q1.and((byte) 0x0F).sub((byte) 8);
            ByteVector l2 = q2.and((byte) 0x0F).sub((byte) 8), l3 = q3.and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < PARTS; p++) { // elements 0..15: low nibbles
                FloatVector xv = FloatVector.fromArray(F, x, e + p * L);
                a0 = ((FloatVector) l0.convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                a1 = ((FloatVector) l1.convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                a2 = ((FloatVector) l2.convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                a3 = ((FloatVector) l3.convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
            }
            ByteVector h0 = q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            ByteVector h1 = q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            ByteVector h2 = q2.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            ByteVector h3 = q3.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < PARTS; p++) { // elements 16..31: high nibbles
                FloatVector xv = FloatVector.fromArray(F, x, e + 16 + p * L);
                a0 = ((FloatVector) h0.convertShape(B2F, F, p)).mul(d0).fma(xv, a0);
                a1 = ((FloatVector) h1.convertShape(B2F, F, p)).mul(d1).fma(xv, a1);
                a2 = ((FloatVector) h2.convertShape(B2F, F, p)).mul(d2).fma(xv, a2);
                a3 = ((FloatVector) h3.convertShape(B2F, F, p)).mul(d3).fma(xv, a3);
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
                ByteVector q = ByteVector.fromMemorySegment(B16, w, col + 8 + 16 * r, ORDER);
                ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
                ByteVector hi = q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
                int y = di + r * stride + b * QK;
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) lo.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + p * L);
                    ((FloatVector) hi.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + 16 + p * L);
                }
            }
        }
    }
}
