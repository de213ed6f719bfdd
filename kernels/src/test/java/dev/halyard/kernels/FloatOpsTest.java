package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FloatOpsTest {

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 128, 257})
    void vector_dot_matches_the_scalar_twin(int n) {
        Random r = new Random(n);
        float[] a = new float[n + 5], b = new float[n + 3];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        double mag = 0;
        for (int i = 0; i < n; i++) mag += Math.abs(a[i + 5] * b[i + 3]);
        assertEquals(FloatOps.dotScalar(a, 5, b, 3, n), FloatOps.dot(a, 5, b, 3, n), 1e-5 * mag + 1e-6);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 128, 257})
    void vector_axpy_equals_the_scalar_twin_exactly(int n) {
        Random r = new Random(n);
        float[] x = new float[n + 2], y1 = new float[n + 4];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y1.length; i++) y1[i] = (float) r.nextGaussian();
        float[] y2 = y1.clone();
        FloatOps.axpy(0.37f, x, 2, y1, 4, n);
        FloatOps.axpyScalar(0.37f, x, 2, y2, 4, n);
        assertArrayEquals(y2, y1); // both use fused multiply-add per element
    }

    static float[] gaussian(Random r, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (sigma * r.nextGaussian());
        return a;
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 128, 257, 576})
    void vector_rmsnorm_is_within_float_rounding_of_the_double_reference(int n) {
        Random r = new Random(n);
        float[] x = gaussian(r, n + 3, 3), w = gaussian(r, n, 1);
        float[] got = new float[n + 1], want = new float[n + 1];
        FloatOps.rmsnorm(got, 1, x, 3, w, n, 1e-5f);
        FloatOps.rmsnormScalar(want, 1, x, 3, w, n, 1e-5f);
        for (int i = 1; i <= n; i++) assertEquals(want[i], got[i], 1e-6 * Math.abs(want[i]) + 1e-12, "element " + i);
    }

    @Test
    void rmsnorm_may_work_in_place() {
        Random r = new Random(1);
        float[] x = gaussian(r, 100, 2), w = gaussian(r, 50, 1);
        float[] want = new float[50];
        FloatOps.rmsnorm(want, 0, x, 50, w, 50, 1e-6f);
        FloatOps.rmsnorm(x, 50, x, 50, w, 50, 1e-6f);
        assertArrayEquals(want, java.util.Arrays.copyOfRange(x, 50, 100));
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 128, 257})
    void vector_add_equals_the_scalar_twin_exactly(int n) {
        Random r = new Random(n);
        float[] x = gaussian(r, n + 2, 1), y1 = gaussian(r, n + 4, 1);
        float[] y2 = y1.clone();
        FloatOps.add(y1, 4, x, 2, n);
        FloatOps.addScalar(y2, 4, x, 2, n);
        assertArrayEquals(y2, y1);
    }

    @Test
    void exp_is_within_2_ulp_of_math_exp_over_its_range() {
        for (float z = -87f; z <= 88f; z += 0.0037f) {
            double want = Math.exp(z);
            float got = FloatOps.expScalar(z);
            assertEquals(want, got, 2 * Math.ulp((float) want), "exp(" + z + ")");
        }
        assertEquals(1f, FloatOps.expScalar(0f));
        // out of range clamps to tiny and huge, which the activations treat as 0 and infinity
        assertTrue(FloatOps.expScalar(-1000f) < 1e-37f && FloatOps.expScalar(-1000f) > 0f);
        assertTrue(FloatOps.expScalar(1000f) > 1e38f && Float.isFinite(FloatOps.expScalar(1000f)));
    }

    /** Gates from -100 to 100 (both ends saturate), several lengths so both the vector body and the tail run. */
    static float[] gates(Random r, int n) {
        float[] g = gaussian(r, n, 4);
        if (n > 2) {
            g[0] = -100f;
            g[1] = 100f;
            g[2] = 0f;
        }
        return g;
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 128, 257, 576})
    void vector_swiglu_equals_the_scalar_twin_exactly_and_matches_silu(int n) {
        Random r = new Random(n);
        float[] g = gates(r, n + 1), u = gaussian(r, n + 2, 1);
        float[] got = new float[n], twin = new float[n];
        FloatOps.siluMul(got, 0, g, 1, u, 2, n);
        FloatOps.siluMulScalar(twin, 0, g, 1, u, 2, n);
        assertArrayEquals(twin, got);
        for (int i = 0; i < n; i++) {
            double x = g[1 + i], want = x / (1 + Math.exp(-x)) * u[2 + i];
            assertEquals(want, got[i], 1e-6 * Math.abs(want) + 1e-30, "silu(" + x + ") * " + u[2 + i]);
        }
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 128, 257, 576})
    void vector_geglu_equals_the_scalar_twin_exactly_and_matches_tanh_gelu(int n) {
        Random r = new Random(n);
        float[] g = gates(r, n + 1), u = gaussian(r, n + 2, 1);
        float[] got = new float[n], twin = new float[n];
        FloatOps.geluMul(got, 0, g, 1, u, 2, n);
        FloatOps.geluMulScalar(twin, 0, g, 1, u, 2, n);
        assertArrayEquals(twin, got);
        for (int i = 0; i < n; i++) {
            double x = g[1 + i];
            double want = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))) * u[2 + i];
            // near the zero of gelu's tail (x ~ -3..-6) the tanh form itself loses digits; compare absolutely there
            assertEquals(want, got[i], 2e-6 * Math.abs(want) + 1e-7 * Math.abs(u[2 + i]), "gelu(" + x + ") * " + u[2 + i]);
        }
    }

    @Test
    void activations_may_write_over_the_gate() {
        Random r = new Random(3);
        float[] g = gates(r, 40), u = gaussian(r, 40, 1);
        float[] want = new float[40];
        FloatOps.siluMul(want, 0, g, 0, u, 0, 40);
        FloatOps.siluMul(g, 0, g, 0, u, 0, 40);
        assertArrayEquals(want, g);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 128, 257, 576})
    void vector_softcap_equals_the_scalar_twin_exactly_and_matches_tanh(int n) {
        Random r = new Random(n);
        float[] y = gaussian(r, n + 1, 20);
        if (n > 3) {
            y[1] = 1e4f;
            y[2] = -1e4f;
            y[3] = 0f;
        }
        float[] got = y.clone(), twin = y.clone();
        FloatOps.softcap(got, 1, n, 30f);
        FloatOps.softcapScalar(twin, 1, n, 30f);
        assertArrayEquals(twin, got);
        for (int i = 1; i <= n; i++) assertEquals(30 * Math.tanh(y[i] / 30.0), got[i], 30 * 2.5e-7, "softcap(" + y[i] + ")");
    }

    /**
     * The elementwise kernels must give their twins' bits in every tier: C2's SIMD code too, not only
     * the Vector API's fallback code that the first calls run (best effort: the loop gives C2 the
     * time to compile them, as ColdWarmCheck does for the dot products).
     */
    @Test
    void elementwise_kernels_match_their_twins_after_the_jit_compiles_them() {
        Random r = new Random(11);
        int n = 100;
        float[] g = gates(r, n), u = gaussian(r, n, 1), x = gaussian(r, n, 3), w = gaussian(r, n, 1);
        float[] silu = new float[n], gelu = new float[n], norm = new float[n], cap = new float[n];
        float[] coldNorm = new float[n];
        FloatOps.rmsnorm(coldNorm, 0, x, 0, w, n, 1e-5f); // its twin sums in double: compare with itself
        for (int rep = 0; rep < 20_000; rep++) {
            FloatOps.siluMul(silu, 0, g, 0, u, 0, n);
            FloatOps.geluMul(gelu, 0, g, 0, u, 0, n);
            FloatOps.rmsnorm(norm, 0, x, 0, w, n, 1e-5f);
            System.arraycopy(x, 0, cap, 0, n);
            FloatOps.softcap(cap, 0, n, 5f);
        }
        float[] want = new float[n];
        FloatOps.siluMulScalar(want, 0, g, 0, u, 0, n);
        assertArrayEquals(want, silu, "silu");
        FloatOps.geluMulScalar(want, 0, g, 0, u, 0, n);
        assertArrayEquals(want, gelu, "gelu");
        System.arraycopy(x, 0, want, 0, n);
        FloatOps.softcapScalar(want, 0, n, 5f);
        assertArrayEquals(want, cap, "softcap");
        assertArrayEquals(coldNorm, norm, "rmsnorm");
    }
}
