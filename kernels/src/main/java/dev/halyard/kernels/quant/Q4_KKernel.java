package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Bytes.I32;
import static dev.halyard.kernels.quant.Bytes.I64;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

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

    /**
     * Four consecutive rows (row r at {@code off + r*rowBytes}) times one activation vector, into
     * {@code out[oi + r]}, in the canonical order (see {@code Tiles}): each row keeps one accumulator fed
     * chunk by chunk, in element order, with {@code w * x + acc}, where w are the floats {@link
     * #dequantizeVector} produces, so results equal "dequantise the row, then the F32 loop" bit for bit.
     * Two {@link #dotRows2} calls: a pair of rows is what stays in registers (see there).
     */
    public static void dotRows4(MemorySegment w, long off, long rowBytes, float[] x, int xi, int n, float[] out, int oi) {
        dotRows2(w, off, rowBytes, x, xi, n, out, oi);
        dotRows2(w, off + 2 * rowBytes, rowBytes, x, xi, n, out, oi + 2);
    }

    /**
     * Two consecutive rows times one activation vector, into {@code out[oi]} and {@code out[oi + 1]}, in
     * the canonical order (see {@link #dotRows4}). Per chunk of 64 elements, each row's 32 bytes of
     * nibbles are decoded as in {@link #dot} and its elements go in order into its one accumulator; the
     * two rows give two independent FMA chains sharing each activation load. Why two: one row waits on
     * its FMA chain (at 256 and 128 bits, {@link #dotRow} runs at the latency bound, 15-25% below this);
     * four rows' decoded chunks and scales do not fit in the registers (a four-row kernel measured no
     * faster at 512 bits and 10-20% slower at 256 and 128).
     *
     * <p>w is formed with one FMA, {@code q * d1 + (-m1)}, where the reference multiplies then subtracts:
     * the same float, because q * d1 is exact (q < 16 has 4 significant bits, d1 = d * sc at most 11 + 6:
     * 21 bits fit in a float's 24, with no overflow or underflow for half d), so both round once, at the
     * subtraction. {@code KQuantVectorCheck} checks it, on random and on arbitrary bits.
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
                ByteVector r00 = ByteVector.fromMemorySegment(B16, w, o0 + bo + 16 + 32L * c, ORDER); // row 0, bytes 0..15
                ByteVector r01 = ByteVector.fromMemorySegment(B16, w, o0 + bo + 32 + 32L * c, ORDER); // row 0, bytes 16..31
                ByteVector r10 = ByteVector.fromMemorySegment(B16, w, o1 + bo + 16 + 32L * c, ORDER);
                ByteVector r11 = ByteVector.fromMemorySegment(B16, w, o1 + bo + 32 + 32L * c, ORDER);
                // elements 0..31: low nibbles, sub-block 2c
                FloatVector ds0 = FloatVector.broadcast(F, d0 * (int) ((sc0 >>> (16 * c)) & 0xff));
                FloatVector ms0 = FloatVector.broadcast(F, -(min0 * (int) ((mn0 >>> (16 * c)) & 0xff)));
                FloatVector ds1 = FloatVector.broadcast(F, d1 * (int) ((sc1 >>> (16 * c)) & 0xff));
                FloatVector ms1 = FloatVector.broadcast(F, -(min1 * (int) ((mn1 >>> (16 * c)) & 0xff)));
                ByteVector q00 = r00.and((byte) 0x0F), q01 = r01.and((byte) 0x0F), q10 = r10.and((byte) 0x0F), q11 = r11.and((byte) 0x0F);
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
                // elements 32..63: high nibbles, sub-block 2c + 1
                ds0 = FloatVector.broadcast(F, d0 * (int) ((sc0 >>> (16 * c + 8)) & 0xff));
                ms0 = FloatVector.broadcast(F, -(min0 * (int) ((mn0 >>> (16 * c + 8)) & 0xff)));
                ds1 = FloatVector.broadcast(F, d1 * (int) ((sc1 >>> (16 * c + 8)) & 0xff));
                ms1 = FloatVector.broadcast(F, -(min1 * (int) ((mn1 >>> (16 * c + 8)) & 0xff)));
                q00 = r00.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                q01 = r01.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                q10 = r10.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                q11 = r11.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
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
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * (int) ((sc >>> (16 * c)) & 0xff));
                FloatVector m1 = FloatVector.broadcast(F, -(min * (int) ((mn >>> (16 * c)) & 0xff)));
                FloatVector d2 = FloatVector.broadcast(F, d * (int) ((sc >>> (16 * c + 8)) & 0xff));
                FloatVector m2 = FloatVector.broadcast(F, -(min * (int) ((mn >>> (16 * c + 8)) & 0xff)));
                ByteVector q0 = ByteVector.fromMemorySegment(B16, w, blk + 16 + 32L * c, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, w, blk + 32 + 32L * c, ORDER);
                ByteVector lo0 = q0.and((byte) 0x0F), lo1 = q1.and((byte) 0x0F); // sub-block 2c
                ByteVector hi0 = q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                ByteVector hi1 = q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
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

    // ---- The tiled layout (WeightMatrix.tile4): rows in fours, per block column TILE_COLUMN = 608 bytes ----
    //
    //  [0, 16)    f32 d of row r at 4r
    //  [16, 32)   f32 -dmin of row r at 16 + 4r (the f16 values widened, exactly)
    //  [32, 96)   row r's 16 six-bit values at 32 + 16r, one per byte: j < 8 scale j, j >= 8 min j - 8
    //  [96 + 128r, 224 + 128r)  row r's 256 nibbles, two groups of 16 little-endian ints: in group G,
    //             nibble k (bits 4k .. 4k+3) of int i is element 128G + 16k + i
    //
    // So the kernel reads one sequential stream, and decoding a block column's 64 scales and mins is
    // a convert and a multiply per row (ggml's packed 12 bytes took shifts, masks and 8 half
    // conversions per column: a quarter of the kernel's time). The price: 608 bytes where the file
    // has 576 (+5.6%). One 64-byte load gives a row 16 lanes x 8 chunks of nibbles, each chunk out with
    // a shift and a mask (fewer loads, so fewer bounds checks, than 16-byte loads of bytes).

    /** Bytes of one tiled block column of four rows (see the layout above). */
    public static final int TILE_COLUMN = 608;

    static final int SCALES = 32, QUANTS = 96;

    /** Lanes below 8: where a row's 16 decoded values hold scales (the rest hold mins). */
    private static final VectorMask<Float> LOW8 = VectorMask.fromLong(F, 0xffL);

    /**
     * {@link #dotRows4} on the tiled layout (same floats, same order, same bits), into {@code out[oi ..
     * oi + 4)}. Per block column the 4 rows' d * scale and -(dmin * min) are formed as vectors into
     * {@code s[0 .. 64)} (row r's at 16r: 8 scales, then 8 mins; a scratch the caller owns, so that
     * the kernel allocates nothing); then per chunk of L elements each row's int lanes give its nibbles
     * with a shift and a mask, w = q * d1 + (-m1) (one rounding, as in {@link #dotRows2}), and one FMA
     * into the row's accumulator, the 4 rows sharing each activation load.
     */
    public static void dotTile4(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s) {
        if (L == 16) dotTile4Lookup(w, off, x, xi, n, out, oi, s, null, 0);
        else dotTile4Convert(w, off, x, xi, n, out, oi, s, null, 0);
    }

    /**
     * {@link #dotTile4} over one column slice of a slice-major tile ({@code WeightMatrix}): the 4 rows'
     * accumulators are read from and written back to {@code acc[ai ..]} (row r's L lanes at ai + rL,
     * zeros before the first slice; {@code Simd.fold4} after the last), so the bits are those of whole rows.
     */
    public static void dotTile4Acc(MemorySegment w, long off, float[] x, int xi, int n, float[] acc, int ai, float[] s) {
        if (L == 16) dotTile4Lookup(w, off, x, xi, n, null, 0, s, acc, ai);
        else dotTile4Convert(w, off, x, xi, n, null, 0, s, acc, ai);
    }

    /** Row r's multipliers from the 8 lanes of d and -dmin: d_r in lanes 0..7, -dmin_r in lanes 8..15. */
    static final VectorShuffle<Float> ROW0 = L == 16 ? VectorShuffle.fromOp(F, i -> i < 8 ? 0 : 4) : null,
            ROW1 = L == 16 ? VectorShuffle.fromOp(F, i -> i < 8 ? 1 : 5) : null,
            ROW2 = L == 16 ? VectorShuffle.fromOp(F, i -> i < 8 ? 2 : 6) : null,
            ROW3 = L == 16 ? VectorShuffle.fromOp(F, i -> i < 8 ? 3 : 7) : null;

    /** Lane q holds q: a row's 16 weights of a sub-block are NIBBLE * (d * scale) + (-dmin * min). */
    static final FloatVector NIBBLE = L == 16
            ? FloatVector.fromArray(F, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0)
            : null;

    /**
     * 16 lanes: per row and sub-block of 32 the 16 possible weights form one vector (lane q: q * d1 +
     * (-m1), one FMA, the very float of {@link #dotRows2}'s {@code q * d1 + (-m1)}), and a lane
     * permutation indexed by the nibble picks each lane's weight: shift, mask, permute, FMA per 16
     * elements, where converting took shift, mask, convert, FMA, FMA. Each row's 64 bytes of a group
     * are loaded once for its 8 chunks (a load per chunk put a bounds check before every load).
     */
    private static void dotTile4Lookup(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s, float[] acc, int ai) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        if (acc != null) { // carried on from the previous column slice
            a0 = FloatVector.fromArray(F, acc, ai);
            a1 = FloatVector.fromArray(F, acc, ai + L);
            a2 = FloatVector.fromArray(F, acc, ai + 2 * L);
            a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        }
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN, quants = off + (long) b * TILE_COLUMN + QUANTS;
            // lanes 0..7: the 4 rows' d, then their -dmin (the lanes after: the scale bytes, unused)
            FloatVector dm = FloatVector.fromMemorySegment(F, w, col, ORDER);
            // row r's 8 scales times d, then 8 mins times -dmin, at 16r
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + SCALES, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(ROW0)).intoArray(s, 0);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + SCALES + 16, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(ROW1)).intoArray(s, 16);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + SCALES + 32, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(ROW2)).intoArray(s, 32);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + SCALES + 48, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(ROW3)).intoArray(s, 48);
            int e = xi + b * QK;
            for (int g = 0; g < 2; g++) { // 128 elements: 4 sub-blocks of 32
                long q = quants + 64 * g;
                IntVector q0 = IntVector.fromMemorySegment(I, w, q, ORDER), q1 = IntVector.fromMemorySegment(I, w, q + 128, ORDER);
                IntVector q2 = IntVector.fromMemorySegment(I, w, q + 256, ORDER), q3 = IntVector.fromMemorySegment(I, w, q + 384, ORDER);
                for (int j = 4 * g; j < 4 * g + 4; j++) { // sub-block j: nibbles 2(j % 4) and 2(j % 4) + 1, now the lowest
                    IntVector t0 = NIBBLE.fma(FloatVector.broadcast(F, s[j]), FloatVector.broadcast(F, s[8 + j])).reinterpretAsInts();
                    IntVector t1 = NIBBLE.fma(FloatVector.broadcast(F, s[16 + j]), FloatVector.broadcast(F, s[24 + j])).reinterpretAsInts();
                    IntVector t2 = NIBBLE.fma(FloatVector.broadcast(F, s[32 + j]), FloatVector.broadcast(F, s[40 + j])).reinterpretAsInts();
                    IntVector t3 = NIBBLE.fma(FloatVector.broadcast(F, s[48 + j]), FloatVector.broadcast(F, s[56 + j])).reinterpretAsInts();
                    FloatVector xa = FloatVector.fromArray(F, x, e + 32 * j), xb = FloatVector.fromArray(F, x, e + 32 * j + 16);
                    // selectFrom uses each lane's low 4 bits as the table index
                    a0 = q0.selectFrom(t0).reinterpretAsFloats().fma(xa, a0);
                    a1 = q1.selectFrom(t1).reinterpretAsFloats().fma(xa, a1);
                    a2 = q2.selectFrom(t2).reinterpretAsFloats().fma(xa, a2);
                    a3 = q3.selectFrom(t3).reinterpretAsFloats().fma(xa, a3);
                    a0 = q0.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats().fma(xb, a0);
                    a1 = q1.lanewise(LSHR, 4).selectFrom(t1).reinterpretAsFloats().fma(xb, a1);
                    a2 = q2.lanewise(LSHR, 4).selectFrom(t2).reinterpretAsFloats().fma(xb, a2);
                    a3 = q3.lanewise(LSHR, 4).selectFrom(t3).reinterpretAsFloats().fma(xb, a3);
                    // constant shifts (an immediate operand; a variable count costs a move into a vector register)
                    q0 = q0.lanewise(LSHR, 8);
                    q1 = q1.lanewise(LSHR, 8);
                    q2 = q2.lanewise(LSHR, 8);
                    q3 = q3.lanewise(LSHR, 8);
                }
            }
        }
        if (acc != null) {
            a0.intoArray(acc, ai);
            a1.intoArray(acc, ai + L);
            a2.intoArray(acc, ai + 2 * L);
            a3.intoArray(acc, ai + 3 * L);
            return;
        }
        a0 = a0.add(a0.rearrange(Simd.FOLD8));
        a1 = a1.add(a1.rearrange(Simd.FOLD8));
        a2 = a2.add(a2.rearrange(Simd.FOLD8));
        a3 = a3.add(a3.rearrange(Simd.FOLD8));
        a0 = a0.add(a0.rearrange(Simd.FOLD4));
        a1 = a1.add(a1.rearrange(Simd.FOLD4));
        a2 = a2.add(a2.rearrange(Simd.FOLD4));
        a3 = a3.add(a3.rearrange(Simd.FOLD4));
        a0 = a0.add(a0.rearrange(Simd.FOLD2));
        a1 = a1.add(a1.rearrange(Simd.FOLD2));
        a2 = a2.add(a2.rearrange(Simd.FOLD2));
        a3 = a3.add(a3.rearrange(Simd.FOLD2));
        out[oi] = a0.add(a0.rearrange(Simd.FOLD1)).lane(0);
        out[oi + 1] = a1.add(a1.rearrange(Simd.FOLD1)).lane(0);
        out[oi + 2] = a2.add(a2.rearrange(Simd.FOLD1)).lane(0);
        out[oi + 3] = a3.add(a3.rearrange(Simd.FOLD1)).lane(0);
    }

    /** 4 or 8 lanes: per chunk each row's ints loaded, a nibble shifted and masked out and converted. */
    private static void dotTile4Convert(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s, float[] acc, int ai) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        if (acc != null) { // carried on from the previous column slice
            a0 = FloatVector.fromArray(F, acc, ai);
            a1 = FloatVector.fromArray(F, acc, ai + L);
            a2 = FloatVector.fromArray(F, acc, ai + 2 * L);
            a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        }
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            float d0 = w.get(Bytes.F32, col), d1 = w.get(Bytes.F32, col + 4), d2 = w.get(Bytes.F32, col + 8), d3 = w.get(Bytes.F32, col + 12);
            float m0 = w.get(Bytes.F32, col + 16), m1 = w.get(Bytes.F32, col + 20), m2 = w.get(Bytes.F32, col + 24), m3 = w.get(Bytes.F32, col + 28);
            ByteVector v0 = ByteVector.fromMemorySegment(B16, w, col + SCALES, ORDER), v1 = ByteVector.fromMemorySegment(B16, w, col + SCALES + 16, ORDER);
            ByteVector v2 = ByteVector.fromMemorySegment(B16, w, col + SCALES + 32, ORDER), v3 = ByteVector.fromMemorySegment(B16, w, col + SCALES + 48, ORDER);
            for (int p = 0; p < PARTS; p++) { // lanes p*L ..: scales times d, then mins times -dmin
                boolean mins = p * L >= 8, mixed = L == 16;
                FloatVector k0 = mixed ? FloatVector.broadcast(F, m0).blend(d0, LOW8) : FloatVector.broadcast(F, mins ? m0 : d0);
                FloatVector k1 = mixed ? FloatVector.broadcast(F, m1).blend(d1, LOW8) : FloatVector.broadcast(F, mins ? m1 : d1);
                FloatVector k2 = mixed ? FloatVector.broadcast(F, m2).blend(d2, LOW8) : FloatVector.broadcast(F, mins ? m2 : d2);
                FloatVector k3 = mixed ? FloatVector.broadcast(F, m3).blend(d3, LOW8) : FloatVector.broadcast(F, mins ? m3 : d3);
                ((FloatVector) v0.convertShape(B2F, F, p)).mul(k0).intoArray(s, p * L);
                ((FloatVector) v1.convertShape(B2F, F, p)).mul(k1).intoArray(s, 16 + p * L);
                ((FloatVector) v2.convertShape(B2F, F, p)).mul(k2).intoArray(s, 32 + p * L);
                ((FloatVector) v3.convertShape(B2F, F, p)).mul(k3).intoArray(s, 48 + p * L);
            }
            for (int g = 0; g < 2; g++) { // 128 elements: 4 sub-blocks of 32, 8 chunks of 16
                long q = col + QUANTS + 64L * g;
                for (int j = 4 * g; j < 4 * g + 4; j++) {
                    FloatVector s0 = FloatVector.broadcast(F, s[j]), n0 = FloatVector.broadcast(F, s[8 + j]);
                    FloatVector s1 = FloatVector.broadcast(F, s[16 + j]), n1 = FloatVector.broadcast(F, s[24 + j]);
                    FloatVector s2 = FloatVector.broadcast(F, s[32 + j]), n2 = FloatVector.broadcast(F, s[40 + j]);
                    FloatVector s3 = FloatVector.broadcast(F, s[48 + j]), n3 = FloatVector.broadcast(F, s[56 + j]);
                    for (int h = 0; h < 2; h++) {
                        int sh = 4 * (2 * (j & 3) + h); // nibble k = 2 * (j % 4) + h
                        for (int p = 0; p < PARTS; p++) {
                            long at = q + 4L * L * p;
                            IntVector q0 = IntVector.fromMemorySegment(I, w, at, ORDER), q1 = IntVector.fromMemorySegment(I, w, at + 128, ORDER);
                            IntVector q2 = IntVector.fromMemorySegment(I, w, at + 256, ORDER), q3 = IntVector.fromMemorySegment(I, w, at + 384, ORDER);
                            FloatVector xv = FloatVector.fromArray(F, x, xi + b * QK + 32 * j + 16 * h + p * L);
                            a0 = ((FloatVector) q0.lanewise(LSHR, sh).and(0x0F).convert(I2F, 0)).fma(s0, n0).fma(xv, a0);
                            a1 = ((FloatVector) q1.lanewise(LSHR, sh).and(0x0F).convert(I2F, 0)).fma(s1, n1).fma(xv, a1);
                            a2 = ((FloatVector) q2.lanewise(LSHR, sh).and(0x0F).convert(I2F, 0)).fma(s2, n2).fma(xv, a2);
                            a3 = ((FloatVector) q3.lanewise(LSHR, sh).and(0x0F).convert(I2F, 0)).fma(s3, n3).fma(xv, a3);
                        }
                    }
                }
            }
        }
        if (acc != null) {
            a0.intoArray(acc, ai);
            a1.intoArray(acc, ai + L);
            a2.intoArray(acc, ai + 2 * L);
            a3.intoArray(acc, ai + 3 * L);
            return;
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
     * The four rows of a tiled tile, dequantised into the batched path's panel: the floats of {@link
     * #dequantizeVector}, decoded as in {@link #dotTile4}.
     * Element e (a multiple of L) of row r goes to {@code dst[di + r*stride + es*e ..]}: es = 1
     * and stride = the row length lay the rows out one after another; es = 4 and stride = L interleave
     * them chunk by chunk, the layout of {@code Tiles.tile4x4Packed}.
     *
     * <p>Each 64-byte run of a row's quants (four sub-blocks, eight nibbles per int lane) is loaded
     * once and its eight nibble planes shifted out with constant counts; the four sub-blocks' scales
     * and mins come as one int each. Loaded per sub-block and half (eight loads of the same run, the
     * shift a loop variable) the same floats took 0.13-0.21 ns per weight into a 512 KiB panel (one
     * thread), this way 0.066-0.071, where storing a constant vector to the same panel takes 0.062.
     */
    public static void dequantizeTile4(MemorySegment w, long off, int n, float[] dst, int di, int stride, int es) {
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            for (int r = 0; r < 4; r++) {
                float d = w.get(Bytes.F32, col + 4 * r), negMin = w.get(Bytes.F32, col + 16 + 4 * r);
                for (int half = 0; half < 2; half++) { // sub-blocks 4 half .. 4 half + 3
                    int sc = w.get(Bytes.I32, col + SCALES + 16 * r + 4 * half), mn = w.get(Bytes.I32, col + SCALES + 16 * r + 8 + 4 * half);
                    int y = di + r * stride + es * (b * QK + 128 * half);
                    for (int p = 0; p < PARTS; p++) {
                        IntVector q = IntVector.fromMemorySegment(I, w, col + QUANTS + 128 * r + 64 * half + 4L * L * p, ORDER);
                        for (int j = 0; j < 4; j++) { // sub-block 4 half + j: its low nibbles, then its high ones
                            FloatVector ds = FloatVector.broadcast(F, d * (sc >>> 8 * j & 0xff));
                            FloatVector ms = FloatVector.broadcast(F, negMin * (mn >>> 8 * j & 0xff)); // -(dmin * m)
                            ((FloatVector) q.lanewise(LSHR, 8 * j).and(0x0F).convert(I2F, 0)).fma(ds, ms).intoArray(dst, y + es * (32 * j + p * L));
                            ((FloatVector) q.lanewise(LSHR, 8 * j + 4).and(0x0F).convert(I2F, 0)).fma(ds, ms).intoArray(dst, y + es * (32 * j + 16 + p * L));
                        }
                    }
                }
            }
        }
    }
}
