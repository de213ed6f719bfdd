package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static dev.halyard.server.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/chat/completions on stories260K: plain, streamed, n, stop, seeds, logprobs. */
class ChatCompletionsTest {
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
        Api.Response r = ts.api.post("/v1/chat/completions", body);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    static String content(JsonNode completion, int choice) {
        return completion.get("choices").get(choice).get("message").get("content").asText();
    }

    @Test
    void a_chat_completion_has_openai_shape_text_usage_and_finish_reason() {
        JsonNode c = ok(chat("Once upon a time", "max_tokens", 12));
        assertEquals("chat.completion", c.get("object").asText());
        assertTrue(c.get("id").asText().startsWith("chatcmpl-"));
        assertEquals(TestServer.MODEL, c.get("model").asText());
        assertTrue(c.get("created").asLong() > 1_600_000_000L);
        JsonNode choice = c.get("choices").get(0);
        assertEquals(0, choice.get("index").asInt());
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertFalse(content(c, 0).isEmpty());
        assertTrue(choice.get("logprobs").isNull());
        assertEquals("length", choice.get("finish_reason").asText());
        JsonNode u = c.get("usage");
        assertEquals(12, u.get("completion_tokens").asInt());
        assertTrue(u.get("prompt_tokens").asInt() > 3);
        assertEquals(u.get("prompt_tokens").asInt() + 12, u.get("total_tokens").asInt());
    }

    @Test
    void a_streamed_chat_completion_sends_role_then_deltas_then_finish_then_usage_then_done() {
        Api.Stream s = ts.api.stream("/v1/chat/completions", chat("Once upon a time", "max_tokens", 10, "stream", true,
                "stream_options", obj("include_usage", true)));
        assertEquals(200, s.status());
        assertTrue(s.contentType().startsWith("text/event-stream"), s.contentType());
        assertEquals("[DONE]", s.events().getLast());
        List<JsonNode> chunks = s.chunks();
        assertEquals("assistant", chunks.getFirst().get("choices").get(0).get("delta").get("role").asText());
        for (JsonNode c : chunks) {
            assertEquals("chat.completion.chunk", c.get("object").asText());
            assertEquals(chunks.getFirst().get("id").asText(), c.get("id").asText());
        }
        JsonNode usageChunk = chunks.getLast();
        assertEquals(0, usageChunk.get("choices").size());
        assertEquals(10, usageChunk.get("usage").get("completion_tokens").asInt());
        JsonNode last = chunks.get(chunks.size() - 2).get("choices").get(0);
        assertEquals("length", last.get("finish_reason").asText());
        assertTrue(chunks.get(1).get("usage").isNull(), "chunks before the last carry usage: null");
        // the streamed text is the text of the same request unstreamed
        assertEquals(content(ok(chat("Once upon a time", "max_tokens", 10)), 0), Api.chatText(s, 0));
    }

    @Test
    void without_include_usage_the_stream_has_no_usage_chunk() {
        Api.Stream s = ts.api.stream("/v1/chat/completions", chat("Hi", "max_tokens", 3, "stream", true));
        for (JsonNode c : s.chunks()) assertEquals(1, c.get("choices").size());
    }

    @Test
    void n_two_gives_two_choices_each_the_same_as_alone_with_consecutive_seeds() {
        JsonNode two = ok(chat("Tell a story", "n", 2, "temperature", 1, "seed", 7, "max_tokens", 16));
        assertEquals(2, two.get("choices").size());
        assertEquals(1, two.get("choices").get(1).get("index").asInt());
        assertEquals(32, two.get("usage").get("completion_tokens").asInt());
        assertEquals(content(ok(chat("Tell a story", "temperature", 1, "seed", 7, "max_tokens", 16)), 0), content(two, 0));
        assertEquals(content(ok(chat("Tell a story", "temperature", 1, "seed", 8, "max_tokens", 16)), 0), content(two, 1));
    }

    @Test
    void a_seed_reproduces_a_sampled_completion_and_another_seed_changes_it() {
        String a = content(ok(chat("Tell a story", "temperature", 1, "seed", 42, "max_tokens", 24)), 0);
        String b = content(ok(chat("Tell a story", "temperature", 1, "seed", 42, "max_tokens", 24)), 0);
        String c = content(ok(chat("Tell a story", "temperature", 1, "seed", 43, "max_tokens", 24)), 0);
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void a_stop_string_ends_the_text_before_it_with_finish_reason_stop() {
        String full = content(ok(chat("Once upon a time", "max_tokens", 30)), 0);
        String word = full.strip().split("\\s+")[2];
        JsonNode c = ok(chat("Once upon a time", "max_tokens", 30, "stop", List.of(word, "zzzz")));
        String cut = content(c, 0);
        assertEquals(full.substring(0, full.indexOf(word)), cut);
        assertEquals("stop", c.get("choices").get(0).get("finish_reason").asText());
        // streamed, the stop string never shows, not even in part
        Api.Stream s = ts.api.stream("/v1/chat/completions", chat("Once upon a time", "max_tokens", 30, "stop", word, "stream", true));
        assertEquals(cut, Api.chatText(s, 0));
    }

    @Test
    void logprobs_give_each_token_with_its_top_alternatives_most_likely_first() {
        JsonNode c = ok(chat("Once upon a time", "max_tokens", 8, "logprobs", true, "top_logprobs", 3));
        JsonNode content = c.get("choices").get(0).get("logprobs").get("content");
        assertEquals(8, content.size());
        StringBuilder text = new StringBuilder();
        for (JsonNode t : content) {
            text.append(t.get("token").asText());
            assertTrue(t.get("logprob").asDouble() <= 0);
            assertTrue(t.get("bytes").isArray());
            JsonNode top = t.get("top_logprobs");
            assertEquals(3, top.size());
            assertTrue(top.get(0).get("logprob").asDouble() >= top.get(1).get("logprob").asDouble());
            // greedy: the chosen token is the most likely one
            assertEquals(top.get(0).get("token").asText(), t.get("token").asText());
            assertEquals(top.get(0).get("logprob").asDouble(), t.get("logprob").asDouble(), 1e-6);
        }
        assertEquals(content(c, 0), text.toString());
    }

    @Test
    void content_as_text_parts_is_the_same_as_content_as_a_string() {
        var parts = obj("model", TestServer.MODEL, "temperature", 0, "max_tokens", 8,
                "messages", List.of(obj("role", "user", "content", List.of(obj("type", "text", "text", "Once upon a time")))));
        assertEquals(content(ok(chat("Once upon a time", "max_tokens", 8)), 0), content(ok(parts), 0));
    }

    @Test
    void max_completion_tokens_limits_the_reply() {
        JsonNode c = ok(chat("Once upon a time", "max_completion_tokens", 5));
        assertEquals(5, c.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void the_model_may_be_omitted_when_one_model_is_served() {
        var body = chat("Hi", "max_tokens", 2);
        body.remove("model");
        assertEquals(TestServer.MODEL, ok(body).get("model").asText());
    }

    @Test
    void optional_parameters_sent_as_null_are_ignored() {
        JsonNode c = ok(chat("Hi", "max_tokens", 2, "top_p", null, "stop", null, "seed", null, "tools", null, "user", "someone"));
        assertEquals(2, c.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void a_conversation_with_system_assistant_and_tool_messages_is_accepted() {
        var body = obj("model", TestServer.MODEL, "temperature", 0, "max_tokens", 4, "messages", List.of(
                obj("role", "system", "content", "You tell stories."),
                obj("role", "user", "content", "What is the weather?"),
                obj("role", "assistant", "content", null, "tool_calls", List.of(obj("id", "call_1", "type", "function",
                        "function", obj("name", "weather", "arguments", "{\"city\":\"Paris\"}")))),
                obj("role", "tool", "tool_call_id", "call_1", "content", "sunny"),
                obj("role", "developer", "content", "Be brief.")));
        assertEquals(4, ok(body).get("usage").get("completion_tokens").asInt());
    }
}
