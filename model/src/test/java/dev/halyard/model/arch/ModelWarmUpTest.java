package dev.halyard.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A warm-up pass leaves nothing behind: a model's outputs after it are a fresh model's, bit for bit. */
class ModelWarmUpTest {
    static final Path MODEL = Stories260KGoldenTest.MODEL;

    @Test
    void outputs_after_warm_up_equal_a_fresh_models() throws Exception {
        int[] prompt = {1, 403, 407, 261, 378};
        int[] freshTokens;
        float[] freshLogits;
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(2))) {
            freshTokens = m.greedy(prompt, 12);
            freshLogits = m.lastLogits(prompt);
        }
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(2))) {
            assertTrue(m.warmUp() >= 0);
            assertArrayEquals(freshTokens, m.greedy(prompt, 12));
            assertArrayEquals(freshLogits, m.lastLogits(prompt));
        }
    }
}
