package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import dev.halyard.model.synth.QuantMix;
import dev.halyard.model.synth.SynthModel;
import dev.halyard.model.synth.SynthSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFactsTest {
    @TempDir Path dir;

    @Test
    void a_tied_model_reads_every_tensor_once_per_token() throws Exception {
        Path f = dir.resolve("qwen2.gguf");
        SynthModel.write(SynthSpec.tiny("qwen2"), QuantMix.uniform(dev.halyard.kernels.GgmlType.Q8_0), f);
        GgufFile g = GgufFile.read(f);
        long all = g.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum();
        ModelFacts facts = ModelFacts.of(g);
        assertEquals(all, facts.weightBytesPerToken());
        assertEquals(Files.size(f), facts.fileBytes());
        assertEquals(512, facts.vocab());
        long flops = 0; // every 2-D matrix but the (tied) embedding, twice
        for (GgufTensorInfo t : g.tensors())
            if (t.ne().length == 2 && !t.name().equals("token_embd.weight")) flops += 2 * t.ne()[0] * t.ne()[1];
        assertEquals(flops, facts.promptFlopsPerToken());
        assertTrue(flops > 0);
    }

    @Test
    void an_untied_model_reads_one_row_of_its_embedding() throws Exception {
        Path f = dir.resolve("llama.gguf");
        SynthModel.write(SynthSpec.tiny("llama"), QuantMix.uniform(dev.halyard.kernels.GgmlType.Q4_0), f);
        GgufFile g = GgufFile.read(f);
        long all = g.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum();
        GgufTensorInfo emb = g.tensor("token_embd.weight");
        assertEquals(all - emb.byteSize() + emb.byteSize() / 512, ModelFacts.of(g).weightBytesPerToken());
        GgufTensorInfo out = g.tensor("output.weight");
        long flops = 0; // the output matrix is left out too: a prompt needs only its last token's logits
        for (GgufTensorInfo t : g.tensors())
            if (t.ne().length == 2 && t != emb && t != out) flops += 2 * t.ne()[0] * t.ne()[1];
        assertEquals(flops, ModelFacts.of(g).promptFlopsPerToken());
    }

    @Test
    void the_kv_cache_is_sized_from_the_header_as_the_engine_sizes_it() throws Exception {
        Path f = dir.resolve("kv.gguf");
        SynthModel.write(SynthSpec.tiny("llama"), QuantMix.uniform(dev.halyard.kernels.GgmlType.Q8_0), f);
        GgufFile g = GgufFile.read(f);
        String p = "llama.";
        long layers = g.requireInt(p + "block_count", 1, 4096), heads = g.requireInt(p + "attention.head_count", 1, 4096);
        long kvHeads = g.getInt(p + "attention.head_count_kv", (int) heads, 1, (int) heads);
        long headDim = g.requireInt(p + "embedding_length", 1, 1 << 20) / heads;
        ModelFacts facts = ModelFacts.of(g);
        // keys and values, 2 bytes each in F16, per layer, KV head and position
        assertEquals(layers * kvHeads * 2 * headDim * 2 * 640, facts.kvCacheBytes(640, dev.halyard.model.arch.KvType.F16));
        assertEquals(2 * facts.kvCacheBytes(640, dev.halyard.model.arch.KvType.F16), facts.kvCacheBytes(640, dev.halyard.model.arch.KvType.F32));
        assertEquals(-1, new ModelFacts(1, 1, 1, 1).kvCacheBytes(640, dev.halyard.model.arch.KvType.F16), "no shape, no size");
    }

    @Test
    void the_cache_writes_a_model_once_and_reuses_it() throws Exception {
        ModelCache cache = new ModelCache(dir.resolve("cache"));
        ModelCase c = new ModelCase("tiny-llama", "q8_0");
        StringWriter log = new StringWriter();
        Path f = cache.ensure(c, new PrintWriter(log));
        long modified = Files.getLastModifiedTime(f).toMillis();
        assertTrue(log.toString().contains("writing tiny-llama Q8_0"), log.toString());
        Path again = cache.ensure(c, new PrintWriter(new StringWriter()));
        assertEquals(f, again);
        assertEquals(modified, Files.getLastModifiedTime(again).toMillis());
        try (var files = Files.list(dir.resolve("cache"))) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void model_cases_name_their_file_by_shape_and_reject_unknown_names() {
        ModelCase a = new ModelCase("SmolLM2-135M", "q4_k_m");
        assertEquals("smollm2-135m Q4_K_M", a.label());
        assertTrue(a.fileName().startsWith("smollm2-135m-Q4_K_M-") && a.fileName().endsWith(".gguf"), a.fileName());
        assertNotEquals(a.fileName(), new ModelCase("smollm2-135m", "Q4_0").fileName());
        assertThrows(IllegalArgumentException.class, () -> new ModelCase("gpt-5", "Q8_0"));
        assertThrows(IllegalArgumentException.class, () -> new ModelCase("smollm2-135m", "Q3_K"));
    }
}
