package dev.halyard.server;

import static dev.halyard.server.Api.completion;
import static dev.halyard.server.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/completions: prompt shapes, echo, legacy logprobs, n per prompt, streaming. */
class CompletionsTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    static JsonNode ok(Object body) {
        Api.Response r = ts.api.post("/v1/completions", body);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    static String text(JsonNode c, int i) {
        return c.get("choices").get(i).get("text").asText();
    }

    @Test
    void a_completion_continues_the_prompt_with_sixteen_tokens_by_default() {
        JsonNode c = ok(completion("Once upon a time"));
        assertEquals("text_completion", c.get("object").asText());
        assertTrue(c.get("id").asText().startsWith("cmpl-"));
        assertEquals(16, c.get("usage").get("completion_tokens").asInt());
        assertEquals("length", c.get("choices").get(0).get("finish_reason").asText());
        assertTrue(text(c, 0).startsWith(","), text(c, 0)); // stories260K: "Once upon a time, there was..."
    }

    @Test
    void echo_with_logprobs_returns_prompt_and_completion_tokens_in_the_legacy_format() {
        JsonNode c = ok(completion("Once upon a time", "max_tokens", 6, "echo", true, "logprobs", 2));
        String t = text(c, 0);
        assertTrue(t.startsWith("Once upon a time"), t);
        JsonNode lp = c.get("choices").get(0).get("logprobs");
        int prompt = c.get("usage").get("prompt_tokens").asInt();
        assertEquals(prompt + 6, lp.get("tokens").size());
        assertEquals(prompt + 6, lp.get("token_logprobs").size());
        assertEquals(prompt + 6, lp.get("text_offset").size());
        assertTrue(lp.get("token_logprobs").get(0).isNull(), "nothing predicts the first token");
        assertTrue(lp.get("top_logprobs").get(0).isNull());
        for (int i = 1; i < prompt + 6; i++) {
            assertTrue(lp.get("token_logprobs").get(i).asDouble() <= 0);
            assertTrue(lp.get("top_logprobs").get(i).size() >= 1 && lp.get("top_logprobs").get(i).size() <= 2);
            assertTrue(lp.get("text_offset").get(i).asInt() >= lp.get("text_offset").get(i - 1).asInt());
        }
        // greedy: each generated token is the most likely one
        for (int i = prompt; i < prompt + 6; i++) {
            double best = lp.get("top_logprobs").get(i).elements().next().asDouble();
            assertEquals(best, lp.get("token_logprobs").get(i).asDouble(), 1e-6);
        }
    }

    @Test
    void a_list_of_prompts_with_n_two_gives_choices_ordered_by_prompt_then_sample() {
        JsonNode c = ok(completion(List.of("Once upon a time", "The cat"), "n", 2, "max_tokens", 4, "temperature", 1, "seed", 11));
        assertEquals(4, c.get("choices").size());
        for (int i = 0; i < 4; i++) assertEquals(i, c.get("choices").get(i).get("index").asInt());
        assertEquals(text(ok(completion("The cat", "max_tokens", 4, "temperature", 1, "seed", 12)), 0), text(c, 3));
        assertEquals(16, c.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void a_prompt_of_token_ids_is_the_same_as_its_text() {
        JsonNode ids = ts.api.post("/tokenize", obj("content", "Once upon a time", "add_special", true)).json().get("tokens");
        List<Integer> prompt = new java.util.ArrayList<>();
        ids.forEach(n -> prompt.add(n.asInt()));
        assertEquals(text(ok(completion("Once upon a time", "max_tokens", 8)), 0), text(ok(completion(prompt, "max_tokens", 8)), 0));
        assertEquals(text(ok(completion("Once upon a time", "max_tokens", 8)), 0), text(ok(completion(List.of(prompt), "max_tokens", 8)), 0));
    }

    @Test
    void a_streamed_completion_sends_text_chunks_finish_and_usage() {
        Api.Stream s = ts.api.stream("/v1/completions", completion("Once upon a time", "max_tokens", 8, "stream", true,
                "stream_options", obj("include_usage", true), "logprobs", 1));
        assertEquals("[DONE]", s.events().getLast());
        StringBuilder t = new StringBuilder();
        String finish = null;
        int tokens = 0;
        for (JsonNode c : s.chunks()) {
            assertEquals("text_completion", c.get("object").asText());
            for (JsonNode ch : c.get("choices")) {
                t.append(ch.get("text").asText());
                if (ch.hasNonNull("finish_reason")) finish = ch.get("finish_reason").asText();
                if (ch.hasNonNull("logprobs")) tokens += ch.get("logprobs").get("tokens").size();
            }
        }
        assertEquals(text(ok(completion("Once upon a time", "max_tokens", 8)), 0), t.toString());
        assertEquals("length", finish);
        assertEquals(8, tokens);
        assertEquals(8, s.chunks().getLast().get("usage").get("completion_tokens").asInt());
    }

    @Test
    void the_empty_prompt_starts_a_story_from_bos() {
        JsonNode c = ok(completion("", "max_tokens", 10));
        assertEquals(1, c.get("usage").get("prompt_tokens").asInt());
        assertTrue(!text(c, 0).isEmpty() && !text(c, 0).startsWith(" "), text(c, 0));
    }
}
