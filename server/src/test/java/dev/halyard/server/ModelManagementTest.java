package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several models from a directory: listing, loading on first use, --max-loaded (LRU) and --keep-alive. */
class ModelManagementTest {
    @TempDir
    Path dir;

    TestServer serve(UnaryOperator<dev.halyard.server.models.ModelSettings> settings) throws Exception {
        for (String name : List.of("alpha", "beta")) Files.copy(TestServer.modelFile(), dir.resolve(name + ".gguf"));
        return TestServer.start(c -> new ServerConfig(c.host(), 0, dir, List.of(), settings.apply(c.models()), c.limits(), null, c.sseKeepAlive()));
    }

    static List<String> loaded(TestServer ts) {
        List<String> ids = new ArrayList<>();
        for (JsonNode m : ts.api.get("/api/ps").json().get("models")) ids.add(m.get("id").asText());
        return ids;
    }

    static void use(TestServer ts, String model) {
        Api.Response r = ts.api.post("/v1/chat/completions", chat("Hi", "model", model, "max_tokens", 2));
        assertEquals(200, r.status(), r.text());
    }

    @Test
    void every_gguf_in_the_models_directory_is_served_under_its_file_name_and_new_files_appear() throws Exception {
        try (TestServer ts = serve(s -> s)) {
            JsonNode data = ts.api.get("/v1/models").json().get("data");
            assertEquals(List.of("alpha", "beta"), List.of(data.get(0).get("id").asText(), data.get(1).get("id").asText()));
            assertEquals(List.of(), loaded(ts), "nothing loads before it is used");
            Files.copy(TestServer.modelFile(), dir.resolve("gamma.gguf"));
            assertEquals(3, ts.api.get("/v1/models").json().get("data").size());
            use(ts, "gamma.gguf"); // the file name works as an id too
            assertEquals(List.of("gamma"), loaded(ts));
        }
    }

    @Test
    void with_max_loaded_one_using_another_model_unloads_the_least_recently_used() throws Exception {
        try (TestServer ts = serve(s -> s.withMaxLoaded(1))) {
            use(ts, "alpha");
            assertEquals(List.of("alpha"), loaded(ts));
            use(ts, "beta");
            assertEquals(List.of("beta"), loaded(ts));
            use(ts, "alpha");
            assertEquals(List.of("alpha"), loaded(ts));
        }
    }

    @Test
    void with_max_loaded_two_both_stay_and_a_third_evicts_the_older() throws Exception {
        try (TestServer ts = serve(s -> s.withMaxLoaded(2))) {
            Files.copy(TestServer.modelFile(), dir.resolve("gamma.gguf"));
            use(ts, "alpha");
            use(ts, "beta");
            use(ts, "alpha"); // beta is now the least recently used
            assertEquals(2, loaded(ts).size());
            use(ts, "gamma");
            assertEquals(List.of("alpha", "gamma"), loaded(ts).stream().sorted().toList());
        }
    }

    @Test
    void an_idle_model_unloads_after_the_keep_alive() throws Exception {
        try (TestServer ts = serve(s -> s.withKeepAlive(Duration.ofMillis(300)))) {
            use(ts, "alpha");
            assertEquals(List.of("alpha"), loaded(ts));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!loaded(ts).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
            assertEquals(List.of(), loaded(ts));
            use(ts, "alpha"); // and loads again on the next use
        }
    }

    @Test
    void a_keep_alive_of_zero_unloads_right_after_each_request() throws Exception {
        try (TestServer ts = serve(s -> s.withKeepAlive(Duration.ZERO))) {
            use(ts, "beta");
            assertEquals(List.of(), loaded(ts));
        }
    }

    @Test
    void keep_alive_durations_parse_like_ollama() {
        var p = (java.util.function.Function<String, Duration>) dev.halyard.server.models.ModelSettings::parseKeepAlive;
        assertEquals(Duration.ofMinutes(5), p.apply("5m"));
        assertEquals(Duration.ofSeconds(30), p.apply("30s"));
        assertEquals(Duration.ofSeconds(45), p.apply("45"));
        assertEquals(Duration.ofHours(1), p.apply("1h"));
        assertEquals(Duration.ofMillis(250), p.apply("250ms"));
        assertEquals(Duration.ZERO, p.apply("0"));
        assertEquals(null, p.apply("-1"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> p.apply("soon")).getMessage().contains("soon"));
    }
}
