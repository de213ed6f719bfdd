package dev.halyard.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.GgmlType;
import dev.halyard.model.synth.QuantMix;
import dev.halyard.model.synth.SynthModel;
import dev.halyard.model.synth.SynthSpec;
import dev.halyard.model.synth.SynthVocab;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A decode step scores a token's query heads four or three at a time (they read the same keys), a
 * prompt pass four tokens at a time, one head after another: the arithmetic of each query must be the
 * same, so decoding a prompt token by token gives the very bits of the logits of one prompt pass.
 * Query groups of 1 to 8 heads per KV head cover every split (4+3 for seven, 4+1 for five, ...).
 */
class GroupedHeadsDecodeTest {

    static final int[] PROMPT = {1, 300, 301, 400, 302, 303, 450, 260, 270, 280, 290, 500, 311, 312, 313, 314, 315, 316, 317};

    @ParameterizedTest(name = "{0} query heads per KV head, kv {1}")
    @CsvSource({"1, F16", "2, F16", "3, F16", "4, F16", "5, F16", "6, F16", "7, F16", "8, F16", "3, Q8_0", "7, F32"})
    void decoding_token_by_token_equals_one_prompt_pass(int group, KvType kvType, @TempDir Path dir) throws Exception {
        SynthSpec spec = new SynthSpec("llama", "grouped-" + group, 256, 2, 2 * group, 2, 64, 512,
                new SynthVocab.Spec(SynthVocab.Kind.SPM, 512), 2048, 10000f, 1e-5f, false, null, 0, 0, 0, 40 + group);
        Path file = dir.resolve("m.gguf");
        SynthModel.write(spec, QuantMix.uniform(GgmlType.Q8_0), file);
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withKvType(kvType));
             KvCache kv = m.newKvCache(1, PROMPT.length)) {
            float[] prompt = m.lastLogits(PROMPT), decoded = null;
            for (int p = 0; p < PROMPT.length; p++) decoded = m.forward(Batch.ofSequence(0, p, new int[] {PROMPT[p]}), kv);
            assertArrayEquals(prompt, decoded);
        }
    }

    /**
     * A decode step over more KV heads than threads, not a multiple of them, goes out in two regions once
     * it sees {@code Attention.SPLIT_SPAN} positions: some heads whole, the others' scores, then their
     * softmax and weighted sums ({@code Attention.attendSplit}). Each query's arithmetic is unchanged,
     * so the logits of decoding token by token are still those of one prompt pass, at every length checked;
     * with 3 KV heads on 2 threads one head goes whole, with 5 one, with sliding windows and soft-capping
     * (gemma2) the window's positions.
     */
    @ParameterizedTest(name = "{0}, {1} KV heads of {2} query heads, kv {3}")
    @CsvSource({"llama, 3, 1, F16", "llama, 3, 3, F16", "llama, 5, 2, F16", "llama, 3, 3, Q8_0", "llama, 3, 2, F32", "gemma2, 3, 2, F16"})
    void decode_steps_whose_heads_split_in_two_regions_equal_one_prompt_pass(String arch, int kvHeads, int group, KvType kvType, @TempDir Path dir)
            throws Exception {
        int[] prompt = new int[Attention.SPLIT_SPAN + 40];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 3 + (i * 53) % 500;
        assertTrue(kvHeads > 2 && kvHeads % 2 != 0 && Attention.SPLIT_SPAN > 0, "the two-region path on 2 threads");
        boolean gemma = arch.equals("gemma2");
        SynthSpec spec = new SynthSpec(arch, "split-" + kvHeads + "-" + group, 256, 2, kvHeads * group, kvHeads, 64, 512,
                new SynthVocab.Spec(SynthVocab.Kind.SPM, 512), 2048, 10000f, 1e-5f, gemma, null, gemma ? 100 : 0, gemma ? 50f : 0f,
                gemma ? 30f : 0f, 70 + kvHeads * group);
        Path file = dir.resolve("m.gguf");
        SynthModel.write(spec, QuantMix.uniform(GgmlType.Q8_0), file);
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2).withKvType(kvType));
             KvCache kv = m.newKvCache(1, prompt.length)) {
            for (int p = 0; p < prompt.length; p++) {
                float[] decoded = m.forward(Batch.ofSequence(0, p, new int[] {prompt[p]}), kv);
                if (p + 1 == Attention.SPLIT_SPAN || p % 13 == 0 && p >= Attention.SPLIT_SPAN || p == prompt.length - 1)
                    assertArrayEquals(m.lastLogits(java.util.Arrays.copyOf(prompt, p + 1)), decoded, "position " + p);
            }
        }
    }

    /**
     * A prompt long enough that the pass's per-token steps (embeddings, rotary angles, biases, q/k
     * norms, RoPE, the KV-cache stores) are split across the pool ({@code Transformer.forRows}: from
     * 32K elements), while each decode step runs them on the calling thread: the same bits, for every
     * architecture's tiny model (qwen2's biases, qwen3's q/k norms, gemma2's scaled embeddings).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "phi3", "gemma2"})
    void a_prompt_whose_per_token_steps_are_split_equals_decoding_it(String arch, @TempDir Path dir) throws Exception {
        int[] prompt = new int[160];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 3 + (i * 37) % 500;
        SynthSpec spec = SynthSpec.tiny(arch);
        assertTrue((long) prompt.length * spec.dim() >= Transformer.PARALLEL_ELEMENTS, "split across the pool");
        Path file = dir.resolve("m.gguf");
        SynthModel.write(spec, QuantMix.uniform(GgmlType.Q8_0), file);
        try (Model m = Model.load(file, ModelOptions.defaults().withThreads(2));
             KvCache kv = m.newKvCache(1, prompt.length)) {
            float[] whole = m.lastLogits(prompt), decoded = null;
            for (int p = 0; p < prompt.length; p++) decoded = m.forward(Batch.ofSequence(0, p, new int[] {prompt[p]}), kv);
            assertArrayEquals(whole, decoded, arch);
        }
    }
}
