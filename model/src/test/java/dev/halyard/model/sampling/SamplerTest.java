package dev.halyard.model.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {

    static float[] randomLogits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * 3);
        return l;
    }

    static int[] draw(SamplingParams p, float[] logits, int count) {
        Sampler s = new Sampler(p);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = s.sample(logits.clone(), new int[0], 0);
        return out;
    }

    @Test
    void temperature_zero_picks_the_argmax() {
        float[] l = randomLogits(1000, 1);
        assertEquals(Sampler.argmax(l), new Sampler(SamplingParams.greedy()).sample(l.clone(), new int[0], 0));
    }

    @Test
    void same_seed_gives_same_tokens_and_other_seeds_differ() {
        float[] l = randomLogits(500, 2);
        SamplingParams p = SamplingParams.defaults().withTemperature(1.5f).withTopK(0).withTopP(1f).withMinP(0f).withSeed(42);
        assertEquals(java.util.Arrays.toString(draw(p, l, 50)), java.util.Arrays.toString(draw(p, l, 50)));
        assertNotEquals(java.util.Arrays.toString(draw(p, l, 50)), java.util.Arrays.toString(draw(p.withSeed(43), l, 50)));
    }

    @Test
    void top_k_only_ever_returns_the_k_best() {
        float[] l = randomLogits(300, 3);
        Integer[] idx = new Integer[l.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(l[b], l[a]));
        Set<Integer> top = Set.of(idx[0], idx[1], idx[2]);
        SamplingParams p = SamplingParams.defaults().withTemperature(5f).withTopK(3).withTopP(1f).withMinP(0f).withSeed(7);
        Set<Integer> seen = new HashSet<>();
        for (int t : draw(p, l, 300)) seen.add(t);
        assertTrue(top.containsAll(seen), "drew outside the top 3: " + seen);
        assertEquals(3, seen.size(), "with temperature 5 all three should appear");
    }

    @Test
    void top_k_selection_and_the_radix_sort_agree_with_sorting_all_keys() {
        SplittableRandom r = new SplittableRandom(11);
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -1f};
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(3000), k = 1 + r.nextInt(Math.min(n, 100));
            float[] l = new float[n];
            int shape = trial % 4;
            for (int i = 0; i < n; i++)
                l[i] = switch (shape) {
                    case 0 -> (float) r.nextGaussian() * 3;
                    case 1 -> r.nextInt(5);                                // many ties
                    case 2 -> i;                                           // ascending: every token enters the heap
                    default -> specials[r.nextInt(specials.length)];
                };
            long[] all = new long[n];
            for (int i = 0; i < n; i++) all[i] = Sampler.key(l[i], i);
            long[] radix = all.clone();
            Sampler.sortKeys(radix, n, new long[n]);
            java.util.Arrays.sort(all);
            assertEquals(java.util.Arrays.toString(all), java.util.Arrays.toString(radix), "radix sort, n=" + n + " shape " + shape);
            if (k == n) continue;
            long[] top = new long[k];
            Sampler.selectTop(l, k, top);
            java.util.Arrays.sort(top);
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(all, k)), java.util.Arrays.toString(top), "n=" + n + " k=" + k + " shape " + shape);
        }
    }

    @Test
    void top_p_keeps_the_smallest_set_reaching_p() {
        // probabilities ~ 0.5, 0.3, 0.2 (logits ln p)
        float[] l = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        SamplingParams p = SamplingParams.defaults().withTopK(0).withTopP(0.75f).withMinP(0f).withTemperature(1f).withSeed(1);
        Set<Integer> seen = new HashSet<>();
        for (int t : draw(p, l, 500)) seen.add(t);
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void min_p_drops_tokens_below_the_fraction_of_the_best() {
        float[] l = {(float) Math.log(0.6), (float) Math.log(0.3), (float) Math.log(0.1)};
        SamplingParams p = SamplingParams.defaults().withTopK(0).withTopP(1f).withMinP(0.4f).withTemperature(1f).withSeed(1);
        Set<Integer> seen = new HashSet<>();
        for (int t : draw(p, l, 500)) seen.add(t);
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void logit_bias_can_ban_and_force_tokens() {
        float[] l = {5f, 4f, 3f};
        Sampler ban = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(0, Float.NEGATIVE_INFINITY)));
        assertEquals(1, ban.sample(l.clone(), new int[0], 0));
        Sampler force = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(2, 100f)));
        assertEquals(2, force.sample(l.clone(), new int[0], 0));
    }

    @Test
    void penalties_follow_llama_cpp_formulas() {
        float[] l = {2f, -2f, 1f};
        int[] hist = {0, 1, 0};
        new Sampler(SamplingParams.greedy().withPenalties(2f, 0.5f, 0.25f, 64)).sample(l, hist, hist.length);
        assertEquals(2f / 2f - 2 * 0.25f - 0.5f, l[0], 1e-6);
        assertEquals(-2f * 2f - 0.25f - 0.5f, l[1], 1e-6);
        assertEquals(1f, l[2], 1e-6);
    }

    @Test
    void penalty_window_only_looks_at_the_last_n_tokens() {
        float[] l = {2f, 2f};
        int[] hist = {0, 1};
        new Sampler(SamplingParams.greedy().withPenalties(2f, 0f, 0f, 1)).sample(l, hist, hist.length);
        assertEquals(2f, l[0], 0);
        assertEquals(1f, l[1], 0);
    }

    @Test
    void invalid_parameters_name_the_parameter_value_and_range() {
        var e = assertThrows(IllegalArgumentException.class, () -> SamplingParams.defaults().withTopP(1.3f));
        assertEquals("top_p must be in (0, 1], got 1.3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.defaults().withTemperature(-1f));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.defaults().withTopK(-1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.defaults().withMinP(2f));
    }
}
