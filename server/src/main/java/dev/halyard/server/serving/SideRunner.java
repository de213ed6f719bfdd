package dev.halyard.server.serving;

import dev.halyard.model.arch.Batch;
import dev.halyard.model.arch.KvCache;
import dev.halyard.model.arch.Model;
import dev.halyard.runtime.engine.TokenLogprob;
import dev.halyard.server.models.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Forward passes outside the engine, for work that needs every position's output rather than the next
 * token: prompt logprobs (completions with {@code echo}) and embeddings (mean-pooled final hidden
 * states). One pass at a time per model (its side lock), in chunks so memory stays bounded: a chunk's
 * logits are (CHUNK, V) floats.
 */
final class SideRunner {
    static final int CHUNK = 64;

    private SideRunner() {}

    /**
     * The logprob of each prompt token given the tokens before it, with the {@code topN} most likely
     * alternatives; null for the first token (nothing predicts it), as OpenAI reports echoed prompts.
     */
    static List<TokenLogprob> promptLogprobs(LoadedModel m, int[] ids, int topN) {
        Model model = m.model();
        List<TokenLogprob> out = new ArrayList<>(ids.length);
        out.add(null);
        if (ids.length < 2) return out;
        int vocab = model.config().vocabSize();
        m.sideLock().lock();
        try (KvCache kv = model.newKvCache(1, ids.length)) {
            for (int start = 0; start < ids.length - 1; start += CHUNK) {
                int end = Math.min(ids.length - 1, start + CHUNK); // positions whose next token is known
                float[] logits = model.forward(allOutputs(ids, start, end), kv); // (end - start, V)
                for (int j = 0; j < end - start; j++)
                    out.add(logprob(Arrays.copyOfRange(logits, j * vocab, (j + 1) * vocab), ids[start + j + 1], topN));
            }
        } finally {
            m.sideLock().unlock();
        }
        return out;
    }

    /** The mean of the final normalised hidden states of {@code ids}, scaled to unit length. */
    static float[] embedding(LoadedModel m, int[] ids) {
        Model model = m.model();
        int dim = model.config().dim();
        double[] sum = new double[dim];
        m.sideLock().lock();
        try (KvCache kv = model.newKvCache(1, ids.length)) {
            for (int start = 0; start < ids.length; start += CHUNK) {
                int end = Math.min(ids.length, start + CHUNK);
                float[] h = model.hidden(allOutputs(ids, start, end), kv); // (end - start, D)
                for (int j = 0; j < end - start; j++) for (int d = 0; d < dim; d++) sum[d] += h[j * dim + d];
            }
        } finally {
            m.sideLock().unlock();
        }
        double norm = 0;
        for (double v : sum) norm += v * v;
        norm = Math.sqrt(norm);
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) out[d] = norm == 0 ? 0f : (float) (sum[d] / norm); // mean then L2: the 1/n cancels
        return out;
    }

    /** Positions [start, end) of sequence 0, every one producing an output. */
    private static Batch allOutputs(int[] ids, int start, int end) {
        int n = end - start;
        int[] pos = new int[n], seq = new int[n];
        boolean[] all = new boolean[n];
        for (int i = 0; i < n; i++) {
            pos[i] = start + i;
            all[i] = true;
        }
        return new Batch(Arrays.copyOfRange(ids, start, end), pos, seq, all);
    }

    /** Log-softmax of {@code logits} (V,): {@code chosen}'s logprob and the {@code topN} largest. */
    static TokenLogprob logprob(float[] logits, int chosen, int topN) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        double lse = max + Math.log(sum);
        int[] ids = new int[topN]; // the topN largest logits so far, descending (ties: lower id first)
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
        for (int k = 0; k < n; k++) top.add(new TokenLogprob.Top(ids[k], (float) (logits[ids[k]] - lse)));
        return new TokenLogprob(chosen, (float) (logits[chosen] - lse), top);
    }
}
