package dev.halyard.server.http;

import dev.halyard.server.serving.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Server-sent events on a response stream: {@code data: <json>\n\n}, flushed at once so each token
 * reaches the client as it is generated. A write to a client that left throws {@link IOException}.
 */
final class SseWriter implements Reply.EventSink {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final Json json;
    private final Duration keepAlive;

    SseWriter(OutputStream out, Json json, Duration keepAlive) {
        this.out = out;
        this.json = json;
        this.keepAlive = keepAlive;
    }

    @Override
    public void data(Object payload) throws IOException {
        out.write(DATA);
        out.write(payload instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : json.write(payload));
        out.write(END);
        out.flush();
    }

    @Override
    public void keepAlive() throws IOException {
        out.write(PING);
        out.flush();
    }

    @Override
    public Duration keepAliveInterval() {
        return keepAlive;
    }

    /** The end of every stream, after the last event or an error event. */
    void done() throws IOException {
        data("[DONE]");
    }
}
