package dev.halyard.kernels;

import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.OR;
import static jdk.incubator.vector.VectorOperators.S2I;

import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels of attention over a KV cache kept in F16 (or F32) off-heap rows. Attention works on
 * tiles: a run of cached rows is widened once into a float tile ({@link #halvesToFloats}), then every
 * query that shares the tile — the query heads of one KV head, the tokens of one prompt chunk — reads
 * it: {@link #scores} (q·k per row) and {@link #weightedSum} (out += Σ w_r v_r).
 *
 * <p>Each kernel has a plain scalar twin ({@code *Scalar}) that gives the same bits: the widening is
 * exact, the dot follows the canonical order (one accumulator of L lanes over chunks in element
 * order, folded with Simd's fixed permutations, tail added in order) and the weighted sum is one
 * fused multiply-add chain per element, in row order. So a query's result does not depend on how
 * many rows a tile holds or which other queries share it.
 */
public final class AttentionOps {
    private AttentionOps() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    /** L shorts (one F16 row chunk) and L ints (their widening). */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    // ---------------------------------------------------------------- storing and widening rows

    /** dst[off, off + 2n) = the n floats src[si, si + n) rounded to IEEE halves (to nearest even). */
    public static void floatsToHalves(float[] src, int si, int n, MemorySegment dst, long off) {
        // a row per token and layer: a scalar loop of intrinsics is cheap next to the attention reads
        for (int i = 0; i < n; i++) dst.set(HALF, off + 2L * i, Float.floatToFloat16(src[si + i]));
    }

    /** dst[off, off + 4n) = the n floats src[si, si + n). */
    public static void floatsToFloats(float[] src, int si, int n, MemorySegment dst, long off) {
        MemorySegment.copy(src, si, dst, FLOAT, off, n);
    }

    /**
     * dst (rows, n) at di = the rows of n halves at byte offsets {@code off + r * stride} of src,
     * widened exactly (as {@link Float#float16ToFloat}). JDK 25's Vector API has no lanewise
     * half-to-float conversion, so the bits are moved as in {@code F16Kernel}: the 15
     * exponent/mantissa bits shifted into float position and multiplied by 2^112 (rebiasing normals
     * and subnormals exactly), exponent 31 (inf, NaN) mapped to 255 with NaNs quieted.
     */
    public static void halvesToFloats(MemorySegment src, long off, long stride, int rows, int n, float[] dst, int di) {
        int upper = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
            long ro = off + r * stride;
            int d = di + r * n, i = 0;
            for (; i < upper; i += L) {
                IntVector v = (IntVector) ShortVector.fromMemorySegment(S, src, ro + 2L * i, ORDER).convertShape(S2I, I, 0);
                IntVector magnitude = v.and(0x7fff);
                IntVector shifted = magnitude.lanewise(LSHL, 13);
                IntVector special = shifted.or(0x7f80_0000).lanewise(OR, 0x0040_0000, magnitude.compare(GT, 0x7c00));
                IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                        .blend(special, magnitude.compare(GE, 0x7c00));
                bits.or(v.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().intoArray(dst, d + i);
            }
            for (; i < n; i++) dst[d + i] = Float.float16ToFloat(src.get(HALF, ro + 2L * i));
        }
    }

    public static void halvesToFloatsScalar(MemorySegment src, long off, long stride, int rows, int n, float[] dst, int di) {
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < n; i++) dst[di + r * n + i] = Float.float16ToFloat(src.get(HALF, off + r * stride + 2L * i));
    }

    /** dst (rows, n) at di = the rows of n floats at byte offsets {@code off + r * stride} of src. */
    public static void floatRows(MemorySegment src, long off, long stride, int rows, int n, float[] dst, int di) {
        for (int r = 0; r < rows; r++) MemorySegment.copy(src, FLOAT, off + r * stride, dst, di + r * n, n);
    }

    // ---------------------------------------------------------------- scores and weighted sums

    /**
     * out[oo + r] = (q · k_r) * scale for the rows k_r = k[ko + r*n, ko + (r+1)*n), r in [0, rows): the
     * dot in canonical order (as {@link FloatOps#dot}), then one rounding multiply by scale.
     */
    public static void scores(float[] q, int qo, float[] k, int ko, int rows, int n, float scale, float[] out, int oo) {
        int upper = F.loopBound(n);
        for (int r = 0; r < rows; r++) {
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
}
