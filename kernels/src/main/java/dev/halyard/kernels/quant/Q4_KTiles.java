package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;

/**
 * The load-time rewriting of Q4_K blocks into {@link Q4_KKernel}'s tiled layout ({@link
 * Q4_KKernel#TILE_COLUMN} bytes per block column of four rows, see its layout notes and {@code
 * WeightMatrix.tile4}), and back: {@link #tile}, the scalar reference; {@link #tileFast}, its vector
 * twin, which the loader uses; {@link #untile}, the inverse (embedding lookups, tests). Kept apart from
 * the kernels, which only read the layout.
 */
public final class Q4_KTiles {
    private Q4_KTiles() {}

    private static final int QK = Q4_KKernel.QK, SCALES = Q4_KKernel.SCALES, QUANTS = Q4_KKernel.QUANTS;

    /** Rewrites one block column: the 4 rows' ggml blocks at src[s + r*stride] into dst[d .. d + TILE_COLUMN). */
    public static void tile(byte[] src, int s, int stride, byte[] dst, int d) {
        for (int r = 0; r < 4; r++) {
            int blk = s + r * stride;
            tileScales(src, blk, r, dst, d);
            // qs[32c + l] holds element 64c + l (low nibble) and 64c + 32 + l (high); element 128g + 16k + i
            // is therefore in byte 32(2g + k/4) + 16(k % 2) + i, the high nibble when k % 4 >= 2
            for (int g = 0; g < 2; g++)
                for (int i = 0; i < 16; i++) {
                    int q = blk + 16 + 64 * g + i;
                    int b0 = src[q], b1 = src[q + 16], b2 = src[q + 32], b3 = src[q + 48]; // k = 0/2, 1/3, 4/6, 5/7
                    int v = (b0 & 0x0F) | (b1 & 0x0F) << 4 | (b0 & 0xF0) << 4 | (b1 & 0xF0) << 8
                            | (b2 & 0x0F) << 16 | (b3 & 0x0F) << 20 | (b2 & 0xF0) << 20 | (b3 & 0xF0) << 24;
                    Bytes.putIntLE(dst, d + QUANTS + 128 * r + 64 * g + 4 * i, v);
                }
        }
    }

    /** Row r's d, -dmin (f32) and 16 unpacked six-bit scales and mins, from its block at src[blk], into the column at dst[d]. */
    private static void tileScales(byte[] src, int blk, int r, byte[] dst, int d) {
        Bytes.putIntLE(dst, d + 4 * r, Bytes.halfToFloatBits((short) (src[blk] & 0xff | src[blk + 1] << 8)));
        Bytes.putIntLE(dst, d + 16 + 4 * r, Bytes.halfToFloatBits((short) (src[blk + 2] & 0xff | src[blk + 3] << 8)) ^ 0x80000000);
        long lo = 0;
        for (int i = 7; i >= 0; i--) lo = lo << 8 | (src[blk + 4 + i] & 0xff);
        int hi = 0;
        for (int i = 3; i >= 0; i--) hi = hi << 8 | (src[blk + 12 + i] & 0xff);
        for (int j = 0; j < 16; j++)
            dst[d + SCALES + 16 * r + j] = (byte) (j < 8 ? KScales.scale(j, lo, hi) : KScales.min(j - 8, lo, hi));
    }

    /**
     * {@link #tile}'s vector twin (the same bytes; {@code KQuantTiles}), which the loader uses. An output
     * int's four bytes are, lane by lane, the low nibbles of two source bytes 16 apart, then their high
     * nibbles, then the same for the two bytes 32 further on: four byte vectors of 16 lanes made with a
     * mask, a shift and an or each, then interleaved by widening to ints. The scales stay scalar (16
     * per row). Falls back to {@link #tile} where vectors' bytes are not little-endian.
     */
    public static void tileFast(byte[] src, int s, int stride, byte[] dst, int d) {
        if (java.nio.ByteOrder.nativeOrder() != ORDER) {
            tile(src, s, stride, dst, d);
            return;
        }
        for (int r = 0; r < 4; r++) {
            int blk = s + r * stride;
            tileScales(src, blk, r, dst, d);
            for (int g = 0; g < 2; g++) {
                int q = blk + 16 + 64 * g;
                ByteVector b0 = ByteVector.fromArray(B16, src, q), b1 = ByteVector.fromArray(B16, src, q + 16);
                ByteVector b2 = ByteVector.fromArray(B16, src, q + 32), b3 = ByteVector.fromArray(B16, src, q + 48);
                ByteVector p0 = b0.and((byte) 0x0F).or(b1.lanewise(LSHL, 4)), p1 = b0.lanewise(LSHR, 4).or(b1.and((byte) 0xF0));
                ByteVector p2 = b2.and((byte) 0x0F).or(b3.lanewise(LSHL, 4)), p3 = b2.lanewise(LSHR, 4).or(b3.and((byte) 0xF0));
                for (int part = 0; part < 16 / L; part++) { // ints i in [part * L, part * L + L)
                    IntVector v = ((IntVector) p0.convertShape(B2I, I, part)).and(0xFF)
                            .or(((IntVector) p1.convertShape(B2I, I, part)).and(0xFF).lanewise(LSHL, 8))
                            .or(((IntVector) p2.convertShape(B2I, I, part)).and(0xFF).lanewise(LSHL, 16))
                            .or(((IntVector) p3.convertShape(B2I, I, part)).lanewise(LSHL, 24));
                    // as bytes: an IntVector stored through a heap MemorySegment is not intrinsified (boxed)
                    v.reinterpretAsBytes().intoArray(dst, d + QUANTS + 128 * r + 64 * g + 4 * part * L);
                }
            }
        }
    }

    /** The inverse of {@link #tile} for row r: its ggml block from the column at src[s], into dst[d .. d + 144). */
    public static void untile(byte[] src, int s, int r, byte[] dst, int d) {
        short dh = Bytes.floatBitsToHalf(Bytes.getIntLE(src, s + 4 * r)), mh = Bytes.floatBitsToHalf(Bytes.getIntLE(src, s + 16 + 4 * r) ^ 0x80000000);
        dst[d] = (byte) dh;
        dst[d + 1] = (byte) (dh >> 8);
        dst[d + 2] = (byte) mh;
        dst[d + 3] = (byte) (mh >> 8);
        int[] v = new int[16];
        for (int j = 0; j < 16; j++) v[j] = src[s + SCALES + 16 * r + j] & 0x3f;
        for (int j = 0; j < 4; j++) {
            dst[d + 4 + j] = (byte) (v[j] | (v[j + 4] >> 4) << 6); // scale j, top bits of scale j + 4
            dst[d + 8 + j] = (byte) (v[8 + j] | (v[12 + j] >> 4) << 6); // min j, top bits of min j + 4
            dst[d + 12 + j] = (byte) ((v[j + 4] & 0x0F) | (v[12 + j] & 0x0F) << 4);
        }
        for (int e = 0; e < QK; e++) {
            int q = (src[s + QUANTS + 128 * r + 64 * (e / 128) + 4 * (e % 16) + (e % 128 / 16) / 2] >> (4 * (e % 32 / 16))) & 0x0F;
            int at = d + 16 + 32 * (e / 64) + e % 32, sh = 4 * (e % 64 / 32);
            dst[at] = (byte) ((dst[at] & (0xF0 >> sh)) | q << sh);
        }
    }
}
