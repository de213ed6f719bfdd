package dev.halyard.model.arch;

import dev.halyard.kernels.AttentionOps;
import dev.halyard.kernels.FloatOps;
import dev.halyard.kernels.Kernels;
import dev.halyard.kernels.Matmul;
import dev.halyard.kernels.Parallel;
import dev.halyard.kernels.WeightMatrix;
import java.util.concurrent.atomic.AtomicReference;
import java.lang.foreign.MemorySegment;

/**
 * The forward pass of every supported decoder-only architecture, top to bottom. One call runs a
 * {@link Batch} of B tokens (any mix of sequences, prompt chunks and decode steps) through all layers,
 * writes their keys and values into the {@link KvCache}, and returns logits for the tokens that asked.
 *
 * <p>Shapes in comments: B = tokens in the batch, D = dim, Q = heads*headDim, K = kvHeads*headDim,
 * KV = kvHeads*headDimV, F = ffnDim, V = vocab.
 *
 * <p>A pass allocates no buffers of its own but the logits it returns: it borrows a {@link Workspace}
 * sized for the largest batch seen so far. The engine's steps and side passes (prompt logprobs,
 * embeddings) may run on one model at the same time, so a pass that finds the workspace taken makes
 * a fresh one.
 */
public final class Transformer {
    private final ModelConfig c;
    private final Weights w;
    private final Kernels k;
    private final Parallel par;
    private final Rope rope;
    private final Attention attention;
    private final WeightMatrix[][] qkvW;    // per layer {wq, wk, wv}: one Matmul region for the three
    private final WeightMatrix[][] gateUpW; // per layer {w1, w3}
    private final AtomicReference<Workspace> spare = new AtomicReference<>(); // an idle workspace, or null

    public Transformer(ModelConfig c, Weights w, Kernels k, Parallel par) {
        this.c = c;
        this.w = w;
        this.k = k;
        this.par = par;
        this.rope = new Rope(c, w.ropeFactors);
        this.attention = new Attention(c, par);
        this.qkvW = new WeightMatrix[c.layers()][];
        this.gateUpW = new WeightMatrix[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer L = w.layers[l];
            if (L.wqkv == null) qkvW[l] = new WeightMatrix[] {L.wq, L.wk, L.wv};
            if (L.w13 == null) gateUpW[l] = new WeightMatrix[] {L.w1, L.w3};
        }
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
        return run(batch, kv, hidden, true, null);
    }

    /**
     * Like {@link #forward(Batch, KvCache)}, with the logits written into {@code into} when it holds
     * at least (outputs, V) floats (and returned), else into a new array. A caller that samples each
     * step before the next one passes the same buffer every step: a decode step of 16 sequences
     * would otherwise leave 16 x V floats of garbage (8 MiB at V = 128,256), which the serial
     * collector promotes and grows its old generation by (serving Llama-3.2-1B grew the heap to 2.2
     * GB and the process to 3.3 GB).
     */
    public float[] forwardInto(Batch batch, KvCache kv, float[] into) {
        return run(batch, kv, null, true, into);
    }

    /**
     * The final normalised hidden states (outputs, D) of the tokens with {@code batch.logits()[i]},
     * without the output projection (for embeddings).
     */
    public float[] hidden(Batch batch, KvCache kv) {
        float[] h = new float[batch.outputs() * c.dim()];
        run(batch, kv, h, false, null);
        return h;
    }

    /**
     * The activations of one forward pass for up to {@code capacity} tokens (rows). Each buffer's
     * first B rows are in use during a pass of B tokens; nothing in it outlives the pass.
     */
    private static final class Workspace {
        final int capacity;
        final float[] x;         // (B, D) residual stream
        final float[] xb;        // (B, D) normalised input of a sub-block; also its output projection (see run)
        final float[] q;         // (B, Q) queries
        final float[] kk;        // (B, K) keys of the new tokens
        final float[] vv;        // (B, KV) values of the new tokens
        final float[] att;       // (B, heads*hdv) attention output
        final float[] h1;        // (B, F) gate, then act(gate) * up
        final float[] h3;        // (B, F) up
        final float[] qkv;       // (B, Q+K+KV) fused q/k/v projection (Phi-3), else empty
        final float[] gu;        // (B, 2F) fused gate/up projection (Phi-3), else empty
        final float[] cos, sin;  // (B, ropeDims/2) rotary angles of each token's position
        final float[][] qkvOut, gateUpOut; // the output lists of the multi-matrix Matmul

        Workspace(ModelConfig c, Weights.Layer first, int half, int capacity) {
            int B = capacity;
            this.capacity = capacity;
            x = new float[B * c.dim()];
            xb = new float[B * c.dim()];
            q = new float[B * c.qDim()];
            kk = new float[B * c.kvDim()];
            vv = new float[B * c.kvDimV()];
            att = new float[B * c.heads() * c.headDimV()];
            h1 = new float[B * c.ffnDim()];
            h3 = new float[B * c.ffnDim()];
            qkv = new float[first.wqkv != null ? B * (c.qDim() + c.kvDim() + c.kvDimV()) : 0];
            gu = new float[first.w13 != null ? B * 2 * c.ffnDim() : 0];
            cos = new float[B * half];
            sin = new float[B * half];
            qkvOut = new float[][] {q, kk, vv};
            gateUpOut = new float[][] {h1, h3};
        }
    }

    /** The idle workspace if it is free and big enough, else a new one (grown to a power of two). */
    private Workspace acquire(int B) {
        Workspace ws = spare.getAndSet(null);
        if (ws != null && ws.capacity >= B) return ws;
        int capacity = B <= 1 ? 1 : Integer.highestOneBit(B - 1) << 1;
        return new Workspace(c, w.layers[0], rope.dims() / 2, capacity);
    }

    /** Keeps {@code ws} for the next pass, unless a bigger one came back meanwhile. */
    private void release(Workspace ws) {
        Workspace idle = spare.get();
        if (idle == null || idle.capacity <= ws.capacity) spare.compareAndSet(idle, ws);
    }

    private float[] run(Batch batch, KvCache kv, float[] hidden, boolean wantLogits, float[] into) {
        final int B = batch.size();
        for (int i = 0; i < B; i++) {
            int t = batch.tokens()[i];
            if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            if (batch.positions()[i] >= kv.maxPositions())
                throw new IllegalArgumentException("position " + batch.positions()[i] + " is past the KV cache's " + kv.maxPositions() + " positions");
            if (!kv.reserve(batch.seqIds()[i], batch.positions()[i] + 1))
                throw new IllegalStateException("KV cache has no room for sequence " + batch.seqIds()[i] + " position " + batch.positions()[i]);
        }
        Workspace ws = acquire(B);
        try {
            return run(batch, kv, hidden, wantLogits, into, ws);
        } finally {
            release(ws);
        }
    }

    private float[] run(Batch batch, KvCache kv, float[] hidden, boolean wantLogits, float[] into, Workspace ws) {
        final int B = batch.size(), D = c.dim(), Q = c.qDim(), K = c.kvDim(), KV = c.kvDimV(), F = c.ffnDim();
        final int hd = c.headDim();
        final float[] x = ws.x, xb = ws.xb, q = ws.q, kk = ws.kk, vv = ws.vv, att = ws.att, h1 = ws.h1;
        // A sub-block's output projection o goes into xb: its input (xb) is consumed by the q/k/v or
        // gate/up products before o is written, and residual() reads row r of o before it writes row r
        // of xb. One (B, D) buffer less: 4 MiB of heap for Llama-3.2-1B's 512-token chunks.
        final float[] o = xb;

        // token embeddings (Gemma scales them by sqrt(D))
        final float embScale = c.arch() == Architecture.GEMMA2 ? (float) Math.sqrt(D) : 1f;
        // and each token's rotary angles; rows split across the pool for a prompt (see forRows)
        final int half = rope.dims() / 2;
        forRows(B, D, (from, to) -> {
            for (int i = from; i < to; i++) {
                w.tokenEmbedding.dequantizeRow(k, batch.tokens()[i], x, i * D);
                if (embScale != 1f) for (int j = 0; j < D; j++) x[i * D + j] *= embScale;
                if (half > 0) rope.angles(batch.positions()[i], ws.cos, ws.sin, i * half);
            }
        });
        rmsnormRows(xb, x, w.layers[0].attnNorm, B, D);

        final int n = batch.outputs();
        Batch ab = batch; // the tokens whose rows go on past the keys and values: all, but in the last block
        int m = B;        // their count
        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer L = w.layers[l];

            // attention: q, k, v projections of xb = rmsnorm(x) * attn_norm (made at the end of the previous block)
            if (L.wqkv != null) {
                float[] qkv = ws.qkv;
                Matmul.matmul(k, par, L.wqkv, xb, qkv, B);
                for (int i = 0; i < B; i++) {
                    int base = i * (Q + K + KV);
                    System.arraycopy(qkv, base, q, i * Q, Q);
                    System.arraycopy(qkv, base + Q, kk, i * K, K);
                    System.arraycopy(qkv, base + Q + K, vv, i * KV, KV);
                }
            } else {
                Matmul.matmul(k, par, xb, B, qkvW[l], ws.qkvOut);
            }
            // per token: biases (Qwen2), per-head RMSNorm (Qwen3), RoPE, then its keys and values into the
            // cache; rows split across the pool for a prompt (serial, they kept the other thread waiting:
            // ~1% of SmolLM2-135M's 512-token prompt samples), on this thread for a few tokens (see forRows)
            final int layer = l;
            forRows(B, Q + K + KV, (from, to) -> {
                for (int i = from; i < to; i++) {
                    if (L.bq != null) FloatOps.add(q, i * Q, L.bq, 0, Q);
                    if (L.bk != null) FloatOps.add(kk, i * K, L.bk, 0, K);
                    if (L.bv != null) FloatOps.add(vv, i * KV, L.bv, 0, KV);
                    if (L.qNorm != null) {
                        for (int h = 0; h < c.heads(); h++) FloatOps.rmsnorm(q, i * Q + h * hd, q, i * Q + h * hd, L.qNorm, hd, c.rmsEps());
                        for (int h = 0; h < c.kvHeads(); h++) FloatOps.rmsnorm(kk, i * K + h * hd, kk, i * K + h * hd, L.kNorm, hd, c.rmsEps());
                    }
                    if (half > 0) {
                        rope.apply(q, i * Q, c.heads(), hd, ws.cos, ws.sin, i * half);
                        rope.apply(kk, i * K, c.kvHeads(), hd, ws.cos, ws.sin, i * half);
                    }
                    // store this token's keys and values (distinct cells of the cache: the batch's are reserved above)
                    store(kv, layer, batch.seqIds()[i], batch.positions()[i], kk, i * K, vv, i * KV);
                }
            });
            // then attend (causal: each token sees positions <= its own)
            if (l == c.layers() - 1 && n < B && OUTPUTS_ONLY) { // the last block's rest serves only the outputs: see outputsOnly
                ab = outputsOnly(batch, n, q, Q, x, D);
                m = n;
                if (m == 0) break;
            }
            attention.run(ab, kv, l, q, att);
            Matmul.matmul(k, par, L.wo, att, o, m);
            // x += o (post-norm first in Gemma 2); xb = rmsnorm(x) * ffn_norm
            residual(x, o, L.attnPostNorm, xb, L.ffnNorm, m, D);

            // feed-forward: x += w2( act(w1 xb) * (w3 xb) )
            float[] gate = h1, up = ws.h3;
            int gateOff = 0, upOff = 0, stride = F;
            if (L.w13 != null) {                           // Phi-3: one (2F, D) matrix, gate then up per row
                Matmul.matmul(k, par, L.w13, xb, ws.gu, m);
                gate = up = ws.gu;
                upOff = F;
                stride = 2 * F;
            } else {
                Matmul.matmul(k, par, xb, m, gateUpW[l], ws.gateUpOut);
            }
            gatedActivation(h1, gate, gateOff, up, upOff, stride, m, F);
            Matmul.matmul(k, par, L.w2, h1, o, m);
            // x += o (post-norm first in Gemma 2); xb = rmsnorm(x) * the next block's attn_norm
            residual(x, o, L.ffnPostNorm, xb, l + 1 < c.layers() ? w.layers[l + 1].attnNorm : null, m, D);
        }

        // final norm and output projection, only for the tokens that want logits
        float[] xo = xb;                                   // (n, D): xb is free after the last block
        if (m == n) System.arraycopy(x, 0, xo, 0, n * D); // the last block left only the outputs' rows, in order
        else for (int i = 0, r = 0; i < B; i++) if (batch.logits()[i]) System.arraycopy(x, i * D, xo, D * r++, D);
        rmsnormRows(xo, xo, w.outputNorm, n, D);
        if (hidden != null) System.arraycopy(xo, 0, hidden, 0, n * D);
        if (!wantLogits) return null;
        float[] logits = into != null && into.length >= n * c.vocabSize() ? into : new float[n * c.vocabSize()]; // (n, V)
        Matmul.matmul(k, par, w.output, xo, logits, n);
        if (c.finalSoftcap() > 0) {
            int V = c.vocabSize();
            for (int r = 0; r < n; r++) FloatOps.softcap(logits, r * V, V, c.finalSoftcap());
        }
        return logits;
    }

    /** Whether the last block serves only the outputs' rows ({@link #outputsOnly}); {@code -Dhalyard.outputsOnly=false} turns it off. */
    static final boolean OUTPUTS_ONLY = Boolean.parseBoolean(System.getProperty("halyard.outputsOnly", "true"));

    /**
     * The last block of a pass whose outputs are a few of its tokens (a prompt chunk wants the next
     * token after its last one): every token's keys and values are stored, as later tokens attend to
     * them, but only the outputs' rows go on through attention, the output projection and the
     * feed-forward, since no other row of the last block reaches the logits or the hidden states. This
     * moves the outputs' rows of q and x to the front (in batch order; the rows only move down) and
     * returns their batch (null when there are none: a batch holds a token at least, and the pass then
     * ends with the keys and values). Each token's arithmetic is its own (row by row, as everywhere in
     * a pass), so the outputs keep their bits. llama.cpp drops the other rows in its last layer too
     * (after the attention). 512-token prompts in {@code bench ab} (8 rounds, 4 processes a side, against
     * {@code -Dhalyard.outputsOnly=false}): Llama-3.2-1B Q4_0 1.073 (7 of 8 rounds faster; one block of
     * 16 is ~6% of the prompt's work), Qwen2.5-0.5B Q4_0 1.054 (8 of 8; 24 blocks), SmolLM2-135M Q4_0
     * 1.043 (5 of 8; 30 blocks); generation level (its steps want every token's logits).
     */
    private static Batch outputsOnly(Batch batch, int n, float[] q, int Q, float[] x, int D) {
        int[] tokens = new int[n], positions = new int[n], seqIds = new int[n];
        boolean[] all = new boolean[n];
        for (int i = 0, r = 0; i < batch.size(); i++) {
            if (!batch.logits()[i]) continue;
            if (r != i) {
                System.arraycopy(q, i * Q, q, r * Q, Q);
                System.arraycopy(x, i * D, x, r * D, D);
            }
            tokens[r] = batch.tokens()[i];
            positions[r] = batch.positions()[i];
            seqIds[r] = batch.seqIds()[i];
            all[r++] = true;
        }
        return n == 0 ? null : new Batch(tokens, positions, seqIds, all);
    }

    // ---- per-token steps between the matrix products ----------------------------------------------
    // Each works row by row (so a token's results do not depend on its batch) and splits the rows
    // across the pool only when the batch is big: for one token a parallel region costs more than the
    // microsecond of work it would share.

    /** Below this many elements (rows x width) a per-token step runs on the calling thread. */
    static final int PARALLEL_ELEMENTS = 1 << 15;

    private void forRows(int rows, int width, Parallel.RangeBody body) {
        if (rows * (long) width < PARALLEL_ELEMENTS) body.run(0, rows);
        else par.forRange(rows, Math.max(1, PARALLEL_ELEMENTS / 4 / width), body);
    }

    /** out (rows, n) = x / rms(x) * weight, row by row (in place allowed). */
    private void rmsnormRows(float[] out, float[] x, float[] weight, int rows, int n) {
        float eps = c.rmsEps();
        forRows(rows, n, (from, to) -> {
            for (int r = from; r < to; r++) FloatOps.rmsnorm(out, r * n, x, r * n, weight, n, eps);
        });
    }

    /**
     * The end of a sub-block, row by row: o = rmsnorm(o) * postNorm if there is one, x += o, then
     * xb = rmsnorm(x) * nextNorm for the next sub-block if there is one.
     */
    private void residual(float[] x, float[] o, float[] postNorm, float[] xb, float[] nextNorm, int rows, int D) {
        float eps = c.rmsEps();
        forRows(rows, D, (from, to) -> {
            for (int r = from; r < to; r++) {
                if (postNorm != null) FloatOps.rmsnorm(o, r * D, o, r * D, postNorm, D, eps);
                FloatOps.add(x, r * D, o, r * D, D);
                if (nextNorm != null) FloatOps.rmsnorm(xb, r * D, x, r * D, nextNorm, D, eps);
            }
        });
    }

    /**
     * out (rows, F) = act(gate) * up, act = GELU for Gemma 2, else SiLU; the gate and up rows of token
     * r start at {@code r * stride + gateOff / upOff} (two (rows, F) buffers, or Phi-3's fused (rows,
     * 2F) one). out may be the gate buffer.
     */
    private void gatedActivation(float[] out, float[] gate, int gateOff, float[] up, int upOff, int stride, int rows, int F) {
        boolean gelu = c.arch() == Architecture.GEMMA2;
        forRows(rows, F, (from, to) -> {
            for (int r = from; r < to; r++) {
                int g = r * stride + gateOff, u = r * stride + upOff;
                if (gelu) FloatOps.geluMul(out, r * F, gate, g, up, u, F);
                else FloatOps.siluMul(out, r * F, gate, g, up, u, F);
            }
        });
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
        switch (type) {
            case F16 -> AttentionOps.floatsToHalves(src, si, n, dst, off);
            case F32 -> AttentionOps.floatsToFloats(src, si, n, dst, off);
            case Q8_0 -> AttentionOps.floatsToQ8(src, si, n, dst, off);
        }
    }

    public ModelConfig config() {
        return c;
    }
}
