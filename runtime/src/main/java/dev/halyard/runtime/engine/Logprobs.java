package dev.halyard.runtime.engine;

import java.util.ArrayList;
import java.util.List;

/** Log-softmax of a logits row: the chosen token's logprob and the N most likely tokens. */
final class Logprobs {
    private Logprobs() {}

    /** From {@code logits} (V,), as they were before the sampling chain touched them. */
    static TokenLogprob of(float[] logits, int chosen, int topN) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) if (l > max) max = l;
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        double lse = max + Math.log(sum); // log Σ exp(logits)
        if (max == Float.NEGATIVE_INFINITY) lse = 0; // every token banned: all logprobs are -inf

        // the topN largest logits, kept sorted descending (ties: lower id first)
        int[] ids = new int[topN];
        int n = 0;
        for (int i = 0; i < logits.length && topN > 0; i++) {
            float l = logits[i];
            if (n == topN && !(l > logits[ids[n - 1]])) continue;
            int at = n < topN ? n++ : n - 1;
            while (at > 0 && l > logits[ids[at - 1]]) {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = i;
        }
        List<TokenLogprob.Top> top = new ArrayList<>(n);
        for (int j = 0; j < n; j++) top.add(new TokenLogprob.Top(ids[j], (float) (logits[ids[j]] - lse)));
        return new TokenLogprob(chosen, (float) (logits[chosen] - lse), top);
    }
}
