package dev.halyard.runtime.engine;

/** A submitted request, to cancel it (client disconnected). */
public interface RequestHandle {
    String id();

    /**
     * Ends the request: its blocks are freed before the next step, and its sink gets
     * {@link FinishReason#ABORT} unless it had already finished. Safe from any thread, idempotent.
     */
    void cancel();
}
