package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.server.models.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 503 while a model loads, 429 when the queue is full, 507 when a model does not fit, 500 for a broken file. */
class LoadingAndQueueTest {

    @Test
    void while_the_model_loads_requests_get_503_with_retry_after_and_health_is_503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ModelLoader standard = ModelLoader.standard(ModelOptions.defaults().withThreads(1));
        ModelLoader slow = (info, gguf, plan) -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return standard.load(info, gguf, plan);
        };
        try (TestServer ts = TestServer.start(c -> c.withModels(c.models().withLoadWait(Duration.ZERO)), slow)) {
            assertEquals(200, ts.api.get("/health").status(), "nothing requested yet");
            Api.Response r = ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 2));
            JsonNode e = r.error(503, "model_loading");
            assertTrue(e.get("message").asText().contains(TestServer.MODEL));
            assertNotNull(r.retryAfter());
            assertTrue(Integer.parseInt(r.retryAfter()) >= 1);
            Api.Response health = ts.api.get("/health");
            assertEquals(503, health.status());
            assertEquals(TestServer.MODEL, health.json().get("loading").get(0).asText());
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (ts.api.get("/health").status() != 200 && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(200, ts.api.get("/health").status());
            assertEquals(200, ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 2)).status());
        }
    }

    @Test
    void when_the_queue_is_full_requests_get_429_with_retry_after() throws Exception {
        try (TestServer ts = TestServer.start(c -> c.withModels(c.models().withMaxRunning(1).withMaxWaiting(1)));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            assertEquals(200, ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 1)).status()); // loaded
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Api.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return ts.api.post("/v1/chat/completions", chat("Once upon a time", "max_tokens", 450, "ignore_eos", true));
                }));
            }
            go.countDown();
            int ok = 0, limited = 0;
            for (Future<Api.Response> f : answers) {
                Api.Response r = f.get(60, TimeUnit.SECONDS);
                if (r.status() == 200) {
                    ok++;
                } else {
                    r.error(429, "rate_limit_exceeded");
                    assertNotNull(r.retryAfter(), "429 carries Retry-After");
                    limited++;
                }
            }
            assertTrue(ok >= 2, "one runs and one waits: " + ok);
            assertTrue(limited >= 1, "the others are refused: " + limited);
        }
    }

    @Test
    void a_model_that_does_not_fit_the_memory_limit_is_a_507_that_says_so() {
        try (TestServer ts = TestServer.start(c -> c.withModels(c.models().withMemoryLimit(512 << 10)))) {
            JsonNode e = ts.api.post("/v1/chat/completions", chat("Hi", "max_tokens", 2)).error(507, "insufficient_memory");
            assertTrue(e.get("message").asText().contains("needs"), e.toString());
            assertEquals(200, ts.api.get("/health").status(), "a failed load is not a load in progress");
        }
    }

    @Test
    void a_broken_model_file_is_a_clear_500_and_the_other_models_still_serve(@TempDir Path dir) throws Exception {
        Files.copy(TestServer.modelFile(), dir.resolve("good.gguf"));
        Files.write(dir.resolve("broken.gguf"), "GGUF but not really".getBytes());
        try (TestServer ts = TestServer.start(c -> new ServerConfig(c.host(), 0, dir, List.of(), c.models().withMaxLoaded(2), c.limits(), null, c.sseKeepAlive()))) {
            JsonNode e = ts.api.post("/v1/chat/completions", chat("Hi", "model", "broken", "max_tokens", 2)).error(500, "model_load_failed");
            assertTrue(e.get("message").asText().contains("broken"), e.toString());
            assertEquals(200, ts.api.post("/v1/chat/completions", chat("Hi", "model", "good", "max_tokens", 2)).status());
        }
    }
}
