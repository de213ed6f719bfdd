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
     * Four dot products of one row with four activation vectors {@code x[xi + k*xStride ..]} into
     * {@code out[oi + k*oStride]}: the row's blocks are loaded and decoded once for all four. Each
     * result is bit-identical to {@link #dot} (same per-token operation order: same partial sums,
     * same rotating accumulators, same fold), so a token's logits do not depend on its batch.
     * 512-bit vectors only (one float vector per 16 quants); callers check {@code Simd.PARTS == 1}.
     */
    public static void dot4(MemorySegment w, long off, float[] x, int xi, int xStride, int n, float[] out, int oi, int oStride) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int x0 = xi, x1 = xi + xStride, x2 = xi + 2 * xStride, x3 = xi + 3 * xStride;
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            int e = b * QK;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER);
            FloatVector f0 = (FloatVector) q.and((byte) 0x0F).sub((byte) 8).convertShape(B2F, F, 0); // elements 0..15
            FloatVector f1 = (FloatVector) q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8)
                    .convertShape(B2F, F, 0); // elements 16..31
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(I16, blk)));
            FloatVector s0 = f1.fma(FloatVector.fromArray(F, x, x0 + e + 16), f0.fma(FloatVector.fromArray(F, x, x0 + e), z));
            FloatVector s1 = f1.fma(FloatVector.fromArray(F, x, x1 + e + 16), f0.fma(FloatVector.fromArray(F, x, x1 + e), z));
            FloatVector s2 = f1.fma(FloatVector.fromArray(F, x, x2 + e + 16), f0.fma(FloatVector.fromArray(F, x, x2 + e), z));
            FloatVector s3 = f1.fma(FloatVector.fromArray(F, x, x3 + e + 16), f0.fma(FloatVector.fromArray(F, x, x3 + e), z));
            FloatVector t;
            a00 = s0.fma(d, a00); t = a00; a00 = a01; a01 = a02; a02 = a03; a03 = t;
            a10 = s1.fma(d, a10); t = a10; a10 = a11; a11 = a12; a12 = a13; a13 = t;
            a20 = s2.fma(d, a20); t = a20; a20 = a21; a21 = a22; a22 = a23; a23 = t;
            a30 = s3.fma(d, a30); t = a30; a30 = a31; a31 = a32; a32 = a33; a33 = t;
        }
        FloatVector r0 = a00.add(a01).add(a02.add(a03));
        if (Simd.L == 16) r0 = r0.add(r0.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) r0 = r0.add(r0.rearrange(Simd.FOLD4));
        r0 = r0.add(r0.rearrange(Simd.FOLD2));
        r0 = r0.add(r0.rearrange(Simd.FOLD1));
        out[oi + 0 * oStride] = r0.lane(0);
        FloatVector r1 = a10.add(a11).add(a12.add(a13));
        if (Simd.L == 16) r1 = r1.add(r1.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) r1 = r1.add(r1.rearrange(Simd.FOLD4));
        r1 = r1.add(r1.rearrange(Simd.FOLD2));
        r1 = r1.add(r1.rearrange(Simd.FOLD1));
        out[oi + 1 * oStride] = r1.lane(0);
        FloatVector r2 = a20.add(a21).add(a22.add(a23));
        if (Simd.L == 16) r2 = r2.add(r2.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) r2 = r2.add(r2.rearrange(Simd.FOLD4));
        r2 = r2.add(r2.rearrange(Simd.FOLD2));
        r2 = r2.add(r2.rearrange(Simd.FOLD1));
        out[oi + 2 * oStride] = r2.lane(0);
        FloatVector r3 = a30.add(a31).add(a32.add(a33));
        if (Simd.L == 16) r3 = r3.add(r3.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) r3 = r3.add(r3.rearrange(Simd.FOLD4));
        r3 = r3.add(r3.rearrange(Simd.FOLD2));
        r3 = r3.add(r3.rearrange(Simd.FOLD1));
        out[oi + 3 * oStride] = r3.lane(0);
    }
}
