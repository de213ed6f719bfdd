package dev.halyard.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.halyard.kernels.GgmlType;
import dev.halyard.model.gguf.GgufValue;
import dev.halyard.model.gguf.GgufWriter;
import dev.halyard.testing.SharedData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInfoTest {
    @TempDir Path dir;

    @Test
    void stories260k_is_an_f32_llama_with_its_parameter_count() throws Exception {
        ModelInfo info = ModelInfo.read(SharedData.require("models/stories260K/stories260K.gguf"));
        assertEquals("llama", info.architecture());
        assertEquals("F32", info.quantization());
        assertEquals(292_800, info.parameters()); // embeddings 512x64, 5 layers of 45,440, final norm 64, output 512x64
        assertEquals(512, info.contextLength());
    }

    @Test
    void the_file_type_names_the_quantisation_as_llama_cpp_does() throws Exception {
        Path f = dir.resolve("q.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("qwen2")).put("general.file_type", GgufValue.u32(15))
                .tensor("blk.0.ffn_up.weight", new long[] {256, 2}, GgmlType.Q4_K, new byte[2 * 144]).write(f);
        ModelInfo info = ModelInfo.read(f);
        assertEquals(new ModelInfo("qwen2", "Q4_K_M", 512, -1), info);
    }

    @Test
    void without_a_file_type_the_dominant_tensor_type_is_shown() throws Exception {
        Path f = dir.resolve("m.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("llama"))
                .tensor("norm.weight", new long[] {32}, GgmlType.F32, new byte[32 * 4])
                .tensor("w.weight", new long[] {32, 4}, GgmlType.Q8_0, new byte[4 * 34]).write(f);
        assertEquals("Q8_0", ModelInfo.read(f).quantization());
        Path vocab = SharedData.require("vocab/ggml-vocab-llama-spm.gguf");
        assertEquals("vocab only", ModelInfo.read(vocab).quantization());
    }
}
