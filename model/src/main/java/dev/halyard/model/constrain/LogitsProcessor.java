package dev.halyard.model.constrain;

/**
 * Changes a sequence's next-token logits before sampling, and follows the tokens it produces. One
 * instance per sequence: {@link #apply} before each draw, {@link #accept} with the drawn token.
 */
public interface LogitsProcessor {
    /** Adjusts {@code logits} (V,) in place (for example, bans tokens by setting them to -inf). */
    void apply(float[] logits);

    /** Records that {@code token} was chosen. */
    void accept(int token);
}
