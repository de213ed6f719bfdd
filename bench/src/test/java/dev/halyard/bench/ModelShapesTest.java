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
                List.of(new ModelShapes.Shape(gateUp.shape(), 4, 12.0, 3_600_000_000L, 375.0), r.shapes().get(1)), List.of(57.5, 58.25));
        String text = ModelShapes.text(alone);
        // per prompt: 11 ms, 8 of them (73%) in the products; the shape 2 calls and 6 ms a prompt, 75% of the products' time,
        // 300 GFLOP/s = 75% of the 400 peak, alone 375, in place / alone 0.80
        assertTrue(text.contains("11.0 ms a prompt, 8.0 ms of it (73%)"), text);
        assertTrue(text.contains("| 512 x 1536x576 Q8_0+1536x576 Q8_0 | 2 | 6.00 | 75.0% | 300 | 75% | 375 | 0.80 |"), text);
        assertTrue(text.contains("| 1 x 49152x576 Q6_K | 1 | 2.00 | 25.0% | 28 | 7% | - | - |"), text);

        assertThrows(IllegalArgumentException.class,
                () -> ModelShapes.parse(Path.of("m.gguf"), 512, 2, new ObjectMapper().readTree("{\"runs\":[{\"prompt_ms\":1.0}]}"), 400.0));
    }

    @Test
    void measures_a_models_prompt_in_place_and_its_calls_alone() throws Exception {
        Path model = dir.resolve("llama.gguf");
        SynthModel.write(SynthSpec.tiny("llama"), QuantMix.uniform(GgmlType.Q8_0), model);
        long qRows = 0, kRows = 0, cols = 0;
        for (GgufTensorInfo t : GgufFile.read(model).tensors()) {
            if (t.name().equals("blk.0.attn_q.weight")) { qRows = t.ne()[1]; cols = t.ne()[0]; }
            if (t.name().equals("blk.0.attn_k.weight")) kRows = t.ne()[1];
        }
        String qkv = "24 x " + qRows + "x" + cols + " Q8_0+" + kRows + "x" + cols + " Q8_0+" + kRows + "x" + cols + " Q8_0";
        ModelShapes.Result r = ModelShapes.measure(model, 24, 2, 0, 2, 1, true);
        assertEquals(2, r.runs());
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

        ModelShapes.Result plain = ModelShapes.measure(model, 24, 2, 0, 1, 1, false); // --no-alone: still the child's own peak
        assertTrue(plain.fmaPeak() > 0, plain.toString());
        for (ModelShapes.Shape s : plain.shapes()) assertTrue(Double.isNaN(s.aloneGflops()), s.toString());
    }
}
