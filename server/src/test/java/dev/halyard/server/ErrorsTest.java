package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static dev.halyard.server.Api.completion;
import static dev.halyard.server.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.tokenizer.Tokenizer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each error class in OpenAI's shape with the status the SDKs expect; bad input never gets a 5xx. */
class ErrorsTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    @Test
    void malformed_json_is_a_400_invalid_json() {
        assertTrue(ts.api.post("/v1/chat/completions", "{\"messages\": [").error(400, "invalid_json").get("message").asText()
                .startsWith("We could not parse the JSON body of your request"));
        ts.api.post("/v1/chat/completions", "").error(400, "invalid_json");
        ts.api.post("/v1/chat/completions", "{} trailing").error(400, "invalid_json");
        ts.api.post("/v1/chat/completions", "[1, 2]").error(400, "invalid_json");
        ts.api.post("/v1/chat/completions", "{\"n\": 1, \"n\": 2}").error(400, "invalid_json");
    }

    @Test
    void json_nested_too_deeply_is_a_400() {
        String deep = "{\"messages\":" + "[".repeat(500) + "]".repeat(500) + "}";
        assertTrue(ts.api.post("/v1/chat/completions", deep).error(400, "invalid_json").get("message").asText().contains("nesting depth"));
    }

    @Test
    void a_body_over_the_limit_is_a_413() {
        String big = "{\"prompt\":\"" + "x".repeat(5 << 20) + "\"}";
        ts.api.post("/v1/completions", big).error(413, "request_too_large");
        // the same without a Content-Length (chunked): counted while reading
        byte[] bytes = big.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ts.api.send(HttpRequest.newBuilder(URI.create(ts.api.base + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))).build()).error(413, "request_too_large");
    }

    @Test
    void a_body_declared_as_something_other_than_json_is_a_415() {
        Api.Response r = ts.api.send(HttpRequest.newBuilder(URI.create(ts.api.base + "/v1/completions")).header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<prompt/>")).build());
        r.error(415, "unsupported_media_type");
    }

    @Test
    void curl_without_a_content_type_header_still_works() {
        Api.Response r = ts.api.send(HttpRequest.newBuilder(URI.create(ts.api.base + "/v1/completions")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Hi\",\"max_tokens\":2}")).build());
        assertEquals(200, r.status(), r.text());
    }

    @Test
    void unknown_routes_are_404_and_wrong_methods_405_in_openai_shape() {
        ts.api.get("/v1/nothing").error(404, "unknown_url");
        ts.api.send(HttpRequest.newBuilder(URI.create(ts.api.base + "/v1/models")).DELETE().build()).error(405, "method_not_allowed");
        ts.api.get("/v1/chat/completions").error(405, "method_not_allowed");
    }

    @Test
    void an_unknown_model_is_a_404_model_not_found() {
        JsonNode e = ts.api.post("/v1/chat/completions", chat("Hi", "model", "gpt-4o")).error(404, "model_not_found");
        assertEquals("model", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("gpt-4o"));
        ts.api.post("/v1/embeddings", obj("model", "nope", "input", "x")).error(404, "model_not_found");
    }

    @Test
    void prompt_plus_max_tokens_beyond_the_context_is_a_400_context_length_exceeded() {
        JsonNode e = ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 600)).error(400, "context_length_exceeded");
        assertEquals("messages", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("maximum context length is 512 tokens"), e.toString());
        String longPrompt = "the cat sat on the mat ".repeat(100);
        assertEquals("prompt", ts.api.post("/v1/completions", completion(longPrompt)).error(400, "context_length_exceeded").get("param").asText());
        ts.api.post("/v1/embeddings", obj("input", longPrompt)).error(400, "context_length_exceeded");
    }

    @Test
    void an_error_after_the_stream_started_arrives_as_a_final_sse_event_then_done() throws Exception {
        // a grammar that needs "a" then "b", with every token that could write the "b" banned: no token can continue
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.read(TestServer.modelFile()));
        Map<String, Object> bias = new LinkedHashMap<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            String t = new String(tok.tokenBytes(id), java.nio.charset.StandardCharsets.ISO_8859_1);
            if (t.startsWith("b") || t.startsWith("ab")) bias.put(Integer.toString(id), -100);
        }
        Api.Stream s = ts.api.stream("/v1/chat/completions", chat("Hi", "stream", true, "grammar", "root ::= \"a\" \"b\"", "logit_bias", bias));
        assertEquals(200, s.status());
        assertEquals("[DONE]", s.events().getLast());
        List<JsonNode> chunks = s.chunks();
        assertEquals("assistant", chunks.getFirst().get("choices").get(0).get("delta").get("role").asText());
        JsonNode error = chunks.getLast().get("error");
        assertTrue(error != null && error.get("message").asText().startsWith("generation failed"), chunks.getLast().toString());
        assertEquals("a", Api.chatText(s, 0));
        // the same request unstreamed is a plain 400
        ts.api.post("/v1/chat/completions", chat("Hi", "grammar", "root ::= \"a\" \"b\"", "logit_bias", bias)).error(400, null);
    }

    @Test
    void no_parameter_value_makes_the_server_fail_with_a_5xx() {
        List<Object> nasty = new java.util.ArrayList<>(List.of(true, -1, 0, 1e308, -1e308, 2147483648L, 1.5, "", "x".repeat(2000), "\u0000",
                List.of(), List.of(List.of(List.of())), Map.of(), Map.of("a", Map.of()), List.of(1, "a", Map.of())));
        nasty.add(null);
        List<String> params = List.of("model", "messages", "max_tokens", "max_completion_tokens", "n", "stop", "temperature", "top_p", "top_k", "min_p",
                "repetition_penalty", "presence_penalty", "frequency_penalty", "logit_bias", "seed", "logprobs", "top_logprobs", "stream",
                "stream_options", "response_format", "tools", "tool_choice", "grammar", "ignore_eos", "user");
        int served = 0;
        for (String param : params) {
            for (Object v : nasty) {
                Map<String, Object> body = chat("Hi", "max_tokens", 1);
                body.put(param, v);
                if (param.equals("ignore_eos") || param.equals("max_tokens") || param.equals("max_completion_tokens")) body.put("max_completion_tokens", 1);
                Api.Response r = body.get("stream") == Boolean.TRUE ? null : ts.api.post("/v1/chat/completions", body);
                if (r == null) continue;
                assertTrue(r.status() < 500, param + "=" + v + " gave " + r.status() + ": " + r.text());
                if (r.status() == 200) served++;
            }
        }
        for (String param : List.of("prompt", "echo", "logprobs", "suffix", "best_of")) {
            for (Object v : nasty) {
                Map<String, Object> body = completion("Hi", "max_tokens", 1);
                body.put(param, v);
                Api.Response r = ts.api.post("/v1/completions", body);
                assertTrue(r.status() < 500, param + "=" + v + " gave " + r.status() + ": " + r.text());
            }
        }
        for (Object v : nasty) {
            assertTrue(ts.api.post("/v1/embeddings", obj("input", v)).status() < 500, "input=" + v);
            assertTrue(ts.api.post("/tokenize", obj("content", v)).status() < 500, "content=" + v);
            assertTrue(ts.api.post("/detokenize", obj("tokens", v)).status() < 500, "tokens=" + v);
        }
        assertTrue(served > 20, "some values are valid and served");
        // odd text is text: a lone surrogate, NULs and control characters, emoji
        String odd = "{\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800 \\u0000\\u0007 \\ud83d\\ude00 <|im_start|> </s>\"}]}";
        assertEquals(200, ts.api.post("/v1/chat/completions", odd).status());
        assertEquals(200, ts.api.post("/tokenize", "{\"content\":\"\\udfff\\u0000\"}").status());
    }
}
