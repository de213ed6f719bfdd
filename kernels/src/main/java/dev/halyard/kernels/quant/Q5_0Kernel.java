package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.BIT_OF_LANE;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static dev.halyard.kernels.quant.Simd.SPREAD_01;
import static dev.halyard.kernels.quant.Simd.SPREAD_23;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.BITWISE_BLEND;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.OR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Q5_0 (ggml block_q5_0): 32 elements in 22 bytes {@code {f16 d; u8 qh[4]; u8 qs[16]}}; nibbles as in
 * Q4_0, and bit j of the little-endian uint32 qh is the fifth bit of element j; value
 * {@code (q - 16) * d}.
 */
public final class Q5_0Kernel {
    private Q5_0Kernel() {}

    static final int QK = 32; // elements per block
    static final int BYTES = 22; // bytes per block

    /** ggml's dequantize_row_q5_0. */
    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Bytes.half(w, blk);
            int qh = w.get(Bytes.I32, blk + 2);
            int y = di + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Bytes.u8(w, blk + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0x0F) | h0) - 16) * d;
                dst[y + j + QK / 2] = (((q >> 4) | h1) - 16) * d;
            }
        }
    }


    /** {@link #dequantize} bit for bit: quants decoded as in {@link #dot}, then (q - 16) * d. */
    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(I16, blk));
            int y = di + b * QK;
            ByteVector qh = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER); // qh[0..3], then qs: ignored
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 6, ORDER);
            ByteVector lo = q.and((byte) 0x0F) // elements 0..15
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_01).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            ByteVector hi = q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_23).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + p * L);
                ((FloatVector) hi.convertShape(B2F, F, p)).mul(d).intoArray(dst, y + 16 + p * L);
            }
        }
    }

    /** As Q4_0's dot, with bit j of qh spread to byte lane j (shuffle, test) and OR-ed in as 0x10. */
    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long blk = off + (long) b * BYTES;
            int e = xi + b * QK;
            ByteVector qh = ByteVector.fromMemorySegment(B16, w, blk + 2, ORDER); // qh[0..3], then qs: ignored
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + 6, ORDER);
            ByteVector lo = q.and((byte) 0x0F) // elements 0..15
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_01).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            ByteVector hi = q.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                    .lanewise(OR, (byte) 0x10, qh.rearrange(SPREAD_23).and(BIT_OF_LANE).compare(NE, 0))
                    .sub((byte) 16);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                s = ((FloatVector) lo.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + p * L), s);
                s = ((FloatVector) hi.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + 16 + p * L), s);
            }
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(I16, blk))), a0);
            FloatVector t = a0; // rotate: 4 independent FMA chains
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

    // ---- The tiled layout (WeightMatrix.tile4): four rows, one block column after another ----
    //
    // Each block column of a 4-row tile takes 96 bytes (ggml's four blocks: 88): the four rows' scales
    // as f32 (16 bytes: the f16 values widened, exactly; f32 for the reason given in Q4_0Kernel), then
    // 16 little-endian ints and 16 bytes. Int m and byte m (m = p*L + i) hold eight 5-bit fields; field
    // k is, for row k/2, element 2L*p + (k%2)*L + i (as Q4_0's nibbles). Fields 0-5 fill bits 0-29 of
    // the int (field k at bit 5k); field 6 has its low three bits in bits 0-2 of the byte and its high
    // two in bits 30-31 of the int; field 7 fills bits 3-7 of the byte. A field holds the 5-bit two's
    // complement of q - 16 (q ^ 16), so a sign extension gives q - 16 directly. With 16 lanes a field
    // indexes a 32-entry table of the row's weights (two vectors, a two-table permute: vpermt2d on
    // AVX-512, which ignores the higher index bits), so fields 0-5 take one shift each, field 6 a shift
    // and a bitwise blend, field 7 a shift. (A first layout kept Q4_0's nibbles and the fifth bits
    // apart, 16 bytes of them: each lookup index then took two shifts and a blend, and a 100 MB matrix
    // of 896 columns streamed at 24 instead of 34 GB/s of ggml bytes on two threads, 17 instead of 22
    // GB/s in L2 on one.) The arrangement depends on L, fixed per JVM; the repack happens in memory at
    // load time.

    /** Bytes of one block column of a tile: 4 f32 scales, 16 ints and 16 bytes of fields. */
    public static final int TILE_COLUMN = 16 + 4 * 16 + 16;
    /** Where a block column's ints begin. */
    static final int QUANTS = 16;
    /** Where a block column's bytes (fields 6 and 7) begin. */
    static final int HIGHS = 16 + 4 * 16;

    /** Where row r's element j (0..31) of a block column sits: its int (and byte) index times 8 plus its field. */
    private static int slot(int r, int j) {
        int p = j / (2 * L), h = (j / L) & 1, i = j % L;
        return (p * L + i) * 8 + 2 * r + h;
    }

    /** The quant q (0..31) of row element j in a ggml block at blk. */
    private static int quant(byte[] src, int blk, int j) {
        int qh = (src[blk + 2] & 0xff) | (src[blk + 3] & 0xff) << 8 | (src[blk + 4] & 0xff) << 16 | (src[blk + 5] & 0xff) << 24;
        int b = src[blk + 6 + (j & 15)] & 0xff;
        return (j < 16 ? b & 0x0F : b >> 4) | ((qh >>> j) & 1) << 4;
    }

    /**
     * The scalar reference of the tiling, element by element ({@link #tileColumnFast} is what the loader
     * runs): writes one block column of the tiled layout to dst[at .. at+96) from the four rows' ggml blocks
     * src[blk[r] .. blk[r]+22).
     */
    public static void tileColumn(byte[] src, int[] blk, byte[] dst, int at) {
        java.util.Arrays.fill(dst, at, at + TILE_COLUMN, (byte) 0);
        for (int r = 0; r < 4; r++) {
            int d = Bytes.halfToFloatBits((short) ((src[blk[r]] & 0xff) | src[blk[r] + 1] << 8));
            for (int k = 0; k < 4; k++) dst[at + 4 * r + k] = (byte) (d >>> 8 * k);
            for (int j = 0; j < QK; j++) {
                int v = quant(src, blk[r], j) ^ 16, s = slot(r, j), m = s >> 3, k = s & 7;
                int word = k < 6 ? v << 5 * k : k == 6 ? (v >> 3) << 30 : 0; // its bits in int m
                for (int c = 0; c < 4; c++) dst[at + QUANTS + 4 * m + c] |= (byte) (word >>> 8 * c);
                if (k == 6) dst[at + HIGHS + m] |= (byte) (v & 7);
                if (k == 7) dst[at + HIGHS + m] |= (byte) (v << 3);
            }
        }
    }

    /**
     * {@link #tileColumn}'s fast twin (the same bytes), which the loader uses: per slot m the eight
     * fields (rows 0-3, elements j0 and j0 + L) are formed once each from the row's nibble and its bit of
     * qh (read once per row, not once per element) and packed into the int and the byte whole, where
     * the reference ORs every element's bits into place one byte at a time. One core, compiled: 146 MB/s
     * of ggml bytes with the reference (the slowest step of loading a Q4_K_M file whose rows are not whole
     * 256-element blocks: Qwen2.5-0.5B's 896 columns, SmolLM2-135M's 576 take Q5_0 instead of Q4_K), ~700
     * with this; Qwen2.5-0.5B Q4_K_M's first load 2.3-2.5 -> 1.5-1.9 s.
     */
    public static void tileColumnFast(byte[] src, int[] blk, byte[] dst, int at) {
        int b0 = blk[0], b1 = blk[1], b2 = blk[2], b3 = blk[3];
        Bytes.putHalvesAsFloats(src, blk, dst, at);
        int h0 = Bytes.getIntLE(src, b0 + 2), h1 = Bytes.getIntLE(src, b1 + 2), h2 = Bytes.getIntLE(src, b2 + 2), h3 = Bytes.getIntLE(src, b3 + 2);
        for (int m = 0; m < 16; m++) {
            int j0 = 2 * L * (m / L) + m % L, j1 = j0 + L;
            int f6 = field(src, b3, h3, j0);
            int word = field(src, b0, h0, j0) | field(src, b0, h0, j1) << 5 | field(src, b1, h1, j0) << 10 | field(src, b1, h1, j1) << 15
                    | field(src, b2, h2, j0) << 20 | field(src, b2, h2, j1) << 25 | (f6 >> 3) << 30;
            Bytes.putIntLE(dst, at + QUANTS + 4 * m, word);
            dst[at + HIGHS + m] = (byte) ((f6 & 7) | field(src, b3, h3, j1) << 3);
        }
    }

    /** Element j's stored field, q ^ 16 (five bits), of the ggml block at blk whose qh is h. */
    private static int field(byte[] src, int blk, int h, int j) {
        int b = src[blk + 6 + (j & 15)];
        return ((j < 16 ? b & 0x0F : (b >> 4) & 0x0F) | ((h >>> j) & 1) << 4) ^ 16;
    }

    /** The inverse of {@link #tileColumn} for row r: its ggml block into block[0 .. 22). */
    public static void untileBlock(MemorySegment w, long col, int r, byte[] block) {
        short d = Bytes.floatBitsToHalf(w.get(Bytes.I32, col + 4L * r)); // exact: it was an f16, NaN payloads too
        block[0] = (byte) d;
        block[1] = (byte) (d >> 8);
        java.util.Arrays.fill(block, 2, BYTES, (byte) 0);
        for (int j = 0; j < QK; j++) {
            int s = slot(r, j), m = s >> 3, k = s & 7;
            int word = w.get(Bytes.I32, col + QUANTS + 4L * m), bits = Bytes.u8(w, col + HIGHS + m);
            int v = k < 6 ? word >>> 5 * k : k == 6 ? (word >>> 30) << 3 | (bits & 7) : bits >> 3;
            int q = (v & 31) ^ 16;
            block[6 + (j & 15)] |= (byte) (j < 16 ? q & 0x0F : (q & 0x0F) << 4);
            block[2 + j / 8] |= (byte) ((q >> 4) << (j % 8));
        }
    }

    /** Lane f of these two tables is the value q - 16 that the stored five bits f stand for (16 lanes only). */
    static final FloatVector FIVE_LO = L == 16
            ? FloatVector.fromArray(F, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0)
            : null;
    static final FloatVector FIVE_HI = L == 16
            ? FloatVector.fromArray(F, new float[] {-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1}, 0)
            : null;

    /**
     * Four rows of a tiled tile times one activation vector, canonical order: each chunk is exactly
     * the floats {@code (q - 16) * d} of {@link #dequantize}, then one FMA per row. With 16 lanes each
     * row's weights come from a table lookup ({@link #dotTile4Lookup}); narrower vectors convert.
     */
    public static void dotTile4(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        if (L == 16) dotTile4Lookup(w, off, x, xi, n, out, oi);
        else dotTile4Convert(w, off, x, xi, n, out, oi);
    }

    /**
     * 16 lanes: per row and block, the 32 possible weights {@code (q - 16) * d} (the very products of
     * the canonical dequantisation) form two vectors, and a two-table permute indexed by a field picks
     * each lane's weight (see the layout above).
     */
    private static void dotTile4Lookup(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        IntVector low3 = IntVector.broadcast(I, 7);
        for (int b = 0; b < n / QK; b++) {
            // offsets computed apart and the quants loaded first, as in Q4_0Kernel.dotTile4Lookup
            long scales = off + (long) b * TILE_COLUMN, quants = off + (long) b * TILE_COLUMN + QUANTS;
            long highs = off + (long) b * TILE_COLUMN + HIGHS;
            int e = xi + b * QK;
            IntVector q = IntVector.fromMemorySegment(I, w, quants, ORDER);
            IntVector h = (IntVector) ByteVector.fromMemorySegment(B16, w, highs, ORDER).convertShape(B2I, I, 0);
            float d0 = w.get(Bytes.F32, scales), d1 = w.get(Bytes.F32, scales + 4);
            float d2 = w.get(Bytes.F32, scales + 8), d3 = w.get(Bytes.F32, scales + 12);
            IntVector l0 = FIVE_LO.mul(d0).reinterpretAsInts(), h0 = FIVE_HI.mul(d0).reinterpretAsInts();
            IntVector l1 = FIVE_LO.mul(d1).reinterpretAsInts(), h1 = FIVE_HI.mul(d1).reinterpretAsInts();
            IntVector l2 = FIVE_LO.mul(d2).reinterpretAsInts(), h2 = FIVE_HI.mul(d2).reinterpretAsInts();
            IntVector l3 = FIVE_LO.mul(d3).reinterpretAsInts(), h3 = FIVE_HI.mul(d3).reinterpretAsInts();
            FloatVector xa = FloatVector.fromArray(F, x, e), xb = FloatVector.fromArray(F, x, e + 16);
            a0 = q.selectFrom(l0, h0).reinterpretAsFloats().fma(xa, a0);
            a0 = q.lanewise(LSHR, 5).selectFrom(l0, h0).reinterpretAsFloats().fma(xb, a0);
            a1 = q.lanewise(LSHR, 10).selectFrom(l1, h1).reinterpretAsFloats().fma(xa, a1);
            a1 = q.lanewise(LSHR, 15).selectFrom(l1, h1).reinterpretAsFloats().fma(xb, a1);
            a2 = q.lanewise(LSHR, 20).selectFrom(l2, h2).reinterpretAsFloats().fma(xa, a2);
            a2 = q.lanewise(LSHR, 25).selectFrom(l2, h2).reinterpretAsFloats().fma(xb, a2);
            a3 = q.lanewise(LSHR, 27).lanewise(BITWISE_BLEND, h, low3).selectFrom(l3, h3).reinterpretAsFloats().fma(xa, a3);
            a3 = h.lanewise(LSHR, 3).selectFrom(l3, h3).reinterpretAsFloats().fma(xb, a3);
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
     * 4 or 8 lanes: each field sign-extended to q - 16 (fields 0-5: shifted to the top, then
     * arithmetically down; field 6: the int's top two bits arithmetically down, the byte's three
     * blended in below; field 7: the sign-extended byte arithmetically down), converted, times d, FMA.
     */
    private static void dotTile4Convert(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        IntVector low3 = IntVector.broadcast(I, 7);
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            int e = xi + b * QK;
            FloatVector d0 = FloatVector.broadcast(F, w.get(Bytes.F32, col)), d1 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 4));
            FloatVector d2 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 8)), d3 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 12));
            ByteVector hb = ByteVector.fromMemorySegment(B16, w, col + HIGHS, ORDER);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = IntVector.fromMemorySegment(I, w, col + QUANTS + 4L * L * p, ORDER);
                IntVector h = (IntVector) hb.convertShape(B2I, I, p); // sign-extended
                FloatVector xa = FloatVector.fromArray(F, x, e + 2 * L * p), xb = FloatVector.fromArray(F, x, e + 2 * L * p + L);
                a0 = ((FloatVector) q.lanewise(LSHL, 27).lanewise(ASHR, 27).convert(I2F, 0)).mul(d0).fma(xa, a0);
                a0 = ((FloatVector) q.lanewise(LSHL, 22).lanewise(ASHR, 27).convert(I2F, 0)).mul(d0).fma(xb, a0);
                a1 = ((FloatVector) q.lanewise(LSHL, 17).lanewise(ASHR, 27).convert(I2F, 0)).mul(d1).fma(xa, a1);
                a1 = ((FloatVector) q.lanewise(LSHL, 12).lanewise(ASHR, 27).convert(I2F, 0)).mul(d1).fma(xb, a1);
                a2 = ((FloatVector) q.lanewise(LSHL, 7).lanewise(ASHR, 27).convert(I2F, 0)).mul(d2).fma(xa, a2);
                a2 = ((FloatVector) q.lanewise(LSHL, 2).lanewise(ASHR, 27).convert(I2F, 0)).mul(d2).fma(xb, a2);
                a3 = ((FloatVector) q.lanewise(ASHR, 27).lanewise(BITWISE_BLEND, h, low3).convert(I2F, 0)).mul(d3).fma(xa, a3);
                a3 = ((FloatVector) h.lanewise(ASHR, 3).convert(I2F, 0)).mul(d3).fma(xb, a3);
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
     * Four rows of a tiled tile times four tokens (x at {@code xi + t*xs}): {@code out[oi + t*os + r]},
     * each block column decoded once for the four tokens; each output bit-identical to
     * {@link #dotTile4} for that token (as {@code Q4_0Kernel.dotTile4x4}).
     */
    public static void dotTile4x4(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        if (L == 16) dotTile4x4Lookup(w, off, x, xi, xs, n, out, oi, os);
        else dotTile4x4Convert(w, off, x, xi, xs, n, out, oi, os);
    }

    /** {@link #dotTile4Lookup} for four tokens: the eight weight vectors first, then per token two activation loads and eight FMAs. */
    private static void dotTile4x4Lookup(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        IntVector low3 = IntVector.broadcast(I, 7);
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int b = 0; b < n / QK; b++) {
            long scales = off + (long) b * TILE_COLUMN, quants = off + (long) b * TILE_COLUMN + QUANTS; // as in dotTile4Lookup
            long highs = off + (long) b * TILE_COLUMN + HIGHS;
            int e = b * QK;
            IntVector q = IntVector.fromMemorySegment(I, w, quants, ORDER);
            IntVector h = (IntVector) ByteVector.fromMemorySegment(B16, w, highs, ORDER).convertShape(B2I, I, 0);
            float d0 = w.get(Bytes.F32, scales), d1 = w.get(Bytes.F32, scales + 4);
            float d2 = w.get(Bytes.F32, scales + 8), d3 = w.get(Bytes.F32, scales + 12);
            IntVector l0 = FIVE_LO.mul(d0).reinterpretAsInts(), h0 = FIVE_HI.mul(d0).reinterpretAsInts();
            IntVector l1 = FIVE_LO.mul(d1).reinterpretAsInts(), h1 = FIVE_HI.mul(d1).reinterpretAsInts();
            IntVector l2 = FIVE_LO.mul(d2).reinterpretAsInts(), h2 = FIVE_HI.mul(d2).reinterpretAsInts();
            IntVector l3 = FIVE_LO.mul(d3).reinterpretAsInts(), h3 = FIVE_HI.mul(d3).reinterpretAsInts();
            // v: row r's elements e..e+15, u: e+16..e+31
            FloatVector v0 = q.selectFrom(l0, h0).reinterpretAsFloats();
            FloatVector u0 = q.lanewise(LSHR, 5).selectFrom(l0, h0).reinterpretAsFloats();
            FloatVector v1 = q.lanewise(LSHR, 10).selectFrom(l1, h1).reinterpretAsFloats();
            FloatVector u1 = q.lanewise(LSHR, 15).selectFrom(l1, h1).reinterpretAsFloats();
            FloatVector v2 = q.lanewise(LSHR, 20).selectFrom(l2, h2).reinterpretAsFloats();
            FloatVector u2 = q.lanewise(LSHR, 25).selectFrom(l2, h2).reinterpretAsFloats();
            FloatVector v3 = q.lanewise(LSHR, 27).lanewise(BITWISE_BLEND, h, low3).selectFrom(l3, h3).reinterpretAsFloats();
            FloatVector u3 = h.lanewise(LSHR, 3).selectFrom(l3, h3).reinterpretAsFloats();
            FloatVector xa = FloatVector.fromArray(F, x, xi + e), xb = FloatVector.fromArray(F, x, xi + e + 16);
            a00 = u0.fma(xb, v0.fma(xa, a00)); a10 = u1.fma(xb, v1.fma(xa, a10)); a20 = u2.fma(xb, v2.fma(xa, a20)); a30 = u3.fma(xb, v3.fma(xa, a30));
            xa = FloatVector.fromArray(F, x, x1 + e); xb = FloatVector.fromArray(F, x, x1 + e + 16);
            a01 = u0.fma(xb, v0.fma(xa, a01)); a11 = u1.fma(xb, v1.fma(xa, a11)); a21 = u2.fma(xb, v2.fma(xa, a21)); a31 = u3.fma(xb, v3.fma(xa, a31));
            xa = FloatVector.fromArray(F, x, x2 + e); xb = FloatVector.fromArray(F, x, x2 + e + 16);
            a02 = u0.fma(xb, v0.fma(xa, a02)); a12 = u1.fma(xb, v1.fma(xa, a12)); a22 = u2.fma(xb, v2.fma(xa, a22)); a32 = u3.fma(xb, v3.fma(xa, a32));
            xa = FloatVector.fromArray(F, x, x3 + e); xb = FloatVector.fromArray(F, x, x3 + e + 16);
            a03 = u0.fma(xb, v0.fma(xa, a03)); a13 = u1.fma(xb, v1.fma(xa, a13)); a23 = u2.fma(xb, v2.fma(xa, a23)); a33 = u3.fma(xb, v3.fma(xa, a33));
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

    /** {@link #dotTile4Convert} for four tokens (4 or 8 lanes): per half, the four rows' weight vectors, then each token's activation once for them. */
    private static void dotTile4x4Convert(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        IntVector low3 = IntVector.broadcast(I, 7);
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            float d0 = w.get(Bytes.F32, col), d1 = w.get(Bytes.F32, col + 4), d2 = w.get(Bytes.F32, col + 8), d3 = w.get(Bytes.F32, col + 12);
            ByteVector hb = ByteVector.fromMemorySegment(B16, w, col + HIGHS, ORDER);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = IntVector.fromMemorySegment(I, w, col + QUANTS + 4L * L * p, ORDER);
                IntVector h = (IntVector) hb.convertShape(B2I, I, p); // sign-extended
                for (int hh = 0; hh < 2; hh++) { // fields 2r + hh: row r's elements 2Lp + hh*L ..
                    IntVector f0 = q.lanewise(LSHL, 27 - 5 * hh).lanewise(ASHR, 27);
                    IntVector f1 = q.lanewise(LSHL, 17 - 5 * hh).lanewise(ASHR, 27);
                    IntVector f2 = q.lanewise(LSHL, 7 - 5 * hh).lanewise(ASHR, 27);
                    IntVector f3 = hh == 0 ? q.lanewise(ASHR, 27).lanewise(BITWISE_BLEND, h, low3) : h.lanewise(ASHR, 3);
                    FloatVector v0 = ((FloatVector) f0.convert(I2F, 0)).mul(d0), v1 = ((FloatVector) f1.convert(I2F, 0)).mul(d1);
                    FloatVector v2 = ((FloatVector) f2.convert(I2F, 0)).mul(d2), v3 = ((FloatVector) f3.convert(I2F, 0)).mul(d3);
                    int i = b * QK + 2 * L * p + L * hh;
                    FloatVector t = FloatVector.fromArray(F, x, xi + i);
                    a00 = v0.fma(t, a00); a10 = v1.fma(t, a10); a20 = v2.fma(t, a20); a30 = v3.fma(t, a30);
                    t = FloatVector.fromArray(F, x, x1 + i);
                    a01 = v0.fma(t, a01); a11 = v1.fma(t, a11); a21 = v2.fma(t, a21); a31 = v3.fma(t, a31);
                    t = FloatVector.fromArray(F, x, x2 + i);
                    a02 = v0.fma(t, a02); a12 = v1.fma(t, a12); a22 = v2.fma(t, a22); a32 = v3.fma(t, a32);
                    t = FloatVector.fromArray(F, x, x3 + i);
                    a03 = v0.fma(t, a03); a13 = v1.fma(t, a13); a23 = v2.fma(t, a23); a33 = v3.fma(t, a33);
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
     * The four rows of a tiled tile, dequantised into the batched path's panel, decoded as in {@link
     * #dotTile4Convert}.
     * Element e (a multiple of L) of row r goes to {@code dst[di + r*stride + es*e ..]}: es = 1
     * and stride = the row length lay the rows out one after another; es = 4 and stride = L interleave
     * them chunk by chunk, the layout of {@code Tiles.tile4x4Packed}.
     */
    public static void dequantizeTile4(MemorySegment w, long off, int n, float[] dst, int di, int stride, int es) {
        IntVector low3 = IntVector.broadcast(I, 7);
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            int y = di + es * b * QK;
            ByteVector hb = ByteVector.fromMemorySegment(B16, w, col + HIGHS, ORDER);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = IntVector.fromMemorySegment(I, w, col + QUANTS + 4L * L * p, ORDER);
                IntVector h = (IntVector) hb.convertShape(B2I, I, p);
                // field k: row k/2, elements 2Lp + (k%2)L ..; constant shift counts (a loop over k kept them
                // variable: Q4_0's same rewrite took its panel from 0.14-0.20 to 0.08-0.11 ns per weight)
                float d0 = w.get(Bytes.F32, col), d1 = w.get(Bytes.F32, col + 4), d2 = w.get(Bytes.F32, col + 8), d3 = w.get(Bytes.F32, col + 12);
                int e0 = y + es * 2 * L * p, e1 = e0 + es * L;
                ((FloatVector) q.lanewise(LSHL, 27).lanewise(ASHR, 27).convert(I2F, 0)).mul(d0).intoArray(dst, e0);
                ((FloatVector) q.lanewise(LSHL, 22).lanewise(ASHR, 27).convert(I2F, 0)).mul(d0).intoArray(dst, e1);
                ((FloatVector) q.lanewise(LSHL, 17).lanewise(ASHR, 27).convert(I2F, 0)).mul(d1).intoArray(dst, e0 + stride);
                ((FloatVector) q.lanewise(LSHL, 12).lanewise(ASHR, 27).convert(I2F, 0)).mul(d1).intoArray(dst, e1 + stride);
                ((FloatVector) q.lanewise(LSHL, 7).lanewise(ASHR, 27).convert(I2F, 0)).mul(d2).intoArray(dst, e0 + 2 * stride);
                ((FloatVector) q.lanewise(LSHL, 2).lanewise(ASHR, 27).convert(I2F, 0)).mul(d2).intoArray(dst, e1 + 2 * stride);
                ((FloatVector) q.lanewise(ASHR, 27).lanewise(BITWISE_BLEND, h, low3).convert(I2F, 0)).mul(d3).intoArray(dst, e0 + 3 * stride);
                ((FloatVector) h.lanewise(ASHR, 3).convert(I2F, 0)).mul(d3).intoArray(dst, e1 + 3 * stride);
            }
        }
    }
}
