package dev.halyard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.server.HalyardServer;
import dev.halyard.testing.SharedData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code halyard serve}: options, the models directory under --data, and a clear line for bad values. */
class ServeCommandTest {
    static ServeCommand parse(StringWriter out, String... args) {
        ServeCommand cmd = new ServeCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out));
        cl.parseArgs(args);
        return cmd;
    }

    @Test
    void serve_lists_the_gguf_files_of_the_data_directory_and_answers_on_its_port(@TempDir Path data) throws Exception {
        Files.createDirectories(data.resolve("models"));
        Files.copy(SharedData.require("models/stories260K/stories260K.gguf"), data.resolve("models/tiny.gguf"));
        StringWriter out = new StringWriter();
        try (HalyardServer server = parse(out, "--data", data.toString(), "--port", "0", "--threads", "1", "--keep-alive", "1m",
                "--max-queue-delay", "40ms").start()) {
            assertTrue(out.toString().contains("on http://127.0.0.1:" + server.port() + "/v1"), out.toString());
            try (var lease = server.models().acquire("tiny")) {
                assertEquals(java.time.Duration.ofMillis(40), lease.model().engine().config().maxQueueDelay(), "--max-queue-delay reaches the engine");
            }
            assertTrue(out.toString().contains("tiny"), out.toString());
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\"id\":\"tiny\""), r.body());
        }
    }

    @Test
    void bad_option_values_are_one_clear_line() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"serve", "--keep-alive", "soon", "--port", "0"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(1, code);
        assertTrue(err.toString().contains("--keep-alive must look like 30s, 5m, 1h, 0 or -1, got 'soon'"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, Main.run(new String[] {"serve", "--max-queue-delay", "2m", "--port", "0"}, new PrintWriter(out), new PrintWriter(err)));
        assertTrue(err.toString().contains("max-queue-delay must be in [0, 60 s], got PT2M"), err.toString());
        assertEquals(1, Main.run(new String[] {"serve", "--max-queue-delay", "-5ms", "--port", "0"}, new PrintWriter(out), new PrintWriter(err)));
        assertTrue(err.toString().contains("--max-queue-delay must be >= 0, got -5ms"), err.toString());
        assertEquals(12L << 30, ServeCommand.parseSize("12G"));
        assertEquals(512L << 20, ServeCommand.parseSize("512MiB"));
        assertThrows(IllegalArgumentException.class, () -> ServeCommand.parseSize("lots"));
    }
}
