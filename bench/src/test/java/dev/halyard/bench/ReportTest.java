package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {
    static final ModelCase SMOL = new ModelCase("smollm2-135m", "Q8_0");
    static final BenchConfig CONFIG = BenchConfig.builder().models(List.of(SMOL)).threads(2).repetitions(2).dir(Path.of("/tmp"))
            .clients(List.of(1, 4)).build();

    static BenchResult result() {
        BenchResult.Machine m = new BenchResult.Machine("Test CPU", 2, 2, 30, 60, 200, 400, "25", "npm 3.21.1", Double.NaN);
        // 150 MB of weights per token at 60 GB/s: ceiling 400 tok/s
        // 200 MFLOP of matmuls per prompt token against a 400 GFLOP/s peak: 2000 tok/s would be 100%
        ModelFacts facts = new ModelFacts(144_000_000, 150_000_000, 49152, 200_000_000);
        SingleStream h = new SingleStream("halyard", List.of(100.0, 300.0), List.of(200.0, 100.0), 400 * 1024, 1000, null);
        SingleStream l = new SingleStream("llama.cpp", List.of(400.0, 400.0), List.of(250.0, 250.0), 200 * 1024, 500, null);
        SingleStream mm = SingleStream.failed("llama.cpp mmap", "llama_ref exit 1: boom");
        var serve = new BenchResult.ServingResult(SMOL,
                List.of(new ServingPoint("halyard serve", 1, List.of(50.0), List.of(20.0), 500 * 1024, null),
                        new ServingPoint("halyard serve", 4, List.of(150.0, 170.0), List.of(30.0, 40.0, 50.0, 60.0), 500 * 1024, null)),
                List.of(new ServingPoint("llama.cpp", 1, List.of(100.0), List.of(10.0), 300 * 1024, null),
                        new ServingPoint("llama.cpp", 4, List.of(320.0), List.of(11.0, 12.0, 13.0, 14.0), 300 * 1024, null)));
        return new BenchResult(m, List.of(new BenchResult.ModelResult(SMOL, facts, List.of(h, l, mm))), List.of(serve));
    }

    @Test
    void ceiling_and_fraction_follow_from_bandwidth_and_bytes_per_token() {
        assertEquals(400.0, Report.ceilingTokS(60, 150_000_000), 1e-9);
        assertEquals(0.375, Report.bandwidthFraction(150, 60, 150_000_000), 1e-12);
        assertTrue(Double.isNaN(Report.bandwidthFraction(150, Double.NaN, 150_000_000)));
    }

    /** A model's own bandwidth reading (next to its runs) gives a second ceiling beside the run's. */
    @Test
    void the_bandwidth_read_next_to_a_model_gives_its_near_ceiling() throws Exception {
        BenchResult base = result();
        BenchResult.ModelResult mr = base.models().getFirst();
        // 30 GB/s next to the runs against the run's 60: ceiling 200 tok/s, Halyard's median 150 is 75% of it
        BenchResult r = new BenchResult(base.machine(), List.of(new BenchResult.ModelResult(mr.model(), mr.facts(), mr.engines(), 30)), base.serving());
        JsonNode model = new ObjectMapper().readTree(Report.json(r, CONFIG)).get("models").get(0);
        assertEquals(30.0, model.get("bandwidth_near_gb_s").asDouble());
        assertEquals(200.0, model.get("near_ceiling_tok_s").asDouble(), 1e-9);
        assertEquals(0.75, model.get("engines").get(0).get("gen_fraction_of_near_ceiling").asDouble(), 1e-12);
        assertEquals(0.375, model.get("engines").get(0).get("gen_fraction_of_ceiling").asDouble(), 1e-12);
        String text = Report.text(r, CONFIG);
        assertTrue(text.contains("| tg % near ceiling |") && text.contains("| 38%          | 75%               |"), text);
        JsonNode unmeasured = new ObjectMapper().readTree(Report.json(base, CONFIG)).get("models").get(0);
        assertTrue(unmeasured.get("bandwidth_near_gb_s").isNull() && unmeasured.get("engines").get(0).get("gen_fraction_of_near_ceiling").isNull());
        RunSummary.Single s = RunSummary.ofJson(List.of("a"), List.of(Report.json(r, CONFIG))).singles().getFirst();
        assertEquals(List.of(0.75), s.nearCeiling());
    }

    @Test
    void fma_fraction_is_the_prompts_matmul_flop_rate_over_the_peak() {
        assertEquals(0.1, Report.fmaFraction(200, 200_000_000, 400), 1e-12);
        assertTrue(Double.isNaN(Report.fmaFraction(200, 200_000_000, Double.NaN)));
    }

    /** Halyard's matmul clock gives a second FMA fraction, over the time in the matrix multiplications alone. */
    @Test
    void the_matmul_clock_gives_the_matrix_multiplications_own_fma_fraction() throws Exception {
        BenchResult base = result();
        BenchResult.ModelResult mr = base.models().getFirst();
        SingleStream h = mr.engines().getFirst(), clocked = new SingleStream(h.engine(), h.promptTokS(), h.genTokS(), h.peakRssKb(), h.loadMs(), null,
                List.of(), List.of(280.0, 240.0));
        List<SingleStream> engines = new ArrayList<>(mr.engines());
        engines.set(0, clocked);
        BenchResult r = new BenchResult(base.machine(), List.of(new BenchResult.ModelResult(mr.model(), mr.facts(), engines)), base.serving());
        JsonNode model = new ObjectMapper().readTree(Report.json(r, CONFIG)).get("models").get(0);
        JsonNode e = model.get("engines").get(0);
        assertEquals(0.65, e.get("prompt_matmul_fraction_of_fma_peak").asDouble(), 1e-12); // median 260 of 400 GFLOP/s
        assertEquals(0.1, e.get("prompt_fraction_of_fma_peak").asDouble(), 1e-12);         // the whole pass's, as before
        assertEquals(2, e.get("prompt_matmul_gflop_s").size());
        assertFalse(model.get("engines").get(1).has("prompt_matmul_fraction_of_fma_peak"), "llama.cpp has no clock");
        String text = Report.text(r, CONFIG);
        assertTrue(text.contains("| pp % FMA peak | matmul % FMA peak |") && text.contains("| 10%           | 65%               |"), text);
        assertEquals(List.of(0.65), RunSummary.ofJson(List.of("a"), List.of(Report.json(r, CONFIG))).singles().getFirst().matmulFma());
        RunSummary unclocked = RunSummary.ofJson(List.of("a"), List.of(Report.json(base, CONFIG)));
        assertTrue(unclocked.singles().getFirst().matmulFma().isEmpty());
        assertTrue(unclocked.text().contains("| 10% (10%-10%), 0 of 1 | -                 |"), unclocked.text());
    }

    @Test
    void json_holds_medians_ratios_fractions_and_errors() throws Exception {
        JsonNode j = new ObjectMapper().readTree(Report.json(result(), CONFIG));
        JsonNode model = j.get("models").get(0);
        assertEquals(400.0, model.get("ceiling_tok_s").asDouble(), 1e-9);
        JsonNode h = model.get("engines").get(0);
        assertEquals(200.0, h.get("median_prompt_tok_s").asDouble());
        assertEquals(150.0, h.get("median_gen_tok_s").asDouble());
        assertEquals(0.375, h.get("gen_fraction_of_ceiling").asDouble(), 1e-12);
        assertEquals(0.1, h.get("prompt_fraction_of_fma_peak").asDouble(), 1e-12);
        assertEquals(200_000_000, model.get("prompt_flops_per_token").asLong());
        assertEquals(400.0, j.get("machine").get("fma_peak_n_threads_gflop_s").asDouble());
        assertEquals(0.5, model.get("ratios").get("llama.cpp").get("prompt").asDouble(), 1e-12);
        assertEquals(0.6, model.get("ratios").get("llama.cpp").get("gen").asDouble(), 1e-12);
        assertTrue(model.get("ratios").get("llama.cpp mmap").get("gen").isNull(), "a failed engine's ratio is null, not NaN");
        assertEquals("llama_ref exit 1: boom", model.get("engines").get(2).get("error").asText());

        JsonNode points = j.get("serving").get(0).get("points");
        JsonNode h4 = points.get(1);
        assertEquals(4, h4.get("clients").asInt());
        assertEquals(160.0, h4.get("median_aggregate_tok_s").asDouble());
        assertEquals(40.0, h4.get("ttft_p50_ms").asDouble());
        assertEquals(60.0, h4.get("ttft_p99_ms").asDouble());
        assertEquals(3.2, h4.get("scaling_vs_1_stream").asDouble(), 1e-12);
        assertEquals(0.5, h4.get("ratio_vs_llama_cpp").asDouble(), 1e-12);
    }

    @Test
    void the_best_statistic_takes_the_fastest_run_of_each_engine() throws Exception {
        BenchConfig best = BenchConfig.builder().models(List.of(SMOL)).threads(2).repetitions(2).statistic(Stats.Statistic.BEST)
                .dir(Path.of("/tmp")).clients(List.of(1, 4)).build();
        JsonNode model = new ObjectMapper().readTree(Report.json(result(), best)).get("models").get(0);
        assertEquals(0.75, model.get("ratios").get("llama.cpp").get("prompt").asDouble(), 1e-12); // 300 / 400
        assertEquals(0.8, model.get("ratios").get("llama.cpp").get("gen").asDouble(), 1e-12);     // 200 / 250
        assertEquals(300.0, model.get("engines").get(0).get("best_prompt_tok_s").asDouble());
        assertTrue(Report.text(result(), best).contains("best of 2 runs"));
    }

    @Test
    void in_process_engine_rows_get_their_own_scaling_and_a_ratio_against_llama_cpp() throws Exception {
        BenchResult base = result();
        BenchResult.ServingResult s = base.serving().getFirst();
        var withEngine = new BenchResult.ServingResult(SMOL, s.halyard(),
                List.of(new ServingPoint(Report.HALYARD_ENGINE, 1, List.of(80.0), List.of(15.0), 450 * 1024, null),
                        ServingPoint.failed(Report.HALYARD_ENGINE, 4, "exit 1: out of memory")),
                s.llama());
        BenchResult r = new BenchResult(base.machine(), base.models(), List.of(withEngine));
        String t = Report.text(r, CONFIG);
        assertTrue(t.contains("| 1       | halyard engine | 80.0            | 15          | 15          | 0.80  | 1.00"), t);
        assertTrue(t.contains("| 4       | halyard engine | failed"), t);
        assertTrue(t.contains("halyard engine with 4 streams: exit 1: out of memory"), t);
        JsonNode points = new ObjectMapper().readTree(Report.json(r, CONFIG)).get("serving").get(0).get("points");
        JsonNode e1 = points.get(2); // halyard serve's two points come first
        assertEquals(Report.HALYARD_ENGINE, e1.get("engine").asText());
        assertEquals(0.8, e1.get("ratio_vs_llama_cpp").asDouble(), 1e-12);
        assertEquals("exit 1: out of memory", points.get(3).get("error").asText());
        assertEquals("llama.cpp", points.get(4).get("engine").asText());
        assertTrue(points.get(4).get("ratio_vs_llama_cpp") == null, "llama.cpp has no ratio against itself");
    }

    @Test
    void serving_ratios_are_medians_of_the_round_by_round_ratios() throws Exception {
        BenchResult base = result();
        // rounds in turn: 100/50 = 2, 90/100 = 0.9, 60/50 = 1.2 -> 1.2 (the medians, 90 / 50, would give 1.8)
        var rounds = new BenchResult.ServingResult(SMOL,
                List.of(new ServingPoint(Report.HALYARD_SERVE, 1, List.of(100.0, 90.0, 60.0), List.of(15.0, 16.0, 17.0), 450 * 1024, null)),
                List.of(new ServingPoint("llama.cpp", 1, List.of(50.0, 100.0, 50.0), List.of(10.0, 11.0, 12.0), 300 * 1024, null)));
        BenchResult r = new BenchResult(base.machine(), base.models(), List.of(rounds));
        JsonNode points = new ObjectMapper().readTree(Report.json(r, CONFIG)).get("serving").get(0).get("points");
        assertEquals(1.2, points.get(0).get("ratio_vs_llama_cpp").asDouble(), 1e-12);
        assertTrue(Report.text(r, CONFIG).contains("the median of the round-by-round ratios"));
    }

    @Test
    void the_table_shows_ratios_on_the_other_engines_rows_and_failures_inline() {
        String t = Report.text(result(), CONFIG);
        assertTrue(t.contains("| llama.cpp      | 400.0    | 250.0    | 0.50     | 0.60     | 63%"), t);
        assertTrue(t.contains("| llama.cpp mmap | failed "), t);
        assertTrue(t.contains("- smollm2-135m Q8_0, llama.cpp mmap: llama_ref exit 1: boom"), t);
        assertTrue(t.contains("| 4       | halyard serve | 160.0"), t);
        assertTrue(t.contains("60 GB/s") || t.contains("60.0 GB/s"), t);
    }

    /** Start and end bandwidth readings more than 20% apart are flagged in the text and the JSON; closer ones are not. */
    @Test
    void a_bandwidth_that_moved_during_the_run_is_flagged() throws Exception {
        BenchResult steady = result();
        assertFalse(steady.machine().bandwidthUnsteady());
        assertFalse(Report.text(steady, CONFIG).contains("warning:"));
        JsonNode js = new ObjectMapper().readTree(Report.json(steady, CONFIG)).get("machine");
        assertTrue(js.get("bandwidth_n_threads_low_gb_s").isNull());
        assertFalse(js.get("bandwidth_unsteady").asBoolean());

        BenchResult.Machine moved = new BenchResult.Machine("Test CPU", 2, 2, 30, 60, 200, 400, "25", "npm 3.21.1", 40);
        BenchResult r = new BenchResult(moved, steady.models(), steady.serving());
        assertTrue(moved.bandwidthUnsteady());
        String text = Report.text(r, CONFIG);
        assertTrue(text.contains("warning: with 2 threads the start and the end of the run read 40.0 and 60.0 GB/s"), text);
        JsonNode jm = new ObjectMapper().readTree(Report.json(r, CONFIG)).get("machine");
        assertEquals(40.0, jm.get("bandwidth_n_threads_low_gb_s").asDouble(), 1e-9);
        assertTrue(jm.get("bandwidth_unsteady").asBoolean());
        assertFalse(new BenchResult.Machine("Test CPU", 2, 2, 30, 60, 200, 400, "25", null, 50).bandwidthUnsteady());
    }

    /** The CPU kind reaches the text's header and the JSON, where bench summary groups runs by it. */
    @Test
    void the_cpu_kind_is_recorded() throws Exception {
        BenchResult base = result();
        CpuKind kind = new CpuKind("AuthenticAMD", 25, 17, 1, "Zen 4", 32, 1024, List.of("avx512f", "avx512_vnni"));
        BenchResult.Machine m = new BenchResult.Machine("AMD EPYC", 2, 2, 30, 60, 113, 226, "25", "npm 3.21.1", Double.NaN, 60.0, kind);
        BenchResult r = new BenchResult(m, base.models(), base.serving());
        assertTrue(Report.text(r, CONFIG).contains("CPU kind: AuthenticAMD family 25 model 17 stepping 1 (Zen 4), L1d 32 KiB, L2 1024 KiB, avx512f avx512_vnni"));
        String json = Report.json(r, CONFIG);
        JsonNode mach = new ObjectMapper().readTree(json).get("machine");
        assertEquals(kind.label(), mach.get("cpu_kind").asText());
        assertEquals(17, mach.get("cpu_model").asInt());
        assertEquals("avx512_vnni", mach.get("isa").get(1).asText());
        RunSummary s = RunSummary.ofJson(List.of("a.json"), List.of(json));
        assertEquals(kind.label() + "; 2 threads", s.machines().getFirst().label());
        assertFalse(Report.text(base, CONFIG).contains("CPU kind"), "not known: not printed");
        assertFalse(new ObjectMapper().readTree(Report.json(base, CONFIG)).get("machine").has("cpu_kind"));
    }

    /** The Halyard build reaches the text's header and the JSON, where bench summary --build selects by it. */
    @Test
    void the_halyard_build_is_recorded() throws Exception {
        BenchResult base = result();
        BenchResult.Machine m = new BenchResult.Machine("AMD EPYC", 2, 2, 30, 60, 113, 226, "25", "npm 3.21.1", Double.NaN, 60.0, null, "923e42c-dirty");
        BenchResult r = new BenchResult(m, base.models(), base.serving());
        assertTrue(Report.text(r, CONFIG).lines().findFirst().orElseThrow().endsWith("; Halyard build 923e42c-dirty"), Report.text(r, CONFIG));
        String json = Report.json(r, CONFIG);
        assertEquals("923e42c-dirty", new ObjectMapper().readTree(json).get("machine").get("halyard_build").asText());
        assertEquals(List.of("923e42c-dirty"), RunSummary.ofJson(List.of("a.json"), List.of(json)).machines().getFirst().builds());
        assertFalse(Report.text(base, CONFIG).contains("Halyard build"), "not known: not printed");
        assertFalse(new ObjectMapper().readTree(Report.json(base, CONFIG)).get("machine").has("halyard_build"));
    }

    /**
     * A Halyard process whose core check read under 85% of the run's best is reported as in the slow mode,
     * in the text (a warning naming the model and the fraction) and the JSON; one at or above is not.
     */
    @Test
    void a_halyard_process_with_a_slow_core_check_is_flagged() throws Exception {
        BenchResult base = result();
        BenchResult.Machine m = new BenchResult.Machine("Test CPU", 2, 2, 30, 60, 200, 400, "25", "npm 3.21.1", Double.NaN, 60.0);
        SingleStream l = base.models().get(0).engines().get(1);
        SingleStream fast = new SingleStream("halyard", List.of(100.0, 300.0), List.of(200.0, 100.0), 400 * 1024, 1000, null, List.of(58.0, 59.0));
        BenchResult ok = new BenchResult(m, List.of(new BenchResult.ModelResult(SMOL, base.models().get(0).facts(), List.of(fast, l))), List.of());
        assertEquals(60.0, ok.bestCoreCheck(), 1e-9);
        String text = Report.text(ok, CONFIG);
        assertTrue(text.contains("on each of 2 threads at once") && text.contains("this process 60.0 GFLOP/s"), text);
        assertTrue(text.contains("smollm2-135m Q8_0: Halyard's core check 58.0 / 59.0 GFLOP/s"), text);
        assertFalse(text.contains("slow mode"), text);
        JsonNode h = new ObjectMapper().readTree(Report.json(ok, CONFIG)).get("models").get(0).get("engines").get(0);
        assertFalse(h.get("slow_mode").asBoolean());
        assertEquals(59.0, h.get("core_check_gflop_s").get(1).asDouble(), 1e-9);

        // a later process read more than the benchmark itself: the best is the run's highest reading
        SingleStream slow = new SingleStream("halyard", List.of(100.0, 300.0), List.of(200.0, 100.0), 400 * 1024, 1000, null, List.of(44.0, 70.0));
        BenchResult bad = new BenchResult(m, List.of(new BenchResult.ModelResult(SMOL, base.models().get(0).facts(), List.of(slow, l))), List.of());
        assertEquals(70.0, bad.bestCoreCheck(), 1e-9);
        String warned = Report.text(bad, CONFIG);
        assertTrue(warned.contains("warning: smollm2-135m Q8_0: a Halyard process read 44.0 GFLOP/s in the core check, 0.63 of the run's best"), warned);
        JsonNode j = new ObjectMapper().readTree(Report.json(bad, CONFIG));
        assertTrue(j.get("models").get(0).get("engines").get(0).get("slow_mode").asBoolean());
        assertEquals(70.0, j.get("machine").get("core_check_best_gflop_s").asDouble(), 1e-9);
        assertFalse(j.get("models").get(0).get("engines").get(1).has("slow_mode"), "llama.cpp runs no core check");
    }

    /**
     * The in-process engine's serving points carry its process's core checks: printed under the serving
     * table with a warning when one is in the slow mode, in the JSON per point, and counted in the run's best.
     */
    @Test
    void a_serving_engine_process_with_a_slow_core_check_is_flagged() throws Exception {
        BenchResult base = result();
        BenchResult.Machine m = new BenchResult.Machine("Test CPU", 2, 2, 30, 60, 200, 400, "25", "npm 3.21.1", Double.NaN, 60.0);
        BenchResult.ServingResult s = base.serving().getFirst();
        var withEngine = new BenchResult.ServingResult(SMOL, s.halyard(),
                List.of(new ServingPoint(Report.HALYARD_ENGINE, 1, List.of(80.0), List.of(15.0), 450 * 1024, null, List.of(59.0, 64.0)),
                        new ServingPoint(Report.HALYARD_ENGINE, 4, List.of(200.0), List.of(15.0, 16.0, 17.0, 18.0), 450 * 1024, null, List.of(50.0, 61.0))),
                s.llama());
        BenchResult r = new BenchResult(m, base.models(), List.of(withEngine));
        assertEquals(64.0, r.bestCoreCheck(), 1e-9);
        String t = Report.text(r, CONFIG);
        assertTrue(t.contains("smollm2-135m Q8_0, 1 stream: Halyard's engine's core check 59.0 / 64.0 GFLOP/s (before / after its rounds), the run's best 64.0"), t);
        assertFalse(t.contains("warning: smollm2-135m Q8_0, 1 stream"), t);
        assertTrue(t.contains("warning: smollm2-135m Q8_0, 4 streams: Halyard's engine process read 50.0 GFLOP/s in the core check, 0.78 of the run's best"), t);
        JsonNode points = new ObjectMapper().readTree(Report.json(r, CONFIG)).get("serving").get(0).get("points");
        assertFalse(points.get(2).get("slow_mode").asBoolean());
        assertTrue(points.get(3).get("slow_mode").asBoolean());
        assertEquals(50.0, points.get(3).get("core_check_gflop_s").get(0).asDouble(), 1e-9);
        assertFalse(points.get(0).has("slow_mode"), "halyard serve's points carry no core check");
    }
}
