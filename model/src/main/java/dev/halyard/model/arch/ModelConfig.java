package dev.halyard.model.arch;

import dev.halyard.model.gguf.GgufFile;

/**
 * Hyper-parameters of a decoder-only transformer, read from GGUF metadata keys
 * {@code <arch>.embedding_length} etc.
 *
 * @param dim model width (n_embd)
 * @param layers number of transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention when fewer than heads)
 * @param headDim width of one query/key head
 * @param headDimV width of one value head
 * @param ffnDim hidden width of the feed-forward network
 * @param vocabSize rows of the embedding table
 * @param contextLength the context the model was trained for
 * @param rmsEps epsilon of RMSNorm
 * @param ropeTheta RoPE frequency base
 * @param ropeDims dimensions of each head that RoPE rotates (≤ headDim)
 * @param ropeFreqScale linear RoPE scaling (1 / factor), 1 when unscaled
 * @param attnSoftcap attention logit soft-cap (0 = none)
 * @param finalSoftcap output logit soft-cap (0 = none)
 * @param attnScale multiplier of q·k
 * @param slidingWindow window of sliding-window layers (0 = none)
 */
public record ModelConfig(
        Architecture arch, int dim, int layers, int heads, int kvHeads, int headDim, int headDimV, int ffnDim,
        int vocabSize, int contextLength, float rmsEps, float ropeTheta, int ropeDims, float ropeFreqScale,
        float attnSoftcap, float finalSoftcap, float attnScale, int slidingWindow) {

    public ModelConfig {
        check("dim", dim, 1, 1 << 20);
        check("layers", layers, 1, 4096);
        check("heads", heads, 1, 4096);
        check("kvHeads", kvHeads, 1, heads);
        if (heads % kvHeads != 0) throw new UnsupportedModelException("head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        check("headDim", headDim, 1, 1 << 16);
        check("headDimV", headDimV, 1, 1 << 16);
        check("ropeDims", ropeDims, 0, headDim);
        if (ropeDims % 2 != 0) throw new UnsupportedModelException("rope dimension_count must be even, got " + ropeDims);
        check("ffnDim", ffnDim, 1, 1 << 24);
        check("vocabSize", vocabSize, 1, 1 << 24);
    }

    private static void check(String name, int v, int min, int max) {
        if (v < min || v > max) throw new UnsupportedModelException(name + " must be in [" + min + ", " + max + "], got " + v);
    }

    public int qDim() { return heads * headDim; }
    public int kvDim() { return kvHeads * headDim; }
    public int kvDimV() { return kvHeads * headDimV; }

    /** Whether layer {@code l} attends within a sliding window (Gemma 2: even layers). */
    public boolean isSlidingLayer(int l) {
        return slidingWindow > 0 && arch == Architecture.GEMMA2 && l % 2 == 0;
    }

    public static ModelConfig fromGguf(GgufFile g, int vocabFromTensor) {
        Architecture arch = Architecture.fromGguf(g.requireString("general.architecture"));
        String p = arch.ggufName + ".";
        int dim = g.requireInt(p + "embedding_length", 1, 1 << 20);
        int layers = g.requireInt(p + "block_count", 1, 4096);
        int heads = g.requireInt(p + "attention.head_count", 1, 4096);
        int kvHeads = g.getInt(p + "attention.head_count_kv", heads, 1, heads);
        int headDim = g.getInt(p + "attention.key_length", dim / heads, 1, 1 << 16);
        int headDimV = g.getInt(p + "attention.value_length", headDim, 1, 1 << 16);
        int ffn = g.requireInt(p + "feed_forward_length", 1, 1 << 24);
        int ctx = g.getInt(p + "context_length", 2048, 1, Integer.MAX_VALUE);
        float eps = g.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float theta = g.getFloat(p + "rope.freq_base", 10000f);
        int ropeDims = g.getInt(p + "rope.dimension_count", headDim, 0, headDim);
        float freqScale = 1f;
        String scaling = g.getString(p + "rope.scaling.type", "none");
        switch (scaling) {
            case "none" -> { }
            case "linear" -> {
                float f = g.getFloat(p + "rope.scaling.factor", 1f);
                if (!(f > 0)) throw new UnsupportedModelException(p + "rope.scaling.factor must be > 0, got " + f);
                freqScale = 1f / f;
            }
            // Llama 3 scaling arrives as per-dimension factors in the rope_freqs tensor.
            case "llama3" -> { }
            default -> throw new UnsupportedModelException("rope scaling type '" + scaling + "' is not supported (none, linear, llama3)");
        }
        float attnSoftcap = 0f, finalSoftcap = 0f;
        int window = 0;
        float attnScale = (float) (1.0 / Math.sqrt(headDim));
        if (arch == Architecture.GEMMA2) {
            attnSoftcap = g.getFloat(p + "attn_logit_softcapping", 50f);
            finalSoftcap = g.getFloat(p + "final_logit_softcapping", 30f);
            window = g.getInt(p + "attention.sliding_window", 4096, 0, Integer.MAX_VALUE);
            // llama.cpp: Gemma 2 27B (46 layers) scales by 1/sqrt(n_embd / n_head), the others by 1/sqrt(head_dim)
            if (layers == 46) attnScale = (float) (1.0 / Math.sqrt((double) dim / heads));
        }
        int vocab = vocabFromTensor;
        return new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, headDimV, ffn, vocab, ctx, eps, theta,
                ropeDims, freqScale, attnSoftcap, finalSoftcap, attnScale, window);
    }
}
