package dev.halyard.runtime.engine;

/**
 * Where a request's output goes. Every method is called on the engine's thread, between forward
 * passes that serve every request: implementations must be cheap and must not block (hand the token
 * to a queue or a non-blocking writer). A sink that throws ends its own request only.
 */
public interface TokenSink {
    /**
     * A new token (end-of-generation tokens are not delivered unless the request ignores them).
     * {@code lp} is null unless the request asked for logprobs. Return false to stop now (a stop
     * string was found or the client went away): the request finishes with {@link FinishReason#STOP}.
     */
    boolean onToken(int token, TokenLogprob lp);

    /** The request was admitted to the batch for the first time (queue time ends here). */
    default void onScheduled() {}

    /** The request is over and its KV blocks are free; called exactly once unless {@link #onError} is. */
    void onFinish(FinishReason reason, int promptTokens, int completionTokens);

    /** The request failed (its blocks are free); no other call follows. */
    void onError(Throwable e);
}
