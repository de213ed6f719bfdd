package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The attention kernels against their scalar twins: the same bits, for any row length and count. */
class AttentionOpsTest {

    static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 80, 128, 257})
    void vector_scores_equal_the_scalar_twin_and_the_float_dot(int n) {
        Random r = new Random(n);
        int rows = 37; // two groups of 16 rows (one shared fold at 16 lanes), then pairs, then one
        float[] q = gaussian(r, n + 3), k = gaussian(r, rows * n + 2);
        float[] vec = new float[rows + 1], ref = new float[rows + 1];
        AttentionOps.scores(q, 3, k, 2, rows, n, 0.125f, vec, 1);
        AttentionOps.scoresScalar(q, 3, k, 2, rows, n, 0.125f, ref, 1);
        assertArrayEquals(ref, vec);
        for (int t = 0; t < rows; t++) assertEquals(FloatOps.dot(q, 3, k, 2 + t * n, n) * 0.125f, vec[1 + t], "row " + t + " as FloatOps.dot");
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 80, 128, 257})
    void vector_weighted_sum_equals_the_scalar_twin_and_an_axpy_chain(int n) {
        Random r = new Random(n + 1);
        int rows = 6;
        float[] w = gaussian(r, rows + 2), v = gaussian(r, rows * n + 1);
        float[] vec = gaussian(r, n + 4), ref = vec.clone(), axpy = vec.clone();
        AttentionOps.weightedSum(w, 2, v, 1, rows, n, vec, 4);
        AttentionOps.weightedSumScalar(w, 2, v, 1, rows, n, ref, 4);
        for (int t = 0; t < rows; t++) FloatOps.axpy(w[2 + t], v, 1 + t * n, axpy, 4, n);
        assertArrayEquals(ref, vec);
        assertArrayEquals(axpy, vec, "one fused multiply-add per row, in order, as axpy");
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {16, 64, 128})
    void four_queries_at_once_equal_four_single_queries(int n) {
        Random r = new Random(n + 2);
        int rows = 23, qs = n + 5, os = rows + 3; // 5 tiles of 4 rows, then 3 rows one query at a time
        float[] q = gaussian(r, 1 + 4 * qs), k = gaussian(r, rows * n + 3);
        float[] four = new float[2 + 4 * os], one = new float[2 + 4 * os];
        AttentionOps.scores4(q, 1, qs, k, 3, rows, n, 0.125f, four, 2, os);
        for (int j = 0; j < 4; j++) AttentionOps.scores(q, 1 + j * qs, k, 3, rows, n, 0.125f, one, 2 + j * os);
        assertArrayEquals(one, four, "scores");
        if (!AttentionOps.fourQueries(n, n)) return; // weightedSum4 takes rows of 64 elements and more
        float[] w = gaussian(r, 1 + 4 * os), v = gaussian(r, rows * n + 2);
        float[] four2 = gaussian(r, 3 + 4 * qs), one2 = four2.clone();
        AttentionOps.weightedSum4(w, 1, os, v, 2, rows, n, four2, 3, qs);
        for (int j = 0; j < 4; j++) AttentionOps.weightedSum(w, 1 + j * os, v, 2, rows, n, one2, 3 + j * qs);
        assertArrayEquals(one2, four2, "weighted sums");
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {16, 64, 128})
    void three_queries_at_once_equal_three_single_queries(int n) {
        if (!AttentionOps.fourQueries(n, 64)) return; // the three- and four-query kernels need 16 lanes
        Random r = new Random(n + 3);
        int rows = 23, qs = n + 5, os = rows + 3; // 5 tiles of 4 rows, then 3 rows one query at a time
        float[] q = gaussian(r, 1 + 3 * qs), k = gaussian(r, rows * n + 3);
        float[] three = gaussian(r, 2 + 4 * os), one = three.clone();
        AttentionOps.scores3(q, 1, qs, k, 3, rows, n, 0.125f, three, 2, os);
        for (int j = 0; j < 3; j++) AttentionOps.scores(q, 1 + j * qs, k, 3, rows, n, 0.125f, one, 2 + j * os);
        assertArrayEquals(one, three, "scores, and nothing written past the third query's row");
        if (!AttentionOps.fourQueries(n, n)) return;
        float[] w = gaussian(r, 1 + 3 * os), v = gaussian(r, rows * n + 2);
        float[] three2 = gaussian(r, 3 + 4 * qs), one2 = three2.clone();
        AttentionOps.weightedSum3(w, 1, os, v, 2, rows, n, three2, 3, qs);
        for (int j = 0; j < 3; j++) AttentionOps.weightedSum(w, 1 + j * os, v, 2, rows, n, one2, 3 + j * qs);
        assertArrayEquals(one2, three2, "weighted sums, and nothing written past the third query's output");
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 500, 4099})
    void vector_softmax_equals_the_scalar_twin_and_is_a_softmax(int n) {
        Random r = new Random(n);
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) (8 * r.nextGaussian());
        float[] vec = x.clone(), ref = x.clone();
        AttentionOps.softmax(vec, 3, n);
        AttentionOps.softmaxScalar(ref, 3, n);
        assertArrayEquals(ref, vec);
        double max = Double.NEGATIVE_INFINITY, sum = 0, total = 0;
        for (int i = 3; i < n + 3; i++) max = Math.max(max, x[i]);
        for (int i = 3; i < n + 3; i++) sum += Math.exp(x[i] - max);
        for (int i = 3; i < n + 3; i++) {
            // float x - max is off by up to half an ulp of |x - max| (~40): exp's relative error follows
            assertEquals(Math.exp(x[i] - max) / sum, vec[i], 1e-5 * (Math.exp(x[i] - max) / sum) + 1e-30, "element " + i);
            total += vec[i];
        }
        assertEquals(1.0, total, 1e-5);
        assertEquals(x[0], vec[0]);
    }

    @Test
    void the_polynomial_exp_is_within_2_ulp_of_the_true_value() {
        for (float x = -87f; x <= 0f; x += 0.0013f) {
            double want = Math.exp(x);
            float got = AttentionOps.exp(x);
            assertEquals(want, got, 2 * Math.ulp((float) want), "exp(" + x + ")");
        }
        assertEquals(1f, AttentionOps.exp(0f));
    }

    @Test
    void splitting_rows_into_tiles_changes_no_bit() {
        Random r = new Random(7);
        int n = 64, rows = 37;
        float[] w = gaussian(r, rows), v = gaussian(r, rows * n), whole = new float[n], tiled = new float[n];
        AttentionOps.weightedSum(w, 0, v, 0, rows, n, whole, 0);
        for (int t0 = 0; t0 < rows; t0 += 16) AttentionOps.weightedSum(w, t0, v, t0 * n, Math.min(16, rows - t0), n, tiled, 0);
        assertArrayEquals(whole, tiled);
    }

    @ParameterizedTest(name = "count = {0}")
    @ValueSource(ints = {1, 7, 16, 33, 64, 1024, 4099})
    void halves_widen_exactly_cold_and_warm(int count) {
        Random r = new Random(count);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * count + 6);
            // every bit pattern: normals, subnormals, zeros, infinities, NaNs
            for (int i = 0; i < count; i++) seg.set(AttentionOps.HALF, 6 + 2L * i, (short) r.nextInt(1 << 16));
            float[] got = new float[count + 3];
            for (int round = 0; round < 3000; round++) { // the last rounds run C2's vectorised loop
                AttentionOps.halvesToFloats(seg, 6, count, got, 3);
                if (round % 1000 != 0 && round != 2999) continue;
                for (int i = 0; i < count; i++)
                    assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(seg.get(AttentionOps.HALF, 6 + 2L * i))),
                            Float.floatToRawIntBits(got[3 + i]), "element " + i + " in round " + round);
            }
        }
    }

    @Test
    void stored_rows_read_back_as_rounded_halves_or_exact_floats() {
        float[] x = {1f, -2.5f, 1e-8f, 65504f, 1e6f, 0.1f, Float.NaN};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment halves = arena.allocate(2L * x.length), floats = arena.allocate(4L * x.length);
            AttentionOps.floatsToHalves(x, 0, x.length, halves, 0);
            AttentionOps.floatsToFloats(x, 0, x.length, floats, 0);
            float[] h = new float[x.length], f = new float[x.length];
            AttentionOps.halvesToFloats(halves, 0, x.length, h, 0);
            AttentionOps.floatsToFloats(floats, 0, x.length, f, 0);
            for (int i = 0; i < x.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i])), h[i], "half " + i);
            assertArrayEquals(x, f);
            assertEquals(Float.floatToFloat16(0.1f), halves.get(ValueLayout.JAVA_SHORT_UNALIGNED, 10));
        }
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 8, 31, 32, 33, 64, 96, 100, 128, 256})
    void eight_bit_rows_widen_as_the_scalar_twin_within_half_a_step_of_the_floats(int n) {
        Random r = new Random(n + 11);
        int rows = 5;
        long row = AttentionOps.q8RowBytes(n);
        assertEquals(n + 4L * ((n + 31) / 32), row, "a float scale per 32 elements, then one byte each");
        float[] x = gaussian(r, rows * n);
        for (int i = 0; i < n; i++) x[2 * n + i] = 0f;             // an all-zero row: scale 0, no division by it
        x[3 * n] = 1e4f;                                            // an outlier sets its block's scale
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(rows * row + 3);
            for (int t = 0; t < rows; t++) AttentionOps.floatsToQ8(x, t * n, n, seg, 3 + t * row);
            float[] vec = new float[rows * n + 2], ref = new float[rows * n + 2];
            for (int round = 0; round < 2000; round++) AttentionOps.q8ToFloats(seg, 3, rows, n, vec, 2); // C2's code too
            AttentionOps.q8ToFloatsScalar(seg, 3, rows, n, ref, 2);
            assertArrayEquals(ref, vec);
            for (int t = 0; t < rows; t++)
                for (int b = 0; b < n; b += 32) {
                    int k = Math.min(32, n - b);
                    float amax = 0f;
                    for (int i = 0; i < k; i++) amax = Math.max(amax, Math.abs(x[t * n + b + i]));
                    float step = amax / 127f;
                    for (int i = 0; i < k; i++) {
                        int e = t * n + b + i;
                        assertEquals(x[e], vec[2 + e], step / 2 * 1.0001f + Math.ulp(amax), "row " + t + " element " + (b + i));
                    }
                    if (amax > 0) assertEquals(amax, Math.abs(maxAbs(vec, 2 + t * n + b, k)), amax * 1e-6f, "the largest element keeps its size");
                }
        }
    }

    private static float maxAbs(float[] a, int off, int n) {
        float m = 0f;
        for (int i = 0; i < n; i++) m = Math.max(m, Math.abs(a[off + i]));
        return m;
    }
}
