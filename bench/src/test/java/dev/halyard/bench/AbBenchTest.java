package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code halyard bench ab}: its statistics, its variants, and one real comparison on a tiny model. */
class AbBenchTest {
    @TempDir Path dir;

    @Test
    void ratios_are_taken_round_by_round() {
        // B is faster in rounds 0 and 2, slower in 1; the medians of the series would give 10 / 10 = 1
        AbBench.Ratio r = AbBench.Ratio.of(List.of(10.0, 20.0, 10.0), List.of(12.0, 10.0, 11.0));
        assertEquals(1.1, r.median(), 1e-12);
        assertEquals(0.5, r.min(), 1e-12);
        assertEquals(1.2, r.max(), 1e-12);
        assertEquals(2, r.bFaster());
        assertEquals(3, r.rounds());
        assertTrue(Double.isNaN(AbBench.Ratio.of(List.of(1.0), List.of(1.0, 2.0)).median()), "series of unequal length have no pairs");
        assertTrue(Double.isNaN(AbBench.Ratio.of(List.of(0.0), List.of(1.0)).median()), "a zero rate gives no ratio");
    }

    @Test
    void the_same_build_with_the_same_options_is_refused() {
        AbBench.Variant a = AbBench.Variant.current("A", List.of()), b = AbBench.Variant.current("B", List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AbBench.Config(List.of(new ModelCase("tiny-llama", "Q8_0")),
                dir, a, b, 1, 1, 0, 8, 2, Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("same build"), e.getMessage());
    }

    @Test
    void a_checkout_without_a_build_is_reported_and_a_built_one_gives_its_class_path() throws IOException {
        IOException e = assertThrows(IOException.class, () -> AbBench.Variant.checkout("B", dir, List.of()));
        assertTrue(e.getMessage().contains("mvnw"), e.getMessage());
        Path target = Files.createDirectories(dir.resolve("cli/target/lib"));
        Files.writeString(dir.resolve("cli/target/halyard-cli-0.1.0-SNAPSHOT-sources.jar"), "");
        Files.writeString(dir.resolve("cli/target/halyard-cli-0.1.0-SNAPSHOT.jar"), "");
        AbBench.Variant v = AbBench.Variant.checkout("B", dir, List.of("-Dx=1"));
        assertEquals(dir.resolve("cli/target/halyard-cli-0.1.0-SNAPSHOT.jar") + java.io.File.pathSeparator + target + java.io.File.separator + "*", v.classPath());
        assertEquals(List.of("-Dx=1"), v.jvmOptions());
    }

    @Test
    void two_variants_run_in_turn_on_a_tiny_model() throws Exception {
        AbBench.Config config = new AbBench.Config(List.of(new ModelCase("tiny-llama", "Q8_0")), dir, AbBench.Variant.current("A", List.of()),
                AbBench.Variant.current("B", List.of("-Dhalyard.ab.test=b")), 1, 3, 1, 16, 4, Duration.ofMinutes(2));
        StringWriter log = new StringWriter();
        List<AbBench.ModelAb> results = AbBench.run(config, new PrintWriter(log));
        assertEquals(1, results.size());
        AbBench.ModelAb m = results.getFirst();
        assertTrue(m.ok(), "A: " + m.a().error() + " B: " + m.b().error() + "\nlog: " + log);
        assertEquals(3, m.a().promptTokS().size());
        assertEquals(3, m.b().genTokS().size());
        assertEquals(3, m.prompt().rounds());
        assertTrue(m.prompt().median() > 0 && m.generation().median() > 0);
        assertTrue(m.prompt().min() <= m.prompt().median() && m.prompt().median() <= m.prompt().max());

        String text = AbBench.text(config, results);
        assertTrue(text.contains("tiny-llama Q8_0") && text.contains("-Dhalyard.ab.test=b"), text);
        JsonNode j = new ObjectMapper().readTree(AbBench.json(config, results));
        assertEquals("-Dhalyard.ab.test=b", j.get("b").get("jvm_options").get(0).asText());
        JsonNode model = j.get("models").get(0);
        assertEquals(3, model.get("a").get("prompt_tok_s").size());
        assertEquals(3, model.get("gen_ratio").get("rounds").asInt());
        assertEquals(m.generation().median(), model.get("gen_ratio").get("median").asDouble(), 1e-12);
    }

    @Test
    void rounds_shared_out_among_several_processes_per_variant_make_one_series() throws Exception {
        AbBench.Config config = new AbBench.Config(List.of(new ModelCase("tiny-llama", "Q8_0")), dir, AbBench.Variant.current("A", List.of()),
                AbBench.Variant.current("B", List.of("-Dhalyard.ab.test=b")), 1, 5, 0, 8, 2, Duration.ofMinutes(2), 2);
        assertEquals(3, config.roundsOf(0));
        assertEquals(2, config.roundsOf(1));
        StringWriter log = new StringWriter();
        AbBench.ModelAb m = AbBench.run(config, new PrintWriter(log)).getFirst();
        assertTrue(m.ok(), "A: " + m.a().error() + " B: " + m.b().error() + "\nlog: " + log);
        assertEquals(5, m.a().genTokS().size());
        assertEquals(5, m.b().promptTokS().size());
        assertEquals(5, m.generation().rounds());
        assertTrue(log.toString().contains("process 2 of 2"), log.toString());
        assertTrue(AbBench.text(config, List.of(m)).contains("2 process(es) per variant"));
        assertEquals(2, new ObjectMapper().readTree(AbBench.json(config, List.of(m))).get("processes").asInt());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AbBench.Config(List.of(new ModelCase("tiny-llama", "Q8_0")),
                dir, config.a(), config.b(), 1, 2, 0, 8, 2, Duration.ofMinutes(1), 3));
        assertTrue(e.getMessage().contains("processes"), e.getMessage());
    }

    @Test
    void a_variant_that_cannot_start_fails_alone_with_its_reason() throws Exception {
        AbBench.Config config = new AbBench.Config(List.of(new ModelCase("tiny-llama", "Q8_0")), dir, AbBench.Variant.current("A", List.of()),
                AbBench.Variant.current("B", List.of("-XX:+NoSuchJvmFlagAtAll")), 1, 1, 0, 8, 2, Duration.ofMinutes(2));
        AbBench.ModelAb m = AbBench.run(config, new PrintWriter(new StringWriter())).getFirst();
        assertTrue(m.a().ok(), m.a().error());
        assertTrue(!m.b().ok() && m.b().error().contains("NoSuchJvmFlagAtAll"), m.b().error());
        assertTrue(AbBench.text(config, List.of(m)).contains("failed: B:"));
    }

    /** Rounds whose processes read a slow core check are left out of the clean ratios, in text and JSON. */
    @Test
    void rounds_of_processes_in_the_slow_mode_are_left_out_of_the_clean_ratios() throws Exception {
        SingleStream a1 = new SingleStream("A", List.of(100.0, 100.0), List.of(40.0, 40.0), 900 << 10, 1, null, List.of(60.0, 59.0));
        SingleStream b1 = new SingleStream("B", List.of(110.0, 110.0), List.of(44.0, 44.0), 900 << 10, 1, null, List.of(58.0, 61.0));
        SingleStream a2 = new SingleStream("A", List.of(100.0), List.of(40.0), 900 << 10, 1, null, List.of(60.0, 60.0));
        SingleStream b2 = new SingleStream("B", List.of(50.0), List.of(20.0), 900 << 10, 1, null, List.of(60.0, 35.0)); // slow by the end
        List<Boolean> clean = AbBench.cleanRounds(List.of(a1, a2), List.of(b1, b2), List.of(2, 1));
        assertEquals(List.of(true, true, false), clean);
        AbBench.ModelAb m = new AbBench.ModelAb(new ModelCase("tiny-llama", "Q8_0"), SingleStream.concat(List.of(a1, a2)),
                SingleStream.concat(List.of(b1, b2)), clean);
        assertEquals(3, m.generation().rounds());
        assertEquals(1.1, m.generation().median(), 1e-12);
        assertEquals(0.5, m.generation().min(), 1e-12);
        assertEquals(2, m.generationClean().rounds());
        assertEquals(1.1, m.generationClean().min(), 1e-12);
        assertTrue(m.someUnclean());
        AbBench.Config config = new AbBench.Config(List.of(new ModelCase("tiny-llama", "Q8_0")), dir, AbBench.Variant.current("A", List.of()),
                AbBench.Variant.current("B", List.of("-Dhalyard.ab.test=b")), 1, 3, 0, 8, 2, Duration.ofMinutes(1), 2);
        String text = AbBench.text(config, List.of(m));
        assertTrue(text.contains("tiny-llama Q8_0 without the rounds of processes in the slow mode (a core check under 85% of the best; 2 of 3 rounds kept): pp B/A 1.100"), text);
        JsonNode j = new ObjectMapper().readTree(AbBench.json(config, List.of(m))).get("models").get(0);
        assertEquals(2, j.get("gen_ratio_clean").get("rounds").asInt());
        assertFalse(j.get("clean_rounds").get(2).asBoolean());
        // a side without readings (an older build): no judgement, no clean ratios
        SingleStream old = new SingleStream("A", List.of(100.0), List.of(40.0), 900 << 10, 1, null);
        assertEquals(List.of(), AbBench.cleanRounds(List.of(old), List.of(b1), List.of(1)));
        assertFalse(new AbBench.ModelAb(m.model(), old, old).someUnclean());
    }
}
