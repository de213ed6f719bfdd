package dev.halyard.runtime;

/** A prompt (plus what must be generated) does not fit the context window. */
public final class ContextLengthExceededException extends RuntimeException {
    public ContextLengthExceededException(String message) {
        super(message);
    }
}
