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

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K (ggml block_q4_K): 256 elements in 144 bytes {@code {f16 d; f16 dmin; u8 scales[12]; u8
 * qs[128]}}: 8 sub-blocks of 32 with 6-bit scale sc and min m ({@link KScales}). Chunk c (0..3) of 64
 * elements uses qs[32c .. 32c+32): low nibbles are sub-block 2c, high nibbles sub-block 2c+1; value
 * {@code d*sc * q - dmin*m}.
 */
public final class Q4_KKernel {
    private Q4_KKernel() {}

    static final int QK = 256; // elements per block
    static final int BYTES = 144; // bytes per block

    /** ggml's dequantize_row_q4_K. */
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
                long q = blk + 16 + 32L * c;
                for (int l = 0; l < 32; l++) dst[y + l] = d1 * (Bytes.u8(w, q + l) & 0x0F) - m1;
                for (int l = 0; l < 32; l++) dst[y + 32 + l] = d2 * (Bytes.u8(w, q + l) >> 4) - m2;
                y += 64;
            }
        }
    }


    /**
     * {@link #dequantize} bit for bit: scales unpacked as in {@link #dot}; per sub-block d1 = d*sc and
     * m1 = dmin*m as floats, then q * d1 - m1 as a multiply and a subtract (no FMA).
     */
    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk));
            float min = Float.float16ToFloat(w.get(I16, blk + 2));
            long lo = w.get(I64, blk + 4); // scale bytes 0..7
            long hi = w.get(I32, blk + 12) & 0xffffffffL; // scale bytes 8..11
            long sc = (lo & 0x3f3f3f3fL) | ((hi & 0x0f0f0f0fL) | ((lo & 0xc0c0c0c0L) >>> 2)) << 32; // byte j: scale j
            long mn = ((lo >>> 32) & 0x3f3f3f3fL) | (((hi >>> 4) & 0x0f0f0f0fL) | ((lo >>> 34) & 0x30303030L)) << 32;
            for (int c = 0; c < 4; c++) {
                float d1 = d * (int) ((sc >>> (16 * c)) & 0xff), m1 = min * (int) ((mn >>> (16 * c)) & 0xff);
                float d2 = d * (int) ((sc >>> (16 * c + 8)) & 0xff), m2 = min * (int) ((mn >>> (16 * c + 8)) & 0xff);
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, blk + 16 + 32L * c, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, blk + 32 + 32L * c, ORDER);
                ByteVector lo0 = q0.and((byte) 0x0F), lo1 = q1.and((byte) 0x0F); // sub-block 2c
                ByteVector hi0 = q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                ByteVector hi1 = q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
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

    /**
     * Per super-block: the 12 scale bytes are read as two words and unpacked 4 at a time (the same
     * unpacking as {@link KScales}, written out here: the vector kernels make no calls, see {@link
     * Simd}); then per chunk of 64 elements, 32 bytes of nibbles are widened, dequantised with one FMA
     * (q * d*sc - dmin*m) and multiplied into 4 accumulators.
     */
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
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * ((sc >>> (16 * c)) & 0xff));
                FloatVector m1 = FloatVector.broadcast(F, -min * ((mn >>> (16 * c)) & 0xff));
                FloatVector d2 = FloatVector.broadcast(F, d * ((sc >>> (16 * c + 8)) & 0xff));
                FloatVector m2 = FloatVector.broadcast(F, -min * ((mn >>> (16 * c + 8)) & 0xff));
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, blk + 16 + 32L * c, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, blk + 32 + 32L * c, ORDER);
                ByteVector lo0 = q0.and((byte) 0x0F), lo1 = q1.and((byte) 0x0F); // sub-block 2c
                ByteVector hi0 = q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                ByteVector hi1 = q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
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
