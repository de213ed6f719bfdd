package dev.halyard.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.halyard.server.store.ModelSource;
import dev.halyard.testing.SharedData;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code halyard pull}, {@code list} and {@code rm} as a user runs them, against a local stand-in for
 * the Hugging Face hub (a resolve URL that redirects to a file server, like the real one).
 */
class StoreCommandsTest {
    @TempDir Path dir;
    HttpServer hub;
    byte[] gguf;
    String sha;
    final List<String> paths = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        gguf = Files.readAllBytes(SharedData.require("models/stories260K/stories260K.gguf"));
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gguf));
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/karpathy/tinyllamas/resolve/main/stories260K.gguf", ex -> {
            paths.add(ex.getRequestURI().getPath());
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            ex.getResponseHeaders().add("Location", "/cdn/blob?sig=1");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        hub.createContext("/cdn/blob", ex -> {
            paths.add(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(200, gguf.length);
            ex.getResponseBody().write(gguf);
            ex.close();
        });
        hub.createContext("/", ex -> {
            paths.add(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        hub.start();
        System.setProperty(ModelSource.HF_ENDPOINT_VAR, "http://127.0.0.1:" + hub.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        System.clearProperty(ModelSource.HF_ENDPOINT_VAR);
        hub.stop(0);
    }

    @Test
    void pull_list_and_rm_manage_the_models_directory() throws Exception {
        Path models = dir.resolve("models");

        CliTest.Run pulled = CliTest.run("pull", "hf:karpathy/tinyllamas/stories260K.gguf", "--models", models.toString());
        assertEquals(0, pulled.code(), pulled.err());
        assertEquals(List.of("/karpathy/tinyllamas/resolve/main/stories260K.gguf", "/cdn/blob"), paths);
        assertEquals("pulled stories260K (1.2 MB) to " + models.resolve("stories260K.gguf") + "\n"
                + "sha256 " + sha + " (matches the checksum published in the X-Linked-Etag header)\n", pulled.out());
        assertTrue(pulled.err().contains("stories260K  100%  1.2 MB / 1.2 MB"), pulled.err());
        assertArrayEquals(gguf, Files.readAllBytes(models.resolve("stories260K.gguf")));

        CliTest.Run again = CliTest.run("pull", "hf:karpathy/tinyllamas/stories260K.gguf", "--models", models.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().startsWith("stories260K is already in " + models), again.out());

        CliTest.Run list = CliTest.run("list", "--models", models.toString());
        assertEquals(0, list.code(), list.err());
        String[] lines = list.out().split("\n");
        assertEquals(2, lines.length, list.out());
        assertTrue(lines[0].matches("NAME\\s+SIZE\\s+MODIFIED\\s+ARCH\\s+QUANT\\s+PARAMS"), lines[0]);
        assertTrue(lines[1].matches("stories260K\\s+1\\.2 MB\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+llama\\s+F32\\s+292\\.8K"), lines[1]);

        JsonNode json = new ObjectMapper().readTree(CliTest.run("list", "--models", models.toString(), "--json").out());
        JsonNode m = json.get("models").get(0);
        assertEquals("stories260K", m.get("name").asText());
        assertEquals(gguf.length, m.get("size_bytes").asLong());
        assertEquals("llama", m.get("architecture").asText());
        assertEquals("F32", m.get("quantization").asText());
        assertEquals(292_800, m.get("parameters").asLong());

        CliTest.Run rm = CliTest.run("rm", "stories260K", "--models", models.toString());
        assertEquals(0, rm.code(), rm.err());
        assertEquals("removed stories260K\n", rm.out());
        assertFalse(Files.exists(models.resolve("stories260K.gguf")));
        assertTrue(CliTest.run("list", "--models", models.toString()).out().startsWith("no models in " + models));

        CliTest.Run absent = CliTest.run("rm", "stories260K", "--models", models.toString());
        assertEquals(1, absent.code());
        assertEquals("error: no model named stories260K in " + models + " (see: halyard list)\n", absent.err());
    }

    @Test
    void the_data_directory_holds_the_models_folder() throws Exception {
        CliTest.Run pulled = CliTest.run("pull", "hf:karpathy/tinyllamas/stories260K.gguf", "--data", dir.toString(), "--name", "tiny",
                "--sha256", sha);
        assertEquals(0, pulled.code(), pulled.err());
        assertTrue(pulled.out().contains("(matches --sha256)"), pulled.out());
        assertTrue(Files.exists(dir.resolve("models/tiny.gguf")));
        assertTrue(CliTest.run("list", "--data", dir.toString()).out().contains("tiny "));
    }

    @Test
    void pull_failures_are_one_clear_line_and_leave_nothing_behind() throws Exception {
        Path models = dir.resolve("models");
        CliTest.Run missing = CliTest.run("pull", "hf:karpathy/tinyllamas/absent.gguf", "--models", models.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("error: HTTP 404 Not Found for http://127.0.0.1:"), missing.err());
        assertTrue(missing.err().endsWith(": check the owner, repository, file name and revision\n"), missing.err());

        CliTest.Run wrong = CliTest.run("pull", "hf:karpathy/tinyllamas/stories260K.gguf", "--models", models.toString(), "--sha256", "0".repeat(64));
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("error: checksum mismatch for stories260K: expected sha256 " + "0".repeat(64) + " (from --sha256)"), wrong.err());
        try (var s = Files.list(models)) {
            assertEquals(0, s.count(), "no partial file or model is left");
        }

        CliTest.Run badName = CliTest.run("rm", "../etc", "--models", models.toString());
        assertEquals(1, badName.code());
        assertTrue(badName.err().startsWith("error: model name must be a plain file name"), badName.err());

        CliTest.Run badRef = CliTest.run("pull", "hf:just-a-repo", "--models", models.toString());
        assertEquals(1, badRef.code());
        assertTrue(badRef.err().startsWith("error: expected hf:OWNER/REPO/FILE.gguf"), badRef.err());
    }
}
