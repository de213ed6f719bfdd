package dev.halyard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A plain HTTP client for the server's API (Java's HttpClient, JSON with Jackson). */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();

    final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    Api(String base) {
        this.base = base;
    }

    /** A response: status, headers we look at, and the body parsed as JSON (null when it is not JSON). */
    record Response(int status, String contentType, String retryAfter, String text) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }

        /** Asserts OpenAI's error shape with this status and code; returns the error object. */
        JsonNode error(int expectedStatus, String expectedCode) {
            assertEquals(expectedStatus, status, text);
            JsonNode e = json().get("error");
            assertTrue(e != null && e.hasNonNull("message") && e.hasNonNull("type") && e.has("param") && e.has("code"), text);
            if (expectedCode != null) assertEquals(expectedCode, e.get("code").asText(), text);
            return e;
        }
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    Response post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    Response post(String path, Object body) {
        return post(path, write(body));
    }

    Response send(HttpRequest req) {
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                    r.headers().firstValue("Retry-After").orElse(null), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** A streamed request: the status and every {@code data:} payload in order (including "[DONE]"). */
    record Stream(int status, String contentType, List<String> events) {
        /** The JSON events (all but [DONE]). */
        List<JsonNode> chunks() {
            List<JsonNode> out = new ArrayList<>();
            for (String e : events) {
                if (e.equals("[DONE]")) continue;
                try {
                    out.add(JSON.readTree(e));
                } catch (IOException ex) {
                    throw new AssertionError("not JSON: " + e, ex);
                }
            }
            return out;
        }
    }

    Stream stream(String path, Object body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(write(body))).build();
        try {
            HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            List<String> events = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) if (line.startsWith("data: ")) events.add(line.substring(6));
            }
            return new Stream(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), events);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** A JSON object from key/value pairs, in order. */
    static java.util.Map<String, Object> obj(Object... kv) {
        var m = new java.util.LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** A one-message chat request body (greedy unless the extra pairs say otherwise). */
    static java.util.Map<String, Object> chat(String user, Object... extra) {
        var m = obj("model", TestServer.MODEL, "messages", List.of(obj("role", "user", "content", user)), "temperature", 0);
        for (int i = 0; i < extra.length; i += 2) m.put((String) extra[i], extra[i + 1]);
        return m;
    }

    /** A completions request body (greedy unless the extra pairs say otherwise). */
    static java.util.Map<String, Object> completion(Object prompt, Object... extra) {
        var m = obj("model", TestServer.MODEL, "prompt", prompt, "temperature", 0);
        for (int i = 0; i < extra.length; i += 2) m.put((String) extra[i], extra[i + 1]);
        return m;
    }

    static String write(Object body) {
        try {
            return body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text of a streamed chat completion's choice {@code index}. */
    static String chatText(Stream s, int index) {
        StringBuilder t = new StringBuilder();
        for (JsonNode c : s.chunks())
            for (JsonNode ch : c.path("choices")) if (ch.path("index").asInt() == index && ch.path("delta").hasNonNull("content")) t.append(ch.path("delta").path("content").asText());
        return t.toString();
    }
}
