package dev.halyard.kernels;

import dev.halyard.kernels.quant.Q4_0Kernel;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q5_KKernel;
import dev.halyard.kernels.quant.Q6_KKernel;
import dev.halyard.kernels.quant.Q6_KTileKernel;
import dev.halyard.kernels.quant.Q8_0Kernel;
import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.MemorySegment;

/**
 * {@code out (batch, rows) = x (batch, cols) @ W^T} where W (rows, cols) is a quantised weight matrix.
 * Written once for every format; parallel over tiles of 4 rows.
 *
 * <p>Two ways to the same bits (the canonical order of {@link Tiles}):
 * <ul>
 *   <li><b>panel</b> (prompt chunks; for formats without fused kernels, from 4 tokens): 16 rows at a
 *       time are dequantised into a per-thread float panel (~L2-sized), then F32 register tiles of 4
 *       rows x 4 tokens run over the batch in L2-sized token blocks, so each weight is decoded once per
 *       batch and the FMA units set the pace, not the decoding. Tiled matrices of whole rows
 *       dequantise each 4-row tile interleaved chunk by chunk and read the tokens' quads interleaved
 *       alike ({@link Panels#packedPanelTimesBatch}): two streams per tile instead of eight; from 2048
 *       columns their panels hold ~512 KiB of rows and are walked quad by quad ({@link Panels#packedPanelTiles});
 *   <li><b>fused</b>: blocks are decoded in registers. Tiled Q8_0 / Q4_0 (weights read into memory
 *       and repacked; also Q5_0): four rows for one token ({@code dotTile4}) or for four tokens at a time
 *       ({@code dotTile4x4}, see {@link #fused}: decode steps of many sequences, short prompts); tiled
 *       Q4_K four rows for four tokens below {@link #Q4_K_FUSED_TOKENS}, tiled Q6_K below {@link #Q6_K_FUSED_TOKENS}; tiled Q4_K / Q6_K
 *       four rows for one token ({@code dotTile4}, 1-3 tokens); Q8_0, Q4_0, Q4_K, Q5_K, Q6_K on the file's row layout
 *       (memory-mapped weights) for 1-3 tokens ({@code dotRows4}).
 *       Wide tiled Q8_0 / Q4_0 / Q4_K / Q6_K matrices are slice-major ({@link WeightMatrix#slices}): their kernels run
 *       column slice by column slice with each output's accumulator carried between slices. The tiled
 *       formats' walks live in {@link Fused}, the panel's in {@link Panels}.
 * </ul>
 * Both compute every (row, token) output with one accumulator in element order over exactly the
 * dequantised floats (tiled Q6_K at 16 lanes in its transposed positions, the activations transposed
 * alike: {@link #transposed}), so a token's results are bit-identical whatever kernel its batch size picks and
 * whatever else shares its batch (the server relies on it: at temperature 0 a request gets the same
 * tokens alone or among others). {@link ScalarKernels} take the plain per-output dot instead.
 */
public final class Matmul {
    private Matmul() {}

    static final int TILE = 4; // rows per register tile
    static final int PANEL = 16; // rows dequantised together for a batch
    /** Formats with fused decode kernels on the row layout (the others dequantise a panel even for one token). */
    static final java.util.Set<GgmlType> FUSED_ROWS = java.util.EnumSet.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
    static final int MIN_BATCHED = 4; // from this many tokens on, dequantise a panel once for all
    /**
     * Chunks per thread of a batch's matmul region. With 4, a 512-token prompt's regions end with one
     * thread idle for about half a chunk (~20 ms for Llama-3.2-1B's gate and up projections; in one pass
     * the worker sat idle 14% of the time while the main thread, slower per chunk, finished), and the
     * threads' speeds drift apart on a shared host. 16: the same bits; same JVM, alternated, medians of
     * 8-10 passes: Llama-3.2-1B Q8_0 104.3 -> 107.7 tok/s, Q4_K_M 107.1 -> 110.6, SmolLM2-135M Q4_0
     * 1026 -> 1062, Qwen2.5-0.5B Q4_0 level (345). Claims cost nothing at this size. Single tokens keep
     * {@link Parallel#CHUNKS_PER_THREAD}: finer chunks measured slower there (Llama-3.2-1B generation).
     */
    static final int BATCH_CHUNKS_PER_THREAD = 16;
    /**
     * Tiled Q8_0 and Q4_0 below this many tokens decode blocks in registers for four tokens at a time
     * instead of dequantising a panel: they read int8 / 4-bit weights, not floats. Q8_0 was 1.3-3x
     * faster up to 16 tokens, level or better up to 512 on 2048 columns, but slower on 576 columns at
     * 256 tokens; Q4_0 (one thread) 2.2-3x at 4 tokens, 1.1-1.5x at 16, 1.1-1.25x at 32-64 on 2048
     * columns but 0.8-0.9x at 32-60 on 576 columns (its decode costs FMA-port time the panel's F32
     * tiles do not pay). Hence the limit is 64 tokens from 1024 columns on, 32 below. Since stop 33 only
     * Q4_0 uses it: wide Q8_0 has {@link #Q8_0_FUSED_TOKENS}, narrow {@link #Q8_0_NARROW_FUSED_TOKENS}.
     */
    static int fusedTokens(int cols) {
        return cols >= 1024 ? 64 : 32;
    }

    /**
     * Q8_0 below 1024 columns takes the panel from 16 tokens on: once its panel dequantised at 0.05-0.07
     * ns per weight instead of 0.16-0.22 (see {@code Q8_0Kernel.dequantizeTile4}), the panel beat the
     * four-token kernel there. Two threads, alternated in one JVM, GFLOP/s fused -> panel: 12 tokens
     * 160-215 -> 181-208 (level), 16 tokens 163-202 -> 190-224 (SmolLM2's 576 x 576, 1536 x 576, 576 x
     * 1536 and 49152 x 576), 24 tokens 152-214 -> 211-254 (with Qwen2.5's 896 x 896 and 4864 x 896);
     * 8 tokens still 146-181 -> 146-190 the other way. From 1024 columns on the limit stays at
     * {@link #fusedTokens}: 2048 columns, 16 tokens 214-236 fused vs 164-223 panel, 32 level.
     */
    static final int Q8_0_NARROW_FUSED_TOKENS = 16;

    /**
     * Whether a batch of this many tokens takes the tiled matrix's four-token kernels rather than the
     * panel. Q4_0 took them at every batch size on rows of 1024-4096 columns too while its panel was
     * the row-major one (512-token prompt, two threads, 2048 x 2048 243-251 -> 284-286 GFLOP/s fused);
     * against the quad-major, column-blocked panel ({@link Panels#packedPanelTiles}) it lost: {@code
     * bench prompt}, a process per setting, fused -> panel 2048 x 2048 249-260 -> 286-290, 8192 x 2048
     * 258-264 -> 307; Llama-3.2-1B Q4_0 512-token prompt in {@code bench ab} (2 processes a side, 6
     * rounds) 1.106 with all its matrices on the panel, and whole rows only (slice-major fused) build
     * against build 1.112 (8 rounds, 8 faster; peak RSS 948 -> 944 MiB); SmolLM2-135M Q4_0 1.029,
     * Qwen2.5-0.5B Q4_0 0.991 (every matrix on the panel). Slice-major Q4_0 (the down projections)
     * too: with the whole batch's interleaved quads it gained 1.036 more (5 of 6) but put Llama-3.2-1B
     * Q4_0's peak RSS at 970 MiB, file + KV cache + 297 MB against issue 4's 300 (and in parallel
     * regions of 128 tokens, 4 MiB of quads each, the gain was gone: 0.999); since slice-major panels
     * interleave each quad's slice themselves ({@code Panels.slicedPanel}; since stop 37 a region's quads once, {@link Panels#slicedRegions}), against fused 1.028 (8
     * rounds, 4 faster) and 1.009 (9 rounds, 7 faster, 3 processes a side), peak RSS 946 -> 951-953 MiB.
     * Q8_0 takes the panel at prompt sizes (fused at every size: level at 2048 columns, 0.8-0.95x at
     * 8192; its slice-major rows fused, Llama-3.2-1B Q8_0 prompt 0.949 in {@code bench ab}, 8 rounds):
     * its decode costs FMA-port time.
     */
    static boolean fused(WeightMatrix w, int batch) {
        return switch (w.type()) {
            case Q8_0 -> batch < (w.cols() >= 1024 ? Q8_0_FUSED_TOKENS : Q8_0_NARROW_FUSED_TOKENS);
            case Q4_0 -> batch < fusedTokens(w.cols());
            case Q5_0 -> batch < Q5_0_FUSED_TOKENS;
            case Q4_K -> Simd.L == 16 && batch >= MIN_BATCHED && batch < Q4_K_FUSED_TOKENS;
            case Q6_K -> Simd.L == 16 && batch >= MIN_BATCHED && batch < Q6_K_FUSED_TOKENS;
            default -> false;
        };
    }

    /**
     * Tiled Q8_0 from 1024 columns on takes the four-token kernel below this many tokens (it took it
     * below {@link #fusedTokens}, 64, until the panel became the column-blocked quad walk). Stop 33,
     * two threads, {@code bench prompt} GFLOP/s fused / panel: 16 tokens 2048 x 8192 189-197 / 165-203,
     * 8192 x 2048 199-219 / 93-167; 32 tokens 149-174 / 197-200 and 157-194 / 204-213; 48 tokens
     * 171-193 / 212-255 (one thread 66-112 / 108-146). Llama-3.2-1B Q8_0 prompts in {@code bench ab}
     * (8 rounds, 2 processes a side, panel against fused): 24 tokens 1.042 (6 of 8 faster), 32 tokens
     * 1.043, 48 tokens 1.340 (8 of 8).
     */
    static final int Q8_0_FUSED_TOKENS = 24;

    /**
     * The same limit for tiled Q5_0, whose four-token kernel decodes more per weight: against the
     * panel (4864 x 896 and 1536 x 576, two threads) 2.4x at 4 tokens, 1.2-1.35x at 8, 1.15x at 16,
     * level at 20 and 0.75-0.9x at 24-28.
     */
    static final int Q5_0_FUSED_TOKENS = 20;

    /**
     * Tiled Q4_K (16 lanes) below this many tokens: its four-token kernel against the panel, per matrix
     * (2048 x 2048 and 8192 x 2048, one thread, {@code bench prompt}) 78-82 against 54-57 GFLOP/s at 8
     * tokens, 94-105 against 77-80 at 16, but 79-84 against 116-125 at 64 and level at 512; with the
     * accumulators carried through memory (so that whole rows and slices share one kernel) 97-100 at
     * 8-16 tokens on 2048 x 2048, and slice-major 2048 x 8192 90-102 against 40-79. The limit was 32
     * until the panel became the column-blocked quad walk; stop 33, two threads, fused / panel: 8
     * tokens 150-187 / 100-137 GFLOP/s (the kernel still wins), 12 tokens level, 16 tokens 8192 x
     * 2048 145-188 / 186-200, 2048 x 8192 144-182 / 184-193, 32768 x 2048 154-170 / 199-201.
     * Llama-3.2-1B Q4_K_M prompts in {@code bench ab} (8 rounds, 2 processes a side, panel from 16
     * against 32): 12 tokens 0.985 (panel from 12), 16 tokens 1.145 and 1.139, 24 tokens 1.210 (8 of
     * 8). A decode step of 16 sequences is such a batch. (Q6_K: see {@link #Q6_K_FUSED_TOKENS}.) Stop
     * 36, once the panel's dequantisation took half the time ({@code Q4_KKernel.dequantizeTile4}): two
     * threads, weights from memory (32768 x 2048 and 8192 x 8192, 37 MB each), alternated in one JVM,
     * fused / panel GFLOP/s: 8 tokens 143 / 146 and 141 / 135, 10 tokens 139 / 136 and 115 / 126, 12
     * tokens 158-168 / 173-195 and 151-159 / 163-175, 16 tokens 175 / 208 and 156 / 184. Matrices that
     * stay in L3 between calls (8192 x 2048, 9.4 MB) still ran the kernel faster (12 tokens 235 / 182),
     * but a model's matrices come from memory, every one once per step. Hence 12.
     */
    static final int Q4_K_FUSED_TOKENS = 12;

    /**
     * Tiled Q6_K (16 lanes) below this many tokens, on whole rows and slice-major: its four-token kernel
     * ({@code Q6_KQuadKernel}) against the panel, two threads, alternated in one JVM (15 rounds, medians):
     * 4 tokens 2048 x 8192 45.9 -> 118.6 GFLOP/s, 8192 x 2048 60.7 -> 132.0; 8 tokens 88.4 -> 148.0 and
     * 101.1 -> 142.8; 16 tokens level (0.974 and 1.039); 24 tokens 0.77-0.79x, 28 0.90-0.98x. Matrices of
     * at most 1024 rows (Llama-3.2-1B's 512 x 2048 value projections) took it up to 32
     * tokens: there the panel ran 20-95 GFLOP/s and the kernel 76-134 at 4-28 tokens
     * (1.4-3.7x, 9-13 of 15 rounds faster), until the panel became the column-blocked quad walk: stop 33,
     * 512 x 2048 and 1024 x 2048, one thread, fused / panel 52-88 / 85-125 GFLOP/s at 16 tokens and
     * 43-70 / 95-133 at 24 (two threads level at 16, 79-134 / 101-168 at 24); Llama-3.2-1B Q4_K_M
     * (its value projections) in {@code bench ab}, 16 from then on against 32: 16 tokens 1.090, 24
     * tokens 1.026. So one limit for every shape. Stop 36, the panel's Q4_K dequantisation twice as
     * fast (Q6_K's as before), two threads, weights from memory (32768 x 2048, 8192 x 8192), alternated
     * in one JVM, fused / panel GFLOP/s: 4 tokens 113 / 87, 6 tokens 98 / 90 and 76 / 76, 8 tokens 114
     * / 138 and 101 / 119, 12 tokens 122 / 162 and 123 / 168, 16 tokens 129 / 187. Hence 8.
     */
    static final int Q6_K_FUSED_TOKENS = 8;

    public static void matmul(Kernels k, Parallel par, WeightMatrix w, float[] x, float[] out, int batch) {
        matmul(k, par, x, batch, new WeightMatrix[] {w}, new float[][] {out});
    }

    /**
     * Several matrices applied to the same input in one parallel region ({@code outs[j] (batch,
     * ws[j].rows) = x @ ws[j]^T}), e.g. the q, k, v projections or the gate and up projections: one
     * barrier instead of one per matrix (transposed Q6_K ones, {@link #transposed}, take a region of
     * their own, with x transposed in place while they run: x is as it came when this returns, but
     * must not be read by another thread meanwhile). Each output is bit-identical to {@link #matmul}
     * on its own.
     */
    public static void matmul(Kernels k, Parallel par, float[] x, int batch, WeightMatrix[] ws, float[][] outs) {
        if (!CLOCK) {
            products(k, par, x, batch, ws, outs);
            return;
        }
        long t0 = System.nanoTime();
        products(k, par, x, batch, ws, outs);
        long dt = System.nanoTime() - t0;
        CLOCK_NANOS.add(dt);
        long macs = 0;
        for (WeightMatrix w : ws) macs += (long) w.rows() * w.cols();
        CLOCK_FLOPS.add(2 * macs * batch);
        if (SHAPE_CLOCK) clockShape(ws, batch, dt, 2 * macs * batch);
    }

    /**
     * Whether {@link #matmul} keeps a clock ({@code -Dhalyard.matmulClock=true}; off by default, and then
     * free: C2 folds the test away): the nanoseconds its calls took and the FLOPs they did (2 per weight
     * and token), summed over every calling thread. {@code bench}'s Halyard probe turns it on so that a
     * prompt's FMA rate can be read for the matrix multiplications alone, which is how issue 4 words its
     * target, beside the whole pass's. A call's time is its caller's wall time: the pool's dispatch and
     * its wait for the slower thread count, attention and the rest of the pass do not.
     */
    public static final boolean CLOCK = Boolean.getBoolean("halyard.matmulClock");
    private static final java.util.concurrent.atomic.LongAdder CLOCK_NANOS = new java.util.concurrent.atomic.LongAdder(),
            CLOCK_FLOPS = new java.util.concurrent.atomic.LongAdder();

    /** Nanoseconds spent in {@link #matmul} so far (0 unless {@link #CLOCK}). */
    public static long clockNanos() {
        return CLOCK_NANOS.sum();
    }

    /** FLOPs {@link #matmul} has done so far (0 unless {@link #CLOCK}). */
    public static long clockFlops() {
        return CLOCK_FLOPS.sum();
    }

    /**
     * Whether {@link #CLOCK} also keeps its sums per shape of call ({@code -Dhalyard.matmulShapes=true} as
     * well; off by default, as it builds a key per call): which of a model's matrices run below the rest
     * in place, where {@code bench prompt} times each shape alone. Each call adds to exactly one shape,
     * with the same nanoseconds and FLOPs the totals get.
     */
    public static final boolean SHAPE_CLOCK = CLOCK && Boolean.getBoolean("halyard.matmulShapes");

    /** Per shape ({@link #shapeKey}): nanoseconds, FLOPs and calls. */
    private static final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder[]> CLOCK_SHAPES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static void clockShape(WeightMatrix[] ws, int batch, long nanos, long flops) {
        java.util.concurrent.atomic.LongAdder[] a = CLOCK_SHAPES.computeIfAbsent(shapeKey(ws, batch), key -> new java.util.concurrent.atomic.LongAdder[] {
                new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()});
        a[0].add(nanos);
        a[1].add(flops);
        a[2].increment();
    }

    /**
     * A call's shape: its tokens, then each matrix as rows x columns and its format, {@code +} between
     * the matrices of one call (the fused q, k, v projections are one call): {@code "512 x 576x576
     * Q8_0+192x576 Q8_0+192x576 Q8_0"}.
     */
    static String shapeKey(WeightMatrix[] ws, int batch) {
        StringBuilder sb = new StringBuilder().append(batch).append(" x ");
        for (int j = 0; j < ws.length; j++) {
            if (j > 0) sb.append('+');
            sb.append(ws[j].rows()).append('x').append(ws[j].cols()).append(' ').append(ws[j].type());
        }
        return sb.toString();
    }

    /**
     * The per-shape sums so far ({@link #SHAPE_CLOCK}; empty when it is off): shape key to {nanoseconds,
     * FLOPs, calls}, a copy in key order.
     */
    public static java.util.SortedMap<String, long[]> clockShapes() {
        java.util.SortedMap<String, long[]> copy = new java.util.TreeMap<>();
        CLOCK_SHAPES.forEach((key, a) -> copy.put(key, new long[] {a[0].sum(), a[1].sum(), a[2].sum()}));
        return copy;
    }

    private static void products(Kernels k, Parallel par, float[] x, int batch, WeightMatrix[] ws, float[][] outs) {
        boolean tiled = k instanceof VectorKernels;
        for (WeightMatrix w : ws) tiled &= w.cols() % Simd.L == 0;
        if (!tiled) {
            for (int j = 0; j < ws.length; j++) reference(k, par, ws[j], x, outs[j], batch);
            return;
        }
        int q6 = 0; // tiled Q6_K matrices at 16 lanes read the activations transposed: a region of their own
        for (WeightMatrix w : ws) if (transposed(w)) q6++;
        if (q6 == 0) {
            tiledMatmul(k, par, x, batch, ws, outs);
            return;
        }
        WeightMatrix[] six = ws;
        float[][] sixOuts = outs;
        if (q6 < ws.length) {
            WeightMatrix[] rest = new WeightMatrix[ws.length - q6];
            float[][] restOuts = new float[rest.length][];
            six = new WeightMatrix[q6];
            sixOuts = new float[q6][];
            for (int j = 0, r = 0, s = 0; j < ws.length; j++) {
                if (transposed(ws[j])) {
                    six[s] = ws[j];
                    sixOuts[s++] = outs[j];
                } else {
                    rest[r] = ws[j];
                    restOuts[r++] = outs[j];
                }
            }
            tiledMatmul(k, par, x, batch, rest, restOuts);
        }
        int cols = six[0].cols();
        transposeActivations(par, x, batch, cols);
        try {
            tiledMatmul(k, par, x, batch, six, sixOuts);
        } finally {
            transposeActivations(par, x, batch, cols); // x as it came
        }
    }

    /** Whether the matrix is tiled Q6_K in the transposed layout ({@code Q6_KTileKernel.TRANSPOSED}), whose kernels read {@link #transposeActivations}' order. */
    static boolean transposed(WeightMatrix w) {
        return Q6_KTileKernel.TRANSPOSED && w.type() == GgmlType.Q6_K && w.tiled4();
    }

    /**
     * The batch's activations (token b at {@code x[b * cols]}) between element order and the
     * transposed Q6_K layout's positions, in place ({@code Q6_KTileKernel.transpose}, its own inverse);
     * tokens split across the pool from {@link #MIN_BATCHED} on. In place rather than into a buffer of
     * the batch's size: a 512-token prompt's copy for the 8192-column down projections added 16 MiB of
     * peak RSS (Llama-3.2-1B Q4_K_M, 27 MiB with what rode on it), and two passes over the activations
     * cost ~1% of that matmul.
     */
    static void transposeActivations(Parallel par, float[] x, int batch, int cols) {
        if (batch < MIN_BATCHED) for (int b = 0; b < batch; b++) Q6_KTileKernel.transpose(x, b * cols, cols);
        else par.forRange(batch, 1, (from, to) -> {
            for (int b = from; b < to; b++) Q6_KTileKernel.transpose(x, b * cols, cols);
        });
    }

    /** {@link #matmul} of a group of tiled matrices on activations already in their kernels' order. */
    private static void tiledMatmul(Kernels k, Parallel par, float[] x, int batch, WeightMatrix[] ws, float[][] outs) {
        int sliced = 0; // slice-major matrices on the panel: after the others, in regions of their own (see Panels.slicedRegions)
        for (WeightMatrix w : ws) if (onSlicedPanel(w, batch)) sliced++;
        if (sliced > 0) {
            if (sliced < ws.length) {
                WeightMatrix[] rest = new WeightMatrix[ws.length - sliced];
                float[][] restOuts = new float[rest.length][];
                for (int j = 0, r = 0; j < ws.length; j++)
                    if (!onSlicedPanel(ws[j], batch)) {
                        rest[r] = ws[j];
                        restOuts[r++] = outs[j];
                    }
                tiledMatmul(k, par, x, batch, rest, restOuts);
            }
            for (int j = 0; j < ws.length; j++) if (onSlicedPanel(ws[j], batch)) Panels.slicedRegions(par, ws[j], x, outs[j], batch);
            return;
        }
        int[] start = new int[ws.length + 1]; // first global tile of matrix j
        for (int j = 0; j < ws.length; j++) start[j + 1] = start[j] + (ws[j].rows() + TILE - 1) / TILE;
        int minChunk = batch >= MIN_BATCHED ? PANEL / TILE : 8;
        // batches read the activations once per 4-row tile: matrices on the interleaved panel read the
        // tokens' quads interleaved alike (see packedPanelTimesBatch), the others a cache-line-aligned
        // copy (see Aligned), up to ALIGNED_COPY_COLS columns (wider rows gain least, +6% at 8192, and
        // their copy costs the most memory). Each copy is one pass by this thread, made only if used.
        boolean packed = false, plain = false;
        for (WeightMatrix w : ws) {
            boolean i = interleaved(w, batch); // whole rows: slice-major ones took Panels.slicedRegions above
            packed |= i;
            plain |= !i;
        }
        boolean copy = plain && batch >= MIN_BATCHED && ws[0].cols() <= ALIGNED_COPY_COLS && Aligned.shift(x) != 0;
        final int xo = copy ? alignedCopy(par, x, batch * ws[0].cols()) : 0;
        final float[] xa = copy ? X_COPY.get()[0] : x;
        final int xqo = packed ? packedQuads(par, x, 0, batch / 4, ws[0].cols()) : 0;
        final float[] xq = packed ? X_QUADS.get()[0] : null;
        // quad-major panels go out whole (see Panels.packedPanelTiles): in chunks of tiles, Qwen2.5-0.5B's
        // 896 x 4864 down projection (224 tiles, 32 chunks of 7) ran panels of 6 tiles and of 1, each
        // quad's block then passing over a single tile (bench prompt, 2 threads: 261-275 -> 292-299 GFLOP/s)
        // (in as many units as the threads share evenly: see balancedUnit)
        // the other panels ({@link #PANEL} rows: row-major, or interleaved below Panels.QUAD_MAJOR_COLS) go
        // out whole too in prompt-sized batches, one a chunk (see wholePanels)
        final int total = start[ws.length];
        final boolean quadMajor = packed && ws[0].cols() >= Panels.QUAD_MAJOR_COLS, whole = !quadMajor && wholePanels(ws, batch);
        final int unit = quadMajor ? balancedUnit(total, Panels.packedPanelTiles(ws[0].cols()), par.threads()) : whole ? PANEL / TILE : 1;
        final int units = (total + unit - 1) / unit;
        int perThread = batch >= MIN_BATCHED ? BATCH_CHUNKS_PER_THREAD : Parallel.CHUNKS_PER_THREAD;
        if (whole && PANEL_CHUNKS) perThread = Math.max(perThread, Math.min(4 * BATCH_CHUNKS_PER_THREAD, (units + par.threads() - 1) / par.threads()));
        par.forRange(units, Math.max(1, minChunk / unit), perThread, (u0, u1) -> {
            int from = u0 * unit, to = Math.min(total, u1 * unit);
            for (int j = 0; j < ws.length; j++) {
                int a = Math.max(from, start[j]), b = Math.min(to, start[j + 1]);
                if (a < b) tiles(k, ws[j], xa, xo, xq, xqo, outs[j], batch, a - start[j], b - start[j]);
            }
        });
    }

    /** Whether panels of {@link #PANEL} rows go out whole ({@code -Dhalyard.wholePanels=false}: chunks of tiles, as before). */
    static final boolean WHOLE_PANELS = Boolean.parseBoolean(System.getProperty("halyard.wholePanels", "true"));
    /** Tokens from which a region takes {@link #wholePanels}: a prompt chunk's, not a decode step's of up to 16 sequences. */
    static final int WHOLE_PANEL_TOKENS = 64;
    /** Whether whole panels go out one a chunk up to 64 chunks a thread ({@code -Dhalyard.panelChunks=false}: 16 chunks a thread, two panels a chunk at 576 x 576). */
    static final boolean PANEL_CHUNKS = Boolean.parseBoolean(System.getProperty("halyard.panelChunks", "true"));

    /**
     * Whether a batch's region of these matrices goes out in units of a whole {@link #PANEL}: every
     * matrix multiplies a panel (no fused kernels, whose tiles need no grouping). In chunks of tiles a
     * chunk cut panels, and each cut-off panel passed over every token's activations for as few as 4
     * rows: SmolLM2-135M's 576 x 576 output projection (144 tiles, 16 chunks a thread) went out in 29
     * chunks of 5 tiles, a panel of 4 tiles and one of 1 each; Qwen2.5-0.5B's q/k/v region (288 tiles)
     * in chunks of 9, panels of 4, 4 and 1. Same bits: a panel's grouping never changes an output's
     * arithmetic. {@code bench prompt} (Q8_0, 512 tokens, 2 threads, alternated processes) 576 x 576
     * 266-318 -> 311-347 GFLOP/s, 960 x 576, 1152 x 896 and 896 x 896 level; {@code bench ab} against
     * both off (8 rounds, 4 processes a side), prompts: SmolLM2 Q8_0 1.008 (5 of 8 faster), Q4_K_M 1.024
     * (7 of 8), Qwen2.5 Q8_0 1.000, Q4_K_M 1.023 (6 of 8; a host in its slow mode for most rounds).
     * From {@link #WHOLE_PANEL_TOKENS} tokens only: a cut-off panel costs a pass over the batch's
     * activations, nothing at a 16-sequence decode step's 37 KiB, where finer chunks share the work
     * better (SmolLM2-135M, 16 streams in one process, five alternated pairs: 374-401 tok/s with whole
     * panels against 408-420 without in four of them, level in the fifth).
     */
    static boolean wholePanels(WeightMatrix[] ws, int batch) {
        if (!WHOLE_PANELS || batch < WHOLE_PANEL_TOKENS) return false;
        for (WeightMatrix w : ws) if (fused(w, batch)) return false;
        return true;
    }

    /** Whether {@link #balancedUnit} evens out the units; {@code -Dhalyard.balancedPanels=false}: whole panels, as before. */
    static final boolean BALANCED = Boolean.parseBoolean(System.getProperty("halyard.balancedPanels", "true"));

    /**
     * Tiles per unit of a region of quad-major panels ({@code total} tiles): at most {@code ptiles} (a
     * panel, {@link Panels#packedPanelTiles}), in a number of units that is a multiple of the threads,
     * so that no thread is left with a panel more than the other. SmolLM2-135M's 576 x 1536 down
     * projection (144 tiles, panels of 21) went out in 7 units, 4 for one thread and 3 for the other;
     * now 8 of 18. Shapes whose panels already split evenly (Llama-3.2-1B's, Qwen2.5-0.5B's 224 tiles
     * in 38 units of 6) keep their units.
     */
    static int balancedUnit(int total, int ptiles, int threads) {
        if (!BALANCED) return ptiles;
        int units = (total + ptiles - 1) / ptiles;
        units = (units + threads - 1) / threads * threads;
        return (total + units - 1) / units;
    }

    /** Whether the batch multiplies this slice-major matrix's interleaved panel: {@link Panels#slicedRegions}. */
    static boolean onSlicedPanel(WeightMatrix w, int batch) {
        return interleaved(w, batch) && w.slices() > 1;
    }

    /**
     * Whether the batch multiplies this matrix's interleaved panel ({@link Panels#packedPanelTimesBatch}, or
     * slice by slice {@link Panels#slicedPanel}): a tiled matrix from {@link #INTERLEAVED_COLS} columns on,
     * on the panel path.
     */
    static boolean interleaved(WeightMatrix w, int batch) {
        return batch >= MIN_BATCHED && w.tiled4() && w.cols() >= INTERLEAVED_COLS && !fused(w, batch);
    }

    /**
     * Narrower rows keep the row-major panel: their 4-row tile and token quad fit L1 together, and
     * SmolLM2-135M's prompt (576 columns but for the down projection) measured 0.98x interleaved.
     */
    static final int INTERLEAVED_COLS = 768;

    /**
     * Row tiles [t0, t1) of one matrix, all tokens (token b's activations at {@code x[xo + b * cols]};
     * with {@link #interleaved} matrices of whole rows, the first batch / 4 quads also interleaved at
     * {@code xq[xqo ..]}).
     */
    private static void tiles(Kernels k, WeightMatrix w, float[] x, int xo, float[] xq, int xqo, float[] out, int batch, int t0, int t1) {
        final int rows = w.rows(), cols = w.cols();
        int r0 = t0 * TILE;
        final int r1 = Math.min(rows, t1 * TILE);
        if (w.tiled4()) {
            if (fused(w, batch)) Fused.tiles(w, x, xo, out, batch, t0, t1); // four-token kernels, then 1-3 single tokens
            else if (batch < MIN_BATCHED) Fused.kQuantTiles(w, x, xo, out, batch, t0, t1); // the K-quants' single-token kernels
            else Panels.tiled(w, x, xo, xq, xqo, out, batch, t0, t1);
            return;
        }
        if (batch < MIN_BATCHED && FUSED_ROWS.contains(w.type())) {
            MemorySegment d = w.data();
            long rb = w.rowBytes();
            for (; r0 + TILE <= r1; r0 += TILE)
                for (int b = 0; b < batch; b++) {
                    long o = w.rowOffset(r0);
                    int xi = xo + b * cols, oi = b * rows + r0;
                    switch (w.type()) {
                        case Q8_0 -> Q8_0Kernel.dotRows4(d, o, rb, x, xi, cols, out, oi);
                        case Q4_0 -> Q4_0Kernel.dotRows4(d, o, rb, x, xi, cols, out, oi);
                        case Q4_K -> Q4_KKernel.dotRows4(d, o, rb, x, xi, cols, out, oi);
                        case Q5_K -> Q5_KKernel.dotRows4(d, o, rb, x, xi, cols, out, oi);
                        case Q6_K -> Q6_KKernel.dotRows4(d, o, rb, x, xi, cols, out, oi);
                        default -> throw new IllegalStateException(w.type().toString());
                    }
                }
            if (r0 == r1) return; // a last partial tile goes through the panel below
        }
        float[] panel = scratch(PANEL * cols + Aligned.LINE_FLOATS);
        int pi = scratchShift();
        for (int p0 = r0; p0 < r1; p0 += PANEL) {
            int pn = Math.min(PANEL, r1 - p0);
            for (int i = 0; i < pn; i++) k.dequantize(w.type(), w.data(), w.rowOffset(p0 + i), panel, pi + i * cols, cols);
            Panels.panelTimesBatch(panel, pi, pn, pn / TILE * TILE, x, xo, batch, cols, out, rows, p0);
        }
    }

    static final ThreadLocal<float[][]> X_QUADS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * The activations of tokens [from, from + 4 * quads) (token b at {@code x[b * cols]}) interleaved by
     * quads into this (calling) thread's buffer {@code X_QUADS.get()[0]} from a cache line on: quad q's
     * chunk c of token from + 4q + t at {@code [at + 4q*cols + 4cL + tL]}; returns at. The quads
     * are split across the pool: one thread's pass over a 512-token prompt's 10 MiB of 4864 columns
     * kept the other waiting.
     */
    static int packedQuads(Parallel par, float[] x, int from, int quads, int cols) {
        float[][] holder = X_QUADS.get();
        int n = quads * 4 * cols;
        if (holder[0].length < n + Aligned.LINE_FLOATS) holder[0] = new float[n + Aligned.LINE_FLOATS];
        final int at = Aligned.shift(holder[0]);
        final float[] dst = holder[0];
        if (quads >= 2)
            par.forRange(quads, 1, (q0, q1) -> {
                for (int q = q0; q < q1; q++) Tiles.pack4(x, (from + 4 * q) * cols, cols, cols, dst, at + 4 * q * cols);
            });
        else for (int q = 0; q < quads; q++) Tiles.pack4(x, (from + 4 * q) * cols, cols, cols, dst, at + 4 * q * cols);
        return at;
    }

    /** Tokens per activation block: a multiple of 4 with about 256 KiB of floats, 4 to 64. */
    static int tokenBlock(int cols) {
        return Math.max(4, Math.min(64, (1 << 16) / cols / 4 * 4));
    }

    /**
     * The plain path: one {@link Kernels#dot} per output (scalar kernels, or rows not a whole number of
     * vectors); a tiled matrix's rows are dequantised first and dotted as F32.
     */
    private static void reference(Kernels k, Parallel par, WeightMatrix w, float[] x, float[] out, int batch) {
        final int cols = w.cols(), rows = w.rows();
        par.forRange(rows, 16, (from, to) -> {
            float[] row = w.tiled4() ? new float[cols] : null;
            MemorySegment rowSeg = w.tiled4() ? MemorySegment.ofArray(row) : null;
            for (int i = from; i < to; i++) {
                if (row != null) w.dequantizeRow(k, i, row, 0);
                for (int b = 0; b < batch; b++)
                    out[b * rows + i] = row != null ? k.dot(GgmlType.F32, rowSeg, 0, x, b * cols, cols)
                            : k.dot(w.type(), w.data(), w.rowOffset(i), x, b * cols, cols);
            }
        });
    }

    /**
     * The widest activations copied for alignment: a 512-token prompt's 2048-column activations are
     * 4 MiB; its 8192-column ones would be 16 MiB of heap (Llama-3.2-1B Q4_0's peak RSS went from
     * file + 282 to file + 306 MiB with them) for +6% on those matrices.
     */
    static final int ALIGNED_COPY_COLS = 4096;

    private static final ThreadLocal<float[][]> X_COPY = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * Copies the first n activations to this (calling) thread's buffer {@code X_COPY.get()[0]} at a
     * cache-line boundary and returns where they start (an index, so it holds however the GC moves the
     * buffer): a batch's tiles read every activation once per 4-row tile, the copy costs one pass. The
     * pass is split across the pool: on one thread it kept the other waiting for ~5% of a 512-token
     * product of SmolLM2-135M's 576-column matrices (1.2 MB of activations). {@code bench ab}, SmolLM2-135M
     * 512-token prompts, 8 rounds, 4 processes a side: Q8_0 1.031 (8 of 8 faster), Q4_0 1.021 (6 of 8);
     * generation level (its single tokens are not copied). Matrices on the interleaved panel (from {@link
     * #INTERLEAVED_COLS} columns) take no copy: their quads are packed on the pool ({@link #packedQuads}).
     */
    private static int alignedCopy(Parallel par, float[] x, int n) {
        float[][] holder = X_COPY.get();
        if (holder[0].length < n + Aligned.LINE_FLOATS) holder[0] = new float[n + Aligned.LINE_FLOATS];
        final int at = Aligned.shift(holder[0]);
        final float[] dst = holder[0];
        par.forRange(n, COPY_CHUNK, (a, b) -> System.arraycopy(x, a, dst, at + a, b - a));
        return at;
    }

    /** Floats per part of {@link #alignedCopy}: smaller copies (a few tokens) stay on the calling thread. */
    static final int COPY_CHUNK = 1 << 16;

    /** A thread's scratch array, and where in it a cache line starts ({@link Aligned#shift}), asked again now and then. */
    private static final class Scratch {
        float[] a = new float[0];
        int shift, uses;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** This thread's panel, grown on demand (one per worker thread, kept). */
    static float[] scratch(int n) {
        Scratch s = SCRATCH.get();
        if (s.a.length < n) {
            s.a = new float[n];
            s.uses = 0; // a new array: its shift is asked anew
        }
        return s.a;
    }

    /**
     * {@link Aligned#shift} of this thread's {@link #scratch} array (call it after scratch), asked again
     * every {@link #SHIFT_REUSES} calls, since a collection may move the array (a stale shift costs
     * speed only, never a result). Asked on every call, its native downcall took 0.55% of a 16-sequence
     * decode step's samples (~3,600 calls a step, one per panel walk).
     */
    static int scratchShift() {
        Scratch s = SCRATCH.get();
        if (s.uses++ % SHIFT_REUSES == 0) s.shift = Aligned.shift(s.a);
        return s.shift;
    }

    static final int SHIFT_REUSES = 256;
}
