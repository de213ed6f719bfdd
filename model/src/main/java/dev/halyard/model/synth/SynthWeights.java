package dev.halyard.model.synth;

import java.util.SplittableRandom;

/**
 * Seeded random weights, designed so that greedy decoding is decisive: the top logit stands far
 * above the rest, so the small differences between two correct implementations (llama.cpp rounds
 * activations to int8 or f16 inside its matrix products) cannot flip an argmax.
 *
 * <p>The design: the residual stream is the current token's embedding e_t plus what the layers add
 * (about as large again), and the output layer reads out a fixed successor of t:
 * <ul>
 * <li>untied output: row i of output.weight is {@code a * ê(succ⁻¹(i)) + b * noise}, ê the embedding
 *     row at unit RMS, succ a seeded permutation. The successor's logit is about
 *     {@code a * dim * cos(e_t, x)} ≈ 20, every other logit about ±2.
 * <li>tied output (token_embd doubles as output): tokens come in seeded pairs (t, u) with
 *     e_u = s ⊙ e_t for a fixed sign vector s, and output_norm carries s, so the logits
 *     {@code <e_j, s ⊙ x>} peak at the partner u.
 * </ul>
 * Every other weight is plain Gaussian noise scaled to keep activations near unit RMS, so attention,
 * RoPE, biases and norms all move the logits (a wrong forward pass shows up there) without deciding
 * the argmax. Each row has its own random stream (seed, tensor, row), so rows can be generated in any
 * order and in parallel.
 */
final class SynthWeights {

    /** Target logit of the designed successor. */
    static final float TOP_LOGIT = 20f;
    /** Expected cosine between the final residual and the current token's embedding (layers add about as much again). */
    static final float COS = 0.7f;

    private final SynthSpec spec;
    private final int vocab;
    /** succ[t]: the token the output favours after t (a permutation; an involution when tied). */
    final int[] succ;
    private final int[] succInverse;
    /** (dim,) ±1: the sign flip relating the two tokens of a tied pair. */
    private final float[] signs;
    /** RMS of embedding elements (Gemma scales embeddings by sqrt(dim) in its forward). */
    final float embScale;

    SynthWeights(SynthSpec spec) {
        this.spec = spec;
        this.vocab = spec.vocabSize();
        this.embScale = spec.arch().equals("gemma2") ? (float) (1 / Math.sqrt(spec.dim())) : 1f;
        SplittableRandom r = rng("successor", 0);
        int[] perm = new int[vocab];
        for (int i = 0; i < vocab; i++) perm[i] = i;
        for (int i = vocab - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
        }
        succ = new int[vocab];
        if (spec.tiedEmbeddings()) {
            for (int k = 0; k + 1 < vocab; k += 2) {
                succ[perm[k]] = perm[k + 1];
                succ[perm[k + 1]] = perm[k];
            }
            if (vocab % 2 == 1) succ[perm[vocab - 1]] = perm[vocab - 1];
        } else {
            for (int k = 0; k < vocab; k++) succ[perm[k]] = perm[(k + 1) % vocab];
        }
        succInverse = new int[vocab];
        for (int t = 0; t < vocab; t++) succInverse[succ[t]] = t;
        signs = new float[spec.dim()];
        SplittableRandom s = rng("signs", 0);
        for (int i = 0; i < signs.length; i++) signs[i] = s.nextBoolean() ? 1f : -1f;
    }

    private SplittableRandom rng(String tensor, long row) {
        long h = spec.seed() * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < tensor.length(); i++) h = (h ^ tensor.charAt(i)) * 0x100000001B3L;
        return new SplittableRandom(h ^ (row * 0xD1B54A32D192ED03L));
    }

    private void gaussian(String tensor, long row, float scale, float[] out) {
        SplittableRandom r = rng(tensor, row);
        for (int i = 0; i < out.length; i++) out[i] = (float) (r.nextGaussian() * scale);
    }

    // ---------------------------------------------------------------- rows

    /** Row {@code t} of token_embd, (dim,). */
    float[] embedding(int t) {
        float[] e = new float[spec.dim()];
        if (spec.tiedEmbeddings() && succ[t] < t) {
            // the second token of a pair: the sign-flipped first
            float[] first = embedding(succ[t]);
            for (int i = 0; i < e.length; i++) e[i] = signs[i] * first[i];
            return e;
        }
        gaussian("token_embd", t, embScale, e);
        return e;
    }

    /** Row {@code i} of an untied output.weight, (dim,). */
    float[] output(int i) {
        int dim = spec.dim();
        float[] e = embedding(succInverse[i]);
        double ss = 0;
        for (float v : e) ss += v * v;
        float unit = (float) (1 / Math.sqrt(ss / dim + 1e-12));
        float a = TOP_LOGIT / (COS * dim);
        float b = 1.5f / (float) Math.sqrt(dim);
        float[] row = new float[dim];
        gaussian("output", i, b, row);
        for (int k = 0; k < dim; k++) row[k] += a * unit * e[k];
        return row;
    }

    /** output_norm.weight, (dim,). */
    float[] outputNorm() {
        int dim = spec.dim();
        float[] g = new float[dim];
        gaussian("output_norm", 0, 0.1f, g);
        if (!spec.tiedEmbeddings()) {
            for (int i = 0; i < dim; i++) g[i] += 1f;
            return g;
        }
        // logits_j = <e_j, g ⊙ x/rms(x)>; with g ∝ s the partner's logit is ≈ c * rms(e) * dim * COS
        float c = TOP_LOGIT / (COS * dim * embScale);
        for (int i = 0; i < dim; i++) g[i] = c * signs[i] * (1f + g[i]);
        return g;
    }

    /** A norm weight near {@code center}, (n,). */
    float[] norm(String tensor, int n, float center) {
        float[] g = new float[n];
        gaussian(tensor, 0, 0.1f, g);
        for (int i = 0; i < n; i++) g[i] += center;
        return g;
    }

    /** A bias, (n,). */
    float[] bias(String tensor, int n) {
        float[] b = new float[n];
        gaussian(tensor, 0, 0.5f, b);
        return b;
    }

    /** Row {@code r} of a matrix with {@code cols} inputs: N(0, gain² / cols), so unit-RMS inputs give gain-RMS outputs. */
    float[] matrixRow(String tensor, int r, int cols, float gain) {
        float[] row = new float[cols];
        gaussian(tensor, r, gain / (float) Math.sqrt(cols), row);
        return row;
    }
}
