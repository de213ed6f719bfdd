package dev.halyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code halyard serve} as a child process on a free loopback port: started, polled until
 * {@code GET /v1/models} answers, measured from outside (/proc VmHWM), stopped with SIGTERM.
 * Its output goes to a log file, shown when it fails.
 */
public final class ServeProcess implements AutoCloseable {
    private final Process process;
    private final URI base;
    private final Path log;
    private final String modelId;

    private ServeProcess(Process process, URI base, Path log, String modelId) {
        this.process = process;
        this.base = base;
        this.log = log;
        this.modelId = modelId;
    }

    /** A port nothing listens on now (the child binds it a moment later). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts {@code command} (which must make the server listen on 127.0.0.1:{@code port}) and waits
     * until it lists a model: {@code modelId} when it is listed, else the first.
     */
    public static ServeProcess start(List<String> command, int port, String modelId, Duration startTimeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("halyard-serve", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            while (true) {
                if (!p.isAlive()) throw new IOException("halyard serve exited with " + p.exitValue() + ": " + tail(log));
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/models")).timeout(Duration.ofSeconds(5)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        JsonNode data = new ObjectMapper().readTree(r.body()).path("data");
                        if (data.isArray() && !data.isEmpty()) {
                            String id = data.get(0).path("id").asText();
                            for (JsonNode m : data) if (m.path("id").asText().equals(modelId)) id = modelId;
                            return new ServeProcess(p, base, log, id);
                        }
                    }
                } catch (java.net.ConnectException | java.net.http.HttpTimeoutException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) throw new IOException("halyard serve did not answer within " + startTimeout.toSeconds() + " s: " + tail(log));
                Thread.sleep(100);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop(p);
            Files.deleteIfExists(log);
            throw e;
        }
    }

    public URI base() {
        return base;
    }

    /** The id of the model it serves (the first of GET /v1/models). */
    public String modelId() {
        return modelId;
    }

    /** Peak resident memory of the server so far, KiB (-1: unknown). */
    public long peakRssKb() {
        return ProcStatus.peakRssKb(process.pid());
    }

    /** The last lines of its output. */
    public String logTail() {
        return tail(log);
    }

    @Override
    public void close() throws IOException {
        stop(process);
        Files.deleteIfExists(log);
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log).strip();
            return s.length() <= 2000 ? s : "…" + s.substring(s.length() - 2000);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
