package dev.halyard.model.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.GgmlType;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SynthModelTest {

    @TempDir
    Path dir;

    private static void shape(GgufFile f, String name, long... ne) {
        GgufTensorInfo t = f.tensor(name);
        assertNotNull(t, "tensor " + name + " is missing");
        assertArrayEquals(ne, t.ne(), "shape of " + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "phi3", "gemma2"})
    void tiny_models_have_the_tensors_and_metadata_llama_cpp_expects(String arch) throws Exception {
        SynthSpec s = SynthSpec.tiny(arch);
        Path p = dir.resolve(arch + ".gguf");
        SynthModel.write(s, QuantMix.named("F16"), p);
        GgufFile f = GgufFile.read(p);

        assertEquals(arch, f.getString("general.architecture", null));
        assertEquals(s.dim(), f.requireLong(arch + ".embedding_length"));
        assertEquals(s.layers(), f.requireLong(arch + ".block_count"));
        assertEquals(s.heads(), f.requireLong(arch + ".attention.head_count"));
        assertEquals(s.kvHeads(), f.requireLong(arch + ".attention.head_count_kv"));
        assertEquals(s.headDim(), f.requireLong(arch + ".attention.key_length"));
        assertEquals(s.ffnDim(), f.requireLong(arch + ".feed_forward_length"));
        assertEquals(s.vocabSize(), f.getStringArray("tokenizer.ggml.tokens").length);
        assertEquals("llama", f.getString("tokenizer.ggml.model", null));

        int d = s.dim(), q = s.qDim(), kv = s.kvDim(), ff = s.ffnDim(), v = s.vocabSize();
        shape(f, "token_embd.weight", d, v);
        shape(f, "output_norm.weight", d);
        if (s.tiedEmbeddings()) assertNull(f.tensor("output.weight"));
        else shape(f, "output.weight", d, v);
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            shape(f, b + "attn_norm.weight", d);
            shape(f, b + "attn_output.weight", q, d);
            shape(f, b + "ffn_norm.weight", d);
            shape(f, b + "ffn_down.weight", ff, d);
            if (arch.equals("phi3")) {
                shape(f, b + "attn_qkv.weight", d, q + 2 * kv);
                shape(f, b + "ffn_up.weight", d, 2 * ff);
                assertNull(f.tensor(b + "attn_q.weight"));
                assertNull(f.tensor(b + "ffn_gate.weight"));
            } else {
                shape(f, b + "attn_q.weight", d, q);
                shape(f, b + "attn_k.weight", d, kv);
                shape(f, b + "attn_v.weight", d, kv);
                shape(f, b + "ffn_gate.weight", d, ff);
                shape(f, b + "ffn_up.weight", d, ff);
            }
            assertEquals(arch.equals("qwen2"), f.tensor(b + "attn_q.bias") != null, "q bias");
            if (arch.equals("qwen2")) {
                shape(f, b + "attn_q.bias", q);
                shape(f, b + "attn_k.bias", kv);
                shape(f, b + "attn_v.bias", kv);
            }
            assertEquals(arch.equals("qwen3"), f.tensor(b + "attn_q_norm.weight") != null, "q norm");
            if (arch.equals("qwen3")) shape(f, b + "attn_k_norm.weight", s.headDim());
            assertEquals(arch.equals("gemma2"), f.tensor(b + "post_attention_norm.weight") != null, "post-attention norm");
            if (arch.equals("gemma2")) shape(f, b + "post_ffw_norm.weight", d);
        }
        if (arch.equals("gemma2")) {
            assertEquals(50f, f.getFloat("gemma2.attn_logit_softcapping", 0));
            assertEquals(30f, f.getFloat("gemma2.final_logit_softcapping", 0));
            assertEquals(4096, f.requireLong("gemma2.attention.sliding_window"));
        }
        for (GgufTensorInfo t : f.tensors())
            assertEquals(t.ne().length == 1 ? GgmlType.F32 : GgmlType.F16, t.type(), "type of " + t.name());
    }

    @Test
    void the_same_spec_writes_the_same_bytes() throws Exception {
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf");
        SynthModel.write(SynthSpec.tiny("qwen2"), QuantMix.q4KM(), a);
        SynthModel.write(SynthSpec.tiny("qwen2"), QuantMix.q4KM(), b);
        assertEquals(-1, Files.mismatch(a, b));
        Path c = dir.resolve("c.gguf");
        SynthModel.write(SynthSpec.tiny("qwen2").withSeed(99), QuantMix.q4KM(), c);
        assertTrue(Files.mismatch(a, c) >= 0, "another seed gives other weights");
    }

    @Test
    void llama3_rope_scaling_is_written_as_rope_freqs() throws Exception {
        SynthSpec.Llama3Rope r = SynthSpec.Llama3Rope.llama32();
        float[] f = r.factors(500000f, 64);
        assertEquals(32, f.length);
        assertEquals(1f, f[0]);        // fastest rotations: wavelength < 8192/4, untouched
        assertEquals(32f, f[31]);      // slowest: wavelength > 8192, divided by the factor
        for (int i = 1; i < f.length; i++) assertTrue(f[i] >= f[i - 1], "factors grow with wavelength");
        assertTrue(IntStream.range(0, 32).anyMatch(i -> f[i] > 1f && f[i] < 32f), "a smooth band in between");

        Path p = dir.resolve("r.gguf");
        SynthModel.write(SynthSpec.tiny("llama").withLlama3Rope(r), QuantMix.uniform(GgmlType.F32), p);
        GgufFile g = GgufFile.read(p);
        shape(g, "rope_freqs.weight", 32);
        assertEquals(GgmlType.F32, g.tensor("rope_freqs.weight").type());
    }

    @Test
    void gpt2_vocabulary_has_byte_symbols_merges_and_an_end_token() throws Exception {
        Path p = dir.resolve("g.gguf");
        SynthSpec s = SynthSpec.tiny("llama").withVocab(new SynthVocab.Spec(SynthVocab.Kind.GPT2, 600));
        SynthModel.write(s, QuantMix.uniform(GgmlType.Q8_0), p);
        GgufFile f = GgufFile.read(p);
        String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
        String[] merges = f.getStringArray("tokenizer.ggml.merges");
        assertEquals(600, tokens.length);
        assertEquals("gpt2", f.getString("tokenizer.ggml.model", null));
        assertEquals("<|endoftext|>", tokens[599]);
        assertEquals("\u0120", tokens[' ']); // GPT-2 maps the space byte to 'Ġ'
        assertEquals(599 - 256, merges.length);
        Set<String> vocab = new HashSet<>(List.of(tokens));
        assertEquals(600, vocab.size(), "tokens are distinct");
        for (int i = 0; i < merges.length; i++) {
            String[] lr = merges[i].split(" ");
            assertTrue(vocab.contains(lr[0]) && vocab.contains(lr[1]), "merge parts are tokens: " + merges[i]);
            assertEquals(lr[0] + lr[1], tokens[256 + i]);
        }
    }

    @Test
    void successor_map_is_a_permutation_and_an_involution_when_tied() throws Exception {
        int[] untied = SynthModel.write(SynthSpec.tiny("llama"), QuantMix.uniform(GgmlType.Q8_0), dir.resolve("u.gguf")).successor();
        int[] tied = SynthModel.write(SynthSpec.tiny("qwen3"), QuantMix.uniform(GgmlType.Q8_0), dir.resolve("t.gguf")).successor();
        assertEquals(512, Arrays.stream(untied).distinct().count());
        for (int t = 0; t < tied.length; t++) {
            assertEquals(t, tied[tied[t]]);
            assertFalse(tied[t] == t, "no token pairs with itself in an even vocabulary");
        }
    }

    @Test
    void invalid_specs_are_rejected_with_the_parameter_named() {
        var e = assertThrows(IllegalArgumentException.class, () -> SynthSpec.tiny("llama").withTiedEmbeddings(false).withLlama3Rope(null).withSeed(1)
                .withVocab(new SynthVocab.Spec(SynthVocab.Kind.SPM, 100)));
        assertTrue(e.getMessage().contains("vocab size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.tiny("mamba"));
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.tiny("gemma2").withTiedEmbeddings(false));
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.tiny("qwen2").withLlama3Rope(SynthSpec.Llama3Rope.llama32()));
        var h = assertThrows(IllegalArgumentException.class, () -> new SynthSpec("qwen2", "x", 256, 2, 4, 2, 32, 512,
                new SynthVocab.Spec(SynthVocab.Kind.SPM, 512), 2048, 1e4f, 1e-6f, true, null, 0, 0, 0, 1));
        assertTrue(h.getMessage().contains("heads * headDim"), h.getMessage());
    }
}
