package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.kernels.GgmlType;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import dev.halyard.model.synth.QuantMix;
import dev.halyard.model.synth.SynthModel;
import dev.halyard.model.synth.SynthSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe's matmul clock ({@code dev.halyard.kernels.Matmul#CLOCK}): a child JVM with the clock on
 * counts exactly the FLOPs of the prompt's matrices (as the engine does them: the last layer carries only
 * the last token past its KV projections) in no more time than the prompt took; without it the runs carry no clock fields.
 * With {@code -Dhalyard.matmulShapes=true} too, the same FLOPs and time split by shape of call.
 */
class MatmulClockTest {
    @TempDir Path dir;

    @Test
    void the_clock_counts_a_prompts_matrix_flops_exactly() throws Exception {
        Path model = dir.resolve("llama.gguf"), tokens = dir.resolve("tokens.txt");
        GgufFile g = tinyModelAndPrompt(model, tokens);
        // every token through the q, k, v projections of every layer (the KV cache needs them all), but only
        // the last token — the one whose logits the prompt needs — through the last layer's output
        // projection and feed-forward, then the output matrix once
        long expected = 0;
        for (GgufTensorInfo t : g.tensors()) {
            if (t.ne().length != 2 || t.name().equals("token_embd.weight")) continue;
            long flops = 2 * t.ne()[0] * t.ne()[1];
            boolean kv = t.name().matches("blk\\.\\d+\\.attn_[qkv]\\.weight");
            boolean once = t.name().equals("output.weight") || (t.name().startsWith("blk.1.") && !kv); // tiny llama: 2 layers
            expected += once ? flops : PROMPT * flops;
        }
        assertEquals(2, g.getInt("llama.block_count", 0, 0, 100));
        assertTrue(expected < PROMPT * ModelFacts.of(g).promptFlopsPerToken()); // which counts every token everywhere

        JsonNode clocked = probe(model, tokens, List.of("-D" + HalyardProbe.CLOCK_PROPERTY + "=true"));
        assertEquals(2, clocked.get("runs").size());
        for (JsonNode r : clocked.get("runs")) {
            assertEquals(expected, r.get("prompt_matmul_flops").asLong(), r.toString());
            double ms = r.get("prompt_matmul_ms").asDouble();
            assertTrue(ms > 0 && ms <= r.get("prompt_ms").asDouble(), r.toString());
            assertEquals(expected / (ms * 1e6), r.get("prompt_matmul_gflop_s").asDouble(), 1e-3 * expected / (ms * 1e6) + 1e-3);
        }
        SingleStream s = SingleStream.parse("halyard", clocked.toString(), -1);
        assertEquals(2, s.promptMatmulGflopS().size());

        JsonNode plain = probe(model, tokens, List.of());
        for (JsonNode r : plain.get("runs")) assertFalse(r.has("prompt_matmul_ms"), r.toString());
        assertTrue(SingleStream.parse("halyard", plain.toString(), -1).promptMatmulGflopS().isEmpty());
    }

    @Test
    void the_shape_clock_splits_the_same_flops_and_time_by_shape() throws Exception {
        Path model = dir.resolve("llama.gguf"), tokens = dir.resolve("tokens.txt");
        GgufFile g = tinyModelAndPrompt(model, tokens);
        long[] q = null, k = null, v = null, out = null; // {rows, cols}
        for (GgufTensorInfo t : g.tensors()) {
            long[] rc = {t.ne().length > 1 ? t.ne()[1] : 1, t.ne()[0]};
            switch (t.name()) {
                case "blk.0.attn_q.weight" -> q = rc;
                case "blk.0.attn_k.weight" -> k = rc;
                case "blk.0.attn_v.weight" -> v = rc;
                case "output.weight" -> out = rc;
                default -> { }
            }
        }
        String qkv = PROMPT + " x " + q[0] + "x" + q[1] + " Q8_0+" + k[0] + "x" + k[1] + " Q8_0+" + v[0] + "x" + v[1] + " Q8_0";
        String output = "1 x " + out[0] + "x" + out[1] + " Q8_0";

        JsonNode j = probe(model, tokens, List.of("-D" + HalyardProbe.CLOCK_PROPERTY + "=true", "-Dhalyard.matmulShapes=true"));
        long flops = 0;
        double ms = 0;
        for (JsonNode r : j.get("runs")) {
            flops += r.get("prompt_matmul_flops").asLong();
            ms += r.get("prompt_matmul_ms").asDouble();
        }
        JsonNode shapes = j.get("prompt_matmul_shapes");
        assertTrue(shapes != null && shapes.size() >= 3, j.toString());
        long shapeFlops = 0;
        double shapeMs = 0, last = Double.MAX_VALUE;
        boolean sawQkv = false, sawOutput = false;
        for (JsonNode s : shapes) {
            String shape = s.get("shape").asText();
            sawQkv |= shape.equals(qkv);
            sawOutput |= shape.equals(output);
            if (shape.equals(qkv)) assertEquals(2 * 2, s.get("calls").asLong(), s.toString()); // 2 layers, 2 runs
            if (shape.equals(output)) assertEquals(2, s.get("calls").asLong(), s.toString()); // once a prompt
            shapeFlops += s.get("flops").asLong();
            double sms = s.get("ms").asDouble();
            shapeMs += sms;
            assertTrue(sms <= last, "the most time first: " + shapes); // sorted
            last = sms;
            if (sms > 0) assertEquals(s.get("flops").asLong() / (sms * 1e6), s.get("gflop_s").asDouble(), 1e-2 * s.get("gflop_s").asDouble() + 1e-3, s.toString());
        }
        assertTrue(sawQkv, qkv + " in " + shapes);
        assertTrue(sawOutput, output + " in " + shapes);
        assertEquals(flops, shapeFlops, shapes.toString()); // every call in exactly one shape
        assertEquals(ms, shapeMs, 1e-3 * (shapes.size() + 2), shapes.toString());

        JsonNode totalsOnly = probe(model, tokens, List.of("-D" + HalyardProbe.CLOCK_PROPERTY + "=true"));
        assertFalse(totalsOnly.has("prompt_matmul_shapes"), totalsOnly.toString());
    }

    /** Prompt tokens of both tests. */
    private static final int PROMPT = 37;

    /** A tiny Q8_0 Llama at {@code model} and a prompt of {@link #PROMPT} ids at {@code tokens}; the model read back. */
    private static GgufFile tinyModelAndPrompt(Path model, Path tokens) throws Exception {
        SynthModel.write(SynthSpec.tiny("llama"), QuantMix.uniform(GgmlType.Q8_0), model);
        Files.writeString(tokens, Prompts.format(Prompts.random(PROMPT, 512, 7)));
        return GgufFile.read(model);
    }

    private static JsonNode probe(Path model, Path tokens, List<String> jvmOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--tokens-file", tokens.toString(),
                "--gen", "2", "--threads", "2", "--warmup", "0", "--repeat", "2"));
        Process p = new ProcessBuilder(ChildJvm.command(HalyardProbe.class.getName(), jvmOptions, args)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        return SingleStream.lastJsonLine(output);
    }
}
