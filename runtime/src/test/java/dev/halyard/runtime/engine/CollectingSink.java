package dev.halyard.runtime.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/** A test sink that records what it is given; {@code keepGoing} sees the token count after each token. */
class CollectingSink implements TokenSink {
    private final List<Integer> tokens = new ArrayList<>();
    private final List<TokenLogprob> logprobs = new ArrayList<>();
    private final IntPredicate keepGoing;
    final CompletableFuture<FinishReason> done = new CompletableFuture<>();
    volatile int promptTokens = -1, completionTokens = -1;

    CollectingSink() {
        this(n -> true);
    }

    CollectingSink(IntPredicate keepGoing) {
        this.keepGoing = keepGoing;
    }

    @Override
    public synchronized boolean onToken(int token, TokenLogprob lp) {
        tokens.add(token);
        if (lp != null) logprobs.add(lp);
        return keepGoing.test(tokens.size());
    }

    @Override
    public void onFinish(FinishReason reason, int promptTokens, int completionTokens) {
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        done.complete(reason);
    }

    @Override
    public void onError(Throwable e) {
        done.completeExceptionally(e);
    }

    FinishReason await() throws Exception {
        return done.get(30, TimeUnit.SECONDS);
    }

    synchronized int[] tokens() {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    synchronized List<TokenLogprob> logprobs() {
        return List.copyOf(logprobs);
    }
}
