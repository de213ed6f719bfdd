package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The children's JSON lines, the server's events and the prompt files, parsed. */
class ParsingTest {

    static final String LLAMA_REF = """
            some log line
            {"model":"m.gguf","n_vocab":49152,"threads":2,"load_mode":"none","prompt_tokens":512,"load_ms":12.5,"prompt_ms":1,"prompt_tok_s":500,\
            "gen_steps":128,"gen_ms":1,"gen_tok_s":90,"runs":[{"prompt_ms":1,"prompt_tok_s":400.5,"gen_steps":128,"gen_ms":1,"gen_tok_s":80},\
            {"prompt_ms":1,"prompt_tok_s":500,"gen_steps":128,"gen_ms":1,"gen_tok_s":90},{"prompt_ms":1,"prompt_tok_s":450,"gen_steps":128,"gen_ms":1,"gen_tok_s":100}],\
            "peak_rss_kb":204800,"tokens":[1,2],"margins":[0.5,0.25]}
            """;

    @Test
    void single_stream_runs_are_read_from_the_last_json_line() {
        SingleStream s = SingleStream.parse("llama.cpp", LLAMA_REF, 1000);
        assertEquals(List.of(400.5, 500.0, 450.0), s.promptTokS());
        assertEquals(List.of(80.0, 90.0, 100.0), s.genTokS());
        assertEquals(450.0, s.medianPromptTokS());
        assertEquals(90.0, s.medianGenTokS());
        assertEquals(204800, s.peakRssKb(), "the child's own VmHWM wins over the polled one");
        assertEquals(12.5, s.loadMs());
    }

    @Test
    void the_polled_peak_is_used_when_the_child_reports_none() {
        SingleStream s = SingleStream.parse("halyard", "{\"runs\":[{\"prompt_tok_s\":1,\"gen_tok_s\":2}]}", 777);
        assertEquals(777, s.peakRssKb());
    }

    @Test
    void output_without_json_is_an_error_quoting_it() {
        var e = assertThrows(IllegalArgumentException.class, () -> SingleStream.parse("halyard", "Exception in thread main\n", -1));
        assertTrue(e.getMessage().contains("Exception in thread main"), e.getMessage());
    }

    @Test
    void a_run_without_speeds_is_an_error_naming_the_key() {
        var e = assertThrows(IllegalArgumentException.class, () -> SingleStream.parse("halyard", "{\"runs\":[{\"prompt_tok_s\":1}]}", -1));
        assertTrue(e.getMessage().contains("gen_tok_s"), e.getMessage());
    }

    @Test
    void llama_serve_rounds_give_rates_and_every_first_token_time() {
        String out = "{\"model\":\"m\",\"threads\":2,\"load_mode\":\"none\",\"parallel\":2,\"gen\":8,\"batch\":2048,\"load_ms\":1,\"runs\":["
                + "{\"wall_ms\":100,\"generated\":16,\"gen_tok_s\":160,\"ttft_ms\":[10,12]},"
                + "{\"wall_ms\":80,\"generated\":16,\"gen_tok_s\":200,\"ttft_ms\":[9,30]}],\"peak_rss_kb\":5000}\n";
        ServingPoint p = ServingPoint.parseLlama(out, 2, -1);
        assertEquals(List.of(160.0, 200.0), p.aggregateTokS());
        assertEquals(180.0, p.medianAggregateTokS());
        assertEquals(10.0, p.ttftP50());
        assertEquals(30.0, p.ttftP99());
        assertEquals(5000, p.peakRssKb());
        assertThrows(IllegalArgumentException.class, () -> ServingPoint.parseLlama(out, 3, -1), "3 sequences need 3 first-token times");
    }

    @Test
    void server_sent_events_yield_each_data_payload_until_done() throws Exception {
        String sse = """
                : keep-alive

                data: {"choices":[{"text":"a"}]}

                event: message
                data: {"choices":
                data: [{"text":"b"}]}

                data: {"choices":[],"usage":{"completion_tokens":2}}

                data: [DONE]

                data: {"never":"read"}

                """;
        List<String> got = new ArrayList<>();
        StreamingClients.readEvents(new BufferedReader(new StringReader(sse)), got::add);
        assertEquals(List.of("{\"choices\":[{\"text\":\"a\"}]}", "{\"choices\":\n[{\"text\":\"b\"}]}",
                "{\"choices\":[],\"usage\":{\"completion_tokens\":2}}"), got);
    }

    @Test
    void prompts_are_reproducible_in_range_and_round_trip_through_text() {
        int[] a = Prompts.random(512, 1000, 42), b = Prompts.random(512, 1000, 42);
        assertArrayEquals(a, b);
        for (int id : a) assertTrue(id >= 0 && id < 1000, "id " + id);
        assertArrayEquals(a, Prompts.parse(Prompts.format(a)));
        assertArrayEquals(new int[] {1, 2, 3}, Prompts.parse(" 1, 2\n3 "));
        assertThrows(IllegalArgumentException.class, () -> Prompts.parse("1,x"));
        assertThrows(IllegalArgumentException.class, () -> Prompts.parse("1,-2"));
    }

    @Test
    void the_engine_probe_refuses_an_unknown_kv_cache_type_by_name() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> EngineServeProbe.main(new String[] {"--kv-type", "q8"}));
        assertTrue(bad.getMessage().contains("f16, f32 or q8_0") && bad.getMessage().contains("'q8'"), bad.getMessage());
    }

    @Test
    void the_engine_probes_line_parses_as_its_own_serving_point() {
        String line = EngineServeProbe.json(List.of(new EngineServeProbe.Run(2000.0, 256, new double[] {150.5, 180.25}),
                new EngineServeProbe.Run(1600.0, 256, new double[] {140.0, 170.0})), new double[] {57.25, 48.5});
        ServingPoint p = ServingPoint.parse(Report.HALYARD_ENGINE, "warming up\n" + line + "\n", 2, 12345);
        assertEquals(Report.HALYARD_ENGINE, p.engine());
        assertEquals(List.of(128.0, 160.0), p.aggregateTokS()); // 256 tokens in 2.0 s and in 1.6 s
        assertEquals(List.of(150.5, 180.25, 140.0, 170.0), p.ttftMs());
        assertTrue(p.peakRssKb() > 0, "the probe reports its own peak RSS");
        assertEquals(List.of(57.25, 48.5), p.coreCheck(), "and its core checks, before and after its rounds");
        assertEquals(48.5, p.slowestCoreCheck(), 1e-9);
        assertEquals(List.of(), ServingPoint.parseLlama(line.replaceFirst(",\"core_check_gflops\":\\[[^]]*]", ""), 2, -1).coreCheck(),
                "llama_serve prints none");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ServingPoint.parse(Report.HALYARD_ENGINE, line.replace("57.25", "-1"), 2, -1));
        assertTrue(bad.getMessage().contains("bad core check"), bad.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServingPoint.parse(Report.HALYARD_ENGINE, line, 3, -1));
        assertTrue(e.getMessage().startsWith("halyard engine reported 2 first-token times for 3 sequences"), e.getMessage());
    }

    @Test
    void serving_prompts_differ_per_round_and_stream_and_are_reproducible() {
        assertArrayEquals(Prompts.random(16, 500, 7_000_000 + 1024 + 2), Prompts.serving(16, 500, 7_000_000, 1, 2));
        assertArrayEquals(Prompts.serving(16, 500, 7, 3, 4), Prompts.serving(16, 500, 7, 3, 4));
        assertTrue(!java.util.Arrays.equals(Prompts.serving(16, 500, 7, 0, 0), Prompts.serving(16, 500, 7, 0, 1)), "streams differ");
        assertTrue(!java.util.Arrays.equals(Prompts.serving(16, 500, 7, 0, 0), Prompts.serving(16, 500, 7, 1, 0)), "rounds differ");
    }

    @Test
    void runs_of_several_processes_concatenate_in_order_and_a_failure_wins() {
        SingleStream p1 = new SingleStream("halyard", List.of(1.0, 2.0), List.of(10.0, 20.0), 500, 100, null);
        SingleStream p2 = new SingleStream("halyard", List.of(3.0), List.of(30.0), 700, 300, null);
        SingleStream all = SingleStream.concat(List.of(p1, p2));
        assertEquals(List.of(1.0, 2.0, 3.0), all.promptTokS());
        assertEquals(List.of(10.0, 20.0, 30.0), all.genTokS());
        assertEquals(700, all.peakRssKb());
        assertEquals(200, all.loadMs(), 1e-9);
        assertEquals(20.0, all.medianGenTokS(), 1e-9);
        SingleStream failed = SingleStream.failed("halyard", "exit 1: boom");
        assertEquals("exit 1: boom", SingleStream.concat(List.of(p1, failed, p2)).error());
        assertThrows(IllegalArgumentException.class, () -> SingleStream.concat(List.of()));
    }

    @Test
    void halyards_core_checks_are_read_and_kept_across_processes() {
        SingleStream a = SingleStream.parse("halyard", "{\"runs\":[{\"prompt_tok_s\":1,\"gen_tok_s\":2}],\"core_check_gflops\":[61.5,60.25]}", -1);
        assertEquals(List.of(61.5, 60.25), a.coreCheck());
        SingleStream b = SingleStream.parse("halyard", "{\"runs\":[{\"prompt_tok_s\":1,\"gen_tok_s\":2}],\"core_check_gflops\":[44.0,45.0]}", -1);
        assertEquals(List.of(61.5, 60.25, 44.0, 45.0), SingleStream.concat(List.of(a, b)).coreCheck());
        assertEquals(44.0, SingleStream.concat(List.of(a, b)).slowestCoreCheck(), 1e-9);
        assertEquals(List.of(), SingleStream.parse("llama.cpp", LLAMA_REF, 1000).coreCheck(), "llama_ref prints none");
        assertTrue(Double.isNaN(SingleStream.parse("llama.cpp", LLAMA_REF, 1000).slowestCoreCheck()));
        var e = assertThrows(IllegalArgumentException.class,
                () -> SingleStream.parse("halyard", "{\"runs\":[{\"prompt_tok_s\":1,\"gen_tok_s\":2}],\"core_check_gflops\":[\"fast\"]}", -1));
        assertTrue(e.getMessage().contains("bad core check"), e.getMessage());
        assertEquals(", core check A 61.5 / 60.3, B - GFLOP/s", AbBench.coreChecks(a, SingleStream.parse("halyard", "{\"runs\":[{\"prompt_tok_s\":1,\"gen_tok_s\":2}]}", -1)));
    }
}
