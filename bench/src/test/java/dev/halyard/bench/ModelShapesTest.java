package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halyard.kernels.GgmlType;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import dev.halyard.model.synth.QuantMix;
import dev.halyard.model.synth.SynthModel;
import dev.halyard.model.synth.SynthSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench prompt --model}: a model's prompt per shape of matrix multiplication, in place and alone. */
class ModelShapesTest {
    @TempDir Path dir;

    @Test
    void reads_the_probes_shapes_and_tabulates_them_per_prompt() throws Exception {
        String json = "{\"runs\":[{\"prompt_ms\":10.0,\"prompt_matmul_ms\":8.0},{\"prompt_ms\":12.0,\"prompt_matmul_ms\":8.0}],"
                + "\"prompt_matmul_shapes\":[{\"shape\":\"512 x 1536x576 Q8_0+1536x576 Q8_0\",\"calls\":4,\"ms\":12.0,\"flops\":3600000000},"
                + "{\"shape\":\"1 x 49152x576 Q6_K\",\"calls\":2,\"ms\":4.0,\"flops\":113246208}]}";
        ModelShapes.Result r = ModelShapes.parse(Path.of("m.gguf"), 512, 2, new ObjectMapper().readTree(json), 400.0);
        assertEquals(2, r.runs());
        assertEquals(22.0, r.promptMs(), 1e-9);
        assertEquals(16.0, r.matmulMs(), 1e-9);
        ModelShapes.Shape gateUp = r.shapes().get(0);
        assertEquals(300.0, gateUp.gflops(), 1e-9); // 3.6e9 FLOPs in 12 ms
        assertEquals(512, gateUp.tokens());
        assertEquals(List.of(GgmlType.Q8_0, GgmlType.Q8_0), ModelShapes.types(gateUp.shape()));
        assertEquals(2, ModelShapes.dims(gateUp.shape()).size());
        assertEquals(1536, ModelShapes.dims(gateUp.shape()).get(1)[0]);
        assertEquals(576, ModelShapes.dims(gateUp.shape()).get(1)[1]);
        assertEquals(List.of(GgmlType.Q6_K), ModelShapes.types(r.shapes().get(1).shape()));
        assertEquals(1, r.shapes().get(1).tokens());

        ModelShapes.Result alone = new ModelShapes.Result(r.model(), r.tokens(), r.threads(), r.runs(), r.promptMs(), r.matmulMs(), r.fmaPeak(),
                List.of(new ModelShapes.Shape(gateUp.shape(), 4, 12.0, 3_600_000_000L, 375.0), r.shapes().get(1)), List.of(57.5, 58.25), r.warmupRuns());
        String text = ModelShapes.text(alone);
        // per prompt: 11 ms, 8 of them (73%) in the products; the shape 2 calls and 6 ms a prompt, 75% of the products' time,
        // 300 GFLOP/s = 75% of the 400 peak, alone 375, in place / alone 0.80
        assertTrue(text.contains("2 measured runs: 11.0 ms a prompt, 8.0 ms of it (73%)"), text); // no warm-up count in the line
        assertEquals(-1, r.warmupRuns());
        assertTrue(text.contains("| 512 x 1536x576 Q8_0+1536x576 Q8_0 | 2 | 6.00 | 75.0% | 300 | 75% | 375 | 0.80 |"), text);
        assertTrue(text.contains("| 1 x 49152x576 Q6_K | 1 | 2.00 | 25.0% | 28 | 7% | - | - |"), text);

        assertThrows(IllegalArgumentException.class,
                () -> ModelShapes.parse(Path.of("m.gguf"), 512, 2, new ObjectMapper().readTree("{\"runs\":[{\"prompt_ms\":1.0}]}"), 400.0));
    }

    @Test
    void says_how_many_warm_up_prompts_a_settled_probe_ran() throws Exception {
        String json = "{\"runs\":[{\"prompt_ms\":10.0,\"prompt_matmul_ms\":8.0}],\"warmup_runs\":41,"
                + "\"prompt_matmul_shapes\":[{\"shape\":\"16 x 576x576 Q8_0\",\"calls\":30,\"ms\":8.0,\"flops\":318504960}]}";
        ModelShapes.Result r = ModelShapes.parse(Path.of("m.gguf"), 16, 2, new ObjectMapper().readTree(json), 400.0);
        assertEquals(41, r.warmupRuns());
        String text = ModelShapes.text(r);
        assertTrue(text.contains("1 measured runs after 41 warm-up ones (until the JIT was quiet): 10.0 ms a prompt"), text);
    }

    @Test
    void measures_a_models_prompt_in_place_and_its_calls_alone() throws Exception {
        Path model = tinyLlama();
        String qkv = qkvShape(model, 24);
        ModelShapes.Result r = ModelShapes.measure(model, 24, 2, 0, 2, 1, true, true);
        assertEquals(2, r.runs());
        assertTrue(r.warmupRuns() >= 1, r.toString()); // no fixed warm-up asked for: the settling ran prompts until the JIT was quiet
        assertTrue(r.matmulMs() > 0 && r.matmulMs() <= r.promptMs(), r.toString());
        assertTrue(r.fmaPeak() > 0, r.toString()); // the child's own
        assertEquals(2, r.coreCheck().size(), r.toString()); // before and after its runs
        boolean sawQkv = false;
        for (ModelShapes.Shape s : r.shapes()) {
            assertTrue(s.calls() > 0 && s.flops() > 0, s.toString());
            if (s.tokens() >= ModelShapes.ALONE_MIN_TOKENS) assertTrue(s.aloneGflops() > 0, s.toString()); // fused calls too
            else assertTrue(Double.isNaN(s.aloneGflops()), s.toString());
            if (s.shape().equals(qkv)) {
                sawQkv = true;
                assertEquals(2 * 2, s.calls(), s.toString()); // 2 layers, 2 runs
            }
        }
        assertTrue(sawQkv, qkv + " in " + r.shapes());
        assertTrue(ModelShapes.text(r).contains("| " + qkv + " | 2 |"), ModelShapes.text(r));

        ModelShapes.Result plain = ModelShapes.measure(model, 24, 2, 0, 1, 1, false, false); // --no-alone: still the child's own peak
        assertTrue(plain.fmaPeak() > 0, plain.toString());
        assertEquals(-1, plain.warmupRuns(), plain.toString()); // not settled: the probe does not count
        for (ModelShapes.Shape s : plain.shapes()) assertTrue(Double.isNaN(s.aloneGflops()), s.toString());
    }

    @Test
    void reads_the_probes_decode_steps_and_tabulates_them_per_step() throws Exception {
        String json = probeLine("", "", "\"gb_s\":23.2", ",\"core_check_gflops\":[57.5,58.25]");
        ModelShapes.DecodeResult r = ModelShapes.parseDecode(Path.of("m.gguf"), 512, 2, new ObjectMapper().readTree(json));
        assertEquals(2, r.runs());
        assertEquals(6, r.steps());
        assertEquals(60.0, r.genMs(), 1e-9);
        assertEquals(48.0, r.matmulMs(), 1e-9);
        assertEquals(50.0, r.bandwidth(), 1e-9);
        // a call of the gate and up projections: 2 x 1536 rows of 576 Q8_0 weights, 34 bytes a block of 32
        assertEquals(2L * 1536 * 576 / 32 * 34, ModelShapes.weightBytes(r.shapes().get(0).shape()));
        assertEquals(49152L * 576 / 256 * 210, ModelShapes.weightBytes(r.shapes().get(1).shape()));
        String text = ModelShapes.decodeText(r);
        // per step: 10 ms (100 tok/s), 8 in the products; gate/up 2 calls and 6 ms a step, 1.88 MB a call: 12 x 1.88 MB in 36 ms
        // = 0.63 GB/s, 1% of 50; the output head 1 call, 2 ms, 23.22 MB: 11.6 GB/s, 23%; the rest 2 ms, 20%
        assertTrue(text.contains("6 decode steps after a prompt of 512 tokens on 2 threads (2 measured runs): 10.000 ms a step (100.0 tok/s), "
                + "8.000 ms of it (80%)"), text);
        assertTrue(text.contains("| 1 x 1536x576 Q8_0+1536x576 Q8_0 | 2 | 6.000 | 60.0% | 1.88 | 0.6 | 1% | - | - |"), text); // not timed alone
        assertTrue(text.contains("| 1 x 49152x576 Q6_K | 1 | 2.000 | 20.0% | 23.22 | 11.6 | 23% | 23.2 | 0.50 |"), text);
        assertTrue(text.contains("| the rest (attention, norms, sampling; outside the products) | | 2.000 | 20.0% |"), text);
        assertTrue(text.contains("57.5 / 58.3") || text.contains("57.5 / 58.2"), text);

        assertThrows(IllegalArgumentException.class, () -> ModelShapes.parseDecode(Path.of("m.gguf"), 512, 2,
                new ObjectMapper().readTree("{\"runs\":[{\"gen_steps\":3,\"gen_ms\":1.0}],\"bandwidth_gb_s\":50.0}"))); // no shapes: an older build
        assertThrows(IllegalArgumentException.class, () -> ModelShapes.parseDecode(Path.of("m.gguf"), 512, 2,
                new ObjectMapper().readTree("{\"runs\":[{\"gen_steps\":3,\"gen_ms\":1.0}],\"gen_matmul_shapes\":[]}"))); // no bandwidth
    }

    @Test
    void compares_each_runs_steps_with_the_passes_alone_right_after_it() throws Exception {
        // the output head: 3 calls a run of 23,224,320 bytes, 4 ms in run 0 and 8 in run 1 (17.42 and 8.71 GB/s),
        // alone right after them 20 and 30 GB/s: run by run 0.871 and 0.290, median 0.58 (the whole runs' 11.6 over
        // the alone median 25 would say 0.46); gate/up was not timed alone
        String json = probeLine(",\"runs_ms\":[18.0,18.0]", ",\"runs_ms\":[4.0,8.0]", "\"gb_s\":25.0,\"runs_gb_s\":[20.0,30.0]", "");
        ModelShapes.DecodeResult r = ModelShapes.parseDecode(Path.of("m.gguf"), 512, 2, new ObjectMapper().readTree(json));
        assertEquals(0.580608, r.aloneRatio().get("1 x 49152x576 Q6_K"), 1e-9);
        assertEquals(1, r.aloneRatio().size(), r.aloneRatio().toString());
        String text = ModelShapes.decodeText(r);
        assertTrue(text.contains("| 1 x 49152x576 Q6_K | 1 | 2.000 | 20.0% | 23.22 | 11.6 | 23% | 25.0 | 0.58 |"), text);
        assertTrue(text.contains("| 1 x 1536x576 Q8_0+1536x576 Q8_0 | 2 | 6.000 | 60.0% | 1.88 | 0.6 | 1% | - | - |"), text);

        // not one figure per run on either side (a run missing, a zero): no run-by-run ratio, the whole runs' instead
        assertTrue(Double.isNaN(ModelShapes.runByRun("1 x 49152x576 Q6_K", 6, json("[4.0]"), json("[20.0,30.0]"), 2)));
        assertTrue(Double.isNaN(ModelShapes.runByRun("1 x 49152x576 Q6_K", 6, json("[4.0,0.0]"), json("[20.0,30.0]"), 2)));
        assertTrue(Double.isNaN(ModelShapes.runByRun("1 x 49152x576 Q6_K", 6, json("[4.0,8.0]"), json("[20.0,-1.0]"), 2)));
        assertTrue(Double.isNaN(ModelShapes.runByRun("1 x 49152x576 Q6_K", 7, json("[4.0,8.0]"), json("[20.0,30.0]"), 2))); // calls not the same every run
        assertEquals(0.870912, ModelShapes.runByRun("1 x 49152x576 Q6_K", 3, json("[4.0]"), json("[20.0]"), 1), 1e-9);
    }

    /**
     * A probe's line of two runs of 3 decode steps (30 ms each, 24 in the products): the gate/up call, 12 calls in
     * 36 ms, and the output head, 6 in 12 ms, each with {@code gate} / {@code head} added to its fields; the head
     * alone with {@code alone} as its fields; bandwidth 50 GB/s, then {@code rest}.
     */
    private static String probeLine(String gate, String head, String alone, String rest) {
        return "{\"runs\":[{\"gen_steps\":3,\"gen_ms\":30.0,\"gen_matmul_ms\":24.0},{\"gen_steps\":3,\"gen_ms\":30.0,\"gen_matmul_ms\":24.0}],"
                + "\"gen_matmul_shapes\":[{\"shape\":\"1 x 1536x576 Q8_0+1536x576 Q8_0\",\"calls\":12,\"ms\":36.0,\"flops\":21233664" + gate + "},"
                + "{\"shape\":\"1 x 49152x576 Q6_K\",\"calls\":6,\"ms\":12.0,\"flops\":339738624" + head + "}],"
                + "\"gen_matmul_alone\":[{\"shape\":\"1 x 49152x576 Q6_K\"," + alone + "}],"
                + "\"bandwidth_gb_s\":50.0" + rest + "}";
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s);
    }

    @Test
    void measures_a_models_decode_steps_in_place_per_shape() throws Exception {
        Path model = tinyLlama();
        String qkv = qkvShape(model, 1);
        ModelShapes.DecodeResult r = ModelShapes.measureDecode(model, 16, 5, 2, 0, 2, 16, true, 1);
        assertEquals(2, r.runs());
        assertEquals(2 * 4, r.steps(), r.toString()); // 5 tokens: 4 decode steps a run
        assertTrue(r.matmulMs() > 0 && r.matmulMs() <= r.genMs(), r.toString());
        assertTrue(r.bandwidth() > 0, r.toString()); // the child's own
        assertEquals(2, r.coreCheck().size(), r.toString());
        boolean sawQkv = false;
        for (ModelShapes.Shape s : r.shapes()) {
            assertEquals(1, s.tokens(), s.toString()); // the steps' calls only, not the prompt's
            assertTrue(s.calls() > 0 && s.flops() > 0, s.toString());
            assertTrue(r.aloneGbps().get(s.shape()) > 0, s + " alone: " + r.aloneGbps()); // fused calls too
            assertTrue(r.aloneRatio().get(s.shape()) > 0, s + " in place / alone run by run: " + r.aloneRatio()); // each run timed alone after it
            if (s.shape().equals(qkv)) {
                sawQkv = true;
                assertEquals(2 * 4 * 2, s.calls(), s.toString()); // 2 layers, 4 steps, 2 runs
            }
        }
        assertTrue(sawQkv, qkv + " in " + r.shapes());
        assertTrue(ModelShapes.decodeText(r).contains("| " + qkv + " | 2 |"), ModelShapes.decodeText(r));

        ModelShapes.DecodeResult plain = ModelShapes.measureDecode(model, 16, 3, 2, 0, 1, 16, false, 1); // --no-alone
        assertTrue(plain.aloneGbps().isEmpty() && plain.bandwidth() > 0, plain.toString());
    }

    /** The tiny llama test model in Q8_0, written into the test's directory. */
    private Path tinyLlama() throws Exception {
        Path model = dir.resolve("llama.gguf");
        SynthModel.write(SynthSpec.tiny("llama"), QuantMix.uniform(GgmlType.Q8_0), model);
        return model;
    }

    /** The shape key of the model's fused q, k, v call of {@code tokens} tokens. */
    private static String qkvShape(Path model, int tokens) throws Exception {
        long qRows = 0, kRows = 0, cols = 0;
        for (GgufTensorInfo t : GgufFile.read(model).tensors()) {
            if (t.name().equals("blk.0.attn_q.weight")) { qRows = t.ne()[1]; cols = t.ne()[0]; }
            if (t.name().equals("blk.0.attn_k.weight")) kRows = t.ne()[1];
        }
        return tokens + " x " + qRows + "x" + cols + " Q8_0+" + kRows + "x" + cols + " Q8_0+" + kRows + "x" + cols + " Q8_0";
    }
}
