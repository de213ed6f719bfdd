package dev.halyard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code halyard ps} against a small HTTP endpoint that answers {@code GET /api/ps} as the server does. */
class PsCommandTest {
    HttpServer server;

    int serve(int status, String body) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/ps", ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    @Test
    void ps_prints_a_table_of_loaded_models() throws Exception {
        Instant expires = Instant.now().plusSeconds(10 * 60 + 30);
        int port = serve(200, """
                {"models":[
                  {"id":"stories260K","size_bytes":1185472,"expires_at":"%s","kv_blocks_used":12,"kv_blocks_total":256},
                  {"id":"qwen2.5-0.5b-instruct","size_bytes":491400032,"expires_at":null,"kv_blocks_used":0,"kv_blocks_total":1024}]}
                """.formatted(expires));

        CliTest.Run r = CliTest.run("ps", "--port", Integer.toString(port));

        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[0].matches("NAME\\s+SIZE\\s+KV CACHE\\s+UNLOADS"), lines[0]);
        assertTrue(lines[1].matches("stories260K\\s+1\\.2 MB\\s+12/256 blocks \\(4%\\)\\s+in 10 minutes"), lines[1]);
        assertTrue(lines[2].matches("qwen2\\.5-0\\.5b-instruct\\s+491 MB\\s+0/1024 blocks \\(0%\\)\\s+never"), lines[2]);
    }

    @Test
    void ps_sends_the_api_key_a_protected_server_needs() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/ps", ex -> {
            boolean ok = "Bearer sk-test".equals(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] b = (ok ? "{\"models\":[]}" : "{\"error\":{\"message\":\"bad key\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ok ? 200 : 401, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        String port = Integer.toString(server.getAddress().getPort());
        assertEquals(0, CliTest.run("ps", "--port", port, "--api-key", "sk-test").code());
        CliTest.Run without = CliTest.run("ps", "--port", port, "--api-key", "");
        assertEquals(1, without.code());
        assertTrue(without.err().contains("HTTP 401"), without.err());
    }

    @Test
    void ps_json_passes_the_servers_answer_through() throws Exception {
        String body = "{\"models\":[{\"id\":\"m\",\"size_bytes\":5,\"expires_at\":\"2030-01-01T00:00:00Z\",\"kv_blocks_used\":1,\"kv_blocks_total\":2}]}";
        int port = serve(200, body);
        CliTest.Run r = CliTest.run("ps", "--port", Integer.toString(port), "--json");
        assertEquals(0, r.code(), r.err());
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(body), json.readTree(r.out()));
    }

    @Test
    void ps_with_nothing_loaded_says_so() throws Exception {
        int port = serve(200, "{\"models\":[]}");
        CliTest.Run r = CliTest.run("ps", "--port", Integer.toString(port));
        assertEquals("no models loaded on http://127.0.0.1:" + port + "\n", r.out());
    }

    @Test
    void ps_without_a_server_says_none_is_listening() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free now, closed below: nothing listens there
        }
        CliTest.Run r = CliTest.run("ps", "--port", Integer.toString(port));
        assertEquals(1, r.code());
        assertEquals("error: no halyard server is listening on http://127.0.0.1:" + port + " (start one with: halyard serve)\n", r.err());
    }

    @Test
    void ps_reports_a_malformed_answer_naming_the_field() throws Exception {
        int port = serve(200, "{\"models\":[{\"id\":\"m\",\"size_bytes\":\"big\"}]}");
        CliTest.Run r = CliTest.run("ps", "--port", Integer.toString(port));
        assertEquals(1, r.code());
        assertTrue(r.err().endsWith("/api/ps: models[0].size_bytes must be a non-negative integer, got \"big\"\n"), r.err());

        stop();
        port = serve(500, "{\"error\":{\"message\":\"boom\"}}");
        CliTest.Run e = CliTest.run("ps", "--port", Integer.toString(port));
        assertEquals("error: HTTP 500 from http://127.0.0.1:" + port + "/api/ps: {\"error\":{\"message\":\"boom\"}}\n", e.err());
    }
}
