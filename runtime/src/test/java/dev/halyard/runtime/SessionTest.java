package dev.halyard.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.sampling.SamplingParams;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generation end to end on the real stories260K model: tokenizer → forward → sampler → detokeniser. */
class SessionTest {
    static Model model;
    static Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        Path p = SharedData.require("models/stories260K/stories260K.gguf");
        model = Model.load(p, ModelOptions.defaults().withThreads(2));
        tok = Tokenizer.fromGguf(model.gguf());
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    @Test
    void greedy_256_tokens_from_the_empty_prompt_match_llama2_c() throws Exception {
        String want = Files.readString(SharedData.require("models/stories260K/greedy-256-tokens.txt"), StandardCharsets.UTF_8);
        int[] prompt = tok.encode("", true, true);
        assertArrayEquals(new int[] {tok.bosId()}, prompt);
        StringBuilder streamed = new StringBuilder();
        GenerationResult r = new Session(model, tok, 512).generate(
                new GenerationRequest(prompt, 256, SamplingParams.greedy(), List.of(), true), streamed::append);
        assertEquals(256, r.ids().length);
        assertEquals(want.strip(), r.text().strip());
        assertEquals(r.text(), streamed.toString());
    }

    @Test
    void once_upon_a_time_tokenizes_and_continues_like_the_golden_file() throws Exception {
        int[] prompt = tok.encode("Once upon a time", true, true);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, prompt);
        GenerationResult r = new Session(model, tok, 256).generate(
                new GenerationRequest(prompt, 32, SamplingParams.greedy(), List.of(), false), s -> { });
        assertEquals(", there was a little girl named Lily. She loved to play outside in the park. One day, she saw", r.text());
        assertEquals(GenerationResult.FinishReason.LENGTH, r.finish());
    }

    @Test
    void a_stop_string_ends_generation_and_is_not_included() {
        int[] prompt = tok.encode("Once upon a time", true, true);
        GenerationResult r = new Session(model, tok, 256).generate(
                new GenerationRequest(prompt, 64, SamplingParams.greedy(), List.of("Lily"), false), s -> { });
        assertEquals(", there was a little girl named ", r.text());
        assertEquals(GenerationResult.FinishReason.STOP, r.finish());
    }

    @Test
    void the_same_seed_gives_the_same_text() {
        int[] prompt = tok.encode("Once upon a time", true, true);
        SamplingParams p = SamplingParams.defaults().withTemperature(1.0f).withSeed(1234);
        String a = new Session(model, tok, 256).generate(new GenerationRequest(prompt, 40, p, List.of(), false), s -> { }).text();
        String b = new Session(model, tok, 256).generate(new GenerationRequest(prompt, 40, p, List.of(), false), s -> { }).text();
        assertEquals(a, b);
    }

    @Test
    void a_second_turn_reuses_the_cached_prefix() {
        Session s = new Session(model, tok, 256);
        int[] first = tok.encode("Once upon a time", true, true);
        GenerationResult r1 = s.generate(new GenerationRequest(first, 8, SamplingParams.greedy(), List.of(), false), x -> { });
        int[] held = s.tokens();
        int[] second = new int[held.length + 3];
        System.arraycopy(held, 0, second, 0, held.length);
        second[held.length] = r1.ids()[r1.ids().length - 1];
        second[held.length + 1] = 261;
        second[held.length + 2] = 378;
        GenerationResult r2 = s.generate(new GenerationRequest(second, 4, SamplingParams.greedy(), List.of(), false), x -> { });
        assertEquals(3, r2.timings().promptTokens(), "only the new tokens are processed");
        // and the result equals a fresh session's
        GenerationResult fresh = new Session(model, tok, 256).generate(new GenerationRequest(second, 4, SamplingParams.greedy(), List.of(), false), x -> { });
        assertArrayEquals(fresh.ids(), r2.ids());
    }

    @Test
    void a_prompt_longer_than_the_context_is_rejected_with_its_size() {
        int[] prompt = tok.encode("Once upon a time there was a cat", true, true);
        var e = assertThrows(ContextLengthExceededException.class, () -> new Session(model, tok, 4).generate(
                new GenerationRequest(prompt, 4, SamplingParams.greedy(), List.of(), false), x -> { }));
        assertTrue(e.getMessage().contains(prompt.length + " tokens"), e.getMessage());
    }

    @Test
    void generation_stops_at_the_context_window_with_length() {
        int[] prompt = tok.encode("Once upon a time", true, true);
        GenerationResult r = new Session(model, tok, 10).generate(new GenerationRequest(prompt, 100, SamplingParams.greedy(), List.of(), true), x -> { });
        assertEquals(10 - prompt.length, r.ids().length);
        assertEquals(GenerationResult.FinishReason.LENGTH, r.finish());
    }
}
