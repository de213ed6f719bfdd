package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Bytes.I64;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Tiled Q6_K ({@code WeightMatrix.tile4}; the file's blocks rewritten by {@link Q6_KTiles}) times one
 * token: the layout, its positions ({@link #TRANSPOSED}), the single-token kernels and the panel's
 * dequantisation. {@link Q6_KKernel} holds the kernels of ggml's own blocks (the row layout, the
 * reference), {@link Q6_KQuadKernel} the four-token kernel of this layout.
 */
public final class Q6_KTileKernel {
    private Q6_KTileKernel() {}

    static final int QK = Q6_KKernel.QK, BYTES = Q6_KKernel.BYTES;

    // ---- The tiled layout (WeightMatrix.tile4): rows in fours, per block column 4 x 210 = 840 bytes ----
    //
    //  [0, 8)     f16 d of row r at 2r
    //  [8, 72)    row r's 16 int8 scales at 8 + 16r
    //  [72 + 192r, 264 + 192r)  row r's 256 six-bit quants u = q + 32 (0..63), whole, in three groups
    //             of 16 little-endian ints: in group j, bits 6f .. 6f + 5 of int i hold position
    //             16(5j + f) + i (f < 5), and bits 30, 31 hold bits 2j, 2j + 1 of position 240 + i
    //
    // Positions are the kernels' order. At 16 lanes (TRANSPOSED) each block is stored transposed:
    // position 16c + j holds element 16j + c, element c of scale group j, so lane j of every chunk of
    // 16 belongs to group j and a row's 16 scales are one vector per block, used as it is by all 16
    // chunks. The tiled kernels read the activations transposed alike ({@link #transpose}, in place,
    // per matmul), so each lane accumulates its group's 16 products in element order, and a row's result
    // is the canonical loop over the transposed row and activations (its own order: the row layout's
    // kernels, which read ggml's blocks, keep element order; the two agree to rounding, not bit for
    // bit). Element order put one scale per chunk: two broadcasts per chunk and row, which on Zen 4
    // (512-bit operations split in halves) cost more than the decoding; transposed, the Q6_K
    // single-token kernel ran 14.5-14.9 weights/ns against 10.6-11.9 (one thread, 128 x 2048 in L2).
    // Below 16 lanes positions are elements (the narrow kernel broadcasts per part anyway).
    //
    // Groups 0..14 come out of an int with a shift and a mask (the single-token kernel) or one mask, in
    // place: (int & 63 << 6f) is exactly u * 2^6f as a float, and the kernel scales it by d * scale *
    // 2^-6f, a power of two away from the reference's d * scale, so no bit changes (see dotTile4).
    // Only position group 15 is gathered from three ints' top bits. Same size as the ggml blocks.

    /**
     * Whether the tiled layout holds each block transposed (see above): at 16 lanes, unless {@code
     * -Dhalyard.q6kTransposed=false} asks for element order. Fixed per JVM, as the vector width is.
     * Llama-3.2-1B Q4_K_M (whose output and half its down and value projections are Q6_K), {@code bench
     * ab}, element order (A) against transposed (B): on Zen 4 generation 1.114 (6 of 6 rounds faster,
     * 1.05-1.27), prompt level; on the Zen 5-class host (AMD family 26, two full 512-bit pipes; stop 48)
     * generation 1.069 (4 of 6), 1.094 (6 of 9) and 1.083 (12 of 12, after 4-token prompts: 1.038, 7 of
     * 12), 512-token prompts 0.990 / 1.000. Only the four-token kernel alone ran slower there ({@code bench
     * prompt --tokens 4}, two threads: ~0.75x), which the whole 4-token step did not show. Until stop 48
     * the Zen 5-class host kept element order on the strength of an older experiment (an extra integer
     * operation per 16 weights, 0.57-0.70x); measured, the transposed kernels won there too. Intel's
     * AVX-512 cores are not measured.
     */
    public static final boolean TRANSPOSED = L == 16
            && Boolean.parseBoolean(System.getProperty("halyard.q6kTransposed", "true"));

    /** The element at position p of a tiled row (both within or across blocks: p and the result share their block). */
    public static int element(int p) {
        return TRANSPOSED ? (p & ~255) | (p & 15) << 4 | (p >> 4 & 15) : p;
    }

    /**
     * Activations in place between element order and the tiled kernels' positions: {@code x[xi + p]}
     * and {@code x[xi + element(p)]} swapped for p < n (n a multiple of 256; nothing unless {@link
     * #TRANSPOSED}). Its own inverse.
     */
    public static void transpose(float[] x, int xi, int n) {
        if (!TRANSPOSED) return;
        for (int b = xi; b < xi + n; b += QK)
            for (int c = 0; c < 16; c++)
                for (int j = c + 1; j < 16; j++) {
                    float t = x[b + 16 * c + j];
                    x[b + 16 * c + j] = x[b + 16 * j + c];
                    x[b + 16 * j + c] = t;
                }
    }

    /** Per scale group k: 2^-6f, f = k % 5 the 6-bit field holding it (group 15: assembled, 1). */
    static final float[] FIELD_WEIGHT = new float[16];

    static {
        for (int k = 0; k < 16; k++) FIELD_WEIGHT[k] = k == 15 ? 1f : (float) Math.scalb(1.0, -6 * (k % 5));
    }

    /**
     * The 4 rows of a tiled tile times one activation vector in the layout's positions ({@code x[xi +
     * p]} the activation of {@link #element}(p): see {@link #transpose}), into {@code out[oi .. oi +
     * 4)}: the canonical loop over the rows' dequantised floats and the activations, both in position
     * order (element order unless {@link #TRANSPOSED}: then {@link Q6_KKernel#dotRow}'s bits). Transposed: per
     * block column each row's s = d * scale of its 16 groups is one vector (lane j, group j), and -32s
     * another; per chunk of 16 positions each row's u is shifted and masked out of its ints (chunk 15:
     * gathered from three ints' top bits), w = u * s - 32s with one FMA, and one more FMA into the
     * row's accumulator, the 4 rows sharing each activation load. Element order: per chunk of L
     * elements of group k each row's u * 2^6f comes out with one mask, w = (u * 2^6f) * (s * 2^-6f) -
     * 32s with the scales from {@code s[0 .. 128)} (row r's s * 2^-6f at 16r, its -32s at 64 + 16r: a
     * scratch the caller owns, so that the kernel allocates nothing), broadcast.
     *
     * <p>w is the reference's (u - 32) * s: the product u * s is exact (s has at most 11 + 7 significant
     * bits, u at most 6; the powers of two change no bit: s * 2^-24 stays a normal float for any finite
     * half d), and so is (u - 32) * s, so the FMA rounds nothing. The one difference is the sign of a
     * zero (u = 32 with s < 0: +0 here, -0 there), which no sum can see: an accumulator starting at +0
     * never becomes -0, and acc + (+-0) * x is acc either way.
     */
    public static void dotTile4(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s) {
        if (TRANSPOSED) dotTile4Wide(w, off, x, xi, n, out, oi, s, null, 0);
        else if (L == 16) dotTile4WideElements(w, off, x, xi, n, out, oi, s, null, 0);
        else dotTile4Narrow(w, off, x, xi, n, out, oi, s, null, 0);
    }

    /**
     * {@link #dotTile4} over one column slice of a slice-major tile ({@code WeightMatrix}): the 4 rows'
     * accumulators are read from and written back to {@code acc[ai ..]} (row r's L lanes at ai + rL,
     * zeros before the first slice; {@code Simd.fold4} after the last), so the bits are those of whole rows.
     */
    public static void dotTile4Acc(MemorySegment w, long off, float[] x, int xi, int n, float[] acc, int ai, float[] s) {
        if (TRANSPOSED) dotTile4Wide(w, off, x, xi, n, null, 0, s, acc, ai);
        else if (L == 16) dotTile4WideElements(w, off, x, xi, n, null, 0, s, acc, ai);
        else dotTile4Narrow(w, off, x, xi, n, null, 0, s, acc, ai);
    }

    /**
     * 16 lanes, transposed: a row's group of 16 ints (five fields and two bits of chunk 15) is loaded
     * once and its five fields shifted out of the register in turn; chunk 15's bits are gathered as
     * the groups go by. Loading per field instead (as {@link #dotTile4Narrow} does) put a bounds check
     * and its address arithmetic in front of every load: C2's loop was mostly scalar code. The scales
     * stay in registers for the block; in element order each chunk had its own, two broadcasts per
     * chunk and row (10.6-11.9 weights/ns on Zen 4 against 14.5-14.9 now, one thread, 128 x 2048).
     */
    private static void dotTile4Wide(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s, float[] acc, int ai) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        if (acc != null) { // carried on from the previous column slice
            a0 = FloatVector.fromArray(F, acc, ai);
            a1 = FloatVector.fromArray(F, acc, ai + L);
            a2 = FloatVector.fromArray(F, acc, ai + 2 * L);
            a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        }
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES, quants = off + (long) b * 4 * BYTES + 72;
            long ds = w.get(I64, col);
            float d0 = Float.float16ToFloat((short) ds), d1 = Float.float16ToFloat((short) (ds >>> 16));
            float d2 = Float.float16ToFloat((short) (ds >>> 32)), d3 = Float.float16ToFloat((short) (ds >>> 48));
            // row r's d * scale of group j in lane j (transposed: lane j is group j in every chunk), and -32 times it
            FloatVector v0 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 8, ORDER).convertShape(B2F, F, 0)).mul(d0);
            FloatVector v1 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 24, ORDER).convertShape(B2F, F, 0)).mul(d1);
            FloatVector v2 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 40, ORDER).convertShape(B2F, F, 0)).mul(d2);
            FloatVector v3 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 56, ORDER).convertShape(B2F, F, 0)).mul(d3);
            FloatVector c0 = v0.mul(-32f), c1 = v1.mul(-32f), c2 = v2.mul(-32f), c3 = v3.mul(-32f);
            int e = xi + b * QK;
            IntVector h0 = IntVector.zero(I), h1 = h0, h2 = h0, h3 = h0; // chunk 15, u = bits 30-31 of groups 0, 1, 2
            for (int j = 0; j < 3; j++) {
                long g = quants + 64 * j;
                IntVector g0 = IntVector.fromMemorySegment(I, w, g, ORDER), g1 = IntVector.fromMemorySegment(I, w, g + 192, ORDER);
                IntVector g2 = IntVector.fromMemorySegment(I, w, g + 384, ORDER), g3 = IntVector.fromMemorySegment(I, w, g + 576, ORDER);
                for (int f = 0; f < 5; f++) { // chunk 5j + f: field f, shifted down (a constant count once unrolled)
                    int sh = 6 * f;
                    FloatVector xv = FloatVector.fromArray(F, x, e + 16 * (5 * j + f));
                    a0 = ((FloatVector) g0.lanewise(LSHR, sh).and(63).convert(I2F, 0)).fma(v0, c0).fma(xv, a0);
                    a1 = ((FloatVector) g1.lanewise(LSHR, sh).and(63).convert(I2F, 0)).fma(v1, c1).fma(xv, a1);
                    a2 = ((FloatVector) g2.lanewise(LSHR, sh).and(63).convert(I2F, 0)).fma(v2, c2).fma(xv, a2);
                    a3 = ((FloatVector) g3.lanewise(LSHR, sh).and(63).convert(I2F, 0)).fma(v3, c3).fma(xv, a3);
                }
                h0 = h0.or(g0.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
                h1 = h1.or(g1.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
                h2 = h2.or(g2.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
                h3 = h3.or(g3.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
            }
            FloatVector xv = FloatVector.fromArray(F, x, e + 240);
            a0 = ((FloatVector) h0.convert(I2F, 0)).fma(v0, c0).fma(xv, a0);
            a1 = ((FloatVector) h1.convert(I2F, 0)).fma(v1, c1).fma(xv, a1);
            a2 = ((FloatVector) h2.convert(I2F, 0)).fma(v2, c2).fma(xv, a2);
            a3 = ((FloatVector) h3.convert(I2F, 0)).fma(v3, c3).fma(xv, a3);
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

    /**
     * 16 lanes in element order (not {@link #TRANSPOSED}): a row's group of 16 ints (five fields and two
     * bits of group 15) is loaded once and its five fields masked out of the register in turn, each
     * group's two scales broadcast; group 15's bits are gathered as the groups go by.
     */
    private static void dotTile4WideElements(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s, float[] acc, int ai) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        if (acc != null) { // carried on from the previous column slice
            a0 = FloatVector.fromArray(F, acc, ai);
            a1 = FloatVector.fromArray(F, acc, ai + L);
            a2 = FloatVector.fromArray(F, acc, ai + 2 * L);
            a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        }
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES, quants = off + (long) b * 4 * BYTES + 72;
            long ds = w.get(I64, col);
            float d0 = Float.float16ToFloat((short) ds), d1 = Float.float16ToFloat((short) (ds >>> 16));
            float d2 = Float.float16ToFloat((short) (ds >>> 32)), d3 = Float.float16ToFloat((short) (ds >>> 48));
            FloatVector f = FloatVector.fromArray(F, FIELD_WEIGHT, 0); // d * scale * 2^-6f, and -32 d * scale
            FloatVector v0 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 8, ORDER).convertShape(B2F, F, 0)).mul(d0);
            FloatVector v1 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 24, ORDER).convertShape(B2F, F, 0)).mul(d1);
            FloatVector v2 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 40, ORDER).convertShape(B2F, F, 0)).mul(d2);
            FloatVector v3 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 56, ORDER).convertShape(B2F, F, 0)).mul(d3);
            v0.mul(f).intoArray(s, 0);
            v1.mul(f).intoArray(s, 16);
            v2.mul(f).intoArray(s, 32);
            v3.mul(f).intoArray(s, 48);
            v0.mul(-32f).intoArray(s, 64);
            v1.mul(-32f).intoArray(s, 80);
            v2.mul(-32f).intoArray(s, 96);
            v3.mul(-32f).intoArray(s, 112);
            int e = xi + b * QK;
            IntVector h0 = IntVector.zero(I), h1 = h0, h2 = h0, h3 = h0; // group 15, u = bits 30-31 of groups 0, 1, 2
            for (int j = 0; j < 3; j++) {
                long g = quants + 64 * j;
                IntVector g0 = IntVector.fromMemorySegment(I, w, g, ORDER), g1 = IntVector.fromMemorySegment(I, w, g + 192, ORDER);
                IntVector g2 = IntVector.fromMemorySegment(I, w, g + 384, ORDER), g3 = IntVector.fromMemorySegment(I, w, g + 576, ORDER);
                // field k - 5j's mask, 63 << 6(k - 5j), shifted on in a register: loading it from a table per
                // field put a bounds check and address arithmetic in the loop (L1-resident tile: 350 -> 307 ns)
                IntVector m = IntVector.broadcast(I, 63);
                for (int k = 5 * j; k < 5 * j + 5; k++, m = m.lanewise(LSHL, 6)) { // field k - 5j, in place
                    FloatVector xv = FloatVector.fromArray(F, x, e + 16 * k);
                    a0 = ((FloatVector) g0.and(m).convert(I2F, 0)).fma(FloatVector.broadcast(F, s[k]), FloatVector.broadcast(F, s[64 + k])).fma(xv, a0);
                    a1 = ((FloatVector) g1.and(m).convert(I2F, 0)).fma(FloatVector.broadcast(F, s[16 + k]), FloatVector.broadcast(F, s[80 + k])).fma(xv, a1);
                    a2 = ((FloatVector) g2.and(m).convert(I2F, 0)).fma(FloatVector.broadcast(F, s[32 + k]), FloatVector.broadcast(F, s[96 + k])).fma(xv, a2);
                    a3 = ((FloatVector) g3.and(m).convert(I2F, 0)).fma(FloatVector.broadcast(F, s[48 + k]), FloatVector.broadcast(F, s[112 + k])).fma(xv, a3);
                }
                h0 = h0.or(g0.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
                h1 = h1.or(g1.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
                h2 = h2.or(g2.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
                h3 = h3.or(g3.lanewise(LSHR, 30).lanewise(LSHL, 2 * j));
            }
            FloatVector xv = FloatVector.fromArray(F, x, e + 240);
            a0 = ((FloatVector) h0.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[15]), FloatVector.broadcast(F, s[79])).fma(xv, a0);
            a1 = ((FloatVector) h1.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[31]), FloatVector.broadcast(F, s[95])).fma(xv, a1);
            a2 = ((FloatVector) h2.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[47]), FloatVector.broadcast(F, s[111])).fma(xv, a2);
            a3 = ((FloatVector) h3.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[63]), FloatVector.broadcast(F, s[127])).fma(xv, a3);
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

    /** 4 or 8 lanes: per group and part, each row's ints loaded and one field masked out. */
    private static void dotTile4Narrow(MemorySegment w, long off, float[] x, int xi, int n, float[] out, int oi, float[] s, float[] acc, int ai) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        if (acc != null) { // carried on from the previous column slice
            a0 = FloatVector.fromArray(F, acc, ai);
            a1 = FloatVector.fromArray(F, acc, ai + L);
            a2 = FloatVector.fromArray(F, acc, ai + 2 * L);
            a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        }
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES;
            long ds = w.get(I64, col);
            float d0 = Float.float16ToFloat((short) ds), d1 = Float.float16ToFloat((short) (ds >>> 16));
            float d2 = Float.float16ToFloat((short) (ds >>> 32)), d3 = Float.float16ToFloat((short) (ds >>> 48));
            ByteVector c0 = ByteVector.fromMemorySegment(B16, w, col + 8, ORDER), c1 = ByteVector.fromMemorySegment(B16, w, col + 24, ORDER);
            ByteVector c2 = ByteVector.fromMemorySegment(B16, w, col + 40, ORDER), c3 = ByteVector.fromMemorySegment(B16, w, col + 56, ORDER);
            for (int p = 0; p < PARTS; p++) { // d * scale * 2^-6f, and -32 d * scale
                FloatVector f = FloatVector.fromArray(F, FIELD_WEIGHT, p * L);
                FloatVector v0 = ((FloatVector) c0.convertShape(B2F, F, p)).mul(d0), v1 = ((FloatVector) c1.convertShape(B2F, F, p)).mul(d1);
                FloatVector v2 = ((FloatVector) c2.convertShape(B2F, F, p)).mul(d2), v3 = ((FloatVector) c3.convertShape(B2F, F, p)).mul(d3);
                v0.mul(f).intoArray(s, p * L);
                v1.mul(f).intoArray(s, 16 + p * L);
                v2.mul(f).intoArray(s, 32 + p * L);
                v3.mul(f).intoArray(s, 48 + p * L);
                v0.mul(-32f).intoArray(s, 64 + p * L);
                v1.mul(-32f).intoArray(s, 80 + p * L);
                v2.mul(-32f).intoArray(s, 96 + p * L);
                v3.mul(-32f).intoArray(s, 112 + p * L);
            }
            long q = col + 72;
            for (int k = 0; k < 16; k++) { // scale group k: elements 16k .. 16k + 15
                FloatVector s0 = FloatVector.broadcast(F, s[k]), s1 = FloatVector.broadcast(F, s[16 + k]);
                FloatVector s2 = FloatVector.broadcast(F, s[32 + k]), s3 = FloatVector.broadcast(F, s[48 + k]);
                FloatVector t0 = FloatVector.broadcast(F, s[64 + k]), t1 = FloatVector.broadcast(F, s[80 + k]);
                FloatVector t2 = FloatVector.broadcast(F, s[96 + k]), t3 = FloatVector.broadcast(F, s[112 + k]);
                for (int p = 0; p < PARTS; p++) {
                    IntVector u0, u1, u2, u3;
                    long at = q + 4L * L * p;
                    if (k < 15) { // field f = k % 5 of group j = k / 5, in place
                        long g = at + 64 * (k / 5);
                        int mask = 63 << (6 * (k % 5));
                        u0 = IntVector.fromMemorySegment(I, w, g, ORDER).and(mask);
                        u1 = IntVector.fromMemorySegment(I, w, g + 192, ORDER).and(mask);
                        u2 = IntVector.fromMemorySegment(I, w, g + 384, ORDER).and(mask);
                        u3 = IntVector.fromMemorySegment(I, w, g + 576, ORDER).and(mask);
                    } else { // bits 2j, 2j + 1 from the top of group j
                        u0 = IntVector.fromMemorySegment(I, w, at, ORDER).lanewise(LSHR, 30)
                                .or(IntVector.fromMemorySegment(I, w, at + 64, ORDER).lanewise(LSHR, 28).and(0x0C))
                                .or(IntVector.fromMemorySegment(I, w, at + 128, ORDER).lanewise(LSHR, 26).and(0x30));
                        u1 = IntVector.fromMemorySegment(I, w, at + 192, ORDER).lanewise(LSHR, 30)
                                .or(IntVector.fromMemorySegment(I, w, at + 256, ORDER).lanewise(LSHR, 28).and(0x0C))
                                .or(IntVector.fromMemorySegment(I, w, at + 320, ORDER).lanewise(LSHR, 26).and(0x30));
                        u2 = IntVector.fromMemorySegment(I, w, at + 384, ORDER).lanewise(LSHR, 30)
                                .or(IntVector.fromMemorySegment(I, w, at + 448, ORDER).lanewise(LSHR, 28).and(0x0C))
                                .or(IntVector.fromMemorySegment(I, w, at + 512, ORDER).lanewise(LSHR, 26).and(0x30));
                        u3 = IntVector.fromMemorySegment(I, w, at + 576, ORDER).lanewise(LSHR, 30)
                                .or(IntVector.fromMemorySegment(I, w, at + 640, ORDER).lanewise(LSHR, 28).and(0x0C))
                                .or(IntVector.fromMemorySegment(I, w, at + 704, ORDER).lanewise(LSHR, 26).and(0x30));
                    }
                    FloatVector xv = FloatVector.fromArray(F, x, xi + b * QK + 16 * k + p * L);
                    a0 = ((FloatVector) u0.convert(I2F, 0)).fma(s0, t0).fma(xv, a0);
                    a1 = ((FloatVector) u1.convert(I2F, 0)).fma(s1, t1).fma(xv, a1);
                    a2 = ((FloatVector) u2.convert(I2F, 0)).fma(s2, t2).fma(xv, a2);
                    a3 = ((FloatVector) u3.convert(I2F, 0)).fma(s3, t3).fma(xv, a3);
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
     * #dequantizeVector}, (u - 32) * (d * scale). Element e (a multiple of L) of row r goes to {@code
     * dst[di + r*stride + es*e ..]}: es = 1 and stride = the row length lay the rows out one after
     * another; es = 4 and stride = L interleave them chunk by chunk, the layout of {@code
     * Tiles.tile4x4Packed}. {@code s}: a scratch of 16 floats.
     *
     * <p>As in {@link #dotTile4}, each field is masked in place: per row and block the 16 group scales
     * are formed as one vector, d * scale * 2^-6f into {@code s}; then per L elements one mask, one
     * integer subtract of 32 * 2^6f, a conversion and one multiply by a broadcast scale. (u - 32) * 2^6f
     * converts exactly, and its product with d * scale * 2^-6f is (u - 32) * d * scale exactly (at most
     * 5 + 18 significant bits; powers of two change no bit), the float the shift-mask-subtract form
     * gave. That form shifted each field down by a variable count and read and multiplied each group's
     * scale byte as a scalar: 0.144-0.147 ns per weight against 0.064-0.065 now (one thread, a 128 x 2048
     * tiled matrix in L2). Its panel is the 16-sequence decode step's path for the large Q6_K matrices
     * (Llama-3.2-1B Q4_K_M's output and half its down projections), where the dequantisation took 14.7%
     * of the samples, as much as the F32 tiles that use it. In place the gain is smaller than alone
     * (stop 25's in-place form with an FMA measured slower there): {@code EngineServeProbe}, 16 sequences
     * of 8-token prompts, 128 tokens each, 7 alternated pairs of processes against the build before:
     * medians 57.8 -> 61.0 tok/s, round-by-round ratio 1.03 (4 of 7 faster).
     */
    public static void dequantizeTile4(MemorySegment w, long off, int n, float[] dst, int di, int stride, int es, float[] s) {
        if (TRANSPOSED) {
            dequantizeTile4Transposed(w, off, n, dst, di, stride, es);
            return;
        }
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES;
            for (int r = 0; r < 4; r++) {
                float d = Float.float16ToFloat(w.get(I16, col + 2 * r));
                ByteVector sc = ByteVector.fromMemorySegment(B16, w, col + 8 + 16 * r, ORDER);
                for (int p = 0; p < PARTS; p++) // group k's d * scale * 2^-6f at s[k]
                    ((FloatVector) sc.convertShape(B2F, F, p)).mul(d).mul(FloatVector.fromArray(F, FIELD_WEIGHT, p * L)).intoArray(s, p * L);
                long q = col + 72 + 192 * r;
                int y = di + r * stride + es * b * QK;
                for (int p = 0; p < PARTS; p++) { // each int vector loaded once for its 5 groups
                    IntVector g0 = IntVector.fromMemorySegment(I, w, q + 4L * L * p, ORDER);
                    IntVector g1 = IntVector.fromMemorySegment(I, w, q + 64 + 4L * L * p, ORDER);
                    IntVector g2 = IntVector.fromMemorySegment(I, w, q + 128 + 4L * L * p, ORDER);
                    IntVector m = IntVector.broadcast(I, 63), c = IntVector.broadcast(I, 32); // field f's mask and 32, in place
                    for (int f = 0; f < 5; f++, m = m.lanewise(LSHL, 6), c = c.lanewise(LSHL, 6)) {
                        ((FloatVector) g0.and(m).sub(c).convert(I2F, 0)).mul(s[f]).intoArray(dst, y + es * (16 * f + p * L));
                        ((FloatVector) g1.and(m).sub(c).convert(I2F, 0)).mul(s[5 + f]).intoArray(dst, y + es * (16 * (5 + f) + p * L));
                        ((FloatVector) g2.and(m).sub(c).convert(I2F, 0)).mul(s[10 + f]).intoArray(dst, y + es * (16 * (10 + f) + p * L));
                    }
                    IntVector u = g0.lanewise(LSHR, 30).or(g1.lanewise(LSHR, 28).and(0x0C)).or(g2.lanewise(LSHR, 26).and(0x30)); // group 15
                    ((FloatVector) u.sub(32).convert(I2F, 0)).mul(s[15]).intoArray(dst, y + es * (16 * 15 + p * L));
                }
            }
        }
    }

    /**
     * {@link #dequantizeTile4} at 16 lanes, in the layout's positions: per row and block the 16 group
     * scales are one vector (lane j, group j), times 2^-6f per field, and each chunk's floats are its
     * in-place field, less 32 * 2^6f, converted, times that vector: the same floats, (u - 32) * d * scale.
     */
    private static void dequantizeTile4Transposed(MemorySegment w, long off, int n, float[] dst, int di, int stride, int es) {
        for (int b = 0; b < n / QK; b++) {
            long col = off + (long) b * 4 * BYTES;
            for (int r = 0; r < 4; r++) {
                float d = Float.float16ToFloat(w.get(I16, col + 2 * r));
                FloatVector v = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 8 + 16 * r, ORDER).convertShape(B2F, F, 0)).mul(d);
                long q = col + 72 + 192 * r;
                int y = di + r * stride + es * b * QK;
                IntVector g0 = IntVector.fromMemorySegment(I, w, q, ORDER);
                IntVector g1 = IntVector.fromMemorySegment(I, w, q + 64, ORDER);
                IntVector g2 = IntVector.fromMemorySegment(I, w, q + 128, ORDER);
                IntVector m = IntVector.broadcast(I, 63), c = IntVector.broadcast(I, 32); // field f's mask and 32, in place
                FloatVector vf = v; // d * scale * 2^-6f
                for (int f = 0; f < 5; f++, m = m.lanewise(LSHL, 6), c = c.lanewise(LSHL, 6), vf = vf.mul(0x1p-6f)) {
                    ((FloatVector) g0.and(m).sub(c).convert(I2F, 0)).mul(vf).intoArray(dst, y + es * 16 * f);
                    ((FloatVector) g1.and(m).sub(c).convert(I2F, 0)).mul(vf).intoArray(dst, y + es * 16 * (5 + f));
                    ((FloatVector) g2.and(m).sub(c).convert(I2F, 0)).mul(vf).intoArray(dst, y + es * 16 * (10 + f));
                }
                IntVector u = g0.lanewise(LSHR, 30).or(g1.lanewise(LSHR, 28).and(0x0C)).or(g2.lanewise(LSHR, 26).and(0x30)); // chunk 15
                ((FloatVector) u.sub(32).convert(I2F, 0)).mul(v).intoArray(dst, y + es * 16 * 15);
            }
        }
    }
}
