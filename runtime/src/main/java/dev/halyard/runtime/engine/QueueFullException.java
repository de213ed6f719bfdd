package dev.halyard.runtime.engine;

import java.time.Duration;

/** The engine's waiting queue is full; try again after {@link #retryAfter()} (an estimate, ≥ 1 s). */
public final class QueueFullException extends RuntimeException {
    private final Duration retryAfter;

    public QueueFullException(int maxWaiting, Duration retryAfter) {
        super("the engine's queue is full (" + maxWaiting + " requests waiting); retry after " + retryAfter.toSeconds() + " s");
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
