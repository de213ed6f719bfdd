package dev.halyard.model.arch;

import dev.halyard.kernels.AttentionOps;
import dev.halyard.kernels.Parallel;
import java.lang.foreign.MemorySegment;

/**
 * A layer's attention over the KV cache, for every token of a {@link Batch}: the tasks a region splits
 * it into (query blocks, KV heads, head subgroups; for one token over KV heads that do not split evenly
 * across the threads, two regions), and each task's tiles of cached keys and values through the
 * {@link AttentionOps} kernels. {@link Transformer} calls {@link #run} between the q/k/v projections and
 * the output projection.
 */
final class Attention {
    private final ModelConfig c;
    private final Parallel par;

    Attention(ModelConfig c, Parallel par) {
        this.c = c;
        this.par = par;
    }

    /** Whether a token's query heads go four at a time through the four-query kernels (off: one by one, the same bits). */
    static final boolean HEADS4 = Boolean.parseBoolean(System.getProperty("halyard.heads4", "true"));
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
    void run(Batch batch, KvCache kv, int layer, float[] q, float[] att) {
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
        final int nb = blocks, subs = group / perTask, hpt = perTask, threads = par.threads();
        if (nb == 1 && B == 1 && kvHeads > threads && kvHeads % threads != 0 && SPLIT_SPAN > 0 && maxPos + 1 >= SPLIT_SPAN) {
            attendSplit(batch, kv, layer, q, att, kvHeads, group, kvHeads % threads);
            return;
        }
        par.forEach(nb * kvHeads * subs, task -> { // the last query blocks first: they see the most keys
            int b = nb - 1 - task / (kvHeads * subs), rest = task % (kvHeads * subs);
            int kvh = rest / subs, h0 = kvh * group + (rest % subs) * hpt;
            attendBlock(batch, kv, layer, q, att, starts[b], starts[b + 1], kvh, h0, hpt, ALL, null, 0);
        });
    }

    /**
     * Context length (positions seen) from which a single token's attention over more KV heads than threads, not
     * a multiple of them, goes out in two regions ({@link #attendSplit}); {@code -Dhalyard.splitAttention=N},
     * 0 for never.
     */
    static final int SPLIT_SPAN = Integer.getInteger("halyard.splitAttention", 128);

    /** What {@link #attendBlock} does: all of it, or only the scores, or only the softmax and weighted sums of scores already made. */
    private static final int ALL = 0, SCORES = 1, VALUES = 2;

    /**
     * One token's attention when its KV heads do not split evenly across the threads: a head's work is
     * two halves of about equal cost, the keys' (widen, score) and the values' (softmax, widen, weighted
     * sum), and the values' need all of the head's scores. One region runs the first {@code whole} heads
     * whole and only the keys' half of the others, into a buffer the caller owns; a second region runs
     * those heads' values' half. The same kernels on the same tiles: the same bits. SmolLM2-135M (3 KV
     * heads) on 2 threads, clocked in place at 1,024 positions: a whole head 27.5 µs, its keys' half
     * ~15, its values' 12-13.5; in one region one thread ran two whole heads (~55 µs a layer), in two
     * regions ~31 then ~13.5 (the step's attention 1.63 -> 1.44 ms); {@code bench ab} against the previous
     * build (which also wrote att in place, see attendBlock; 8 rounds, 4 processes a side, 512-token
     * prompt, 128 generated): generation 1.049 (8 of 8 faster) in Q8_0, 1.046 (7 of 8) in Q4_K_M.
     */
    private void attendSplit(Batch batch, KvCache kv, int layer, float[] q, float[] att, int kvHeads, int group, int whole) {
        int p = batch.positions()[0], span = p - firstVisible(p, c.isSlidingLayer(layer)) + 1, rows = group * span;
        final float[] w = SCRATCH.get().split((kvHeads - whole) * rows); // the caller's: the workers only fill it during the regions
        par.forEach(kvHeads, kvh -> { // the whole heads first: they are the longest tasks
            if (kvh < whole) attendBlock(batch, kv, layer, q, att, 0, 1, kvh, kvh * group, group, ALL, null, 0);
            else attendBlock(batch, kv, layer, q, att, 0, 1, kvh, kvh * group, group, SCORES, w, (kvh - whole) * rows);
        });
        par.forEach(kvHeads - whole, task -> {
            int kvh = whole + task;
            attendBlock(batch, kv, layer, q, att, 0, 1, kvh, kvh * group, group, VALUES, w, task * rows);
        });
    }

    /**
     * Attention of tokens [i0, i1) (one sequence) for query heads [h0, h0 + nh), all reading KV head kvh.
     * {@code part} {@link #ALL}: scores, softmax and weighted sums, the scores in this thread's scratch
     * ({@code ws} null); {@link #SCORES} or {@link #VALUES}: the first or the rest into or from {@code ws}
     * at {@code wo} (see {@link #attendSplit}).
     */
    private void attendBlock(Batch batch, KvCache kv, int layer, float[] q, float[] att, int i0, int i1, int kvh, int h0, int nh,
                             int part, float[] ws, int wo) {
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
        final float[] w = ws != null ? ws : sc.scores(queries * span);  // (queries, span) scores, then weights, from w0 on
        final int w0 = ws != null ? wo : 0;
        float[] tile = sc.tile(TILE * Math.max(hd, hdv));      // (TILE, hd) keys or (TILE, hdv) values

        // four queries at a time where they may share the loads (no sliding window: every query starts at 0)
        final boolean four = !sliding && AttentionOps.fourQueries(hd, hdv);
        final boolean heads4 = HEADS4 && AttentionOps.fourQueries(hd, hdv);
        final int qRows = nh * span; // from one query's row of w to the next query's, same head

        // scores: q·k * scale for each query and each position it sees, a tile of keys at a time
        for (int t0 = lo; part != VALUES && t0 <= hi; ) {
            int n = Math.min(Math.min(TILE, hi + 1 - t0), kv.run(s, t0));
            widen(kv.keys(layer, s, t0), kv.keyOffset(layer, kvh, s, t0), n, hd, kv.type(), tile);
            int i = i0;
            if (four)
                for (; i + 4 <= i1; i += 4) {
                    // the rows any of the four sees; a query's scores past its own position land in its own
                    // row of w, where neither the softmax nor the weighted sum reads them
                    int to = Math.min(t0 + n, Math.max(Math.max(pos[i], pos[i + 1]), Math.max(pos[i + 2], pos[i + 3])) + 1);
                    if (to <= t0) continue;
                    for (int h = h0; h < h0 + nh; h++)
                        AttentionOps.scores4(q, i * Q + h * hd, Q, tile, 0, to - t0, hd, scale, w,
                                w0 + ((i - i0) * nh + h - h0) * span + t0 - lo, qRows);
                }
            for (; i < i1; i++) {
                int from = Math.max(t0, firstVisible(pos[i], sliding)), to = Math.min(t0 + n, pos[i] + 1); // this query's part of the tile
                if (from >= to) continue;
                int h = h0;
                // a token's heads see the same rows: four (then three) at a time they share the loads of the keys (a decode step's queries)
                if (heads4)
                    for (; h + 4 <= h0 + nh; h += 4)
                        AttentionOps.scores4(q, i * Q + h * hd, hd, tile, (from - t0) * hd, to - from, hd, scale, w,
                                w0 + ((i - i0) * nh + h - h0) * span + from - lo, span);
                if (heads4 && h + 3 <= h0 + nh) {
                    AttentionOps.scores3(q, i * Q + h * hd, hd, tile, (from - t0) * hd, to - from, hd, scale, w,
                            w0 + ((i - i0) * nh + h - h0) * span + from - lo, span);
                    h += 3;
                }
                for (; h < h0 + nh; h++) {
                    int row = w0 + ((i - i0) * nh + h - h0) * span;
                    AttentionOps.scores(q, i * Q + h * hd, tile, (from - t0) * hd, to - from, hd, scale, w, row + from - lo);
                }
            }
            t0 += n;
        }
        if (part == SCORES) return;
        // the weighted sums go into rows of this thread's own, copied into att at the end: in att a task's
        // first and last heads share cache lines with the neighbouring tasks' (its rows are 4 * hdv bytes,
        // after the array header), which each tile's sums load and store (SmolLM2-135M at 1,024 positions:
        // the decode step's attention 1.72 -> 1.55 ms; Qwen2.5-0.5B at 640 ~12% less, Llama-3.2-1B ~9%)
        final float[] out = sc.out(queries * hdv);   // query i's head h at ((i - i0) * nh + h - h0) * hdv
        // softmax over each query's positions [from, p]
        for (int i = i0; i < i1; i++) {
            int from = firstVisible(pos[i], sliding);
            for (int h = h0; h < h0 + nh; h++) {
                int row = w0 + ((i - i0) * nh + h - h0) * span + from - lo, n = pos[i] - from + 1;
                if (cap > 0) for (int t = row; t < row + n; t++) w[t] = cap * (float) Math.tanh(w[t] / cap);
                AttentionOps.softmax(w, row, n);
                int ao = ((i - i0) * nh + h - h0) * hdv;
                java.util.Arrays.fill(out, ao, ao + hdv, 0f);
            }
        }
        // att += Σ weight v, a tile of values at a time, positions in order
        for (int t0 = lo; t0 <= hi; ) {
            int n = Math.min(Math.min(TILE, hi + 1 - t0), kv.run(s, t0));
            widen(kv.values(layer, s, t0), kv.valueOffset(layer, kvh, s, t0), n, hdv, kv.type(), tile);
            int i = i0;
            if (four)
                for (; i + 4 <= i1; i += 4) {
                    // the rows all four see together, then each query's own rest (each element's chain stays in row order)
                    int common = Math.min(t0 + n, Math.min(Math.min(pos[i], pos[i + 1]), Math.min(pos[i + 2], pos[i + 3])) + 1);
                    for (int h = h0; h < h0 + nh; h++) {
                        int row = w0 + ((i - i0) * nh + h - h0) * span;
                        if (common > t0)
                            AttentionOps.weightedSum4(w, row + t0 - lo, qRows, tile, 0, common - t0, hdv, out, ((i - i0) * nh + h - h0) * hdv, nh * hdv);
                        for (int j = 0; j < 4; j++) {
                            int from = Math.max(t0, common), to = Math.min(t0 + n, pos[i + j] + 1);
                            if (from < to)
                                AttentionOps.weightedSum(w, row + j * qRows + from - lo, tile, (from - t0) * hdv, to - from, hdv, out, ((i + j - i0) * nh + h - h0) * hdv);
                        }
                    }
                }
            for (; i < i1; i++) {
                int from = Math.max(t0, firstVisible(pos[i], sliding)), to = Math.min(t0 + n, pos[i] + 1);
                if (from >= to) continue;
                int h = h0;
                if (heads4)
                    for (; h + 4 <= h0 + nh; h += 4)
                        AttentionOps.weightedSum4(w, w0 + ((i - i0) * nh + h - h0) * span + from - lo, span, tile, (from - t0) * hdv,
                                to - from, hdv, out, ((i - i0) * nh + h - h0) * hdv, hdv);
                if (heads4 && h + 3 <= h0 + nh) {
                    AttentionOps.weightedSum3(w, w0 + ((i - i0) * nh + h - h0) * span + from - lo, span, tile, (from - t0) * hdv,
                            to - from, hdv, out, ((i - i0) * nh + h - h0) * hdv, hdv);
                    h += 3;
                }
                for (; h < h0 + nh; h++) {
                    int row = w0 + ((i - i0) * nh + h - h0) * span;
                    AttentionOps.weightedSum(w, row + from - lo, tile, (from - t0) * hdv, to - from, hdv, out, ((i - i0) * nh + h - h0) * hdv);
                }
            }
            t0 += n;
        }
        for (int i = i0; i < i1; i++) System.arraycopy(out, (i - i0) * nh * hdv, att, (i * heads + h0) * hdv, nh * hdv);
    }

    /** The first position a query at position p sees: 0, or the start of its sliding window. */
    private int firstVisible(int p, boolean sliding) {
        return sliding ? Math.max(0, p - c.slidingWindow() + 1) : 0;
    }

    /** tile[0, rows*n) = the rows cached rows of n elements at {@code off} (one head's rows of a run), as floats. */
    private static void widen(MemorySegment src, long off, int rows, int n, KvType type, float[] tile) {
        switch (type) {
            case F16 -> AttentionOps.halvesToFloats(src, off, rows * n, tile, 0);
            case F32 -> AttentionOps.floatsToFloats(src, off, rows * n, tile, 0);
            case Q8_0 -> AttentionOps.q8ToFloats(src, off, rows, n, tile, 0);
        }
    }

    /** Per-thread attention scratch, grown as contexts get longer. */
    private static final class Scratch {
        private float[] scores = new float[1024], tile = new float[0], split = new float[0], out = new float[0];

        float[] scores(int n) {
            if (scores.length < n) scores = new float[Math.max(n, scores.length * 2)];
            return scores;
        }

        float[] out(int n) {
            if (out.length < n) out = new float[n];
            return out;
        }

        /** The calling thread's scores of {@link #attendSplit}'s key-only heads (its regions' workers fill and read it). */
        float[] split(int n) {
            if (split.length < n) split = new float[Math.max(n, split.length * 2)];
            return split;
        }

        float[] tile(int n) {
            if (tile.length < n) tile = new float[n];
            return tile;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
