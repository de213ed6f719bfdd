package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static dev.halyard.server.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Output constrained while decoding, on a model that knows no JSON (stories260K): whatever it would
 * say, the reply parses and validates.
 */
class ConstrainedOutputTest {
    static TestServer ts;

    static final Object PERSON = obj("type", "object", "properties", obj(
            "name", obj("type", "string", "maxLength", 12),
            "age", obj("type", "integer", "minimum", 0, "maximum", 150),
            "pet", obj("enum", List.of("cat", "dog"))), "required", List.of("name", "age", "pet"), "additionalProperties", false);

    // small tools: their description must fit stories260K's 512-token context with room for the call
    static final Object WEATHER = obj("type", "function", "function", obj("name", "get_weather",
            "parameters", obj("type", "object", "properties", obj("city", obj("type", "string", "maxLength", 10),
                    "unit", obj("enum", List.of("C", "F"))), "required", List.of("city", "unit"))));
    static final Object TIME = obj("type", "function", "function", obj("name", "get_time",
            "parameters", obj("type", "object", "properties", obj("zone", obj("type", "string", "maxLength", 5)), "required", List.of("zone"))));

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

    static JsonNode parse(String s) {
        try {
            return Api.JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    @Test
    void json_schema_output_always_parses_and_validates() {
        for (int seed = 1; seed <= 3; seed++) {
            JsonNode c = ok(chat("Tell me about a person", "temperature", 1, "seed", seed, "max_tokens", 120,
                    "response_format", obj("type", "json_schema", "json_schema", obj("name", "person", "schema", PERSON))));
            JsonNode choice = c.get("choices").get(0);
            assertEquals("stop", choice.get("finish_reason").asText(), c.toString());
            JsonNode p = parse(choice.get("message").get("content").asText());
            assertEquals(Set.of("name", "age", "pet"), Set.copyOf(List.copyOf(iterable(p.fieldNames()))));
            assertTrue(p.get("name").isTextual() && p.get("name").asText().length() <= 12, p.toString());
            assertTrue(p.get("age").isIntegralNumber() && p.get("age").asInt() >= 0 && p.get("age").asInt() <= 150, p.toString());
            assertTrue(Set.of("cat", "dog").contains(p.get("pet").asText()), p.toString());
        }
    }

    @Test
    void json_object_output_is_a_json_object() {
        JsonNode c = ok(chat("Say something", "temperature", 1, "seed", 5, "max_tokens", 60, "response_format", obj("type", "json_object")));
        String text = c.get("choices").get(0).get("message").get("content").asText();
        if (c.get("choices").get(0).get("finish_reason").asText().equals("stop")) assertTrue(parse(text).isObject(), text);
        else assertTrue(text.startsWith("{"), text);
    }

    @Test
    void a_gbnf_grammar_limits_the_reply_to_its_language() {
        JsonNode c = ok(chat("Yes or no?", "temperature", 1, "seed", 3, "max_tokens", 10, "grammar", "root ::= \"yes\" | \"no\""));
        assertTrue(Set.of("yes", "no").contains(c.get("choices").get(0).get("message").get("content").asText()), c.toString());
    }

    @Test
    void tool_choice_required_returns_a_tool_call_whose_arguments_follow_the_schema() {
        JsonNode c = ok(chat("What is the weather in Paris?", "tools", List.of(WEATHER, TIME), "tool_choice", "required"));
        JsonNode choice = c.get("choices").get(0);
        assertEquals("tool_calls", choice.get("finish_reason").asText(), c.toString());
        assertTrue(choice.get("message").get("content").isNull());
        JsonNode call = choice.get("message").get("tool_calls").get(0);
        assertTrue(call.get("id").asText().startsWith("call_"));
        assertEquals("function", call.get("type").asText());
        String name = call.get("function").get("name").asText();
        JsonNode args = parse(call.get("function").get("arguments").asText());
        if (name.equals("get_weather")) {
            assertTrue(args.get("city").isTextual());
            assertTrue(Set.of("C", "F").contains(args.get("unit").asText()), args.toString());
        } else {
            assertEquals("get_time", name);
            assertTrue(args.get("zone").isTextual());
        }
    }

    @Test
    void a_named_tool_choice_calls_that_function() {
        JsonNode c = ok(chat("Hi", "tools", List.of(WEATHER, TIME),
                "tool_choice", obj("type", "function", "function", obj("name", "get_time"))));
        JsonNode call = c.get("choices").get(0).get("message").get("tool_calls").get(0);
        assertEquals("get_time", call.get("function").get("name").asText());
        assertTrue(parse(call.get("function").get("arguments").asText()).get("zone").isTextual());
    }

    @Test
    void a_forced_tool_call_streams_as_tool_call_deltas() {
        Api.Stream s = ts.api.stream("/v1/chat/completions", chat("Weather?", "stream", true, "tools", List.of(WEATHER),
                "tool_choice", "required"));
        StringBuilder args = new StringBuilder();
        String name = null, finish = null;
        for (JsonNode c : s.chunks()) {
            for (JsonNode ch : c.get("choices")) {
                for (JsonNode tc : ch.path("delta").path("tool_calls")) {
                    if (tc.path("function").hasNonNull("name")) name = tc.get("function").get("name").asText();
                    args.append(tc.path("function").path("arguments").asText(""));
                }
                if (ch.hasNonNull("finish_reason")) finish = ch.get("finish_reason").asText();
            }
        }
        assertEquals("get_weather", name);
        assertEquals("tool_calls", finish);
        assertTrue(parse(args.toString()).get("city").isTextual(), args.toString());
        assertEquals("", Api.chatText(s, 0), "no raw call text leaks into the content");
    }

    @Test
    void tool_choice_auto_falls_back_to_content_when_the_model_writes_no_call() {
        JsonNode c = ok(chat("Once upon a time", "max_tokens", 12, "tools", List.of(WEATHER)));
        JsonNode choice = c.get("choices").get(0);
        assertTrue(choice.get("message").get("content").asText().length() > 0, c.toString());
        assertTrue(choice.get("message").path("tool_calls").isMissingNode(), c.toString());
        assertEquals("length", choice.get("finish_reason").asText());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
