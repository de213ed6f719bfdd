package dev.halyard.kernels;

import dev.halyard.kernels.quant.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense float helpers of the attention inner loops: a dot product and {@code y += a·x}. Each has a
 * plain scalar twin ({@code *Scalar}); tests compare them. The vector dot folds its lanes in a fixed
 * order (see {@code Simd}), so results do not change as the JIT warms up.
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
}
