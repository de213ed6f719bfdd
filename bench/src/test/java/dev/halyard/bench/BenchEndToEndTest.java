package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole benchmark once, on a tiny model with one repetition: model cache, bandwidth, a Halyard
 * child JVM, a server child with 1 and 2 streaming clients, llama.cpp when its harnesses are built in
 * this checkout, the report. It checks the machinery, never speed.
 */
class BenchEndToEndTest {
    @TempDir Path dir;

    /** The checkout's llama.cpp harnesses, or null when they are not built (then llama.cpp is skipped). */
    static Path builtHarnesses() {
        Path repo = LlamaHarness.findRepo(Path.of(System.getProperty("user.dir")));
        if (repo == null) return null;
        Path d = repo.resolve(".cache/llama.cpp");
        return Files.isExecutable(d.resolve("llama_ref")) && Files.isExecutable(d.resolve("llama_serve")) ? d : null;
    }

    /** Each KV cache type on both sides: f16 (the default) and q8_0 (every probe, the server and llama.cpp told so). */
    @ParameterizedTest(name = "kv {0}")
    @ValueSource(strings = {"f16", "q8_0"})
    void one_tiny_run_measures_every_engine_and_reports_it(String kv) throws Exception {
        Path llama = builtHarnesses();
        ModelCase tiny = new ModelCase("tiny-llama", "Q8_0");
        BenchConfig config = BenchConfig.builder().models(List.of(tiny)).threads(1).repetitions(1).warmup(1).promptTokens(16).genTokens(4)
                .dir(dir).llama(llama != null).llamaDir(llama).bandwidthBytes(4 << 20).serve(BenchConfig.Serve.FIRST)
                .clients(List.of(1, 2)).servePromptTokens(8).serveGenTokens(4).serveMainClass(TestServeMain.class.getName())
                .kvType(kv).llamaKv(kv).timeout(Duration.ofMinutes(2)).build();
        StringWriter log = new StringWriter();
        BenchResult r = new Bench(config, new PrintWriter(log)).run();

        assertTrue(r.machine().bandwidth1() > 0 && r.machine().bandwidthN() > 0, "bandwidth measured");
        assertTrue(r.machine().fmaPeak1() > 0 && r.machine().fmaPeakN() > 0, "FMA peak measured");
        BenchResult.ModelResult m = r.models().getFirst();
        SingleStream h = m.engine(Report.HALYARD);
        assertTrue(h.ok(), "halyard failed: " + h.error() + "\nlog: " + log);
        assertEquals(1, h.promptTokS().size());
        assertTrue(h.medianPromptTokS() > 0 && h.medianGenTokS() > 0, h.toString());
        assertTrue(h.peakRssKb() > 10_000, "a JVM's peak RSS, KiB: " + h.peakRssKb());
        if (llama != null) {
            assertEquals(3, m.engines().size());
            for (SingleStream e : m.engines()) assertTrue(e.ok(), e.engine() + " failed: " + e.error());
            assertTrue(m.engine("llama.cpp mmap").peakRssKb() > 0);
        } else {
            assertEquals(1, m.engines().size());
        }

        BenchResult.ServingResult s = r.serving().getFirst();
        assertEquals(2, s.halyard().size());
        for (ServingPoint p : s.halyard()) {
            assertTrue(p.ok(), "halyard serve failed: " + p.error() + "\nlog: " + log);
            assertEquals(p.clients(), p.ttftMs().size(), "one first-token time per stream");
            assertTrue(p.medianAggregateTokS() > 0 && p.ttftP99() >= p.ttftP50() && p.ttftP50() > 0, p.toString());
            assertTrue(p.peakRssKb() > 10_000, "server peak RSS, KiB: " + p.peakRssKb());
        }
        assertEquals(2, s.engine().size());
        for (ServingPoint p : s.engine()) { // the same engine in-process, measured as llama_serve measures llama.cpp
            assertTrue(p.ok(), "halyard engine failed: " + p.error() + "\nlog: " + log);
            assertEquals(Report.HALYARD_ENGINE, p.engine());
            assertEquals(p.clients(), p.ttftMs().size(), "one first-token time per sequence");
            assertTrue(p.medianAggregateTokS() > 0 && p.ttftP99() >= p.ttftP50() && p.ttftP50() > 0, p.toString());
            assertTrue(p.peakRssKb() > 10_000, "probe peak RSS, KiB: " + p.peakRssKb());
        }
        if (llama != null) {
            assertEquals(2, s.llama().size());
            for (ServingPoint p : s.llama()) {
                assertTrue(p.ok(), "llama_serve failed: " + p.error());
                assertEquals(p.clients(), p.ttftMs().size());
            }
        }

        String table = Report.text(r, config);
        assertTrue(table.contains("| tiny-llama"), table);
        assertTrue(table.contains("halyard serve"), table);
        assertTrue(table.contains("halyard engine"), table);
        JsonNode j = new ObjectMapper().readTree(Report.json(r, config));
        assertEquals("tiny-llama", j.get("models").get(0).get("model").asText());
        assertTrue(j.get("models").get(0).get("engines").get(0).get("median_gen_tok_s").asDouble() > 0);
        assertEquals(kv, j.get("config").get("kv_type").asText());
        assertEquals(kv, j.get("config").get("llama_kv").asText());
        // the memory target's terms: the KV cache the probe ran with, and the peak RSS above file + KV
        JsonNode jm = j.get("models").get(0);
        long kvBytes = r.models().getFirst().facts().kvCacheBytes(config.promptTokens() + config.genTokens() + 1, dev.halyard.model.arch.KvType.parse(kv)); // the probe's cache: prompt + gen + 1
        assertTrue(kvBytes > 0);
        assertEquals(kvBytes, jm.get("kv_cache_bytes").asLong());
        JsonNode jh = jm.get("engines").get(0);
        assertEquals(Report.HALYARD, jh.get("engine").asText());
        assertEquals(jh.get("peak_rss_kb").asLong() * 1024 - jm.get("file_bytes").asLong() - kvBytes, jh.get("rss_over_file_and_kv_bytes").asLong());
    }
}
