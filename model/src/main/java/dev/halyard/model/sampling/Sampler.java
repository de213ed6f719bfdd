package dev.halyard.model.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The sampling chain, in llama.cpp's order: logit bias → repetition / presence / frequency penalties →
 * top-k → top-p → min-p → temperature → draw. At temperature 0 it returns the argmax of the biased,
 * penalised logits. One sampler per sequence: it owns the random stream, so the same seed and the
 * same logits give the same tokens.
 */
public final class Sampler {
    private final SamplingParams p;
    private final SplittableRandom random;
    private long[] order = new long[0]; // scratch: (sortable logit bits << 32 | token id)
    private long[] scratch = new long[0]; // the radix sort's second buffer
    private double[] prob = new double[0], weight = new double[0]; // the candidates' softmax and draw weights

    public Sampler(SamplingParams params) {
        this.p = params;
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() {
        return p;
    }

    /**
     * Picks the next token. {@code logits} (V,) is modified in place (bias and penalties applied);
     * {@code history} holds the tokens so far (prompt and generated), of which the last
     * {@code penaltyLastN} count for penalties.
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        applyBiasAndPenalties(logits, history, historyLength);
        if (p.isGreedy()) return argmax(logits);

        int n = logits.length;
        int k = p.topK() > 0 ? Math.min(p.topK(), n) : n;
        if (order.length < k) order = new long[k];
        if (k < n) {
            selectTop(logits, k, order);
            Arrays.sort(order, 0, k); // ascending key = descending logit
        } else {
            for (int i = 0; i < n; i++) order[i] = key(logits[i], i);
            if (scratch.length < n) scratch = new long[n];
            sortKeys(order, n, scratch);
        }

        // softmax over the k candidates (at temperature 1 for the filters, as llama.cpp does); only
        // top-p and min-p read it, and without top-k it is an exp for each of V tokens
        float max = logits[(int) order[0]];
        int keep = k;
        boolean filters = p.topP() < 1f || p.minP() > 0f;
        if (filters && prob.length < k) prob = new double[k];
        double sum = 0;
        for (int i = 0; filters && i < k; i++) {
            prob[i] = Math.exp(logits[(int) order[i]] - max);
            sum += prob[i];
        }
        if (p.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < k; i++) {
                cum += prob[i] / sum;
                if (cum >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (p.minP() > 0f) {
            double threshold = prob[0] * p.minP();
            int m = 1;
            while (m < keep && prob[m] >= threshold) m++;
            keep = m;
        }
        // temperature, then draw
        double total = 0;
        if (weight.length < keep) weight = new double[keep];
        double[] w = weight;
        for (int i = 0; i < keep; i++) {
            w[i] = Math.exp((logits[(int) order[i]] - max) / p.temperature());
            total += w[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= w[i];
            if (r < 0) return (int) order[i];
        }
        return (int) order[keep - 1];
    }

    private void applyBiasAndPenalties(float[] logits, int[] history, int historyLength) {
        for (Map.Entry<Integer, Float> e : p.logitBias().entrySet()) {
            int id = e.getKey();
            if (id >= 0 && id < logits.length) logits[id] += e.getValue();
        }
        boolean penalise = p.repeatPenalty() != 1f || p.presencePenalty() != 0f || p.frequencyPenalty() != 0f;
        if (!penalise || p.penaltyLastN() == 0 || historyLength == 0) return;
        int from = p.penaltyLastN() < 0 ? 0 : Math.max(0, historyLength - p.penaltyLastN());
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = from; i < historyLength; i++) counts.merge(history[i], 1, Integer::sum);
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            int id = e.getKey();
            if (id < 0 || id >= logits.length) continue;
            float l = logits[id];
            l = l > 0 ? l / p.repeatPenalty() : l * p.repeatPenalty();
            l -= e.getValue() * p.frequencyPenalty() + p.presencePenalty();
            logits[id] = l;
        }
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** Maps a float to an int whose ascending order is the float's descending order (NaN last). */
    static int sortableDescending(float f) {
        if (Float.isNaN(f)) return Integer.MAX_VALUE;
        int bits = Float.floatToIntBits(f);
        int asc = bits ^ ((bits >> 31) & 0x7fffffff); // ascending-order int for the float
        return ~asc; // ~ reverses signed order
    }

    /** A token's sort key: ascending key = descending logit, ties broken by the lower id (all keys differ). */
    static long key(float logit, int id) {
        return ((long) sortableDescending(logit) << 32) | id;
    }

    /**
     * out[0, k) = the keys of the k most likely tokens (k < logits.length), in no order: one pass
     * keeping a max-heap of the k best keys so far. Most tokens are turned away by one comparison
     * with the logit of the worst kept, so this runs while the next forward pass waits: the
     * quickselect over all V keys it replaces took 1.7 ms a token at V = 151,936 (top_k 40), a
     * tenth of a Qwen2.5-0.5B token on 2 threads; this takes about 0.1 ms. The set is the same (the
     * keys are distinct), so the draw is too.
     */
    static void selectTop(float[] logits, int k, long[] out) {
        for (int i = 0; i < k; i++) out[i] = key(logits[i], i);
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(out, i, k);
        float worst = logits[(int) out[0]];
        for (int i = k; i < logits.length; i++) {
            float f = logits[i];
            if (f < worst) continue; // strictly below the worst kept: a bigger key (false for NaN, which goes on)
            long key = key(f, i);
            if (key < out[0]) {
                out[0] = key;
                siftDown(out, 0, k);
                worst = logits[(int) out[0]];
            }
        }
    }

    /**
     * Sorts the keys a[0, n), made in token order, ascending: the same order as {@link Arrays#sort}
     * (ids break ties, and a stable sort keeps them ascending), by a stable radix sort on the logit
     * half, four passes of 8 bits through {@code tmp}. Without top-k (OpenAI's default) this sorts
     * every token: Arrays.sort took 3-4 ms a token at V = 151,936 while the forward pass waited.
     */
    static void sortKeys(long[] a, int n, long[] tmp) {
        int[] count = new int[257];
        long[] src = a, dst = tmp;
        for (int shift = 32; shift < 64; shift += 8) {
            int flip = shift == 56 ? 0x80 : 0; // the top byte holds the sign: negative keys first
            Arrays.fill(count, 0);
            for (int i = 0; i < n; i++) count[((int) (src[i] >>> shift) & 0xff ^ flip) + 1]++;
            for (int d = 0; d < 256; d++) count[d + 1] += count[d];
            for (int i = 0; i < n; i++) dst[count[(int) (src[i] >>> shift) & 0xff ^ flip]++] = src[i];
            long[] t = src;
            src = dst;
            dst = t;
        }
        // four passes: the result is back in a
    }

    /** Restores the max-heap h[0, n) below index i. */
    private static void siftDown(long[] h, int i, int n) {
        long x = h[i];
        for (int c = 2 * i + 1; c < n; c = 2 * i + 1) {
            if (c + 1 < n && h[c + 1] > h[c]) c++;
            if (h[c] <= x) break;
            h[i] = h[c];
            i = c;
        }
        h[i] = x;
    }
}
