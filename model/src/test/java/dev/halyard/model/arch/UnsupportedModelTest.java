package dev.halyard.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.GgmlType;
import dev.halyard.model.gguf.GgufValue;
import dev.halyard.model.gguf.GgufWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Well-formed files Halyard cannot run are refused with a message that says what is missing. */
class UnsupportedModelTest {

    static GgufWriter tinyModel(String arch, GgmlType embType) {
        int dim = 256, vocab = 8;
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValue.string(arch))
                .put(arch + ".embedding_length", GgufValue.u32(dim))
                .put(arch + ".block_count", GgufValue.u32(1))
                .put(arch + ".attention.head_count", GgufValue.u32(2))
                .put(arch + ".feed_forward_length", GgufValue.u32(64));
        long bytes = embType.byteSize((long) dim * vocab);
        return w.tensor("token_embd.weight", new long[] {dim, vocab}, embType, new byte[(int) bytes]);
    }

    @Test
    void an_unknown_architecture_lists_the_supported_ones(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("mamba.gguf");
        tinyModel("mamba", GgmlType.F32).write(p);
        var e = assertThrows(UnsupportedModelException.class, () -> Model.load(p, ModelOptions.defaults().withThreads(1)));
        assertEquals("architecture 'mamba' is not supported; supported: llama, qwen2, qwen3, phi3, gemma2", e.getMessage());
    }

    @Test
    void a_missing_tensor_is_named(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("llama.gguf");
        tinyModel("llama", GgmlType.F32).write(p);
        var e = assertThrows(UnsupportedModelException.class, () -> Model.load(p, ModelOptions.defaults().withThreads(1)));
        assertTrue(e.getMessage().contains("'output_norm.weight' is missing"), e.getMessage());
    }

    @Test
    void a_tensor_type_without_kernels_is_named(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("iq.gguf");
        GgufWriter w = tinyModel("llama", GgmlType.F32)
                .tensor("output_norm.weight", new long[] {256}, GgmlType.F32, new byte[1024])
                .tensor("blk.0.attn_norm.weight", new long[] {256}, GgmlType.F32, new byte[1024])
                .tensor("blk.0.attn_q.weight", new long[] {256, 256}, GgmlType.IQ2_XXS, new byte[256 * 66]);
        w.write(p);
        var e = assertThrows(UnsupportedModelException.class, () -> Model.load(p, ModelOptions.defaults().withThreads(1)));
        assertTrue(e.getMessage().startsWith("tensor 'blk.0.attn_q.weight' has type IQ2_XXS, which Halyard cannot compute with"), e.getMessage());
    }
}
