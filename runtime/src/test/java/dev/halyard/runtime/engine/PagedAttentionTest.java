package dev.halyard.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.arch.Batch;
import dev.halyard.model.arch.FlatKvCache;
import dev.halyard.model.arch.KvCache;
import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.testing.SharedData;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A decode step of many sequences over the paged cache gives each sequence the logits it gets alone,
 * bit for bit, whatever the block size, the cache type and where a sequence's last block ends: its
 * attention reads its own blocks' runs, in its own tasks, in the canonical order. (Stop 34 tried tasks
 * that read all KV heads of a block in one pass; this test guarded that and guards any such split.)
 */
class PagedAttentionTest {

    static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(SharedData.require("models/stories260K/stories260K.gguf"), ModelOptions.defaults().withThreads(2));
        assertTrue(model.config().kvHeads() > 1, "the test needs several KV heads");
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** Sequence s's prompt: prompt lengths that end a block, start one, fill several and leave one partly used. */
    static final int[] LENGTHS = {1, 5, 16, 17, 31, 40, 64};

    static int token(int s, int p) {
        return 1 + (s * 131 + p * 17) % (model.config().vocabSize() - 1);
    }

    static KvCache cache(String kind, int blockSize, KvType type, int slots, int positions) {
        if (kind.equals("flat")) return new FlatKvCache(model.config(), slots, positions, type);
        int blocks = slots * ((positions + blockSize - 1) / blockSize);
        return new PagedKvCache(model.config(), blocks, blockSize, slots, positions, type);
    }

    /** Fills slot s with sequence seq's prompt, one forward pass per sequence. */
    static void prefill(KvCache kv, int slot, int seq) {
        int n = LENGTHS[seq];
        assertTrue(kv.reserve(slot, n + 1));
        int[] tokens = new int[n], positions = new int[n], seqs = new int[n];
        for (int p = 0; p < n; p++) {
            tokens[p] = token(seq, p);
            positions[p] = p;
            seqs[p] = slot;
        }
        model.forward(new Batch(tokens, positions, seqs, new boolean[n]), kv);
    }

    /** S sequences decoding at once, against each alone (a batch of one token: its tasks split by head). */
    @ParameterizedTest(name = "{0} cache, blocks of {1}, {2}, {3} sequences")
    @CsvSource({"paged, 16, F16, 7", "paged, 8, F16, 7", "paged, 32, F16, 7", "paged, 16, F32, 7", "paged, 4, F16, 7",
            "flat, 0, F16, 7", "paged, 16, F16, 2", "paged, 16, F16, 3", "paged, 16, Q8_0, 7", "flat, 0, Q8_0, 7"})
    void a_decode_step_of_many_sequences_gives_each_the_bits_it_gets_alone(String kind, int blockSize, KvType type, int S) {
        int V = model.config().vocabSize(), positions = 80;
        float[] together;
        try (KvCache kv = cache(kind, blockSize, type, S, positions)) {
            for (int s = 0; s < S; s++) prefill(kv, s, s);
            int[] tokens = new int[S], pos = new int[S], seqs = new int[S];
            boolean[] wants = new boolean[S];
            for (int s = 0; s < S; s++) {
                tokens[s] = token(s, LENGTHS[s]);
                pos[s] = LENGTHS[s];
                seqs[s] = s;
                wants[s] = true;
            }
            together = model.forward(new Batch(tokens, pos, seqs, wants), kv);
        }
        for (int s = 0; s < S; s++) {
            try (KvCache kv = cache(kind, blockSize, type, 1, positions)) {
                prefill(kv, 0, s);
                float[] alone = model.forward(new Batch(new int[] {token(s, LENGTHS[s])}, new int[] {LENGTHS[s]}, new int[] {0}, new boolean[] {true}), kv);
                assertArrayEquals(alone, Arrays.copyOfRange(together, s * V, (s + 1) * V), "sequence " + s + " (" + LENGTHS[s] + " positions)");
            }
        }
    }
}
