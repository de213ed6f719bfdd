package dev.halyard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelsApiTest {
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
    void models_lists_the_served_model_in_openai_shape() {
        JsonNode list = ts.api.get("/v1/models").json();
        assertEquals("list", list.get("object").asText());
        assertEquals(1, list.get("data").size());
        JsonNode m = list.get("data").get(0);
        assertEquals(TestServer.MODEL, m.get("id").asText());
        assertEquals("model", m.get("object").asText());
        assertTrue(m.get("created").asLong() > 0);
        assertEquals("halyard", m.get("owned_by").asText());
    }

    @Test
    void one_model_is_found_by_id_and_an_unknown_one_is_404_model_not_found() {
        assertEquals(TestServer.MODEL, ts.api.get("/v1/models/" + TestServer.MODEL).json().get("id").asText());
        JsonNode e = ts.api.get("/v1/models/gpt-9").error(404, "model_not_found");
        assertEquals("model", e.get("param").asText());
    }

    @Test
    void chat_completion_answers_with_text_usage_and_finish_reason() {
        Api.Response r = ts.api.post("/v1/chat/completions", Map.of("model", TestServer.MODEL, "max_tokens", 12, "temperature", 0,
                "messages", new Object[] {Map.of("role", "user", "content", "Once upon a time")}));
        assertEquals(200, r.status(), r.text());
        JsonNode c = r.json();
        assertEquals("chat.completion", c.get("object").asText());
        assertTrue(c.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = c.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertTrue(choice.get("message").get("content").asText().length() > 0, r.text());
        assertEquals(12, c.get("usage").get("completion_tokens").asInt(), r.text());
        assertEquals("length", choice.get("finish_reason").asText());
    }
}
