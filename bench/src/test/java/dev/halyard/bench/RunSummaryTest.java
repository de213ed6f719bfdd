package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several benchmark runs summarised: medians of the runs' ratios, targets met, flagged runs; bad files rejected. */
class RunSummaryTest {

    /** A result file's shape with the given ratios (NaN: the engine failed, written as null). */
    static String run(double smolPrompt, double smolGen, boolean smolFlagged, double llamaGen, double serve16, double scaling16, double p99, double llamaP99) {
        return onMachine(ZEN5, smolPrompt, smolGen, smolFlagged, llamaGen, serve16, scaling16, p99, llamaP99);
    }

    static final String ZEN5 = "{\"cpu\":\"test\",\"cpu_kind\":\"AuthenticAMD family 26 model 2 stepping 0 (Zen 5)\",\"threads\":2,\"fma_peak_1_thread_gflop_s\":220}";

    /** {@link #run} with the given "machine" object. */
    static String onMachine(String machine, double smolPrompt, double smolGen, boolean smolFlagged, double llamaGen, double serve16, double scaling16, double p99,
            double llamaP99) {
        return """
                {"machine":%s,"config":{},
                 "models":[
                  {"model":"smollm2-135m","quant":"Q4_0","engines":[{"engine":"halyard","slow_mode":%s,"gen_fraction_of_ceiling":%s,"prompt_fraction_of_fma_peak":0.65,
                     "rss_over_file_and_kv_bytes":%s},
                    {"engine":"llama.cpp","gen_fraction_of_ceiling":0.9}],
                   "ratios":{"llama.cpp":{"prompt":%s,"gen":%s}}},
                  {"model":"llama-3.2-1b","quant":"Q4_K_M","engines":[{"engine":"halyard","slow_mode":false},{"engine":"llama.cpp"}],
                   "ratios":{"llama.cpp":{"prompt":1.0,"gen":%s}}}],
                 "serving":[{"model":"smollm2-135m","quant":"Q8_0","points":[
                   {"engine":"halyard serve","clients":16,"ratio_vs_llama_cpp":%s,"scaling_vs_1_stream":%s,"ttft_p99_ms":%s},
                   {"engine":"llama.cpp","clients":16,"ratio_vs_llama_cpp":null,"ttft_p99_ms":%s}]}]}
                """.formatted(machine, smolFlagged, num(smolGen / 3), num(smolPrompt * 400e6), num(smolPrompt), num(smolGen), num(llamaGen), num(serve16), num(scaling16), num(p99), num(llamaP99));
    }

    static String num(double v) {
        return Double.isNaN(v) ? "null" : Double.toString(v);
    }

    static RunSummary summarise(String... runs) {
        List<String> names = new ArrayList<>();
        List<JsonNode> nodes = new ArrayList<>();
        for (int i = 0; i < runs.length; i++) {
            names.add("run" + i);
            nodes.add(RunSummary.parse("run" + i, runs[i]));
        }
        return RunSummary.of(names, nodes);
    }

    @Test
    void medians_targets_and_flags_over_runs() {
        RunSummary s = summarise(
                run(0.66, 1.37, true, 0.93, 1.11, 2.26, 1988, 2515),
                run(0.78, 1.61, false, 0.64, 1.31, 2.54, 3621, 4302),
                run(0.74, 1.20, false, 0.95, 0.90, 2.10, 3000, 2500));
        RunSummary.Single smol = s.singles().get(0);
        assertEquals("smollm2-135m", smol.model());
        assertEquals("Q4_0", smol.quant());
        assertEquals(0.74, smol.promptMedian(), 1e-12);
        assertEquals(1.37, smol.genMedian(), 1e-12);
        assertEquals(2, smol.promptMet(), "0.78 and 0.74 reach Q4_0's 0.7, 0.66 does not");
        assertEquals(3, smol.genMet());
        assertEquals(1, smol.flagged());
        assertEquals(List.of(1.37 / 3, 1.61 / 3, 1.20 / 3), smol.ceiling(), "Halyard's fraction, not llama.cpp's");
        assertEquals(List.of(0.65, 0.65, 0.65), smol.fmaPeak());
        assertEquals(2, RunSummary.withinRss(smol.rssOver()), "264 and 296 MB are within 300 MB (not MiB), 312 MB is not");
        RunSummary.Single llama = s.singles().get(1);
        assertEquals(0.93, llama.genMedian(), 1e-12);
        assertEquals(2, llama.genMet(), "Q4_K_M's target is 0.9");
        assertEquals(-1, llama.promptMet(), "no prompt target for Q4_K_M");

        RunSummary.Serving p = s.serving().getFirst();
        assertEquals("halyard serve", p.engine());
        assertEquals(16, p.clients());
        assertEquals(1.11, Stats.median(p.ratio()), 1e-12);
        assertEquals(2.26, Stats.median(p.scaling()), 1e-12);
        assertEquals(1988 / 2515.0, p.ttftP99Ratio().get(0), 1e-12);
        assertEquals(3000 / 2500.0, p.ttftP99Ratio().get(2), 1e-12);

        String text = s.text();
        assertTrue(text.contains("0.74 (0.66-0.78)"), text);
        assertTrue(text.contains("2 of 3 (>= 0.7)"), text);
        assertTrue(text.contains("0 of 3 (>= 5.0)"), text);
        assertTrue(text.contains("46% (40%-54%), 0 of 3"), text); // 1.37 / 3 and its range
        assertTrue(text.contains("65% (65%-65%), 3 of 3"), text);
        assertTrue(text.contains("282 (252-298), 2 of 3"), text); // 296e6 B = 282.3 MiB
    }

    @Test
    void rows_follow_the_fullest_run() {
        String one = "{\"machine\":" + ZEN5 + ",\"models\":[{\"model\":\"llama-3.2-1b\",\"quant\":\"Q4_K_M\",\"ratios\":{\"llama.cpp\":{\"prompt\":1.1,\"gen\":0.8}}}]}";
        RunSummary s = summarise(one, run(0.8, 1.5, false, 0.9, 1.0, 2.0, 10, 10));
        assertEquals(List.of("smollm2-135m", "llama-3.2-1b"), s.singles().stream().map(RunSummary.Single::model).toList());
        assertEquals(List.of(0.8, 0.9), s.singles().get(1).gen(), "each run's ratio, in the order the files were given");
    }

    @Test
    void a_failed_engine_is_left_out_not_counted_as_zero() {
        RunSummary s = summarise(run(0.8, 1.5, false, 0.9, 1.0, 2.0, 10, 10), run(Double.NaN, Double.NaN, false, 0.9, 1.0, 2.0, 10, Double.NaN));
        RunSummary.Single smol = s.singles().get(0);
        assertEquals(List.of(0.8), smol.prompt());
        assertEquals(List.of(1.5), smol.gen());
        assertEquals(List.of(1.0), s.serving().getFirst().ttftP99Ratio());
    }

    @Test
    void json_carries_medians_runs_and_targets() throws Exception {
        RunSummary s = summarise(run(0.66, 1.37, true, 0.93, 1.11, 2.26, 1988, 2515), run(0.78, 1.61, false, 0.64, 1.31, 2.54, 3621, 4302));
        JsonNode j = new ObjectMapper().readTree(s.json());
        JsonNode smol = j.path("models").get(0);
        assertEquals(0.72, smol.path("prompt_ratio").path("median").asDouble(), 1e-12);
        assertEquals(0.7, smol.path("prompt_ratio").path("target").asDouble());
        assertEquals(1, smol.path("prompt_ratio").path("runs_meeting_target").asInt());
        assertEquals(1, smol.path("flagged_runs").asInt());
        assertEquals(2, j.path("serving").get(0).path("scaling_vs_1_stream").path("runs").size());
    }

    @Test
    void the_projects_own_result_files_are_read() throws Exception {
        Path dir = Path.of("results");
        Path bx = dir.resolve("2026-12-03-epyc-2threads-bx.json"), cb = dir.resolve("2026-12-03-epyc-2threads-cb.json");
        RunSummary s = RunSummary.read(List.of(bx, cb));
        assertEquals(9, s.singles().size(), "three models in three quant mixes");
        ObjectMapper om = new ObjectMapper();
        double a = om.readTree(bx.toFile()).path("models").get(0).path("ratios").path("llama.cpp").path("prompt").asDouble();
        double b = om.readTree(cb.toFile()).path("models").get(0).path("ratios").path("llama.cpp").path("prompt").asDouble();
        assertEquals((a + b) / 2, s.singles().getFirst().promptMedian(), 1e-12, "two runs: the mean of the middle two");
        assertTrue(s.serving().stream().anyMatch(p -> p.clients() == 16 && p.engine().equals(Report.HALYARD_ENGINE)));
        assertEquals(1, s.machines().size(), "neither file records its CPU kind; both ran 2 threads");
        assertEquals(RunSummary.KIND_NOT_RECORDED + "; 2 threads", s.machines().getFirst().label());
        assertFalse(s.machines().getFirst().mixed(), "both on the same kind of host: FMA peaks within 1.4x");
    }

    @Test
    void runs_on_different_machines_are_summarised_apart() throws Exception {
        String zen4 = "{\"cpu_kind\":\"AuthenticAMD family 25 model 17 stepping 1 (Zen 4)\",\"threads\":2,\"fma_peak_1_thread_gflop_s\":113}";
        RunSummary s = summarise(run(0.80, 1.40, false, 0.85, 1.1, 2.2, 10, 10), onMachine(zen4, 0.60, 1.10, false, 0.58, 0.9, 2.0, 10, 10),
                run(0.82, 1.50, false, 0.95, 1.2, 2.4, 10, 10), onMachine(zen4, 0.62, 1.00, false, 0.60, 0.8, 2.1, 10, 10));
        assertEquals(2, s.machines().size());
        assertEquals(List.of("run0", "run2"), s.machines().get(0).runs());
        assertEquals(List.of("run1", "run3"), s.machines().get(1).runs());
        assertEquals(4, s.singles().size(), "each model once per machine");
        RunSummary.Single zen5Llama = s.singles().get(1), zen4Smol = s.singles().get(2);
        assertTrue(zen5Llama.machine().contains("Zen 5") && zen5Llama.model().equals("llama-3.2-1b"), zen5Llama.toString());
        assertEquals(List.of(0.85, 0.95), zen5Llama.gen(), "no Zen 4 run in the Zen 5 median");
        assertTrue(zen4Smol.machine().contains("Zen 4") && zen4Smol.model().equals("smollm2-135m"), zen4Smol.toString());
        assertEquals(List.of(0.60, 0.62), zen4Smol.prompt());
        assertEquals(2, s.serving().size(), "the 16-stream point once per machine");
        assertEquals(List.of(0.9, 0.8), s.serving().get(1).ratio());
        String text = s.text();
        int a = text.indexOf("Machine: AuthenticAMD family 26"), b = text.indexOf("Machine: AuthenticAMD family 25");
        assertTrue(a > 0 && b > a, text);
        assertTrue(text.substring(a, b).contains("0.90 (0.85-0.95)") && text.substring(b).contains("0.59 (0.58-0.60)"), text);
        JsonNode j = new ObjectMapper().readTree(s.json());
        assertEquals(2, j.path("machines").size());
        assertEquals(s.machines().get(1).label(), j.path("models").get(2).path("machine").asText());
    }

    @Test
    void runs_that_do_not_record_their_cpu_are_checked_by_their_fma_peaks() {
        String fast = "{\"threads\":2,\"fma_peak_1_thread_gflop_s\":221}", slow = "{\"threads\":2,\"fma_peak_1_thread_gflop_s\":113}";
        RunSummary s = summarise(onMachine(fast, 0.8, 1.4, false, 0.9, 1, 2, 10, 10), onMachine(slow, 0.6, 1.1, false, 0.6, 1, 2, 10, 10));
        assertEquals(1, s.machines().size(), "no kind recorded: one group");
        assertTrue(s.machines().getFirst().mixed());
        assertTrue(s.text().contains("warning: these runs' FP32 FMA peaks on one thread range 113-221 GFLOP/s"), s.text());
        assertFalse(summarise(onMachine(fast, 0.8, 1.4, false, 0.9, 1, 2, 10, 10), onMachine(fast.replace("221", "200"), 0.8, 1.4, false, 0.9, 1, 2, 10, 10))
                .machines().getFirst().mixed());
        for (String bad : List.of("{\"cpu_kind\":7}", "{\"cpu_kind\":\" \"}", "{\"threads\":0}", "{\"threads\":\"two\"}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> summarise(onMachine(bad, 0.8, 1.4, false, 0.9, 1, 2, 10, 10)), bad);
            assertTrue(e.getMessage().startsWith("run0: "), e.getMessage());
        }
    }

    @Test
    void what_is_not_a_result_is_rejected_by_name() {
        for (String bad : List.of("", "[]", "{\"models\":3}", "{\"models\":[{\"quant\":\"Q4_0\"}]}",
                "{\"models\":[{\"model\":\"m\",\"quant\":\"q\",\"ratios\":{\"llama.cpp\":{\"prompt\":\"fast\"}}}]}",
                "{\"models\":[],\"serving\":{}}", "{\"models\":[],\"serving\":[{\"model\":\"m\",\"quant\":\"q\",\"points\":[{\"engine\":\"x\"}]}]}",
                "{\"models\":[", "not json")) {
            var e = assertThrows(IllegalArgumentException.class, () -> summarise(bad), bad);
            assertTrue(e.getMessage().startsWith("run0: "), e.getMessage());
        }
    }

    @Test
    void summaries_among_the_files_are_skipped_by_name(@TempDir Path dir) throws Exception {
        Path da1 = Path.of("results", "2026-12-04-epyc-2threads-da-1.json"), da2 = Path.of("results", "2026-12-04-epyc-2threads-da-2.json");
        Path summary = dir.resolve("da-summary.json");
        Files.writeString(summary, RunSummary.read(List.of(da1, da2)).json());
        assertTrue(RunSummary.isSummary(new ObjectMapper().readTree(summary.toFile())));
        assertFalse(RunSummary.isSummary(new ObjectMapper().readTree(da1.toFile())));
        assertTrue(RunSummary.isSummary(new ObjectMapper().readTree(Path.of("results", "2026-12-03-epyc-2threads-summary-bu-cg.json").toFile())),
                "a summary from before the machines were recorded");

        RunSummary s = RunSummary.read(List.of(da1, summary, da2));
        assertEquals(List.of("da-summary.json"), s.skipped());
        assertEquals(1, s.machines().size(), "one Zen 5 group; no group of runs without a CPU kind");
        assertEquals(List.of(da1.getFileName().toString(), da2.getFileName().toString()), s.machines().getFirst().runs());
        RunSummary plain = RunSummary.read(List.of(da1, da2));
        assertEquals(plain.singles(), s.singles(), "the same figures as without the summary");
        assertTrue(s.text().contains("Skipped 1 summary of runs, not runs: da-summary.json"), s.text());
        assertEquals("da-summary.json", new ObjectMapper().readTree(s.json()).path("skipped_summaries").get(0).asText());
        assertTrue(new ObjectMapper().readTree(plain.json()).path("skipped_summaries").isMissingNode());

        var e = assertThrows(IllegalArgumentException.class, () -> RunSummary.read(List.of(summary)));
        assertTrue(e.getMessage().contains("da-summary.json") && e.getMessage().contains("no run results"), e.getMessage());
    }

    @Test
    void runs_are_told_apart_by_their_halyard_build(@TempDir Path dir) throws Exception {
        ObjectMapper om = new ObjectMapper();
        Path da1 = Path.of("results", "2026-12-04-epyc-2threads-da-1.json"), da2 = Path.of("results", "2026-12-04-epyc-2threads-da-2.json");
        var a = (ObjectNode) om.readTree(da1.toFile());
        ((ObjectNode) a.path("machine")).put("halyard_build", "923e42c");
        Path built = dir.resolve("built.json");
        Files.writeString(built, om.writeValueAsString(a));

        RunSummary all = RunSummary.read(List.of(built, da2));
        assertEquals(List.of("923e42c", RunSummary.BUILD_NOT_RECORDED), all.machines().getFirst().builds());
        assertTrue(all.text().contains("Halyard builds: 923e42c (1 run), build not recorded (1 run)"), all.text());
        JsonNode builds = om.readTree(all.json()).path("machines").get(0).path("builds");
        assertEquals("923e42c", builds.get(0).asText());
        assertTrue(builds.get(1).isNull());

        RunSummary one = RunSummary.read(List.of(built, da2), "923e");
        assertEquals(List.of("built.json"), one.machines().getFirst().runs());
        assertEquals(List.of(da2.getFileName().toString()), one.leftOut());
        assertTrue(one.text().contains("Only runs of Halyard builds starting with 923e; left out 1 of other builds"), one.text());
        assertEquals(1, om.readTree(one.json()).path("left_out_other_builds").size());
        var e = assertThrows(IllegalArgumentException.class, () -> RunSummary.read(List.of(built, da2), "abc"));
        assertTrue(e.getMessage().contains("no run of a Halyard build starting with abc"), e.getMessage());

        ((ObjectNode) a.path("machine")).put("halyard_build", 42);
        Files.writeString(built, om.writeValueAsString(a));
        e = assertThrows(IllegalArgumentException.class, () -> RunSummary.read(List.of(built)));
        assertTrue(e.getMessage().startsWith("built.json: \"halyard_build\""), e.getMessage());
    }

    @Test
    void files_are_checked_before_they_are_read(@TempDir Path dir) throws Exception {
        assertThrows(IllegalArgumentException.class, () -> RunSummary.read(List.of()));
        var e = assertThrows(IllegalArgumentException.class, () -> RunSummary.read(List.of(dir.resolve("missing.json"))));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
        Path big = dir.resolve("big.json");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {' '}), RunSummary.MAX_FILE_BYTES); // sparse, one byte past the limit
        }
        e = assertThrows(IllegalArgumentException.class, () -> RunSummary.read(List.of(big)));
        assertTrue(e.getMessage().contains("more than a benchmark result"), e.getMessage());
    }

    /** Mutated result files: each one summarises or is rejected with IllegalArgumentException, nothing else. */
    @Test
    void mutated_results_never_escape_as_other_errors() {
        byte[] good = run(0.66, 1.37, true, 0.93, 1.11, 2.26, 1988, 2515).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String alphabet = "{}[]\",:0123456789.-eE ntrufalsx\u00ff";
        Random rnd = new Random(42);
        int accepted = 0, rejected = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = good.clone();
            int edits = 1 + rnd.nextInt(4);
            for (int k = 0; k < edits; k++) b[rnd.nextInt(b.length)] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
            if (rnd.nextInt(8) == 0) b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            String text = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
            try {
                RunSummary s = summarise(text);
                s.text();
                s.json();
                accepted++;
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("run0: "), e.getMessage());
                rejected++;
            }
        }
        assertTrue(accepted > 0 && rejected > 0, accepted + " accepted, " + rejected + " rejected");
    }
}
