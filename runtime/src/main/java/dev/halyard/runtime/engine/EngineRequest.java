package dev.halyard.runtime.engine;

import dev.halyard.model.constrain.LogitsProcessor;
import dev.halyard.model.sampling.SamplingParams;

/**
 * One generation for the {@link Engine}.
 *
 * @param id the caller's name for it (logs and errors)
 * @param promptIds tokens of the prompt (BOS included when the model wants one), at least one
 * @param maxTokens tokens to generate at most (≥ 1); the context length may end it sooner
 * @param sampling the sampling chain; its seed makes the output reproducible, alone or in a batch
 * @param topLogprobs -1 for no logprobs; otherwise the chosen token's logprob and the N ∈ [0, 20] most
 *     likely alternatives
 * @param ignoreEog keep generating past end-of-generation tokens
 * @param processor edits logits before sampling (constrained decoding), or null; used by one request only
 */
public record EngineRequest(String id, int[] promptIds, int maxTokens, SamplingParams sampling, int topLogprobs,
                            boolean ignoreEog, LogitsProcessor processor) {
    public static final int MAX_TOP_LOGPROBS = 20;

    public EngineRequest {
        if (id == null) throw new IllegalArgumentException("id must not be null");
        if (promptIds == null || promptIds.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token");
        promptIds = promptIds.clone();
        if (maxTokens < 1) throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        if (sampling == null) throw new IllegalArgumentException("sampling must not be null");
        if (topLogprobs < -1 || topLogprobs > MAX_TOP_LOGPROBS)
            throw new IllegalArgumentException("top_logprobs must be in [0, " + MAX_TOP_LOGPROBS + "] (or -1 for none), got " + topLogprobs);
    }

    /** A request without logprobs, processor or EOG override. */
    public static EngineRequest of(String id, int[] promptIds, int maxTokens, SamplingParams sampling) {
        return new EngineRequest(id, promptIds, maxTokens, sampling, -1, false, null);
    }

    public EngineRequest withTopLogprobs(int n) { return new EngineRequest(id, promptIds, maxTokens, sampling, n, ignoreEog, processor); }
    public EngineRequest withIgnoreEog(boolean b) { return new EngineRequest(id, promptIds, maxTokens, sampling, topLogprobs, b, processor); }
    public EngineRequest withProcessor(LogitsProcessor p) { return new EngineRequest(id, promptIds, maxTokens, sampling, topLogprobs, ignoreEog, p); }
}
