package dev.halyard.server;

import static dev.halyard.server.Api.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many streaming clients at once, batched by the engine: each gets exactly the text it gets alone with
 * the same seed, and every KV block is free afterwards, also when clients hang up mid-stream.
 */
class ConcurrencyTest {
    static final String[] PROMPTS = {
        "Once upon a time", "The little dog ran", "Lily and Tom went to the park", "One day, a bird",
        "The sun was shining", "Tim had a red ball", "There was a big tree", "A girl named Sue",
        "The cat sat on the mat", "Mom said", "In the forest", "Ben wanted to fly",
        "The boat was small", "It was a rainy day", "A frog jumped", "The king had a crown",
    };

    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    /** Client i: its own prompt; greedy or sampled with its own seed; its own length. */
    static Map<String, Object> request(int i) {
        var body = chat(PROMPTS[i], "stream", true, "max_tokens", 20 + (i * 7) % 30, "ignore_eos", true);
        if (i % 2 == 1) {
            body.put("temperature", 1);
            body.put("seed", 1000 + i);
        }
        if (i % 4 == 3) body.put("frequency_penalty", 0.5);
        return body;
    }

    @Test
    void sixteen_concurrent_streaming_clients_each_get_what_they_get_alone_and_free_every_block() throws Exception {
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < 16; i++) alone.add(Api.chatText(ts.api.stream("/v1/chat/completions", request(i)), 0));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Api.Stream>> streams = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int k = i;
                streams.add(pool.submit(() -> {
                    go.await();
                    return ts.api.stream("/v1/chat/completions", request(k));
                }));
            }
            go.countDown();
            for (int i = 0; i < 16; i++) {
                Api.Stream s = streams.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(200, s.status());
                assertEquals("[DONE]", s.events().getLast(), "client " + i + " completes");
                assertEquals(alone.get(i), Api.chatText(s, 0), "client " + i);
            }
        }
        assertEngineIdle();
    }

    @Test
    void clients_that_hang_up_mid_stream_are_cancelled_and_free_their_blocks_at_once() throws Exception {
        double abortedBefore = counter("halyard_request_success_total\\{finished_reason=\"abort\",model=\"stories260K\"}");
        int clients = 8;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> reads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int k = i;
                reads.add(pool.submit(() -> hangUpAfter(chat(PROMPTS[k], "stream", true, "max_tokens", 480, "ignore_eos", true), 3)));
            }
            for (Future<Integer> r : reads) assertEquals(3, r.get(60, TimeUnit.SECONDS));
        }
        assertEngineIdle();
        assertEquals(abortedBefore + clients, counter("halyard_request_success_total\\{finished_reason=\"abort\",model=\"stories260K\"}"),
                "every stream ended as aborted, not by running to max_tokens");
    }

    /** Opens a raw connection, sends the request, reads {@code events} SSE events, and closes the socket. */
    static int hangUpAfter(Object body, int events) throws Exception {
        byte[] json = Api.write(body).getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", ts.server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            int seen = 0;
            for (String line; seen < events && (line = in.readLine()) != null; ) if (line.startsWith("data: ")) seen++;
            return seen;
        }
    }

    /** Waits until no request runs or waits and no KV block is held. */
    static void assertEngineIdle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode m;
        do {
            m = ts.api.get("/api/ps").json().get("models").get(0);
            if (m.get("kv_blocks_used").asInt() == 0 && m.get("running").asInt() == 0 && m.get("waiting").asInt() == 0) return;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertEquals(0, m.get("kv_blocks_used").asInt(), m.toString());
        assertEquals(0, m.get("running").asInt(), m.toString());
        assertTrue(false, "still busy: " + m);
    }

    static double counter(String series) {
        Matcher mt = Pattern.compile("^" + series + " (\\S+)$", Pattern.MULTILINE).matcher(ts.api.get("/metrics").text());
        return mt.find() ? Double.parseDouble(mt.group(1)) : 0;
    }
}
