package dev.halyard.runtime.engine;

/**
 * Edits a request's next-token logits before sampling, e.g. to keep the output inside a JSON schema
 * by setting forbidden tokens to negative infinity. One instance per request; called on the engine
 * thread, so it must be fast and need no locking.
 */
public interface LogitsProcessor {
    /** Edits {@code logits} (V,) in place before the token is sampled. */
    void apply(float[] logits);

    /** The token that was chosen (advance the processor's state). */
    void accept(int token);
}
