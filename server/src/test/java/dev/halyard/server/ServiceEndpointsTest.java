package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /health, /metrics, /api/ps, /openapi.json. */
class ServiceEndpointsTest {
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
    void health_is_ok_when_nothing_is_loading() {
        Api.Response r = ts.api.get("/health");
        assertEquals(200, r.status());
        assertEquals("ok", r.json().get("status").asText());
    }

    @Test
    void metrics_expose_latency_histograms_token_counters_and_engine_gauges_per_model() {
        assertEquals(200, ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 5)).status());
        Api.Response r = ts.api.get("/metrics");
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("text/plain"), r.contentType());
        String m = r.text();
        for (String family : List.of("halyard_time_to_first_token_seconds_bucket", "halyard_inter_token_latency_seconds_bucket",
                "halyard_e2e_request_latency_seconds_bucket", "halyard_request_queue_time_seconds_bucket", "halyard_prompt_tokens_total",
                "halyard_generation_tokens_total", "halyard_num_requests_running", "halyard_num_requests_waiting",
                "halyard_kv_cache_usage_perc", "halyard_request_success_total"))
            assertTrue(m.contains(family + "{") && m.contains("model=\"" + TestServer.MODEL + "\""), family + " missing:\n" + m);
        assertTrue(m.contains("halyard_generation_tokens_total{model=\"stories260K\"} "), m);
    }

    @Test
    void ps_lists_the_loaded_model_with_its_kv_usage_and_expiry() {
        assertEquals(200, ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 2)).status());
        JsonNode ps = ts.api.get("/api/ps").json().get("models");
        assertEquals(1, ps.size());
        JsonNode m = ps.get(0);
        assertEquals(TestServer.MODEL, m.get("id").asText());
        assertEquals(512, m.get("context_length").asInt());
        assertEquals(0, m.get("kv_blocks_used").asInt());
        assertTrue(m.get("kv_blocks_total").asInt() >= 32);
        assertTrue(m.get("size_bytes").asLong() > 1_000_000);
        assertTrue(m.hasNonNull("expires_at"));
    }

    @Test
    void openapi_json_is_an_openapi_document_describing_every_route() {
        Api.Response r = ts.api.get("/openapi.json");
        assertEquals(200, r.status());
        JsonNode doc = r.json();
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        for (String path : List.of("/v1/models", "/v1/models/{id}", "/v1/chat/completions", "/v1/completions", "/v1/embeddings",
                "/tokenize", "/detokenize", "/health", "/metrics", "/api/ps"))
            assertTrue(doc.get("paths").has(path), path);
        // every $ref resolves
        List<String> refs = new java.util.ArrayList<>();
        doc.findValues("$ref").forEach(v -> refs.add(v.asText()));
        for (String ref : refs) assertTrue(doc.at(ref.substring(1)).isObject(), ref);
    }
}
