package dev.halyard.kernels;

import dev.halyard.kernels.quant.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense float helpers of the forward pass outside the matrix products: the attention inner loops (a
 * dot product and {@code y += a·x}) and the per-token elementwise steps (RMS norm, residual and bias
 * adds, the gated activations of the feed-forward block). Each has a plain scalar twin
 * ({@code *Scalar}); tests compare them. The vector dot folds its lanes in a fixed order (see
 * {@code Simd}), so results do not change as the JIT warms up; the activations use their own
 * exponential ({@link #expScalar}), made of IEEE adds, multiplies and FMAs only, so they too give the
 * same bits in every tier, and the same bits as their twins.
 */
public final class FloatOps {
    private FloatOps() {}

    private static final VectorSpecies<Float> F = Simd.F;

    /** sum_i a[ao+i] * b[bo+i], i in [0, n). */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length())
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        if (Simd.L == 16) acc = acc.add(acc.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) acc = acc.add(acc.rearrange(Simd.FOLD4));
        acc = acc.add(acc.rearrange(Simd.FOLD2));
        acc = acc.add(acc.rearrange(Simd.FOLD1));
        float sum = acc.lane(0);
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    public static float dotScalar(float[] a, int ao, float[] b, int bo, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** y[yo+i] += alpha * x[xo+i], i in [0, n). */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length())
            FloatVector.fromArray(F, x, xo + i).fma(va, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
    }

    public static void axpyScalar(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
    }

    // ---- per-token elementwise steps -------------------------------------------------------------

    /**
     * out[oo+i] = x[xo+i] / rms(x) * w[i], i in [0, n), with rms(x) = sqrt(mean(x^2) + eps); in place
     * (out == x, oo == xo) allowed. The sum of squares is a float FMA per lane folded in the fixed
     * order, close to (not equal to) the scalar twin's double sum.
     */
    public static void rmsnorm(float[] out, int oo, float[] x, int xo, float[] w, int n, float eps) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            acc = v.fma(v, acc);
        }
        if (Simd.L == 16) acc = acc.add(acc.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) acc = acc.add(acc.rearrange(Simd.FOLD4));
        acc = acc.add(acc.rearrange(Simd.FOLD2));
        acc = acc.add(acc.rearrange(Simd.FOLD1));
        float ss = acc.lane(0);
        for (; i < n; i++) ss = Math.fma(x[xo + i], x[xo + i], ss);
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        FloatVector vs = FloatVector.broadcast(F, scale);
        for (i = 0; i < upper; i += F.length())
            FloatVector.fromArray(F, x, xo + i).mul(vs).mul(FloatVector.fromArray(F, w, i)).intoArray(out, oo + i);
        for (; i < n; i++) out[oo + i] = x[xo + i] * scale * w[i];
    }

    /** The reference: the sum of squares in double, as ggml does. */
    public static void rmsnormScalar(float[] out, int oo, float[] x, int xo, float[] w, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[xo + i] * x[xo + i];
        float scale = (float) (1.0 / Math.sqrt((float) (ss / n) + eps));
        for (int i = 0; i < n; i++) out[oo + i] = x[xo + i] * scale * w[i];
    }

    /** y[yo+i] += x[xo+i], i in [0, n): residual connections and biases. */
    public static void add(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length())
            FloatVector.fromArray(F, y, yo + i).add(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] += x[xo + i];
    }

    public static void addScalar(float[] y, int yo, float[] x, int xo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += x[xo + i];
    }

    // exp(z) = 2^k * e^r, k = round(z / ln 2), r = z - k ln 2 in [-ln2/2, ln2/2] (ln 2 split in two for
    // an exact-enough reduction), e^r by Cephes' expf polynomial (about 1 ulp); 2^k built in the
    // exponent bits. z is clamped to [-87, 88] so 2^k stays a normal float: e^-87 ~ 1.6e-38 and
    // e^88 ~ 1.7e38 stand in for 0 and infinity, which is all the activations need.
    private static final float EXP_LO = -87f, EXP_HI = 88f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer, kept in the low bits
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private static final float GELU_2C = -2f * 0.7978845608028654f; // -2 sqrt(2/pi)
    private static final float GELU_A = 0.044715f;

    /**
     * The exponential of every activation kernel, in scalar form (the vector kernels inline the same
     * operations lane by lane): within about 2 ulp of {@code Math.exp} on [-87, 88].
     */
    public static float expScalar(float z) {
        z = Math.min(Math.max(z, EXP_LO), EXP_HI);
        float t = Math.fma(z, LOG2E, ROUND);
        float k = t - ROUND;
        float r = Math.fma(k, -LN2_HI, z);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        float e = Math.fma(p, r * r, r) + 1f;
        // t's low bits hold k (two's complement), so (bits << 23) + (127 << 23) is the float 2^k
        return e * Float.intBitsToFloat((Float.floatToRawIntBits(t) << 23) + (127 << 23));
    }

    /**
     * SwiGLU: out[oo+i] = silu(g[go+i]) * u[uo+i], silu(x) = x / (1 + e^-x), i in [0, n); out may be g.
     */
    public static void siluMul(float[] out, int oo, float[] g, int go, float[] u, int uo, int n) {
        // broadcast once: FloatVector.fma takes two vectors or two scalars, never one of each
        FloatVector ln2Hi = FloatVector.broadcast(F, -LN2_HI), ln2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2), p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4), p5 = FloatVector.broadcast(F, P5);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, g, go + i);
            FloatVector z = x.neg().max(EXP_LO).min(EXP_HI);
            FloatVector t = z.fma(LOG2E, ROUND);
            FloatVector k = t.sub(ROUND);
            FloatVector r = k.fma(ln2Hi, z);
            r = k.fma(ln2Lo, r);
            FloatVector p = r.fma(P0, P1).fma(r, p2).fma(r, p3).fma(r, p4).fma(r, p5);
            FloatVector e = p.fma(r.mul(r), r).add(1f);
            FloatVector pow2 = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(127 << 23).reinterpretAsFloats();
            x.div(e.mul(pow2).add(1f)).mul(FloatVector.fromArray(F, u, uo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float x = g[go + i];
            out[oo + i] = x / (1f + expScalar(-x)) * u[uo + i];
        }
    }

    public static void siluMulScalar(float[] out, int oo, float[] g, int go, float[] u, int uo, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[go + i];
            out[oo + i] = x / (1f + expScalar(-x)) * u[uo + i];
        }
    }

    /**
     * GEGLU (Gemma): out[oo+i] = gelu(g[go+i]) * u[uo+i] with ggml's tanh approximation
     * gelu(x) = x/2 (1 + tanh(y)), y = sqrt(2/pi) (x + 0.044715 x^3), computed as the equal
     * x / (1 + e^(-2y)) (one exponential, no cancellation); out may be g.
     */
    public static void geluMul(float[] out, int oo, float[] g, int go, float[] u, int uo, int n) {
        // broadcast once: FloatVector.fma takes two vectors or two scalars, never one of each
        FloatVector ln2Hi = FloatVector.broadcast(F, -LN2_HI), ln2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2), p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4), p5 = FloatVector.broadcast(F, P5);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, g, go + i);
            FloatVector z = x.mul(x).fma(GELU_A, 1f).mul(x).mul(GELU_2C).max(EXP_LO).min(EXP_HI);
            FloatVector t = z.fma(LOG2E, ROUND);
            FloatVector k = t.sub(ROUND);
            FloatVector r = k.fma(ln2Hi, z);
            r = k.fma(ln2Lo, r);
            FloatVector p = r.fma(P0, P1).fma(r, p2).fma(r, p3).fma(r, p4).fma(r, p5);
            FloatVector e = p.fma(r.mul(r), r).add(1f);
            FloatVector pow2 = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(127 << 23).reinterpretAsFloats();
            x.div(e.mul(pow2).add(1f)).mul(FloatVector.fromArray(F, u, uo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float x = g[go + i];
            out[oo + i] = x / (1f + expScalar(Math.fma(x * x, GELU_A, 1f) * x * GELU_2C)) * u[uo + i];
        }
    }

    public static void geluMulScalar(float[] out, int oo, float[] g, int go, float[] u, int uo, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[go + i];
            out[oo + i] = x / (1f + expScalar(Math.fma(x * x, GELU_A, 1f) * x * GELU_2C)) * u[uo + i];
        }
    }

    /**
     * Soft-capping (Gemma 2's final logits): y[yo+i] = cap * tanh(y[yo+i] / cap), i in [0, n), with
     * tanh(z) = (1 - e^(-2z)) / (1 + e^(-2z)): within about 2e-7 of tanh (absolutely; relatively
     * less good near zero, where only the absolute error matters to a softmax).
     */
    public static void softcap(float[] y, int yo, int n, float cap) {
        FloatVector ln2Hi = FloatVector.broadcast(F, -LN2_HI), ln2Lo = FloatVector.broadcast(F, -LN2_LO);
        FloatVector p2 = FloatVector.broadcast(F, P2), p3 = FloatVector.broadcast(F, P3);
        FloatVector p4 = FloatVector.broadcast(F, P4), p5 = FloatVector.broadcast(F, P5);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector z = FloatVector.fromArray(F, y, yo + i).div(cap).mul(-2f).max(EXP_LO).min(EXP_HI);
            FloatVector t = z.fma(LOG2E, ROUND);
            FloatVector k = t.sub(ROUND);
            FloatVector r = k.fma(ln2Hi, z);
            r = k.fma(ln2Lo, r);
            FloatVector p = r.fma(P0, P1).fma(r, p2).fma(r, p3).fma(r, p4).fma(r, p5);
            FloatVector e = p.fma(r.mul(r), r).add(1f);
            FloatVector pow2 = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(127 << 23).reinterpretAsFloats();
            e = e.mul(pow2);
            e.neg().add(1f).div(e.add(1f)).mul(cap).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float e = expScalar(y[yo + i] / cap * -2f);
            y[yo + i] = (1f - e) / (1f + e) * cap;
        }
    }

    public static void softcapScalar(float[] y, int yo, int n, float cap) {
        for (int i = 0; i < n; i++) {
            float e = expScalar(y[yo + i] / cap * -2f);
            y[yo + i] = (1f - e) / (1f + e) * cap;
        }
    }
}
