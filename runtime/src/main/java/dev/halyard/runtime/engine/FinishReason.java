package dev.halyard.runtime.engine;

/** Why a request ended. */
public enum FinishReason {
    /** An end-of-generation token, or the sink asked to stop (stop string, client gone). */
    STOP,
    /** max_tokens or the context length was reached. */
    LENGTH,
    /** Cancelled through {@link RequestHandle#cancel()} or the engine closed. */
    ABORT
}
