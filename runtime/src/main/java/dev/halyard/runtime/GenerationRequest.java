package dev.halyard.runtime;

import dev.halyard.model.sampling.SamplingParams;
import java.util.List;

/**
 * One generation: the prompt as token ids, how many tokens at most, how to sample, and when to stop.
 *
 * @param promptIds tokens of the prompt (BOS included when the model wants one)
 * @param maxTokens tokens to generate at most (≥ 0)
 * @param sampling the sampling chain's parameters
 * @param stop strings that end generation (not included in the output)
 * @param ignoreEog keep generating past end-of-generation tokens
 */
public record GenerationRequest(int[] promptIds, int maxTokens, SamplingParams sampling, List<String> stop, boolean ignoreEog) {
    public GenerationRequest {
        if (promptIds == null || promptIds.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token");
        if (maxTokens < 0) throw new IllegalArgumentException("max_tokens must be >= 0, got " + maxTokens);
        if (sampling == null) throw new IllegalArgumentException("sampling must not be null");
        stop = stop == null ? List.of() : List.copyOf(stop);
    }
}
