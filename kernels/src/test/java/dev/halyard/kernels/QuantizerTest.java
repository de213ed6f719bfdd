package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QuantizerTest {

    static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    static float[] roundTrip(GgmlType t, float[] x) {
        byte[] q = Quantizer.quantize(t, x);
        assertEquals(t.byteSize(x.length), q.length);
        float[] y = new float[x.length];
        new ScalarKernels().dequantize(t, MemorySegment.ofArray(q), 0, y, 0, x.length);
        return y;
    }

    // ---------------------------------------------------------------- exact bytes

    @Test
    void q4_0_maps_the_largest_magnitude_to_minus_8() {
        float[] x = new float[32];
        x[0] = -8f;
        x[17] = 3f;
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(18, q.length);
        assertEquals(Float16.fromFloat(1f), (short) ((q[0] & 0xff) | q[1] << 8)); // d = max / -8 = 1
        assertEquals(0x80, q[2] & 0xff);  // element 0 -> 0 (lo), element 16 -> 8 (hi)
        assertEquals(0xb8, q[3] & 0xff);  // element 1 -> 8, element 17 -> 8 + 3 = 11
        for (int j = 2; j < 16; j++) assertEquals(0x88, q[2 + j] & 0xff);
    }

    @Test
    void q8_0_rounds_halves_away_from_zero() {
        float[] x = new float[32];
        x[0] = 127f;   // d = 1
        x[1] = 2.5f;   // -> 3
        x[2] = -2.5f;  // -> -3
        x[3] = -0.4f;  // -> 0
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, x);
        assertEquals(Float16.fromFloat(1f), (short) ((q[0] & 0xff) | q[1] << 8));
        assertEquals(127, q[2]);
        assertEquals(3, q[3]);
        assertEquals(-3, q[4]);
        assertEquals(0, q[5]);
    }

    @Test
    void q8_k_stores_an_f32_scale_and_block_sums() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) x[i] = (i % 16) - 7.5f;
        x[5] = -127f;  // largest magnitude: scale = max / -127 = 1
        byte[] q = Quantizer.quantize(GgmlType.Q8_K, x);
        assertEquals(292, q.length);
        int bits = (q[0] & 0xff) | (q[1] & 0xff) << 8 | (q[2] & 0xff) << 16 | (q[3] & 0xff) << 24;
        assertEquals(1f, Float.intBitsToFloat(bits));
        for (int b = 0; b < 16; b++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += q[4 + 16 * b + i];
            assertEquals(sum, (short) ((q[260 + 2 * b] & 0xff) | q[261 + 2 * b] << 8), "bsums[" + b + "]");
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void zero_blocks_quantise_to_zero(GgmlType t) {
        float[] y = roundTrip(t, new float[512]);
        for (float v : y) assertEquals(0f, v, 0f); // -0 allowed: d * (q - 8) with d = 0
    }

    @Test
    void lengths_must_be_whole_blocks() {
        var e = assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q4_K, new float[255]));
        assertTrue(e.getMessage().contains("256"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.IQ2_XS, new float[256]));
        assertThrows(IndexOutOfBoundsException.class, () -> Quantizer.quantize(GgmlType.Q8_0, new float[32], 0, 32, new byte[33], 0));
    }

    // ---------------------------------------------------------------- round trips

    @Test
    void float_formats_round_as_ieee() {
        float[] x = gaussian(1024, 1);
        assertArrayEquals(x, roundTrip(GgmlType.F32, x));
        float[] h = roundTrip(GgmlType.F16, x), b = roundTrip(GgmlType.BF16, x);
        for (int i = 0; i < x.length; i++) {
            assertTrue(Math.abs(h[i] - x[i]) <= Math.abs(x[i]) * 0x1p-11f + 0x1p-25f, "f16 at " + i);
            assertTrue(Math.abs(b[i] - x[i]) <= Math.abs(x[i]) * 0x1p-8f, "bf16 at " + i);
        }
    }

    /**
     * Legacy formats: every element within the block's rounding step. The step is d (amax/127 for Q8_0,
     * amax/8 for Q4_0 where the clamp at +7 can cost a whole step, range/15 for Q4_1…), plus the
     * rounding of d and the minimum to f16 (2^-11 relative, times up to 2^bits levels).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_K"})
    void legacy_formats_stay_within_their_step(GgmlType t) {
        float[] x = gaussian(256 * 16, t.id);
        for (int i = 0; i < 64; i++) x[i * 37] *= 6; // outliers
        float[] y = roundTrip(t, x);
        int bs = t.blockSize;
        for (int b = 0; b < x.length / bs; b++) {
            float amax = 0, min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < bs; j++) {
                float v = x[b * bs + j];
                amax = Math.max(amax, Math.abs(v));
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            float bound = switch (t) {
                case Q8_0 -> amax / 127 * (0.5f + 128 * 0x1p-11f);
                case Q8_K -> amax / 127 * 0.501f;
                case Q4_0 -> amax / 8 * (1f + 16 * 0x1p-11f);
                case Q5_0 -> amax / 16 * (1f + 32 * 0x1p-11f);
                case Q4_1 -> (max - min) / 15 * (0.5f + 16 * 0x1p-11f) + Math.abs(min) * 0x1p-11f;
                case Q5_1 -> (max - min) / 31 * (0.5f + 32 * 0x1p-11f) + Math.abs(min) * 0x1p-11f;
                default -> throw new AssertionError(t);
            };
            for (int j = 0; j < bs; j++) {
                int i = b * bs + j;
                float err = Math.abs(y[i] - x[i]);
                assertTrue(err <= bound * 1.0001f + 1e-7f, t + " element " + i + ": |" + y[i] + " - " + x[i] + "| = " + err + " > " + bound);
            }
        }
    }

    /**
     * K-quants fit a scale (and min) per 16/32 elements and quantise those to 6 or 8 bits; their error
     * on unit Gaussians is about range / levels / sqrt(12): Q4_K ~0.07, Q5_K ~0.035, Q6_K ~0.015.
     */
    @Test
    void k_quant_errors_shrink_with_bits() {
        float[] x = gaussian(256 * 64, 42);
        double q4 = rmsError(x, roundTrip(GgmlType.Q4_K, x));
        double q5 = rmsError(x, roundTrip(GgmlType.Q5_K, x));
        double q6 = rmsError(x, roundTrip(GgmlType.Q6_K, x));
        assertTrue(q4 < 0.10, "Q4_K rms error " + q4);
        assertTrue(q5 < 0.05, "Q5_K rms error " + q5);
        assertTrue(q6 < 0.025, "Q6_K rms error " + q6);
        assertTrue(q6 < q5 && q5 < q4, q4 + " > " + q5 + " > " + q6);
        // the search in make_qkx2_quants beats plain min/max scaling of the same 4 bits (Q4_1)
        assertTrue(q4 < rmsError(x, roundTrip(GgmlType.Q4_1, x)) * 1.05, "Q4_K not worse than Q4_1");
    }

    @Test
    void k_quants_keep_signs_and_outliers() {
        float[] x = gaussian(256 * 4, 9);
        x[3] = 20f;
        x[300] = -20f;
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            float[] y = roundTrip(t, x);
            assertEquals(20f, y[3], 1.5f, t + " keeps the positive outlier");
            assertEquals(-20f, y[300], 1.5f, t + " keeps the negative outlier");
        }
    }

    static double rmsError(float[] x, float[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += (x[i] - y[i]) * (double) (x[i] - y[i]);
        return Math.sqrt(s / x.length);
    }
}
