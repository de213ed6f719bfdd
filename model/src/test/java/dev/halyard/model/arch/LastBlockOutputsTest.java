package dev.halyard.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.halyard.kernels.GgmlType;
import dev.halyard.model.synth.QuantMix;
import dev.halyard.model.synth.SynthModel;
import dev.halyard.model.synth.SynthSpec;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The last block of a pass carries only the rows of the tokens that want outputs ({@code
 * Transformer.outputsOnly}): their logits and hidden states must keep their bits, and the keys and
 * values of every token must still reach the cache, so that what follows attends to them alike.
 * Each case runs one batch two ways, every token flagged (all rows through the last block) and a few
 * flagged, then decodes on from both caches.
 */
class LastBlockOutputsTest {

    @TempDir
    Path dir;

    /** Two sequences in one batch: 37 and 19 tokens. */
    static final int LA = 37, LB = 19;

    static Batch batch(int[] tokens, boolean[] wants) {
        int n = tokens.length;
        int[] pos = new int[n], seq = new int[n];
        for (int i = 0; i < n; i++) {
            seq[i] = i < LA ? 0 : 1;
            pos[i] = i < LA ? i : i - LA;
        }
        return new Batch(tokens, pos, seq, wants);
    }

    /** One decode step of both sequences, every token flagged. */
    static float[] step(Model m, KvCache kv, int ta, int tb) {
        return m.forward(new Batch(new int[] {ta, tb}, new int[] {LA, LB}, new int[] {0, 1}, new boolean[] {true, true}), kv);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "phi3", "gemma2"})
    void the_outputs_keep_their_bits_and_every_key_and_value_is_cached(String arch) throws Exception {
        Path file = dir.resolve(arch + ".gguf");
        SynthModel.write(SynthSpec.tiny(arch), QuantMix.uniform(GgmlType.Q8_0), file);
        int n = LA + LB;
        int[] tokens = new int[n];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < n; i++) tokens[i] = 1 + r.nextInt(500);
        boolean[] all = new boolean[n], some = new boolean[n], none = new boolean[n];
        Arrays.fill(all, true);
        int[] picked = {5, LA - 1, n - 1}; // one mid-sequence token, and each sequence's last
        for (int i : picked) some[i] = true;
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2));
                KvCache kvAll = new FlatKvCache(m.config(), 2, 64);
                KvCache kvSome = new FlatKvCache(m.config(), 2, 64);
                KvCache kvNone = new FlatKvCache(m.config(), 2, 64)) {
            int V = m.config().vocabSize(), D = m.config().dim();
            float[] dense = m.forward(batch(tokens, all), kvAll);
            float[] sparse = m.forward(batch(tokens, some), kvSome);
            assertEquals(picked.length * V, sparse.length);
            for (int k = 0; k < picked.length; k++)
                assertArrayEquals(Arrays.copyOfRange(dense, picked[k] * V, (picked[k] + 1) * V),
                        Arrays.copyOfRange(sparse, k * V, (k + 1) * V), arch + ": logits of token " + picked[k]);
            assertEquals(0, m.forward(batch(tokens, none), kvNone).length, "no outputs, no logits");

            // the hidden states behind the outputs, from a pass of their own
            try (KvCache kvHidden = new FlatKvCache(m.config(), 2, 64); KvCache kvHiddenAll = new FlatKvCache(m.config(), 2, 64)) {
                float[] h = m.hidden(batch(tokens, some), kvHidden), hAll = m.hidden(batch(tokens, all), kvHiddenAll);
                for (int k = 0; k < picked.length; k++)
                    assertArrayEquals(Arrays.copyOfRange(hAll, picked[k] * D, (picked[k] + 1) * D),
                            Arrays.copyOfRange(h, k * D, (k + 1) * D), arch + ": hidden state of token " + picked[k]);
            }

            // decoding on reads every cached key and value of the last block: the three caches agree
            float[] want = step(m, kvAll, 11, 12);
            assertArrayEquals(want, step(m, kvSome, 11, 12), arch + ": decoding after a pass with a few outputs");
            assertArrayEquals(want, step(m, kvNone, 11, 12), arch + ": decoding after a pass with none");
        }
    }
}
