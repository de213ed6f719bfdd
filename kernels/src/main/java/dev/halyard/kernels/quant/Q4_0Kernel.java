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
}
