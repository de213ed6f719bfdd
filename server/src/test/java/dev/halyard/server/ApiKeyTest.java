package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With --api-key, every route but /health needs {@code Authorization: Bearer <key>} (else 401 invalid_api_key). */
class ApiKeyTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start(c -> c.withApiKey("sk-test"));
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    HttpRequest.Builder to(String path) {
        return HttpRequest.newBuilder(URI.create(ts.api.base + path));
    }

    @Test
    void without_the_key_requests_are_401_but_health_answers() {
        assertEquals(200, ts.api.get("/health").status());
        ts.api.get("/v1/models").error(401, "invalid_api_key");
        ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 1)).error(401, "invalid_api_key");
        ts.api.send(to("/v1/models").header("Authorization", "Bearer wrong").build()).error(401, "invalid_api_key");
        ts.api.send(to("/v1/models").header("Authorization", "Basic sk-test").build()).error(401, "invalid_api_key");
    }

    @Test
    void with_the_bearer_key_requests_are_served() {
        assertEquals(200, ts.api.send(to("/v1/models").header("Authorization", "Bearer sk-test").build()).status());
        assertEquals(200, ts.api.send(to("/v1/chat/completions").header("Authorization", "bearer sk-test").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Api.write(chat("Hi", "max_tokens", 1)))).build()).status());
    }
}
