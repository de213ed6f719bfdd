package dev.halyard.server.clients;

import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.server.HalyardServer;
import dev.halyard.server.ServerConfig;
import dev.halyard.server.models.ModelSettings;
import dev.halyard.server.openai.Limits;
import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Real Halyard servers on free loopback ports serving {@code ../shared/models/stories260K} under the
 * model id {@value #MODEL_ID}, configured for what the client tests need to observe.
 */
final class TestServers {
    private TestServers() {}

    static final String MODEL_ID = "stories260K";
    /** Positions per sequence the servers allow (the model's trained context). */
    static final int CONTEXT = 512;

    /** What a server is configured to show. */
    enum Kind {
        /** Default limits and queue; the model loads on first use (waiting up to 30 s). */
        STANDARD,
        /** One running and one waiting request: a third concurrent request gets 429. */
        SMALL_QUEUE,
        /** Requests never wait for a load: the first request to the model gets 503 while it loads. */
        NO_LOAD_WAIT
    }

    /** A started server; close to stop it. */
    record Running(HalyardServer server, ServerConfig config) implements AutoCloseable {
        String baseUrl() {
            return "http://127.0.0.1:" + server.port() + "/v1";
        }

        @Override
        public void close() {
            server.close();
        }
    }

    static Path modelFile() {
        return SharedData.require("models/stories260K/stories260K.gguf");
    }

    static Path expectedJson() {
        return SharedData.require("models/stories260K/expected.json");
    }

    /** The model's width, which is the length of its embeddings. */
    static int embeddingDim() {
        try {
            return GgufFile.read(modelFile()).requireInt("llama.embedding_length", 1, 1 << 20);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Running start(Kind kind) {
        ModelSettings s = ModelSettings.defaults().withOptions(ModelOptions.defaults().withThreads(1)).withContextSize(CONTEXT)
                .withLoadWait(Duration.ofSeconds(30));
        s = switch (kind) {
            case STANDARD -> s;
            case SMALL_QUEUE -> s.withMaxRunning(1).withMaxWaiting(1);
            case NO_LOAD_WAIT -> s.withLoadWait(Duration.ZERO);
        };
        ServerConfig cfg = new ServerConfig("127.0.0.1", 0, null, List.of(modelFile()), s, Limits.defaults(), null, Duration.ofSeconds(15));
        return new Running(HalyardServer.start(cfg), cfg);
    }
}
