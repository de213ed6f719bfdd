package dev.halyard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halyard.server.store.Sizes;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code halyard ps}: the models a running server has loaded, from its {@code GET /api/ps}:
 * {@code {"models":[{"id","size_bytes","expires_at","kv_blocks_used","kv_blocks_total"}]}}.
 */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "Show the models a running halyard server has loaded.")
public final class PsCommand implements Callable<Integer> {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--host", paramLabel = "HOST", description = "server host (default: ${DEFAULT-VALUE})", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "server port (default: ${DEFAULT-VALUE})", defaultValue = "8080")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:HALYARD_API_KEY}",
            description = "the server's API key, when it was started with one (default: $HALYARD_API_KEY)")
    String apiKey;

    @Option(names = "--json", description = "print the server's JSON instead of a table")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    /**
     * One loaded model as the server reports it.
     *
     * @param expiresAt when it unloads if left idle; null when the server gives no time
     */
    record Loaded(String id, long sizeBytes, Instant expiresAt, long kvBlocksUsed, long kvBlocksTotal) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (port < 1 || port > 65535) throw new IllegalArgumentException("--port must be in [1, 65535], got " + port);
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        URI uri = URI.create(base + "/api/ps");
        HttpResponse<String> r;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build()) {
            HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET();
            if (apiKey != null && !apiKey.isBlank()) req.header("Authorization", "Bearer " + apiKey);
            r = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            return fail(err, "no halyard server is listening on " + base + " (start one with: halyard serve)");
        } catch (HttpTimeoutException e) {
            return fail(err, "the server at " + base + " did not answer within " + TIMEOUT.toSeconds() + " s");
        }
        if (r.statusCode() != 200) {
            String body = r.body().strip();
            return fail(err, "HTTP " + r.statusCode() + " from " + uri + (body.isEmpty() ? "" : ": " + body.substring(0, Math.min(200, body.length()))));
        }
        List<Loaded> loaded;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(r.body());
            loaded = parse(root);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return fail(err, "unexpected answer from " + uri + ": " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } else if (loaded.isEmpty()) {
            out.println("no models loaded on " + base);
        } else {
            int w = Math.max(4, loaded.stream().mapToInt(m -> m.id().length()).max().orElse(0));
            String fmt = "%-" + w + "s  %9s  %-22s  %s%n";
            out.printf(fmt, "NAME", "SIZE", "KV CACHE", "UNLOADS");
            Instant now = Instant.now();
            for (Loaded m : loaded) out.printf(fmt, m.id(), Sizes.bytes(m.sizeBytes()), kv(m), until(m.expiresAt(), now));
        }
        out.flush();
        return 0;
    }

    /** The {@code models} array of a {@code /api/ps} answer; fails naming the field that is missing or wrong. */
    static List<Loaded> parse(JsonNode root) {
        JsonNode models = root.get("models");
        if (models == null || !models.isArray()) throw new IllegalArgumentException("expected an object with a \"models\" array");
        List<Loaded> list = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            JsonNode m = models.get(i);
            String where = "models[" + i + "]";
            JsonNode id = m.get("id");
            if (id == null || !id.isTextual()) throw new IllegalArgumentException(where + ".id must be a string");
            list.add(new Loaded(id.asText(), number(m, "size_bytes", where), instant(m.get("expires_at"), where),
                    number(m, "kv_blocks_used", where), number(m, "kv_blocks_total", where)));
        }
        return list;
    }

    private static long number(JsonNode m, String field, String where) {
        JsonNode v = m.get(field);
        if (v == null || !v.canConvertToLong() || v.asLong() < 0)
            throw new IllegalArgumentException(where + "." + field + " must be a non-negative integer, got " + v);
        return v.asLong();
    }

    /** An ISO-8601 time ({@code 2025-01-01T12:00:00Z}, offsets allowed), epoch seconds, or null for none. */
    private static Instant instant(JsonNode v, String where) {
        if (v == null || v.isNull()) return null;
        if (v.canConvertToLong()) return Instant.ofEpochSecond(v.asLong());
        try {
            return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(where + ".expires_at must be an ISO-8601 time, got " + v);
        }
    }

    static String kv(Loaded m) {
        if (m.kvBlocksTotal() == 0) return "-";
        return String.format(Locale.ROOT, "%d/%d blocks (%d%%)", m.kvBlocksUsed(), m.kvBlocksTotal(), m.kvBlocksUsed() * 100 / m.kvBlocksTotal());
    }

    /** "in 4 minutes", "in 30 seconds", "now", "never". */
    static String until(Instant when, Instant now) {
        if (when == null) return "never";
        long s = Duration.between(now, when).toSeconds();
        if (s <= 0) return "now";
        if (s < 120) return "in " + s + " seconds";
        if (s < 7200) return "in " + s / 60 + " minutes";
        if (s < 172_800) return "in " + s / 3600 + " hours";
        return "in " + s / 86_400 + " days";
    }

    private static int fail(PrintWriter err, String message) {
        err.println("error: " + message);
        err.flush();
        return 1;
    }
}
