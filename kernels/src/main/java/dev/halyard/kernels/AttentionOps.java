package dev.halyard.kernels;

import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.B2F;

/**
 * The kernels of attention over a KV cache kept in F16, F32 or 8-bit off-heap rows. Attention works on
 * tiles: a run of cached rows is widened once into a float tile ({@link #halvesToFloats},
 * {@link #q8ToFloats}), then every
 * query that shares the tile — the query heads of one KV head, the tokens of one prompt chunk — reads
 * it: {@link #scores} (q·k per row) and {@link #weightedSum} (out += Σ w_r v_r).
 *
 * <p>Each vector kernel has a plain scalar twin ({@code *Scalar}) that gives the same bits: the dot
 * follows the canonical order (one accumulator of L lanes over chunks in element order, folded with
 * Simd's fixed permutations, tail added in order) and the weighted sum is one fused multiply-add
 * chain per element, in row order. So a query's result does not depend on how
 * many rows a tile holds or which other queries share it.
 */
public final class AttentionOps {
    private AttentionOps() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    // ---------------------------------------------------------------- storing and widening rows

    /** dst[off, off + 2n) = the n floats src[si, si + n) rounded to IEEE halves (to nearest even). */
    public static void floatsToHalves(float[] src, int si, int n, MemorySegment dst, long off) {
        // a head's key per token and layer: cheap next to the attention reads
        for (int i = 0; i < n; i++) dst.set(HALF, off + 2L * i, Float.floatToFloat16(src[si + i]));
    }

    /** dst[off, off + 4n) = the n floats src[si, si + n). */
    public static void floatsToFloats(float[] src, int si, int n, MemorySegment dst, long off) {
        MemorySegment.copy(src, si, dst, FLOAT, off, n);
    }

    /**
     * dst[di, di + count) = the count halves at src[off, off + 2count), widened exactly. A plain loop on
     * purpose: C2 vectorises it (SuperWord) into the hardware's half-to-float instruction (F16C's
     * vcvtph2ps, NEON's fcvtl), about three times faster than the Vector API, which in JDK 25 has no
     * lanewise half conversion and needs a dozen bit operations per vector. It is its own scalar
     * twin: every element is {@link Float#float16ToFloat}, exact in every tier. Long runs vectorise
     * best, hence the head-major KV layout that makes a tile of keys one run.
     */
    public static void halvesToFloats(MemorySegment src, long off, int count, float[] dst, int di) {
        for (int i = 0; i < count; i++) dst[di + i] = Float.float16ToFloat(src.get(HALF, off + 2L * i));
    }

    /** dst[di, di + count) = the count floats at src[off, off + 4count). */
    public static void floatsToFloats(MemorySegment src, long off, int count, float[] dst, int di) {
        MemorySegment.copy(src, FLOAT, off, dst, di, count);
    }

    // 8-bit rows: per block of Q8 elements (a row's last block may be shorter) a little-endian float
    // scale d, then the block's int8s q; an element is q * d. llama.cpp's q8_0 with the scale kept in
    // full precision: d = max|x| / 127 and q = round(x / d), so |x - q d| <= d / 2.
    static final int Q8 = 32;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;

    /** Bytes of one 8-bit row of n elements. */
    public static long q8RowBytes(int n) {
        return n + 4L * ((n + Q8 - 1) / Q8);
    }

    /** The n floats src[si, si + n) as one 8-bit row at dst[off, off + q8RowBytes(n)). */
    public static void floatsToQ8(float[] src, int si, int n, MemorySegment dst, long off) {
        for (int b = 0; b < n; b += Q8) {
            int k = Math.min(Q8, n - b);
            float amax = 0f;
            for (int i = 0; i < k; i++) amax = Math.max(amax, Math.abs(src[si + b + i]));
            float d = amax / 127f, id = d != 0f ? 1f / d : 0f;
            dst.set(FLOAT, off, d);
            for (int i = 0; i < k; i++) dst.set(BYTE, off + 4 + i, (byte) Math.clamp(Math.round(src[si + b + i] * id), -127, 127));
            off += 4 + k;
        }
    }

    /**
     * dst[di, di + rows*n) = the rows 8-bit rows of n elements at src[off, ...), back to back, widened:
     * each element q * d, one rounding multiply (the same bits as {@link #q8ToFloatsScalar}). Full
     * blocks go 16 at a time (sign-extend, convert, multiply), a short last block element by element.
     */
    public static void q8ToFloats(MemorySegment src, long off, int rows, int n, float[] dst, int di) {
        int full = n / Q8, tail = n % Q8;
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < full; b++, off += 4 + Q8, di += Q8) {
                float d = src.get(FLOAT, off);
                ByteVector q0 = ByteVector.fromMemorySegment(B16, src, off + 4, ORDER);
                ByteVector q1 = ByteVector.fromMemorySegment(B16, src, off + 20, ORDER);
                for (int p = 0; p < Simd.PARTS; p++) {
                    ((FloatVector) q0.convertShape(B2F, F, p)).mul(d).intoArray(dst, di + p * L);
                    ((FloatVector) q1.convertShape(B2F, F, p)).mul(d).intoArray(dst, di + 16 + p * L);
                }
            }
            if (tail > 0) {
                float d = src.get(FLOAT, off);
                for (int i = 0; i < tail; i++) dst[di + i] = src.get(BYTE, off + 4 + i) * d;
                off += 4 + tail;
                di += tail;
            }
        }
    }

    /** The same bits as {@link #q8ToFloats}, element by element. */
    public static void q8ToFloatsScalar(MemorySegment src, long off, int rows, int n, float[] dst, int di) {
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < n; b += Q8) {
                int k = Math.min(Q8, n - b);
                float d = src.get(FLOAT, off);
                for (int i = 0; i < k; i++) dst[di++] = src.get(BYTE, off + 4 + i) * d;
                off += 4 + k;
            }
    }

    // ---------------------------------------------------------------- scores and weighted sums

    /**
     * out[oo + r] = (q · k_r) * scale for the rows k_r = k[ko + r*n, ko + (r+1)*n), r in [0, rows): the
     * dot in canonical order (as {@link FloatOps#dot}), then one rounding multiply by scale. At 16 lanes,
     * sixteen rows share one butterfly fold (60 vector operations instead of 16 folds and lane
     * extractions): the fold costs more than the four FMAs of a 64-element head.
     */
    public static void scores(float[] q, int qo, float[] k, int ko, int rows, int n, float scale, float[] out, int oo) {
        int upper = F.loopBound(n), r = 0;
        if (L == 16 && upper == n) {
            // sixteen rows at a time, their folds done together (see Simd.HI8): row j's score ends in
            // lane j with the very sums of the one-row fold below
            for (; r + 16 <= rows; r += 16) {
                int k0 = ko + r * n;
                FloatVector z = FloatVector.zero(F);
                FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
                for (int i = 0; i < n; i += L) {
                    FloatVector qv = FloatVector.fromArray(F, q, qo + i);
                    a0 = qv.fma(FloatVector.fromArray(F, k, k0 + i), a0);
                    a1 = qv.fma(FloatVector.fromArray(F, k, k0 + n + i), a1);
                    a2 = qv.fma(FloatVector.fromArray(F, k, k0 + 2 * n + i), a2);
                    a3 = qv.fma(FloatVector.fromArray(F, k, k0 + 3 * n + i), a3);
                    a4 = qv.fma(FloatVector.fromArray(F, k, k0 + 4 * n + i), a4);
                    a5 = qv.fma(FloatVector.fromArray(F, k, k0 + 5 * n + i), a5);
                    a6 = qv.fma(FloatVector.fromArray(F, k, k0 + 6 * n + i), a6);
                    a7 = qv.fma(FloatVector.fromArray(F, k, k0 + 7 * n + i), a7);
                    a8 = qv.fma(FloatVector.fromArray(F, k, k0 + 8 * n + i), a8);
                    a9 = qv.fma(FloatVector.fromArray(F, k, k0 + 9 * n + i), a9);
                    a10 = qv.fma(FloatVector.fromArray(F, k, k0 + 10 * n + i), a10);
                    a11 = qv.fma(FloatVector.fromArray(F, k, k0 + 11 * n + i), a11);
                    a12 = qv.fma(FloatVector.fromArray(F, k, k0 + 12 * n + i), a12);
                    a13 = qv.fma(FloatVector.fromArray(F, k, k0 + 13 * n + i), a13);
                    a14 = qv.fma(FloatVector.fromArray(F, k, k0 + 14 * n + i), a14);
                    a15 = qv.fma(FloatVector.fromArray(F, k, k0 + 15 * n + i), a15);
                }
                a0 = a0.blend(a8, Simd.HI8).add(a8.blend(a0, Simd.HI8).rearrange(Simd.FOLD8));
                a1 = a1.blend(a9, Simd.HI8).add(a9.blend(a1, Simd.HI8).rearrange(Simd.FOLD8));
                a2 = a2.blend(a10, Simd.HI8).add(a10.blend(a2, Simd.HI8).rearrange(Simd.FOLD8));
                a3 = a3.blend(a11, Simd.HI8).add(a11.blend(a3, Simd.HI8).rearrange(Simd.FOLD8));
                a4 = a4.blend(a12, Simd.HI8).add(a12.blend(a4, Simd.HI8).rearrange(Simd.FOLD8));
                a5 = a5.blend(a13, Simd.HI8).add(a13.blend(a5, Simd.HI8).rearrange(Simd.FOLD8));
                a6 = a6.blend(a14, Simd.HI8).add(a14.blend(a6, Simd.HI8).rearrange(Simd.FOLD8));
                a7 = a7.blend(a15, Simd.HI8).add(a15.blend(a7, Simd.HI8).rearrange(Simd.FOLD8));
                a0 = a0.blend(a4, Simd.HI4).add(a4.blend(a0, Simd.HI4).rearrange(Simd.FOLD4));
                a1 = a1.blend(a5, Simd.HI4).add(a5.blend(a1, Simd.HI4).rearrange(Simd.FOLD4));
                a2 = a2.blend(a6, Simd.HI4).add(a6.blend(a2, Simd.HI4).rearrange(Simd.FOLD4));
                a3 = a3.blend(a7, Simd.HI4).add(a7.blend(a3, Simd.HI4).rearrange(Simd.FOLD4));
                a0 = a0.blend(a2, Simd.HI2).add(a2.blend(a0, Simd.HI2).rearrange(Simd.FOLD2));
                a1 = a1.blend(a3, Simd.HI2).add(a3.blend(a1, Simd.HI2).rearrange(Simd.FOLD2));
                a0 = a0.blend(a1, Simd.HI1).add(a1.blend(a0, Simd.HI1).rearrange(Simd.FOLD1));
                a0.mul(scale).intoArray(out, oo + r);
            }
        }
        // two rows at a time: two independent FMA chains and folds (each row's arithmetic is unchanged)
        for (; r + 1 < rows; r += 2) {
            int k0 = ko + r * n, k1 = k0 + n;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int i = 0;
            for (; i < upper; i += L) {
                FloatVector qv = FloatVector.fromArray(F, q, qo + i);
                a0 = qv.fma(FloatVector.fromArray(F, k, k0 + i), a0);
                a1 = qv.fma(FloatVector.fromArray(F, k, k1 + i), a1);
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
            a0 = a0.add(a0.rearrange(Simd.FOLD1));
            a1 = a1.add(a1.rearrange(Simd.FOLD1));
            float s0 = a0.lane(0), s1 = a1.lane(0);
            for (; i < n; i++) {
                s0 += q[qo + i] * k[k0 + i];
                s1 += q[qo + i] * k[k1 + i];
            }
            out[oo + r] = s0 * scale;
            out[oo + r + 1] = s1 * scale;
        }
        if (r < rows) {
            int kr = ko + r * n;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < upper; i += L)
                acc = FloatVector.fromArray(F, q, qo + i).fma(FloatVector.fromArray(F, k, kr + i), acc);
            if (L == 16) acc = acc.add(acc.rearrange(Simd.FOLD8));
            if (L >= 8) acc = acc.add(acc.rearrange(Simd.FOLD4));
            acc = acc.add(acc.rearrange(Simd.FOLD2));
            acc = acc.add(acc.rearrange(Simd.FOLD1));
            float sum = acc.lane(0);
            for (; i < n; i++) sum += q[qo + i] * k[kr + i];
            out[oo + r] = sum * scale;
        }
    }

    /**
     * {@link #scores} for four queries at once (query j at {@code q[qo + j*qs]}, its scores at
     * {@code out[oo + j*os + r]}), bit-identical to four calls: {@code Tiles.tile4x4} over 4 rows x 4
     * queries shares each load (0.5 loads per FMA instead of 1.06) and folds the 16 dots together. The
     * queries of a prompt chunk that share a KV head read the same tile of keys. Needs 16 lanes and
     * {@code n} a multiple of 16 (see {@link #fourQueries}).
     */
    public static void scores4(float[] q, int qo, int qs, float[] k, int ko, int rows, int n, float scale, float[] out, int oo, int os) {
        scoresTiled(4, q, qo, qs, k, ko, rows, n, scale, out, oo, os);
    }

    /** {@link #scores4} ({@code m} = 4) or {@link #scores3} ({@code m} = 3). */
    private static void scoresTiled(int m, float[] q, int qo, int qs, float[] k, int ko, int rows, int n, float scale, float[] out, int oo, int os) {
        int r = 0;
        // 4 x m tiles with the keys as their rows and the queries as their tokens (q*k and k*q round alike),
        // then per query the one rounding multiply by scale that scores does after its fold (a plain loop: C2 vectorises it)
        for (; r + 4 <= rows; r += 4)
            if (m == 4) Tiles.tile4x4(k, ko + r * n, n, q, qo, qs, n, out, oo + r, os);
            else tile4x3(k, ko + r * n, n, q, qo, qs, n, out, oo + r, os);
        for (int j = 0; j < m; j++)
            for (int i = oo + j * os, end = i + r; i < end; i++) out[i] *= scale;
        if (r < rows)
            for (int j = 0; j < m; j++) scores(q, qo + j * qs, k, ko + r * n, rows - r, n, scale, out, oo + j * os + r);
    }

    /**
     * {@link #scores4} for three queries (a decode step's query heads of one KV head come in threes and
     * sevens), bit-identical to three calls of {@link #scores}: 4 rows x 3 queries share each load, and
     * the twelve dots fold together as in {@code Tiles.tile4x4}, the fourth query's lanes left unused.
     * Needs 16 lanes and {@code n} a multiple of 16 (see {@link #fourQueries}).
     */
    public static void scores3(float[] q, int qo, int qs, float[] k, int ko, int rows, int n, float scale, float[] out, int oo, int os) {
        scoresTiled(3, q, qo, qs, k, ko, rows, n, scale, out, oo, os);
    }

    /**
     * Four rows of keys (at {@code k[ki + r*ks]}) times three queries ({@code q[qi + t*qs]}):
     * {@code out[oi + t*os + r]}, unscaled. Tiles.tile4x4's loop and blended fold with the fourth
     * query's accumulators left out: a fold's lanes never mix accumulators, so where tile4x4 pairs
     * query 1 with query 3, query 1 paired with itself leaves the same bits in query 1's lanes.
     */
    private static void tile4x3(float[] k, int ki, int ks, float[] q, int qi, int qs, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z; // a<row><query>
        FloatVector a10 = z, a11 = z, a12 = z;
        FloatVector a20 = z, a21 = z, a22 = z;
        FloatVector a30 = z, a31 = z, a32 = z;
        int k0 = ki, k1 = ki + ks, k2 = ki + 2 * ks, k3 = ki + 3 * ks;
        int q0 = qi, q1 = qi + qs, q2 = qi + 2 * qs;
        for (int i = 0; i < n; i += L) {
            FloatVector r0 = FloatVector.fromArray(F, k, k0 + i);
            FloatVector r1 = FloatVector.fromArray(F, k, k1 + i);
            FloatVector r2 = FloatVector.fromArray(F, k, k2 + i);
            FloatVector r3 = FloatVector.fromArray(F, k, k3 + i);
            FloatVector t = FloatVector.fromArray(F, q, q0 + i);
            a00 = r0.fma(t, a00);
            a10 = r1.fma(t, a10);
            a20 = r2.fma(t, a20);
            a30 = r3.fma(t, a30);
            t = FloatVector.fromArray(F, q, q1 + i);
            a01 = r0.fma(t, a01);
            a11 = r1.fma(t, a11);
            a21 = r2.fma(t, a21);
            a31 = r3.fma(t, a31);
            t = FloatVector.fromArray(F, q, q2 + i);
            a02 = r0.fma(t, a02);
            a12 = r1.fma(t, a12);
            a22 = r2.fma(t, a22);
            a32 = r3.fma(t, a32);
        }
        FloatVector c0 = a00.blend(a02, Simd.HI8).add(a02.blend(a00, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c1 = a10.blend(a12, Simd.HI8).add(a12.blend(a10, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c2 = a20.blend(a22, Simd.HI8).add(a22.blend(a20, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c3 = a30.blend(a32, Simd.HI8).add(a32.blend(a30, Simd.HI8).rearrange(Simd.FOLD8));
        FloatVector c4 = a01.add(a01.rearrange(Simd.FOLD8)); // query 1 in both halves; the upper one ends in query 3's lanes
        FloatVector c5 = a11.add(a11.rearrange(Simd.FOLD8));
        FloatVector c6 = a21.add(a21.rearrange(Simd.FOLD8));
        FloatVector c7 = a31.add(a31.rearrange(Simd.FOLD8));
        c0 = c0.blend(c4, Simd.HI4).add(c4.blend(c0, Simd.HI4).rearrange(Simd.FOLD4));
        c1 = c1.blend(c5, Simd.HI4).add(c5.blend(c1, Simd.HI4).rearrange(Simd.FOLD4));
        c2 = c2.blend(c6, Simd.HI4).add(c6.blend(c2, Simd.HI4).rearrange(Simd.FOLD4));
        c3 = c3.blend(c7, Simd.HI4).add(c7.blend(c3, Simd.HI4).rearrange(Simd.FOLD4));
        c0 = c0.blend(c2, Simd.HI2).add(c2.blend(c0, Simd.HI2).rearrange(Simd.FOLD2));
        c1 = c1.blend(c3, Simd.HI2).add(c3.blend(c1, Simd.HI2).rearrange(Simd.FOLD2));
        c0 = c0.blend(c1, Simd.HI1).add(c1.blend(c0, Simd.HI1).rearrange(Simd.FOLD1));
        // lanes 4t..4t+3 are query t's four rows
        c0.intoArray(out, oi, Simd.QUAD0);
        c0.intoArray(out, oi + os - 4, Simd.QUAD1);
        c0.intoArray(out, oi + 2 * os - 8, Simd.QUAD2);
    }

    /**
     * {@link #weightedSum} for three queries at once (query j's weights at {@code w[wo + j*ws + r]}, its
     * output at {@code out[oo + j*os]}), bit-identical to three calls; as {@link #weightedSum4}, written
     * out again without the fourth query: a query count tested in the inner loop would sit in the
     * prompt's kernel too, and a fourth dummy query would need an output of its own.
     */
    public static void weightedSum3(float[] w, int wo, int ws, float[] v, int vo, int rows, int n, float[] out, int oo, int os) {
        int o0 = oo, o1 = oo + os, o2 = oo + 2 * os;
        int w0 = wo, w1 = wo + ws, w2 = wo + 2 * ws;
        for (int i = 0; i < n; i += 4 * L) {
            FloatVector a00 = FloatVector.fromArray(F, out, o0 + i), a01 = FloatVector.fromArray(F, out, o0 + i + L); // a<query><chunk>
            FloatVector a02 = FloatVector.fromArray(F, out, o0 + i + 2 * L), a03 = FloatVector.fromArray(F, out, o0 + i + 3 * L);
            FloatVector a10 = FloatVector.fromArray(F, out, o1 + i), a11 = FloatVector.fromArray(F, out, o1 + i + L);
            FloatVector a12 = FloatVector.fromArray(F, out, o1 + i + 2 * L), a13 = FloatVector.fromArray(F, out, o1 + i + 3 * L);
            FloatVector a20 = FloatVector.fromArray(F, out, o2 + i), a21 = FloatVector.fromArray(F, out, o2 + i + L);
            FloatVector a22 = FloatVector.fromArray(F, out, o2 + i + 2 * L), a23 = FloatVector.fromArray(F, out, o2 + i + 3 * L);
            for (int r = 0; r < rows; r++) {
                int vr = vo + r * n + i;
                FloatVector v0 = FloatVector.fromArray(F, v, vr), v1 = FloatVector.fromArray(F, v, vr + L);
                FloatVector v2 = FloatVector.fromArray(F, v, vr + 2 * L), v3 = FloatVector.fromArray(F, v, vr + 3 * L);
                FloatVector b = FloatVector.broadcast(F, w[w0 + r]);
                a00 = v0.fma(b, a00); a01 = v1.fma(b, a01); a02 = v2.fma(b, a02); a03 = v3.fma(b, a03);
                b = FloatVector.broadcast(F, w[w1 + r]);
                a10 = v0.fma(b, a10); a11 = v1.fma(b, a11); a12 = v2.fma(b, a12); a13 = v3.fma(b, a13);
                b = FloatVector.broadcast(F, w[w2 + r]);
                a20 = v0.fma(b, a20); a21 = v1.fma(b, a21); a22 = v2.fma(b, a22); a23 = v3.fma(b, a23);
            }
            a00.intoArray(out, o0 + i); a01.intoArray(out, o0 + i + L); a02.intoArray(out, o0 + i + 2 * L); a03.intoArray(out, o0 + i + 3 * L);
            a10.intoArray(out, o1 + i); a11.intoArray(out, o1 + i + L); a12.intoArray(out, o1 + i + 2 * L); a13.intoArray(out, o1 + i + 3 * L);
            a20.intoArray(out, o2 + i); a21.intoArray(out, o2 + i + L); a22.intoArray(out, o2 + i + 2 * L); a23.intoArray(out, o2 + i + 3 * L);
        }
    }

    /** Whether {@link #scores4}, {@link #weightedSum4} and their three-query twins take rows of n (keys) and nv (values) elements. */
    public static boolean fourQueries(int n, int nv) {
        return L == 16 && n % L == 0 && nv % (4 * L) == 0;
    }

    /**
     * {@link #weightedSum} for four queries at once (query j's weights at {@code w[wo + j*ws + r]}, its
     * output at {@code out[oo + j*os]}), bit-identical to four calls: each value vector is loaded once
     * for the four queries. Needs {@code n} a multiple of 64 at 16 lanes (see {@link #fourQueries}).
     */
    public static void weightedSum4(float[] w, int wo, int ws, float[] v, int vo, int rows, int n, float[] out, int oo, int os) {
        int o0 = oo, o1 = oo + os, o2 = oo + 2 * os, o3 = oo + 3 * os;
        int w0 = wo, w1 = wo + ws, w2 = wo + 2 * ws, w3 = wo + 3 * ws;
        for (int i = 0; i < n; i += 4 * L) {
            FloatVector a00 = FloatVector.fromArray(F, out, o0 + i), a01 = FloatVector.fromArray(F, out, o0 + i + L); // a<query><chunk>
            FloatVector a02 = FloatVector.fromArray(F, out, o0 + i + 2 * L), a03 = FloatVector.fromArray(F, out, o0 + i + 3 * L);
            FloatVector a10 = FloatVector.fromArray(F, out, o1 + i), a11 = FloatVector.fromArray(F, out, o1 + i + L);
            FloatVector a12 = FloatVector.fromArray(F, out, o1 + i + 2 * L), a13 = FloatVector.fromArray(F, out, o1 + i + 3 * L);
            FloatVector a20 = FloatVector.fromArray(F, out, o2 + i), a21 = FloatVector.fromArray(F, out, o2 + i + L);
            FloatVector a22 = FloatVector.fromArray(F, out, o2 + i + 2 * L), a23 = FloatVector.fromArray(F, out, o2 + i + 3 * L);
            FloatVector a30 = FloatVector.fromArray(F, out, o3 + i), a31 = FloatVector.fromArray(F, out, o3 + i + L);
            FloatVector a32 = FloatVector.fromArray(F, out, o3 + i + 2 * L), a33 = FloatVector.fromArray(F, out, o3 + i + 3 * L);
            for (int r = 0; r < rows; r++) {
                int vr = vo + r * n + i;
                FloatVector v0 = FloatVector.fromArray(F, v, vr), v1 = FloatVector.fromArray(F, v, vr + L);
                FloatVector v2 = FloatVector.fromArray(F, v, vr + 2 * L), v3 = FloatVector.fromArray(F, v, vr + 3 * L);
                FloatVector b = FloatVector.broadcast(F, w[w0 + r]);
                a00 = v0.fma(b, a00); a01 = v1.fma(b, a01); a02 = v2.fma(b, a02); a03 = v3.fma(b, a03);
                b = FloatVector.broadcast(F, w[w1 + r]);
                a10 = v0.fma(b, a10); a11 = v1.fma(b, a11); a12 = v2.fma(b, a12); a13 = v3.fma(b, a13);
                b = FloatVector.broadcast(F, w[w2 + r]);
                a20 = v0.fma(b, a20); a21 = v1.fma(b, a21); a22 = v2.fma(b, a22); a23 = v3.fma(b, a23);
                b = FloatVector.broadcast(F, w[w3 + r]);
                a30 = v0.fma(b, a30); a31 = v1.fma(b, a31); a32 = v2.fma(b, a32); a33 = v3.fma(b, a33);
            }
            a00.intoArray(out, o0 + i); a01.intoArray(out, o0 + i + L); a02.intoArray(out, o0 + i + 2 * L); a03.intoArray(out, o0 + i + 3 * L);
            a10.intoArray(out, o1 + i); a11.intoArray(out, o1 + i + L); a12.intoArray(out, o1 + i + 2 * L); a13.intoArray(out, o1 + i + 3 * L);
            a20.intoArray(out, o2 + i); a21.intoArray(out, o2 + i + L); a22.intoArray(out, o2 + i + 2 * L); a23.intoArray(out, o2 + i + 3 * L);
            a30.intoArray(out, o3 + i); a31.intoArray(out, o3 + i + L); a32.intoArray(out, o3 + i + 2 * L); a33.intoArray(out, o3 + i + 3 * L);
        }
    }

    /** The same bits as {@link #scores}, lane by lane. */
    public static void scoresScalar(float[] q, int qo, float[] k, int ko, int rows, int n, float scale, float[] out, int oo) {
        float[] lanes = new float[L];
        int upper = n - n % L;
        for (int r = 0; r < rows; r++) {
            int kr = ko + r * n;
            java.util.Arrays.fill(lanes, 0f);
            for (int i = 0; i < upper; i += L)
                for (int j = 0; j < L; j++) lanes[j] = Math.fma(q[qo + i + j], k[kr + i + j], lanes[j]);
            // fold: lane j += lane j^h for h = L/2, ..., 1 (all lanes at once, as the vector adds do)
            for (int h = L / 2; h >= 1; h /= 2) {
                float[] prev = lanes.clone();
                for (int j = 0; j < L; j++) lanes[j] = prev[j] + prev[j ^ h];
            }
            float sum = lanes[0];
            for (int i = upper; i < n; i++) sum += q[qo + i] * k[kr + i];
            out[oo + r] = sum * scale;
        }
    }

    /**
     * out[oo + i] = fma(v_r[i], w[wo + r], out[oo + i]) for r = 0, 1, ... rows-1 in turn, i in [0, n),
     * with v_r = v[vo + r*n, vo + (r+1)*n): adds the rows weighted by w to out, one fused
     * multiply-add per element and row.
     */
    public static void weightedSum(float[] w, int wo, float[] v, int vo, int rows, int n, float[] out, int oo) {
        int i = 0;
        // four chunks at a time: four independent FMA chains hide the FMA latency (each element's chain is unchanged)
        for (int upper4 = n - n % (4 * L); i < upper4; i += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(F, out, oo + i), a1 = FloatVector.fromArray(F, out, oo + i + L);
            FloatVector a2 = FloatVector.fromArray(F, out, oo + i + 2 * L), a3 = FloatVector.fromArray(F, out, oo + i + 3 * L);
            for (int r = 0; r < rows; r++) {
                FloatVector wr = FloatVector.broadcast(F, w[wo + r]);
                int vr = vo + r * n + i;
                a0 = FloatVector.fromArray(F, v, vr).fma(wr, a0);
                a1 = FloatVector.fromArray(F, v, vr + L).fma(wr, a1);
                a2 = FloatVector.fromArray(F, v, vr + 2 * L).fma(wr, a2);
                a3 = FloatVector.fromArray(F, v, vr + 3 * L).fma(wr, a3);
            }
            a0.intoArray(out, oo + i);
            a1.intoArray(out, oo + i + L);
            a2.intoArray(out, oo + i + 2 * L);
            a3.intoArray(out, oo + i + 3 * L);
        }
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector acc = FloatVector.fromArray(F, out, oo + i);
            for (int r = 0; r < rows; r++)
                acc = FloatVector.fromArray(F, v, vo + r * n + i).fma(FloatVector.broadcast(F, w[wo + r]), acc);
            acc.intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float acc = out[oo + i];
            for (int r = 0; r < rows; r++) acc = Math.fma(v[vo + r * n + i], w[wo + r], acc);
            out[oo + i] = acc;
        }
    }

    public static void weightedSumScalar(float[] w, int wo, float[] v, int vo, int rows, int n, float[] out, int oo) {
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < n; i++) out[oo + i] = Math.fma(v[vo + r * n + i], w[wo + r], out[oo + i]);
    }

    // ---------------------------------------------------------------- softmax

    // exp(x) for x <= 0 as in Cephes' expf: x = n ln2 + r with |r| <= ln2/2, exp(r) by a degree-6
    // polynomial, times 2^n built in the exponent bits. Only IEEE basic operations (fma, mul, add,
    // integer bit moves), so the vector kernel and its scalar twin give the same bits (within 1 ulp of
    // the true value), which Math.exp, an intrinsic, would not guarantee against a vector exp.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 0x1.8p23f;   // adding it rounds a float < 2^22 to an integer
    private static final float FLOOR = -87.3f;       // exp below underflows; clamping keeps 2^n normal
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /**
     * x[off, off + n) = softmax of itself: exp(x_i - max) / sum, with exp as above and the sum of L
     * lanes folded in Simd's fixed order, then the tail added in order.
     */
    public static void softmax(float[] x, int off, int n) {
        int upper = F.loopBound(n), i = 0;
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; i < upper; i += L) mv = mv.max(FloatVector.fromArray(F, x, off + i));
        if (L == 16) mv = mv.max(mv.rearrange(Simd.FOLD8));
        if (L >= 8) mv = mv.max(mv.rearrange(Simd.FOLD4));
        mv = mv.max(mv.rearrange(Simd.FOLD2));
        mv = mv.max(mv.rearrange(Simd.FOLD1));
        float max = mv.lane(0);
        for (; i < n; i++) max = Math.max(max, x[off + i]);

        FloatVector acc = FloatVector.zero(F);
        for (i = 0; i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i).sub(max).max(FLOOR);
            FloatVector t = v.fma(LOG2E, ROUND);
            FloatVector nf = t.sub(ROUND);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), v);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(F, P2));
            p = p.fma(r, FloatVector.broadcast(F, P3));
            p = p.fma(r, FloatVector.broadcast(F, P4));
            p = p.fma(r, FloatVector.broadcast(F, P5));
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            FloatVector pow2 = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND) - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = y.mul(pow2);
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        if (L == 16) acc = acc.add(acc.rearrange(Simd.FOLD8));
        if (L >= 8) acc = acc.add(acc.rearrange(Simd.FOLD4));
        acc = acc.add(acc.rearrange(Simd.FOLD2));
        acc = acc.add(acc.rearrange(Simd.FOLD1));
        float sum = acc.lane(0);
        for (; i < n; i++) {
            float e = exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (i = 0; i < upper; i += L) FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= inv;
    }

    /** The same bits as {@link #softmax}, lane by lane. */
    public static void softmaxScalar(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        int upper = n - n % L;
        float[] lanes = new float[L];
        for (int i = 0; i < upper; i++) {
            float e = exp(x[off + i] - max);
            x[off + i] = e;
            lanes[i % L] += e;
        }
        for (int h = L / 2; h >= 1; h /= 2) {
            float[] prev = lanes.clone();
            for (int j = 0; j < L; j++) lanes[j] = prev[j] + prev[j ^ h];
        }
        float sum = lanes[0];
        for (int i = upper; i < n; i++) {
            float e = exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) x[off + i] *= inv;
    }

    /** exp(x) for x <= 0, as the vector lanes of {@link #softmax} compute it. */
    static float exp(float x) {
        float v = Math.max(x, FLOOR);
        float t = Math.fma(v, LOG2E, ROUND);
        float nf = t - ROUND;
        float r = Math.fma(nf, -LN2_HI, v);
        r = Math.fma(nf, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        float pow2 = Float.intBitsToFloat((Float.floatToRawIntBits(t) - (Float.floatToRawIntBits(ROUND) - 127)) << 23);
        return y * pow2;
    }
}
