package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

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

    // ---- The tiled layout (WeightMatrix.tile4): four rows, one block column after another ----
    //
    // Each block column of a 4-row tile takes 80 bytes: the four rows' scales as f32 (16 bytes: the
    // f16 values widened, exactly), then 64 bytes read as 16 little-endian ints. Nibble k (bits
    // 4k..4k+3) of int p*L + i holds, for row k/2, element 2L*p + (k%2)*L + i: so one L-lane int load
    // serves 8 vectors of L elements (two per row) and each is one shift away. The nibble is stored as
    // the 4-bit two's complement of q - 8 (q ^ 8), which sign extension turns into q - 8 directly. The
    // arrangement depends on L, which is fixed per JVM; the repack happens in memory at load time.
    // Why f32 scales (8 bytes more per column than ggml's 72, +11%): a scale then reaches the vector
    // unit as one broadcast load, where an f16 one took a GPR move, a conversion and a register
    // broadcast, all on the vector pipes that bound this kernel (dotTile4Lookup, one thread, Zen 5:
    // 18.5 -> 24 GB/s of the 72-byte equivalent in L2, 31 -> 39 GB/s from DRAM on two threads).

    /** Bytes of one block column of a tile: 4 f32 scales, then 4 x 16 quant bytes. */
    public static final int TILE_COLUMN = 16 + 4 * (BYTES - 2);
    /** Where a block column's quant bytes begin. */
    static final int QUANTS = 16;

    /** Where row r's element j (0..31) of a block column sits: its int index times 8 plus its nibble. */
    private static int slot(int r, int j) {
        int p = j / (2 * L), h = (j / L) & 1, i = j % L;
        return (p * L + i) * 8 + 2 * r + h;
    }

    /**
     * The scalar reference of the tiling, element by element ({@link #tileColumnFast} is what the loader
     * runs): writes one block column of the tiled layout to dst[at .. at+80) from the four rows' ggml blocks
     * src[blk[r] .. blk[r]+18).
     */
    public static void tileColumn(byte[] src, int[] blk, byte[] dst, int at) {
        java.util.Arrays.fill(dst, at, at + TILE_COLUMN, (byte) 0);
        for (int r = 0; r < 4; r++) {
            int d = Bytes.halfToFloatBits((short) ((src[blk[r]] & 0xff) | src[blk[r] + 1] << 8));
            for (int k = 0; k < 4; k++) dst[at + 4 * r + k] = (byte) (d >>> 8 * k);
            for (int j = 0; j < QK; j++) {
                int b = src[blk[r] + 2 + (j & 15)] & 0xff, q = j < 16 ? b & 0x0F : b >> 4;
                int s = slot(r, j), byteAt = at + QUANTS + (s >> 3) * 4 + (s & 7) / 2;
                dst[byteAt] |= (byte) ((q ^ 8) << 4 * (s & 1));
            }
        }
    }

    /**
     * {@link #tileColumn}'s fast twin (the same bytes), which the loader uses: a whole output int at a
     * time, each of its bytes row r's two nibbles of the slot's elements j0 and j0 + L (field 2r and
     * 2r + 1), where the reference ORs each element's nibble into place. At 16 lanes j0 = i and j0 + L =
     * 16 + i are the two nibbles of the same source byte, so an int is the four rows' byte i, each
     * XOR 0x88 (q - 8 as the nibbles' two's complement). One core, compiled: 272 MB/s of ggml bytes with
     * the reference, ~2,000 with this; Llama-3.2-1B Q4_0's first load in a fresh JVM 3.9-4.2 -> 1.3 s.
     */
    public static void tileColumnFast(byte[] src, int[] blk, byte[] dst, int at) {
        int b0 = blk[0], b1 = blk[1], b2 = blk[2], b3 = blk[3];
        Bytes.putHalvesAsFloats(src, blk, dst, at);
        if (L == 16) {
            for (int i = 0; i < 16; i++) {
                int word = (src[b0 + 2 + i] & 0xff) | (src[b1 + 2 + i] & 0xff) << 8 | (src[b2 + 2 + i] & 0xff) << 16 | src[b3 + 2 + i] << 24;
                Bytes.putIntLE(dst, at + QUANTS + 4 * i, word ^ 0x88888888);
            }
            return;
        }
        for (int m = 0; m < 16; m++) {
            int j0 = 2 * L * (m / L) + m % L, j1 = j0 + L;
            int word = (nibble(src, b0, j0) | nibble(src, b0, j1) << 4) | (nibble(src, b1, j0) | nibble(src, b1, j1) << 4) << 8
                    | (nibble(src, b2, j0) | nibble(src, b2, j1) << 4) << 16 | (nibble(src, b3, j0) | nibble(src, b3, j1) << 4) << 24;
            Bytes.putIntLE(dst, at + QUANTS + 4 * m, word ^ 0x88888888);
        }
    }

    /** Element j's nibble (q, 0..15) of the ggml block at blk. */
    private static int nibble(byte[] src, int blk, int j) {
        return j < 16 ? src[blk + 2 + j] & 0x0F : (src[blk + 2 + j - 16] >> 4) & 0x0F;
    }

    /** The inverse of {@link #tileColumn} for row r: its ggml block into block[0 .. 18). */
    public static void untileBlock(MemorySegment w, long col, int r, byte[] block) {
        short d = Bytes.floatBitsToHalf(w.get(Bytes.I32, col + 4L * r)); // exact: it was an f16, NaN payloads too
        block[0] = (byte) d;
        block[1] = (byte) (d >> 8);
        java.util.Arrays.fill(block, 2, BYTES, (byte) 0);
        for (int j = 0; j < QK; j++) {
            int s = slot(r, j);
            int q = ((Bytes.u8(w, col + QUANTS + (s >> 3) * 4 + (s & 7) / 2) >> 4 * (s & 1)) & 0x0F) ^ 8;
            block[2 + (j & 15)] |= (byte) (j < 16 ? q : q << 4);
        }
    }

    /** Lane q of this table is the signed nibble q would be decoded to (16 lanes only). */
    static final FloatVector SIGNED_NIBBLE = L == 16
            ? FloatVector.fromArray(F, new float[] {0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1}, 0)
            : null;

    /**
     * {@link #dotRows4} on the tiled layout, same bits. With 16 lanes each row's 16 weights per nibble
     * position come from a table lookup ({@link #dotTile4Lookup}); narrower vectors convert.
     */
    public static void dotTile4(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        if (L == 16) dotTile4Lookup(w, off, x, xi, n, out, oi);
        else dotTile4Convert(w, off, x, xi, n, out, oi);
    }

    /**
     * 16 lanes: per row and block, the 16 possible weights {@code (q - 8) * d} (the same products as
     * the canonical dequantisation) form one vector, and a lane permutation indexed by the nibble
     * picks each lane's weight: shift, mask, permute, FMA per 16 elements.
     */
    private static void dotTile4Lookup(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            // two offsets computed apart: with "scales + 8" for the quants C2 built a slower loop
            // (11.5 instead of 16 GB/s from DRAM, same in L2); and the quants loaded first: with the
            // scale loads first, the same loop ran 13 instead of 19 GB/s from DRAM (one thread)
            long scales = off + (long) b * TILE_COLUMN, quants = off + (long) b * TILE_COLUMN + QUANTS;
            int e = xi + b * QK;
            IntVector q = IntVector.fromMemorySegment(I, w, quants, ORDER);
            IntVector t0 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales)).reinterpretAsInts();
            IntVector t1 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 4)).reinterpretAsInts();
            IntVector t2 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 8)).reinterpretAsInts();
            IntVector t3 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 12)).reinterpretAsInts();
            FloatVector xa = FloatVector.fromArray(F, x, e), xb = FloatVector.fromArray(F, x, e + 16);
            // selectFrom uses each lane's low 4 bits as the table index
            a0 = q.selectFrom(t0).reinterpretAsFloats().fma(xa, a0);
            a0 = q.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats().fma(xb, a0);
            a1 = q.lanewise(LSHR, 8).selectFrom(t1).reinterpretAsFloats().fma(xa, a1);
            a1 = q.lanewise(LSHR, 12).selectFrom(t1).reinterpretAsFloats().fma(xb, a1);
            a2 = q.lanewise(LSHR, 16).selectFrom(t2).reinterpretAsFloats().fma(xa, a2);
            a2 = q.lanewise(LSHR, 20).selectFrom(t2).reinterpretAsFloats().fma(xb, a2);
            a3 = q.lanewise(LSHR, 24).selectFrom(t3).reinterpretAsFloats().fma(xa, a3);
            a3 = q.lanewise(LSHR, 28).selectFrom(t3).reinterpretAsFloats().fma(xb, a3);
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

    /** 4 or 8 lanes: each nibble sign-extended to q - 8, converted, times d, then the FMA. */
    private static void dotTile4Convert(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            int e = xi + b * QK;
            FloatVector d0 = FloatVector.broadcast(F, w.get(Bytes.F32, col)), d1 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 4));
            FloatVector d2 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 8)), d3 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 12));
            for (int p = 0; p < PARTS; p++) {
                IntVector q = IntVector.fromMemorySegment(I, w, col + QUANTS + 4L * L * p, ORDER);
                FloatVector xa = FloatVector.fromArray(F, x, e + 2 * L * p), xb = FloatVector.fromArray(F, x, e + 2 * L * p + L);
                a0 = ((FloatVector) q.lanewise(LSHL, 28).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0).fma(xa, a0);
                a0 = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0).fma(xb, a0);
                a1 = ((FloatVector) q.lanewise(LSHL, 20).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1).fma(xa, a1);
                a1 = ((FloatVector) q.lanewise(LSHL, 16).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1).fma(xb, a1);
                a2 = ((FloatVector) q.lanewise(LSHL, 12).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2).fma(xa, a2);
                a2 = ((FloatVector) q.lanewise(LSHL, 8).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2).fma(xb, a2);
                a3 = ((FloatVector) q.lanewise(LSHL, 4).lanewise(ASHR, 28).convert(I2F, 0)).mul(d3).fma(xa, a3);
                a3 = ((FloatVector) q.lanewise(ASHR, 28).convert(I2F, 0)).mul(d3).fma(xb, a3);
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
     * Each block column is decoded in registers once for the four tokens (as in {@link #dotTile4}), so
     * a few decode steps or a short prompt read the 4.5-bit weights, not a float panel seven times
     * their size. Same canonical order, so each output is bit-identical to {@link #dotTile4} for that
     * token.
     */
    public static void dotTile4x4(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        if (L == 16) dotTile4x4Lookup(w, off, x, xi, xs, n, out, oi, os);
        else dotTile4x4Convert(w, off, x, xi, xs, n, out, oi, os);
    }

    /** {@link #dotTile4Lookup} for four tokens: 16 accumulators and 8 decoded weight vectors fit the 32 registers. */
    private static void dotTile4x4Lookup(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int b = 0; b < n / QK; b++) {
            long scales = off + (long) b * TILE_COLUMN, quants = off + (long) b * TILE_COLUMN + QUANTS; // as in dotTile4Lookup
            int e = b * QK;
            IntVector q = IntVector.fromMemorySegment(I, w, quants, ORDER);
            IntVector t0 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales)).reinterpretAsInts();
            IntVector t1 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 4)).reinterpretAsInts();
            IntVector t2 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 8)).reinterpretAsInts();
            IntVector t3 = SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 12)).reinterpretAsInts();
            // all eight weight vectors first (v: row r's elements e..e+15, u: e+16..e+31), then per token
            // two activation loads and eight FMAs: each activation is loaded once for four rows (a
            // row-by-row order loaded it four times and was load-bound, 75 instead of 120 GFLOP/s)
            FloatVector v0 = q.selectFrom(t0).reinterpretAsFloats(), u0 = q.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats();
            FloatVector v1 = q.lanewise(LSHR, 8).selectFrom(t1).reinterpretAsFloats(), u1 = q.lanewise(LSHR, 12).selectFrom(t1).reinterpretAsFloats();
            FloatVector v2 = q.lanewise(LSHR, 16).selectFrom(t2).reinterpretAsFloats(), u2 = q.lanewise(LSHR, 20).selectFrom(t2).reinterpretAsFloats();
            FloatVector v3 = q.lanewise(LSHR, 24).selectFrom(t3).reinterpretAsFloats(), u3 = q.lanewise(LSHR, 28).selectFrom(t3).reinterpretAsFloats();
            FloatVector xa = FloatVector.fromArray(F, x, xi + e), xb = FloatVector.fromArray(F, x, xi + e + 16);
            a00 = u0.fma(xb, v0.fma(xa, a00)); a10 = u1.fma(xb, v1.fma(xa, a10)); a20 = u2.fma(xb, v2.fma(xa, a20)); a30 = u3.fma(xb, v3.fma(xa, a30));
            xa = FloatVector.fromArray(F, x, x1 + e); xb = FloatVector.fromArray(F, x, x1 + e + 16);
            a01 = u0.fma(xb, v0.fma(xa, a01)); a11 = u1.fma(xb, v1.fma(xa, a11)); a21 = u2.fma(xb, v2.fma(xa, a21)); a31 = u3.fma(xb, v3.fma(xa, a31));
            xa = FloatVector.fromArray(F, x, x2 + e); xb = FloatVector.fromArray(F, x, x2 + e + 16);
            a02 = u0.fma(xb, v0.fma(xa, a02)); a12 = u1.fma(xb, v1.fma(xa, a12)); a22 = u2.fma(xb, v2.fma(xa, a22)); a32 = u3.fma(xb, v3.fma(xa, a32));
            xa = FloatVector.fromArray(F, x, x3 + e); xb = FloatVector.fromArray(F, x, x3 + e + 16);
            a03 = u0.fma(xb, v0.fma(xa, a03)); a13 = u1.fma(xb, v1.fma(xa, a13)); a23 = u2.fma(xb, v2.fma(xa, a23)); a33 = u3.fma(xb, v3.fma(xa, a33));
        }
        // the 16 folds at once (as Tiles.tile4x4): accumulator 4*token + row ends in that lane, with the very
        // sums of one accumulator's fold (fewer nodes than 16 separate folds: C2 compiled this method with
        // a 52 MB arena, which showed in peak RSS once prompts took this kernel)
        FloatVector c0 = a00.blend(a02, Simd.HI8).add(a02.blend(a00, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c1 = a10.blend(a12, Simd.HI8).add(a12.blend(a10, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c2 = a20.blend(a22, Simd.HI8).add(a22.blend(a20, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c3 = a30.blend(a32, Simd.HI8).add(a32.blend(a30, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c4 = a01.blend(a03, Simd.HI8).add(a03.blend(a01, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c5 = a11.blend(a13, Simd.HI8).add(a13.blend(a11, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c6 = a21.blend(a23, Simd.HI8).add(a23.blend(a21, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c7 = a31.blend(a33, Simd.HI8).add(a33.blend(a31, Simd.HI8).rearrange(Simd.FOLD8));
        c0 = c0.blend(c4, Simd.HI4).add(c4.blend(c0, Simd.HI4).rearrange(Simd.FOLD4));
        c1 = c1.blend(c5, Simd.HI4).add(c5.blend(c1, Simd.HI4).rearrange(Simd.FOLD4));
        c2 = c2.blend(c6, Simd.HI4).add(c6.blend(c2, Simd.HI4).rearrange(Simd.FOLD4));
        c3 = c3.blend(c7, Simd.HI4).add(c7.blend(c3, Simd.HI4).rearrange(Simd.FOLD4));
        c0 = c0.blend(c2, Simd.HI2).add(c2.blend(c0, Simd.HI2).rearrange(Simd.FOLD2));
        c1 = c1.blend(c3, Simd.HI2).add(c3.blend(c1, Simd.HI2).rearrange(Simd.FOLD2));
        c0 = c0.blend(c1, Simd.HI1).add(c1.blend(c0, Simd.HI1).rearrange(Simd.FOLD1));
        c0.intoArray(out, oi, Simd.QUAD0);
        c0.intoArray(out, oi + os - 4, Simd.QUAD1);
        c0.intoArray(out, oi + 2 * os - 8, Simd.QUAD2);
        c0.intoArray(out, oi + 3 * os - 12, Simd.QUAD3);
    }

    /** {@link #dotTile4Convert} for four tokens (4 or 8 lanes). */
    private static void dotTile4x4Convert(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            float d0 = w.get(Bytes.F32, col), d1 = w.get(Bytes.F32, col + 4), d2 = w.get(Bytes.F32, col + 8), d3 = w.get(Bytes.F32, col + 12);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = IntVector.fromMemorySegment(I, w, col + QUANTS + 4L * L * p, ORDER);
                // nibbles 2r + h: row r's elements 2Lp + hL ..; four weight vectors at a time, each
                // activation loaded once for them (AVX2 has 16 registers, so the 16 accumulators spill
                // there, as in Q8_0's dotTile4x4; not measured: this machine's AVX-512 has 32)
                for (int h = 0; h < 2; h++) {
                    FloatVector v0 = ((FloatVector) q.lanewise(LSHL, 28 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0);
                    FloatVector v1 = ((FloatVector) q.lanewise(LSHL, 20 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1);
                    FloatVector v2 = ((FloatVector) q.lanewise(LSHL, 12 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2);
                    FloatVector v3 = ((FloatVector) q.lanewise(LSHL, 4 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d3);
                    int i = b * QK + 2 * L * p + L * h;
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
     * The four rows of a tiled tile, dequantised into the batched path's panel.
     * Element e (a multiple of L) of row r goes to {@code dst[di + r*stride + es*e ..]}: es = 1
     * and stride = the row length lay the rows out one after another; es = 4 and stride = L interleave
     * them chunk by chunk, the layout of {@code Tiles.tile4x4Packed}.
     *
     * <p>The eight nibbles of a loaded run come out with constant shift counts and the four scales are
     * read once per column. As a loop over the nibble (the counts a loop variable, C2 kept them
     * variable: a move into a vector register per shift, and a scale load per nibble) the same floats
     * took 0.10-0.20 ns per weight into a 512 KiB panel (one thread, alternated in one JVM), this way
     * 0.055-0.11; with 128-token regions ({@code Panels.slicedRegions}) a 512-token prompt dequantises
     * the down projection's panels four times, 7% of that matrix's samples before.
     */
    public static void dequantizeTile4(MemorySegment w, long off, int n, float[] dst, int di, int stride, int es) {
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * TILE_COLUMN;
            int y = di + es * b * QK;
            float d0 = w.get(Bytes.F32, col), d1 = w.get(Bytes.F32, col + 4), d2 = w.get(Bytes.F32, col + 8), d3 = w.get(Bytes.F32, col + 12);
            for (int p = 0; p < PARTS; p++) { // nibble k: row k/2, elements 2Lp + (k%2)L ..; constant shift counts
                IntVector q = IntVector.fromMemorySegment(I, w, col + QUANTS + 4L * L * p, ORDER);
                int e0 = y + es * 2 * L * p, e1 = e0 + es * L;
                ((FloatVector) q.lanewise(LSHL, 28).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0).intoArray(dst, e0);
                ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0).intoArray(dst, e1);
                ((FloatVector) q.lanewise(LSHL, 20).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1).intoArray(dst, e0 + stride);
                ((FloatVector) q.lanewise(LSHL, 16).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1).intoArray(dst, e1 + stride);
                ((FloatVector) q.lanewise(LSHL, 12).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2).intoArray(dst, e0 + 2 * stride);
                ((FloatVector) q.lanewise(LSHL, 8).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2).intoArray(dst, e1 + 2 * stride);
                ((FloatVector) q.lanewise(LSHL, 4).lanewise(ASHR, 28).convert(I2F, 0)).mul(d3).intoArray(dst, e0 + 3 * stride);
                ((FloatVector) q.lanewise(ASHR, 28).convert(I2F, 0)).mul(d3).intoArray(dst, e1 + 3 * stride);
            }
        }
    }
}
