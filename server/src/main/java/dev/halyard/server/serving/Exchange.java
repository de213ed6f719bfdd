package dev.halyard.server.serving;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One HTTP request as the serving layer sees it: its id, when it arrived, and what the log line
 * reports when it ends (model, token counts, time to first token). Filled in by the serving objects,
 * possibly from engine threads.
 */
public final class Exchange {
    private final String id;
    private final long arrivalNanos = System.nanoTime();
    private final long created = Instant.now().getEpochSecond();
    private volatile String model = "-";
    private final AtomicInteger promptTokens = new AtomicInteger();
    private final AtomicInteger completionTokens = new AtomicInteger();
    private final AtomicLong firstTokenNanos = new AtomicLong(); // 0 until the first token

    public Exchange(String id) {
        this.id = id;
    }

    public String id() { return id; }
    public long arrivalNanos() { return arrivalNanos; }
    /** Unix seconds of arrival ({@code created} in responses). */
    public long created() { return created; }
    public String model() { return model; }
    public int promptTokens() { return promptTokens.get(); }
    public int completionTokens() { return completionTokens.get(); }

    public void model(String m) { model = m; }
    public void addPromptTokens(int n) { promptTokens.addAndGet(n); }
    public void addCompletionTokens(int n) { completionTokens.addAndGet(n); }

    /** Records the first token's time (later calls are ignored). */
    public void firstToken(long nanos) {
        firstTokenNanos.compareAndSet(0, nanos);
    }

    /** Milliseconds from arrival to the first token, or -1 when none came. */
    public double ttftMillis() {
        long t = firstTokenNanos.get();
        return t == 0 ? -1 : (t - arrivalNanos) / 1e6;
    }
}
