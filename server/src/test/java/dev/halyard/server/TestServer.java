package dev.halyard.server;

import dev.halyard.model.arch.ModelOptions;
import dev.halyard.server.models.ModelLoader;
import dev.halyard.server.models.ModelSettings;
import dev.halyard.server.openai.Limits;
import dev.halyard.testing.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** A real server on a free loopback port serving stories260K (one worker thread per model). */
final class TestServer implements AutoCloseable {
    static final String MODEL = "stories260K";

    final HalyardServer server;
    final Api api;

    private TestServer(HalyardServer server) {
        this.server = server;
        this.api = new Api("http://127.0.0.1:" + server.port());
    }

    static Path modelFile() {
        return SharedData.require("models/stories260K/stories260K.gguf");
    }

    /** The default test configuration: stories260K as an explicit --model, port 0, 1 thread. */
    static ServerConfig config() {
        ModelSettings s = ModelSettings.defaults().withOptions(ModelOptions.defaults().withThreads(1)).withLoadWait(Duration.ofSeconds(30));
        return new ServerConfig("127.0.0.1", 0, null, List.of(modelFile()), s, Limits.defaults(), null, Duration.ofSeconds(15));
    }

    static TestServer start() {
        return start(c -> c);
    }

    static TestServer start(UnaryOperator<ServerConfig> edit) {
        return new TestServer(HalyardServer.start(edit.apply(config())));
    }

    static TestServer start(UnaryOperator<ServerConfig> edit, ModelLoader loader) {
        return new TestServer(HalyardServer.start(edit.apply(config()), loader));
    }

    @Override
    public void close() {
        server.close();
    }
}
