package dev.halyard.server.store;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * Closes a response body when no bytes arrive for {@code timeout}, so a blocked read fails instead of
 * hanging forever (HttpClient's request timeout covers only the wait for headers).
 */
final class StallWatchdog implements AutoCloseable {
    private final Closeable body;
    private final long timeoutNanos;
    private final Thread thread;
    private volatile long lastNanos = System.nanoTime(); // when bytes last arrived
    private volatile boolean fired;

    StallWatchdog(Closeable body, Duration timeout) {
        this.body = body;
        this.timeoutNanos = timeout.toNanos();
        long tickMillis = Math.max(10, Math.min(1000, timeout.toMillis() / 4));
        this.thread = Thread.ofVirtual().name("pull-watchdog").start(() -> watch(tickMillis));
    }

    private void watch(long tickMillis) {
        try {
            while (System.nanoTime() - lastNanos <= timeoutNanos) Thread.sleep(tickMillis);
            fired = true;
            body.close();
        } catch (InterruptedException e) {
            // the transfer ended
        } catch (IOException e) {
            // closing failed: the read will end with its own error
        }
    }

    /** Bytes arrived. */
    void alive() { lastNanos = System.nanoTime(); }

    /** True when the watchdog closed the body. */
    boolean fired() { return fired; }

    @Override
    public void close() {
        thread.interrupt();
    }
}
