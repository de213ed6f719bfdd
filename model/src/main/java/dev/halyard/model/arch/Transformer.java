package dev.halyard.model.arch;

import dev.halyard.kernels.AttentionOps;
import dev.halyard.kernels.FloatOps;
import dev.halyard.kernels.Kernels;
import dev.halyard.kernels.Matmul;
import dev.halyard.kernels.Parallel;
import dev.halyard.kernels.WeightMatrix;
import java.lang.foreign.MemorySegment;

/**
 * The forward pass of every supported decoder-only architecture, top to bottom. One call runs a
 * {@link Batch} of B tokens (any mix of sequences, prompt chunks and decode steps) through all layers,
 * writes their keys and values into the {@link KvCache}, and returns logits for the tokens that asked.
 *
 * <p>Shapes in comments: B = tokens in the batch, D = dim, Q = heads*headDim, K = kvHeads*headDim,
 * F = ffnDim, V = vocab.
 */
public final class Transformer {
    private final ModelConfig c;
    private final Weights w;
    private final Kernels k;
    private final Parallel par;
    private final Rope rope;

    public Transformer(ModelConfig c, Weights w, Kernels k, Parallel par) {
        this.c = c;
        this.w = w;
        this.k = k;
        this.par = par;
        this.rope = new Rope(c, w.ropeFactors);
    }

    /** Logits (outputs, V) for the tokens with {@code batch.logits()[i]}, in batch order. */
    public float[] forward(Batch batch, KvCache kv) {
        return forward(batch, kv, null);
    }

    /**
     * Like {@link #forward(Batch, KvCache)}; when {@code hidden} is non-null it receives the final
     * normalised hidden state (outputs, D) of the same tokens (for embeddings).
     */
    public float[] forward(Batch batch, KvCache kv, float[] hidden) {
        return run(batch, kv, hidden, true);
    }

    /**
     * The final normalised hidden states (outputs, D) of the tokens with {@code batch.logits()[i]},
     * without the output projection (for embeddings).
     */
    public float[] hidden(Batch batch, KvCache kv) {
        float[] h = new float[batch.outputs() * c.dim()];
        run(batch, kv, h, false);
        return h;
    }

    private float[] run(Batch batch, KvCache kv, float[] hidden, boolean wantLogits) {
        final int B = batch.size(), D = c.dim(), Q = c.qDim(), K = c.kvDim(), KV = c.kvDimV(), F = c.ffnDim();
        final int hd = c.headDim(), hdv = c.headDimV();
        for (int i = 0; i < B; i++) {
            int t = batch.tokens()[i];
            if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            if (batch.positions()[i] >= kv.maxPositions())
                throw new IllegalArgumentException("position " + batch.positions()[i] + " is past the KV cache's " + kv.maxPositions() + " positions");
            if (!kv.reserve(batch.seqIds()[i], batch.positions()[i] + 1))
                throw new IllegalStateException("KV cache has no room for sequence " + batch.seqIds()[i] + " position " + batch.positions()[i]);
        }

        float[] x = new float[B * D];            // (B, D) residual stream
        float[] xb = new float[B * D];           // (B, D) normalised input of a sub-block
        float[] q = new float[B * Q];            // (B, Q) queries
        float[] kk = new float[B * K];           // (B, K) keys of the new tokens
        float[] vv = new float[B * KV];          // (B, KV) values of the new tokens
        float[] att = new float[B * c.heads() * hdv]; // (B, heads*hdv) attention output
        float[] o = new float[B * D];            // (B, D) projection back to the residual
        float[] h1 = new float[B * F];           // (B, F) gate
        float[] h3 = new float[B * F];           // (B, F) up
        float[] cos = new float[B * Math.max(1, rope.dims() / 2)]; // (B, ropeDims/2)
        float[] sin = new float[cos.length];

        // token embeddings (Gemma scales them by sqrt(D))
        float embScale = c.arch() == Architecture.GEMMA2 ? (float) Math.sqrt(D) : 1f;
        for (int i = 0; i < B; i++) {
            WeightMatrix e = w.tokenEmbedding;
            k.dequantize(e.type(), e.data(), e.rowOffset(batch.tokens()[i]), x, i * D, D);
            if (embScale != 1f) for (int j = 0; j < D; j++) x[i * D + j] *= embScale;
        }
        int half = rope.dims() / 2;
        if (half > 0) {
            float[] cs = new float[half], sn = new float[half];
            for (int i = 0; i < B; i++) {
                rope.angles(batch.positions()[i], cs, sn);
                System.arraycopy(cs, 0, cos, i * half, half);
                System.arraycopy(sn, 0, sin, i * half, half);
            }
        }

        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer L = w.layers[l];

            // attention: xb = rmsnorm(x) * attn_norm; q, k, v projections
            rmsnorm(xb, x, L.attnNorm, B, D);
            if (L.wqkv != null) {
                float[] qkv = new float[B * (Q + K + KV)];
                Matmul.matmul(k, par, L.wqkv, xb, qkv, B);
                for (int i = 0; i < B; i++) {
                    int base = i * (Q + K + KV);
                    System.arraycopy(qkv, base, q, i * Q, Q);
                    System.arraycopy(qkv, base + Q, kk, i * K, K);
                    System.arraycopy(qkv, base + Q + K, vv, i * KV, KV);
                }
            } else {
                Matmul.matmul(k, par, L.wq, xb, q, B);
                Matmul.matmul(k, par, L.wk, xb, kk, B);
                Matmul.matmul(k, par, L.wv, xb, vv, B);
            }
            if (L.bq != null) addBias(q, L.bq, B);
            if (L.bk != null) addBias(kk, L.bk, B);
            if (L.bv != null) addBias(vv, L.bv, B);
            if (L.qNorm != null) {                       // Qwen3: RMSNorm per head before RoPE
                rmsnorm(q, q, L.qNorm, B * c.heads(), hd);
                rmsnorm(kk, kk, L.kNorm, B * c.kvHeads(), hd);
            }
            if (half > 0) {
                float[] cs = new float[half], sn = new float[half];
                for (int i = 0; i < B; i++) {
                    System.arraycopy(cos, i * half, cs, 0, half);
                    System.arraycopy(sin, i * half, sn, 0, half);
                    rope.apply(q, i * Q, c.heads(), hd, cs, sn);
                    rope.apply(kk, i * K, c.kvHeads(), hd, cs, sn);
                }
            }
            // store this batch's keys and values, then attend (causal: each token sees positions <= its own)
            for (int i = 0; i < B; i++) store(kv, l, batch.seqIds()[i], batch.positions()[i], kk, i * K, vv, i * KV);
            attention(batch, kv, l, q, att);
            Matmul.matmul(k, par, L.wo, att, o, B);
            if (L.attnPostNorm != null) rmsnorm(o, o, L.attnPostNorm, B, D);
            for (int j = 0; j < B * D; j++) x[j] += o[j];

            // feed-forward: x += w2( act(w1 xb) * (w3 xb) ), xb = rmsnorm(x) * ffn_norm
            rmsnorm(xb, x, L.ffnNorm, B, D);
            if (L.w13 != null) {
                float[] gu = new float[B * 2 * F];
                Matmul.matmul(k, par, L.w13, xb, gu, B);
                for (int i = 0; i < B; i++) {
                    System.arraycopy(gu, i * 2 * F, h1, i * F, F);
                    System.arraycopy(gu, i * 2 * F + F, h3, i * F, F);
                }
            } else {
                Matmul.matmul(k, par, L.w1, xb, h1, B);
                Matmul.matmul(k, par, L.w3, xb, h3, B);
            }
            boolean gelu = c.arch() == Architecture.GEMMA2;
            for (int j = 0; j < B * F; j++) h1[j] = (gelu ? gelu(h1[j]) : silu(h1[j])) * h3[j];
            Matmul.matmul(k, par, L.w2, h1, o, B);
            if (L.ffnPostNorm != null) rmsnorm(o, o, L.ffnPostNorm, B, D);
            for (int j = 0; j < B * D; j++) x[j] += o[j];
        }

        // final norm and output projection, only for the tokens that want logits
        int n = batch.outputs();
        float[] xo = new float[n * D];           // (n, D)
        for (int i = 0, r = 0; i < B; i++) if (batch.logits()[i]) System.arraycopy(x, i * D, xo, D * r++, D);
        rmsnorm(xo, xo, w.outputNorm, n, D);
        if (hidden != null) System.arraycopy(xo, 0, hidden, 0, n * D);
        if (!wantLogits) return null;
        float[] logits = new float[n * c.vocabSize()]; // (n, V)
        Matmul.matmul(k, par, w.output, xo, logits, n);
        if (c.finalSoftcap() > 0) softcap(logits, c.finalSoftcap());
        return logits;
    }

    /** Writes one token's keys k[ko, ko + K) and values v[vo, vo + KV) into the cache, head by head. */
    private void store(KvCache kv, int layer, int s, int p, float[] k, int ko, float[] v, int vo) {
        final int hd = c.headDim(), hdv = c.headDimV();
        for (int h = 0; h < c.kvHeads(); h++) {
            put(k, ko + h * hd, hd, kv.keys(layer, s, p), kv.keyOffset(layer, h, s, p), kv.type());
            put(v, vo + h * hdv, hdv, kv.values(layer, s, p), kv.valueOffset(layer, h, s, p), kv.type());
        }
    }

    private static void put(float[] src, int si, int n, MemorySegment dst, long off, KvType type) {
        if (type == KvType.F16) AttentionOps.floatsToHalves(src, si, n, dst, off);
        else AttentionOps.floatsToFloats(src, si, n, dst, off);
    }

    /** Tokens per query block at most: they share every key and value tile the task widens. */
    private static final int QUERY_BLOCK = 16;
    /** Cached positions per tile (widened to floats once per task, then read by all its queries). */
    private static final int TILE = 32;
    /** Attention scores one task may hold (floats); bounds the query block for long contexts. */
    private static final int SCORE_BUDGET = 1 << 20;

    /**
     * att (B, heads*hdv) = softmax(q k^T * scale) v over each token's own sequence, causally.
     *
     * <p>Tasks are (query block, KV head, head subgroup): a query block is a run of consecutive batch
     * tokens of one sequence, and the task's query heads share one KV head. The task widens each tile
     * of cached keys once and scores all its queries against it, then does the same for the values,
     * so F16 decoding is paid once per tile rather than once per query. Each query's arithmetic is the
     * same whatever its block (see {@link AttentionOps}), so a token's output does not depend on the
     * batch it came in.
     */
    private void attention(Batch batch, KvCache kv, int layer, float[] q, float[] att) {
        final int B = batch.size(), kvHeads = c.kvHeads(), group = c.heads() / kvHeads;
        int maxPos = 0;
        for (int p : batch.positions()) maxPos = Math.max(maxPos, p);
        int blockCap = Math.clamp(SCORE_BUDGET / ((long) group * (maxPos + 1)), 1, QUERY_BLOCK);
        int[] starts = new int[B + 1];          // query block b = tokens [starts[b], starts[b+1])
        int blocks = 0;
        for (int i = 0; i < B; i++) {
            boolean joins = i > 0 && i - starts[blocks - 1] < blockCap && batch.seqIds()[i] == batch.seqIds()[i - 1];
            if (!joins) starts[blocks++] = i;
        }
        starts[blocks] = B;
        // heads per task: the whole group, unless that leaves threads idle
        int perTask = group;
        while (perTask > 1 && (long) blocks * kvHeads * (group / perTask) < par.threads()) {
            do perTask--; while (group % perTask != 0);
        }
        final int nb = blocks, subs = group / perTask, hpt = perTask;
        par.forEach(nb * kvHeads * subs, task -> {
            int b = task / (kvHeads * subs), rest = task % (kvHeads * subs);
            int kvh = rest / subs, h0 = kvh * group + (rest % subs) * hpt;
            attendBlock(batch, kv, layer, q, att, starts[b], starts[b + 1], kvh, h0, hpt);
        });
    }

    /** Attention of tokens [i0, i1) (one sequence) for query heads [h0, h0 + nh), all reading KV head kvh. */
    private void attendBlock(Batch batch, KvCache kv, int layer, float[] q, float[] att, int i0, int i1, int kvh, int h0, int nh) {
        final int hd = c.headDim(), hdv = c.headDimV(), heads = c.heads(), Q = c.qDim();
        final float scale = c.attnScale(), cap = c.attnSoftcap();
        final boolean sliding = c.isSlidingLayer(layer);
        final int[] pos = batch.positions();
        final int s = batch.seqIds()[i0];
        int lo = Integer.MAX_VALUE, hi = 0;    // the cached positions any query of the block sees
        for (int i = i0; i < i1; i++) {
            lo = Math.min(lo, firstVisible(pos[i], sliding));
            hi = Math.max(hi, pos[i]);
        }
        final int span = hi - lo + 1, queries = (i1 - i0) * nh;
        Scratch sc = SCRATCH.get();
        float[] w = sc.scores(queries * span);                 // (queries, span) scores, then weights
        float[] tile = sc.tile(TILE * Math.max(hd, hdv));      // (TILE, hd) keys or (TILE, hdv) values

        // scores: q·k * scale for each query and each position it sees, a tile of keys at a time
        for (int t0 = lo; t0 <= hi; ) {
            int n = Math.min(Math.min(TILE, hi + 1 - t0), kv.run(s, t0));
            widen(kv.keys(layer, s, t0), kv.keyOffset(layer, kvh, s, t0), n * hd, kv.type(), tile);
            for (int i = i0; i < i1; i++) {
                int from = Math.max(t0, firstVisible(pos[i], sliding)), to = Math.min(t0 + n, pos[i] + 1); // this query's part of the tile
                if (from >= to) continue;
                for (int h = h0; h < h0 + nh; h++) {
                    int row = ((i - i0) * nh + h - h0) * span;
                    AttentionOps.scores(q, i * Q + h * hd, tile, (from - t0) * hd, to - from, hd, scale, w, row + from - lo);
                }
            }
            t0 += n;
        }
        // softmax over each query's positions [from, p]
        for (int i = i0; i < i1; i++) {
            int from = firstVisible(pos[i], sliding);
            for (int h = h0; h < h0 + nh; h++) {
                int row = ((i - i0) * nh + h - h0) * span + from - lo, n = pos[i] - from + 1;
                if (cap > 0) for (int t = row; t < row + n; t++) w[t] = cap * (float) Math.tanh(w[t] / cap);
                AttentionOps.softmax(w, row, n);
                int ao = (i * heads + h) * hdv;
                java.util.Arrays.fill(att, ao, ao + hdv, 0f);
            }
        }
        // att += Σ weight v, a tile of values at a time, positions in order
        for (int t0 = lo; t0 <= hi; ) {
            int n = Math.min(Math.min(TILE, hi + 1 - t0), kv.run(s, t0));
            widen(kv.values(layer, s, t0), kv.valueOffset(layer, kvh, s, t0), n * hdv, kv.type(), tile);
            for (int i = i0; i < i1; i++) {
                int from = Math.max(t0, firstVisible(pos[i], sliding)), to = Math.min(t0 + n, pos[i] + 1);
                if (from >= to) continue;
                for (int h = h0; h < h0 + nh; h++) {
                    int row = ((i - i0) * nh + h - h0) * span;
                    AttentionOps.weightedSum(w, row + from - lo, tile, (from - t0) * hdv, to - from, hdv, att, (i * heads + h) * hdv);
                }
            }
            t0 += n;
        }
    }

    /** The first position a query at position p sees: 0, or the start of its sliding window. */
    private int firstVisible(int p, boolean sliding) {
        return sliding ? Math.max(0, p - c.slidingWindow() + 1) : 0;
    }

    /** tile[0, count) = the count cached elements at {@code off} (one head's rows of a run), as floats. */
    private static void widen(MemorySegment src, long off, int count, KvType type, float[] tile) {
        if (type == KvType.F16) AttentionOps.halvesToFloats(src, off, count, tile, 0);
        else AttentionOps.floatsToFloats(src, off, count, tile, 0);
    }

    /** Per-thread attention scratch, grown as contexts get longer. */
    private static final class Scratch {
        private float[] scores = new float[1024], tile = new float[0];

        float[] scores(int n) {
            if (scores.length < n) scores = new float[Math.max(n, scores.length * 2)];
            return scores;
        }

        float[] tile(int n) {
            if (tile.length < n) tile = new float[n];
            return tile;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** out (rows, n) = x / rms(x) * weight, row by row (in place allowed). */
    private void rmsnorm(float[] out, float[] x, float[] weight, int rows, int n) {
        float eps = c.rmsEps();
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            double ss = 0;
            for (int j = 0; j < n; j++) ss += (double) x[off + j] * x[off + j];
            float scale = (float) (1.0 / Math.sqrt((float) (ss / n) + eps));
            for (int j = 0; j < n; j++) out[off + j] = x[off + j] * scale * weight[j];
        }
    }

    private static void addBias(float[] y, float[] bias, int rows) {
        int n = bias.length;
        for (int r = 0; r < rows; r++) for (int j = 0; j < n; j++) y[r * n + j] += bias[j];
    }

    private static void softcap(float[] y, float cap) {
        for (int j = 0; j < y.length; j++) y[j] = cap * (float) Math.tanh(y[j] / cap);
    }

    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }

    /** GELU, tanh approximation (as ggml). */
    static float gelu(float x) {
        return 0.5f * x * (1f + (float) Math.tanh(0.7978845608028654 * x * (1 + 0.044715 * x * x)));
    }

    public ModelConfig config() {
        return c;
    }
}
