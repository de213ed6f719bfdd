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
 * The load-time rewriting of Q6_K blocks into {@link Q6_KTileKernel}'s tiled layout (four rows per block
 * column, see its layout notes and {@code WeightMatrix.tile4}), and back: {@link #tile}, the scalar
 * reference; {@link #tileFast}, its vector twin, which the loader uses; {@link #untile}, the inverse
 * (embedding lookups, tests). Kept apart from the kernels, which only read the layout.
 */
public final class Q6_KTiles {
    private Q6_KTiles() {}

    private static final int QK = Q6_KKernel.QK;
    private static final boolean TRANSPOSED = Q6_KTileKernel.TRANSPOSED;

    private static int element(int p) {
        return Q6_KTileKernel.element(p);
    }

    /** Rewrites one block column: the 4 rows' ggml blocks at src[s + r*stride] into dst[d .. d + 840). */
    public static void tile(byte[] src, int s, int stride, byte[] dst, int d) {
        int[] u = new int[QK]; // one row's six-bit values, in element order
        for (int r = 0; r < 4; r++) {
            int blk = s + r * stride, row = d + 72 + 192 * r;
            System.arraycopy(src, blk + 208, dst, d + 2 * r, 2);
            System.arraycopy(src, blk + 192, dst, d + 8 + 16 * r, 16);
            for (int h = 0; h < 2; h++) // 128 elements: ql[64h ..] holds 4 nibble planes, qh[32h ..] 4 two-bit planes
                for (int l = 0; l < 32; l++) {
                    int q1 = src[blk + 64 * h + l], q2 = src[blk + 64 * h + 32 + l], qh = src[blk + 128 + 32 * h + l];
                    u[128 * h + l] = (q1 & 0x0F) | (qh & 3) << 4;
                    u[128 * h + 32 + l] = (q2 & 0x0F) | (qh >> 2 & 3) << 4;
                    u[128 * h + 64 + l] = (q1 >> 4 & 0x0F) | (qh >> 4 & 3) << 4;
                    u[128 * h + 96 + l] = (q2 >> 4 & 0x0F) | (qh >> 6 & 3) << 4;
                }
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 16; i++) {
                    int v = (u[element(240 + i)] >> (2 * j) & 3) << 30; // position group 15's bits 2j, 2j + 1
                    for (int f = 0; f < 5; f++) v |= u[element(16 * (5 * j + f) + i)] << (6 * f);
                    Bytes.putIntLE(dst, row + 64 * j + 4 * i, v);
                }
        }
    }

    /**
     * {@link #tile}'s fast twin (the same bytes; {@code KQuantTiles}), which the loader uses: the scalar
     * one was most of Llama-3.2-1B Q4_K_M's repacking. Per row, 16 six-bit values at a time from the
     * nibble and two-bit planes into {@code u[0 .. 256)} (element order, one per byte: a 16 x 16 matrix,
     * row g the elements of group g). Element order: an output int's fields are one column of that
     * matrix, so {@code L} ints at a time take each field from the 16 bytes of its group's row, widened
     * and shifted. Transposed: an int's five fields are five consecutive bytes of one row (its group 15
     * bits the row's last byte), so each comes out of two longs with four shifts and masks (every byte is
     * below 64: byte f moves down 2f bits). {@code u}: a scratch of 256 bytes the caller owns. Falls back
     * to {@link #tile} where vectors' bytes are not little-endian.
     */
    public static void tileFast(byte[] src, int s, int stride, byte[] dst, int d, byte[] u) {
        if (java.nio.ByteOrder.nativeOrder() != ORDER) { // the element-order path stores vectors' bytes as they lie
            tile(src, s, stride, dst, d);
            return;
        }
        for (int r = 0; r < 4; r++) {
            int blk = s + r * stride, row = d + 72 + 192 * r;
            System.arraycopy(src, blk + 208, dst, d + 2 * r, 2);
            System.arraycopy(src, blk + 192, dst, d + 8 + 16 * r, 16);
            for (int h = 0; h < 2; h++) // as tile: ql[64h ..] 4 nibble planes, qh[32h ..] 4 two-bit planes
                for (int l = 0; l < 32; l += 16) {
                    ByteVector q1 = ByteVector.fromArray(B16, src, blk + 64 * h + l), q2 = ByteVector.fromArray(B16, src, blk + 64 * h + 32 + l);
                    ByteVector qh = ByteVector.fromArray(B16, src, blk + 128 + 32 * h + l);
                    int e = 128 * h + l;
                    q1.and((byte) 0x0F).or(qh.and((byte) 3).lanewise(LSHL, 4)).intoArray(u, e);
                    q2.and((byte) 0x0F).or(qh.lanewise(LSHR, 2).and((byte) 3).lanewise(LSHL, 4)).intoArray(u, e + 32);
                    q1.lanewise(LSHR, 4).or(qh.lanewise(LSHR, 4).and((byte) 3).lanewise(LSHL, 4)).intoArray(u, e + 64);
                    q2.lanewise(LSHR, 4).or(qh.lanewise(LSHR, 6).lanewise(LSHL, 4)).intoArray(u, e + 96);
                }
            if (TRANSPOSED) { // int (j, i): elements 16i + 5j + f, f < 5, and 16i + 15's bits 2j, 2j + 1
                for (int i = 0; i < 16; i++) {
                    long lo = Bytes.getLongLE(u, 16 * i), hi = Bytes.getLongLE(u, 16 * i + 8);
                    int top = (int) (hi >>> 56);
                    Bytes.putIntLE(dst, row + 4 * i, fields(lo) | (top & 3) << 30);
                    Bytes.putIntLE(dst, row + 64 + 4 * i, fields(lo >>> 40 | hi << 24) | (top >> 2 & 3) << 30);
                    Bytes.putIntLE(dst, row + 128 + 4 * i, fields(hi >>> 16) | (top >> 4 & 3) << 30);
                }
                continue;
            }
            for (int j = 0; j < 3; j++) // int (j, i): elements 16(5j + f) + i and 240 + i's bits 2j, 2j + 1
                for (int part = 0; part < 16 / L; part++) { // ints i in [part * L, part * L + L)
                    IntVector v = ((IntVector) ByteVector.fromArray(B16, u, 240).convertShape(B2I, I, part))
                            .lanewise(LSHR, 2 * j).and(3).lanewise(LSHL, 30);
                    for (int f = 0; f < 5; f++)
                        v = v.or(((IntVector) ByteVector.fromArray(B16, u, 16 * (5 * j + f)).convertShape(B2I, I, part)).lanewise(LSHL, 6 * f));
                    // into the byte[] as bytes (an IntVector stored through a heap MemorySegment was not intrinsified: boxed, 0.8 GB/s)
                    v.reinterpretAsBytes().intoArray(dst, row + 64 * j + 4 * part * L);
                }
        }
    }

    /** Bytes 0..4 of x (each below 64) as five 6-bit fields, byte f at bit 6f. */
    private static int fields(long x) {
        return (int) (x & 0x3F | x >>> 2 & 0xFC0 | x >>> 4 & 0x3F000 | x >>> 6 & 0xFC0000 | x >>> 8 & 0x3F000000);
    }

    /** The inverse of {@link #tile} for row r: its ggml block from the column at src[s], into dst[d .. d + 210). */
    public static void untile(byte[] src, int s, int r, byte[] dst, int d) {
        int row = s + 72 + 192 * r;
        java.util.Arrays.fill(dst, d, d + 192, (byte) 0);
        System.arraycopy(src, s + 2 * r, dst, d + 208, 2);
        System.arraycopy(src, s + 8 + 16 * r, dst, d + 192, 16);
        for (int e = 0; e < QK; e++) {
            int p = element(e), k = p / 16, i = p % 16, u = 0; // element(element(e)) = e: e's position
            if (k < 15) u = Bytes.getIntLE(src, row + 64 * (k / 5) + 4 * i) >>> (6 * (k % 5)) & 63;
            else for (int j = 0; j < 3; j++) u |= (Bytes.getIntLE(src, row + 64 * j + 4 * i) >>> 30) << (2 * j);
            int t = e % 128 / 32, l = e % 32;
            dst[d + 64 * (e / 128) + 32 * (t & 1) + l] |= (byte) ((u & 0x0F) << (4 * (t >> 1)));
            dst[d + 128 + 32 * (e / 128) + l] |= (byte) ((u >> 4) << (2 * t));
        }
    }
}
