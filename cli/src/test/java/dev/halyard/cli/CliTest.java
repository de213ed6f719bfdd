package dev.halyard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halyard.testing.SharedData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it, on the real stories260K model and vocabularies. */
class CliTest {
    static final String MODEL = SharedData.require("models/stories260K/stories260K.gguf").toString();

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void generate_json_prints_prompt_ids_ids_text_and_timings() throws Exception {
        Run r = run("generate", "--model", MODEL, "--prompt", "Once upon a time", "--max-tokens", "32", "--temperature", "0", "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("[1,403,407,261,378]", j.get("prompt_ids").toString());
        assertEquals("[432,383,286,261,376,298,315,421,395,317,426,338,401,396,267,337,410,408,419,292,411,322,265,282,295,433,426,385,328,432,358,394]", j.get("ids").toString());
        assertEquals(", there was a little girl named Lily. She loved to play outside in the park. One day, she saw", j.get("text").asText());
        assertTrue(j.get("timings").get("prompt_tokens_per_second").asDouble() > 0);
        assertTrue(j.get("timings").get("generation_tokens_per_second").asDouble() > 0);
    }

    @Test
    void enum_options_accept_any_case_as_the_readme_writes_them() {
        Run r = run("bench", "--statistic", "best", "--serve", "none", "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("--statistic"), r.out());
    }

    @Test
    void bench_ab_refuses_to_compare_a_build_with_itself() {
        Run r = run("bench", "ab", "--models", "tiny-llama", "--rounds", "1");
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().contains("same build with the same JVM options"), r.err());
        Run missing = run("bench", "ab", "--models", "tiny-llama", "--b-checkout", "/nonexistent-halyard-checkout");
        assertTrue(missing.code() != 0 && missing.err().contains("no build in /nonexistent-halyard-checkout"), missing.err());
    }

    @Test
    void bench_decode_and_prompt_reject_bad_types_and_shapes() {
        Run shape = run("bench", "decode", "--shapes", "2048by2048");
        assertTrue(shape.code() != 0 && shape.err().contains("a shape is ROWSxCOLS"), shape.err());
        Run type = run("bench", "prompt", "--types", "Q9_9");
        assertTrue(type.code() != 0 && type.err().contains("unknown type 'Q9_9'"), type.err());
        Run model = run("bench", "decode", "--model", "/nonexistent-halyard-model.gguf");
        assertTrue(model.code() != 0 && model.err().contains("no model file at /nonexistent-halyard-model.gguf"), model.err());
    }

    @Test
    void bench_summary_reads_result_files_and_rejects_others(@TempDir Path dir) throws Exception {
        Path results = Path.of("..", "bench", "results");
        Path json = dir.resolve("summary.json");
        Run r = run("bench", "summary", results.resolve("2026-12-03-epyc-2threads-bx.json").toString(),
                results.resolve("2026-12-03-epyc-2threads-cb.json").toString(), "--out", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("halyard bench summary: 2 runs"), r.out());
        assertTrue(r.out().contains("| llama-3.2-1b | Q4_K_M |"), r.out());
        assertEquals(9, new ObjectMapper().readTree(json.toFile()).get("models").size());
        Run help = run("bench", "summary", "--help");
        assertTrue(help.err().isEmpty() && help.out().contains("move by 10-20%; quote medians"), help.err() + help.out()); // picocli formats descriptions
        assertTrue(help.out().contains("--build=COMMIT"), help.out());
        Run noBuild = run("bench", "summary", "--build", "0123abc", results.resolve("2026-12-03-epyc-2threads-bx.json").toString());
        assertTrue(noBuild.code() != 0 && noBuild.err().contains("no run of a Halyard build starting with 0123abc"), noBuild.err());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"models\": 7}");
        Run rejected = run("bench", "summary", bad.toString());
        assertTrue(rejected.code() != 0 && rejected.err().contains("no \"models\" array"), rejected.err());
    }

    @Test
    void bench_runs_repeats_the_whole_benchmark_and_summarises_it(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("b.json");
        Run r = run("bench", "--models", "tiny-llama", "--quants", "Q8_0", "--no-llama", "--serve", "NONE", "--threads", "1",
                "--repetitions", "1", "--warmup", "0", "--prompt-tokens", "16", "--gen-tokens", "4", "--bandwidth-mib", "4",
                "--dir", dir.resolve("models").toString(), "--runs", "2", "--out", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("halyard bench summary: 2 runs (b-1.json, b-2.json)"), r.out());
        assertTrue(r.out().contains("| tiny-llama | Q8_0  | 2    | -        | -             |"), r.out()); // no llama.cpp: no ratios, no targets
        ObjectMapper om = new ObjectMapper();
        for (String f : List.of("b-1.json", "b-2.json")) {
            JsonNode run = om.readTree(dir.resolve(f).toFile());
            assertTrue(run.get("models").get(0).get("engines").get(0).get("median_gen_tok_s").asDouble() > 0, f);
        }
        JsonNode summary = om.readTree(dir.resolve("b-summary.json").toFile());
        assertEquals(2, summary.get("runs").size());
        assertEquals("tiny-llama", summary.get("models").get(0).get("model").asText());
        assertEquals(2, summary.get("models").get(0).get("gen_fraction_of_ceiling").get("runs").size(), "Halyard's own fraction, per run");
        assertEquals("out-summary.json", BenchCommand.numbered(Path.of("out.json"), "summary").toString());
        assertEquals("out-2", BenchCommand.numbered(Path.of("out"), "2").toString());
        Run bad = run("bench", "--runs", "0", "--no-llama");
        assertTrue(bad.code() != 0 && bad.err().contains("--runs must be 1 to 100"), bad.err());
    }

    @Test
    void generate_streams_plain_text_by_default() {
        Run r = run("generate", "--model", MODEL, "--prompt", "Once upon a time", "--max-tokens", "8", "--temperature", "0", "--seed", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(", there was a little girl", r.out().strip());
        assertTrue(r.err().contains("tok/s"), r.err());
    }

    @Test
    void generate_with_a_seed_is_reproducible() {
        String[] args = {"generate", "--model", MODEL, "--prompt", "Once", "--max-tokens", "24", "--temperature", "1", "--seed", "99", "--json"};
        assertEquals(text(run(args)), text(run(args)));
    }

    static String text(Run r) {
        try {
            return new ObjectMapper().readTree(r.out()).get("text").asText();
        } catch (Exception e) {
            throw new AssertionError(r.err(), e);
        }
    }

    @Test
    void tokenize_prints_ids_without_bos_by_default_and_with_it_on_request() {
        Run plain = run("tokenize", "--model", MODEL, "Once upon a time");
        assertEquals("403 407 261 378", plain.out().strip());
        Run special = run("tokenize", "--model", MODEL, "--add-special", "Once upon a time");
        assertEquals("1 403 407 261 378", special.out().strip());
    }

    @Test
    void tokenize_works_on_vocab_only_files_and_parses_special_text_only_when_asked() throws Exception {
        String vocab = SharedData.require("vocab/ggml-vocab-llama-spm.gguf").toString();
        Run asText = run("tokenize", "--model", vocab, "--json", "<s>hi");
        Run parsed = run("tokenize", "--model", vocab, "--json", "--parse-special", "<s>hi");
        assertEquals(0, parsed.code(), parsed.err());
        JsonNode a = new ObjectMapper().readTree(asText.out()), b = new ObjectMapper().readTree(parsed.out());
        assertEquals(1, b.get("ids").get(0).asInt(), "<s> is BOS when parsed");
        assertTrue(a.get("ids").size() > b.get("ids").size(), "unparsed <s> is spelled out as text");
    }

    @Test
    void inspect_reports_architecture_parameters_quantisation_tokenizer_and_metadata() {
        Run r = run("inspect", MODEL);
        assertEquals(0, r.code(), r.err());
        for (String s : List.of("architecture:   llama", "parameters:", "F32", "context length:", "tokenizer:      llama", "chat template:  no", "llama.embedding_length"))
            assertTrue(r.out().contains(s), "missing '" + s + "' in\n" + r.out());
    }

    @Test
    void a_vocab_only_file_cannot_generate_and_says_so() {
        Run r = run("generate", "--model", SharedData.require("vocab/ggml-vocab-gpt-2.gguf").toString(), "--prompt", "hi");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("no tensors"), r.err());
    }

    @Test
    void a_corrupt_file_gives_one_clear_line_and_no_stack_trace(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'X', 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        Run r = run("inspect", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: invalid GGUF: magic"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        Run missing = run("generate", "--model", dir.resolve("nope.gguf").toString(), "--prompt", "x");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void memory_mapped_weights_give_the_same_tokens_as_read_weights() throws Exception {
        String[] args = {"generate", "--model", MODEL, "--prompt", "Once upon a time", "--max-tokens", "16", "--temperature", "0", "--json"};
        String[] mapped = java.util.Arrays.copyOf(args, args.length + 1);
        mapped[args.length] = "--mmap";
        assertEquals(new ObjectMapper().readTree(run(args).out()).get("ids"), new ObjectMapper().readTree(run(mapped).out()).get("ids"));
    }

    @Test
    void chat_answers_each_line_and_quits_on_exit() {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("Tell me a story\n/reset\nOnce upon a time\n/exit\n".getBytes()));
            Run r = run("chat", "--model", MODEL, "--temperature", "0", "--max-tokens", "12");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("template: plain"), r.out());
            assertTrue(r.out().contains("(conversation cleared)"), r.out());
            // two replies were generated, each a non-empty line after a prompt marker
            assertEquals(4, r.out().split("> ", -1).length - 1, r.out());
            for (String reply : r.out().split("> ")) assertFalse(reply.isEmpty());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void invalid_sampling_values_are_rejected_with_their_range() {
        Run r = run("generate", "--model", MODEL, "--prompt", "x", "--top-p", "1.5");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("top_p must be in (0, 1], got 1.5"), r.err());
    }
}
