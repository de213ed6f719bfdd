package dev.halyard.runtime.engine;

/**
 * A snapshot of an engine for /metrics.
 *
 * @param running requests in the batch
 * @param waiting requests waiting for admission (new and preempted)
 * @param kvBlocksUsed blocks held by requests (cached blocks nobody holds do not count)
 * @param kvBlocksCached blocks findable in the prefix cache, held or not
 * @param kvBlocksTotal blocks in the pool
 * @param prefixHitTokens prompt tokens served from the prefix cache instead of computed
 * @param promptTokens prompt tokens of admitted requests (counted once per request)
 * @param generatedTokens tokens sampled
 * @param computedTokens tokens run through the model (prompt chunks, recomputations, decode steps)
 * @param preemptions times a running request was sent back to wait
 * @param finished requests that ended (any reason)
 * @param steps forward passes
 */
public record EngineStats(int running, int waiting, int kvBlocksUsed, int kvBlocksCached, int kvBlocksTotal,
                          long prefixHitTokens, long promptTokens, long generatedTokens, long computedTokens,
                          long preemptions, long finished, long steps) {
}
