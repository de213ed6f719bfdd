package dev.halyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Concurrent streaming clients of an OpenAI-compatible server: each sends one {@code /v1/completions}
 * request with its own prompt of token ids ({@code stream: true}, greedy, {@code ignore_eos}, exactly
 * {@code max_tokens} tokens) and reads the server-sent events, noting when the first token arrives.
 * All clients start together (a latch on virtual threads).
 */
public final class StreamingClients {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String model;
    private final Duration timeout;

    /**
     * @param base the server's root, e.g. http://127.0.0.1:8080
     * @param model the model id to put in requests
     * @param timeout the longest one request may take
     */
    public StreamingClients(URI base, String model, Duration timeout) {
        this.base = base;
        this.model = model;
        this.timeout = timeout;
    }

    /**
     * One stream's outcome.
     *
     * @param ttftMs from sending the request to the first event carrying a choice
     * @param tokens completion tokens (from the usage event, or counted events when there is none)
     * @param endNanos System.nanoTime() when the stream ended
     */
    public record Stream(double ttftMs, int tokens, long endNanos) {}

    /**
     * One round: all prompts sent at once.
     *
     * @param streams one per prompt, in order
     * @param wallMs from the start until the last stream ended
     */
    public record Round(List<Stream> streams, double wallMs) {
        public long tokens() {
            return streams.stream().mapToLong(Stream::tokens).sum();
        }

        /** Aggregate generation rate: all tokens over the round's wall time. */
        public double tokensPerSecond() {
            return tokens() * 1e3 / wallMs;
        }
    }

    /** Sends every prompt concurrently and waits for all streams to end. */
    public Round round(List<int[]> prompts, int maxTokens) throws IOException, InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Stream>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int[] p : prompts) futures.add(pool.submit(() -> {
                go.await();
                return stream(p, maxTokens);
            }));
            long t0 = System.nanoTime();
            go.countDown();
            List<Stream> streams = new ArrayList<>();
            long end = t0;
            for (Future<Stream> f : futures) {
                Stream s = get(f);
                streams.add(s);
                end = Math.max(end, s.endNanos());
            }
            return new Round(streams, (end - t0) / 1e6);
        }
    }

    /** One streaming request. */
    Stream stream(int[] prompt, int maxTokens) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.set("prompt", JSON.valueToTree(prompt));
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("ignore_eos", true);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/completions")).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200)
                throw new HttpError(resp.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            long[] first = {-1};
            int[] events = {0};
            int[] usage = {-1};
            readEvents(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), data -> {
                JsonNode j = parse(data);
                if (j.has("error")) throw new IllegalStateException("server error in stream: " + j.get("error"));
                JsonNode choices = j.get("choices");
                if (choices != null && !choices.isEmpty()) {
                    if (first[0] < 0) first[0] = System.nanoTime();
                    events[0]++;
                }
                JsonNode u = j.get("usage");
                if (u != null && u.has("completion_tokens")) usage[0] = u.get("completion_tokens").asInt();
            });
            long end = System.nanoTime();
            if (first[0] < 0) throw new IOException("the stream ended without a token");
            return new Stream((first[0] - t0) / 1e6, usage[0] >= 0 ? usage[0] : events[0], end);
        }
    }

    /** A request the server answered with an error status. */
    public static final class HttpError extends IOException {
        public final int status;

        HttpError(int status, String body) {
            super("POST /v1/completions: HTTP " + status + ": " + SingleStream.abbreviate(body));
            this.status = status;
        }
    }

    /**
     * Reads server-sent events until {@code data: [DONE]} or the end of the stream, handing each data
     * payload (multi-line data joined with newlines) to {@code onData}.
     */
    static void readEvents(BufferedReader in, Consumer<String> onData) throws IOException {
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                if (data.isEmpty()) continue;
                String d = data.toString();
                data.setLength(0);
                if (d.equals("[DONE]")) return;
                onData.accept(d);
            } else if (line.startsWith("data:")) {
                if (!data.isEmpty()) data.append('\n');
                data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
            }
            // other fields (event:, id:, retry:) and comments (":") carry nothing the benchmark needs
        }
        if (!data.isEmpty() && !data.toString().equals("[DONE]")) onData.accept(data.toString());
    }

    private static JsonNode parse(String data) {
        try {
            return JSON.readTree(data);
        } catch (IOException e) {
            throw new IllegalStateException("bad JSON event from server: " + SingleStream.abbreviate(data));
        }
    }

    private static Stream get(Future<Stream> f) throws IOException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            throw new IOException(c.getMessage(), c);
        }
    }
}
