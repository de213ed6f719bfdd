package dev.halyard.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.testing.SharedData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The forward pass reuses one workspace across calls; these check that reuse never leaks one pass's
 * activations into another: batches that grow and shrink, and passes on two threads at once (the
 * engine and a side pass share a model).
 */
class TransformerWorkspaceTest {

    static final Path MODEL = SharedData.require("models/stories260K/stories260K.gguf");
    static final int[] A = {1, 403, 407, 261, 378, 300, 301, 302, 303};
    static final int[] B = {1, 432, 383};

    @Test
    void batches_that_grow_and_shrink_give_the_same_logits_as_a_fresh_model() throws Exception {
        float[] freshA, freshB;
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(1))) {
            freshA = m.lastLogits(A);
        }
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(1))) {
            freshB = m.lastLogits(B);
        }
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(2))) {
            m.greedy(B, 4);                          // one-token passes first
            assertArrayEquals(freshA, m.lastLogits(A)); // then a bigger batch: the workspace grows
            assertArrayEquals(freshB, m.lastLogits(B)); // then a smaller one in the bigger workspace
            assertArrayEquals(freshA, m.lastLogits(A));
        }
    }

    @Test
    void passes_on_two_threads_at_once_do_not_share_activations() throws Exception {
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(2))) {
            float[] wantA = m.lastLogits(A), wantB = m.lastLogits(B);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int[] prompt = t == 0 ? A : B;
                    float[] want = t == 0 ? wantA : wantB;
                    runs.add(pool.submit(() -> {
                        for (int i = 0; i < 200; i++) assertArrayEquals(want, m.lastLogits(prompt));
                        return null;
                    }));
                }
                for (Future<?> f : runs) f.get();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void a_long_prompt_split_across_threads_gives_the_same_logits_as_on_one() throws Exception {
        // big enough (rows x width) that the per-token steps run as parallel regions
        int[] prompt = new int[600];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + (i * 37) % 500;
        assertTrue(prompt.length * 64L >= Transformer.PARALLEL_ELEMENTS, "the prompt must reach the parallel path");
        float[] one, two;
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(1))) {
            one = m.lastLogits(prompt);
        }
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(2))) {
            two = m.lastLogits(prompt);
        }
        assertArrayEquals(one, two);
    }

    @Test
    void logits_written_into_a_reused_buffer_equal_fresh_ones_and_a_short_buffer_is_not_used() throws Exception {
        try (Model m = Model.load(MODEL, ModelOptions.defaults().withThreads(2))) {
            int V = m.config().vocabSize();
            // two sequences' last tokens want logits: (2, V)
            int[] tokens = {1, 403, 407, 1, 432}, positions = {0, 1, 2, 0, 1}, seqs = {0, 0, 0, 1, 1};
            boolean[] wants = {false, false, true, false, true};
            float[] want;
            try (KvCache kv = m.newKvCache(2, 8)) {
                want = m.forward(new Batch(tokens, positions, seqs, wants), kv);
            }
            assertEquals(2 * V, want.length);
            float[] buffer = new float[3 * V];                   // bigger than needed, full of stale values
            Arrays.fill(buffer, 7f);
            try (KvCache kv = m.newKvCache(2, 8)) {
                assertSame(buffer, m.forwardInto(new Batch(tokens, positions, seqs, wants), kv, buffer));
            }
            assertArrayEquals(want, Arrays.copyOf(buffer, 2 * V));
            assertEquals(7f, buffer[2 * V]);                     // rows past the outputs are left alone
            float[] tooShort = new float[2 * V - 1];
            try (KvCache kv = m.newKvCache(2, 8)) {
                float[] got = m.forwardInto(new Batch(tokens, positions, seqs, wants), kv, tooShort);
                assertNotSame(tooShort, got);
                assertArrayEquals(want, got);
            }
        }
    }
}
