package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
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
}
