package dev.halyard.runtime.engine;

import java.util.List;

/**
 * The log-probability of a chosen token and the most likely alternatives, from the log-softmax of the
 * model's logits after logits processors and before the sampling chain (as vLLM and OpenAI report
 * them). A token a processor banned has logprob negative infinity.
 *
 * @param token the chosen token
 * @param logprob its log-probability
 * @param top the N most likely tokens, most likely first (empty when N = 0)
 */
public record TokenLogprob(int token, float logprob, List<Top> top) {
    public TokenLogprob {
        top = List.copyOf(top);
    }

    /** One alternative: a token and its log-probability. */
    public record Top(int token, float logprob) {}
}
