package dev.halyard.kernels;

import static dev.halyard.kernels.Matmul.PANEL;
import static dev.halyard.kernels.Matmul.TILE;

import dev.halyard.kernels.quant.Q4_0Kernel;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q5_0Kernel;
import dev.halyard.kernels.quant.Q6_KKernel;
import dev.halyard.kernels.quant.Q6_KTileKernel;
import dev.halyard.kernels.quant.Q8_0Kernel;
import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.MemorySegment;

/**
 * {@link Matmul}'s panel path: a tiled matrix's rows dequantised into a per-thread float panel, then F32
 * register tiles ({@link Tiles}) over the batch. Row-major panels of {@link Matmul#PANEL} rows in
 * L2-sized token blocks; interleaved panels ({@link Matmul#interleaved}) read the tokens' quads
 * interleaved alike, from 2048 columns walked quad by quad over ~512 KiB of rows, and slice-major
 * matrices take that walk slice by slice with carried accumulators, in regions of tokens. Every output in the canonical
 * order of {@link Tiles}, so the bits are those of the fused kernels and of each token alone.
 */
final class Panels {
    private Panels() {}

    /**
     * Row tiles [t0, t1) of a tiled matrix, all tokens (token b at {@code x[xo + b * cols]}; for an
     * {@link Matmul#interleaved} matrix of whole rows the first batch / 4 quads also interleaved at
     * {@code xq[xqo ..]}; not slice-major ones on the interleaved panel: those take {@link #slicedPanel}
     * through {@link #slicedRegions}).
     */
    static void tiled(WeightMatrix w, float[] x, int xo, float[] xq, int xqo, float[] out, int batch, int t0, int t1) {
        final int rows = w.rows(), cols = w.cols();
        boolean packed = Matmul.interleaved(w, batch); // whole rows: slice-major matrices take slicedRegions
        int ptiles = packed ? packedPanelTiles(cols) : PANEL / TILE;
        if (packed && BLOCKED && batch >= 4 && cols >= QUAD_MAJOR_COLS && BLOCK_COLS % w.type().blockSize == 0) {
            blockedPanel(w, x, xo, xq, xqo, out, batch, t0, t1, ptiles);
            return;
        }
        float[] panel = Matmul.scratch(ptiles * TILE * cols + Aligned.LINE_FLOATS);
        int pi = Matmul.scratchShift(); // the panel starts a cache line (see Aligned)
        int stride = packed ? Simd.L : cols, es = packed ? 4 : 1; // interleaved tiles, or rows
        for (int p = t0; p < t1; p += ptiles) {
            int pt = Math.min(ptiles, t1 - p); // tiles in this panel
            for (int i = 0; i < pt; i++)
                for (int s = 0; s < w.slices(); s++) // one slice: the whole rows
                    dequantizeTile4(w, p + i, s, panel, pi + i * TILE * cols + es * s * WeightMatrix.SLICE, stride, es);
            if (packed) packedPanelTimesBatch(panel, pi, pt * TILE, xq, xqo, x, xo, batch, cols, out, rows, p * TILE);
            else panelTimesBatch(panel, pi, pt * TILE, pt * TILE, x, xo, batch, cols, out, rows, p * TILE);
        }
    }

    /** Whether whole-row interleaved panels of 2048+ columns are walked in column blocks ({@link #blockedPanel}); {@code -Dhalyard.blockedPanel=false} turns it off. */
    static final boolean BLOCKED = Boolean.parseBoolean(System.getProperty("halyard.blockedPanel", "true"));
    /** Columns per block of {@link #blockedPanel}: a quad's block (16 KiB) and a tile's fit this machine's 48 KiB L1 together. */
    static final int BLOCK_COLS = 1024;

    /**
     * The quad-major walk ({@link #packedPanelTimesBatch}) of a whole-row interleaved panel of 2048+
     * columns, in column blocks of {@link #BLOCK_COLS}: the panel is dequantised block-major (block h of
     * tile i at {@code h * pt * 4B + i * 4B}), and each quad of tokens passes over every tile's block h
     * before block h + 1, its (quad, tile) accumulators carried in this thread's scratch from block to
     * block ({@link Tiles#tile4x4PackedAcc}) and folded after the last; the batch % 4 last tokens alike.
     * Same FMAs in the same order, so the same bits. At 2048 columns a tile call of the whole-row walk
     * touched a 32 KiB quad and a 32 KiB tile, more than L1 holds, so each 4x4 step read both from
     * L2; a block's quad stays in L1 while the tiles' blocks pass. Per matrix (512 tokens, two threads,
     * `bench prompt`, alternated): Q4_K 2048 x 2048 246 / 259 -> 292 / 287 GFLOP/s, 8192 x 2048 290 /
     * 277 -> 299 / 324, Q6_K 263 / 276 -> 282 / 322, 270 / 291 -> 302 / 336; Llama-3.2-1B Q4_K_M
     * 512-token prompts in `bench ab` 1.036 (8 of 8 rounds, 4 processes a side). The 16-sequence decode
     * step (Q6_K output matrix on this path) measured level. The first block's tiles start their
     * accumulators at zero and the last block's fold them straight into out, as {@link #slicedPanel}'s first and last slices do: no zeroing pass over the carried accumulators
     * before, no store, reload and separate {@link Simd#fold16} after (those took ~5% of the prompt's
     * samples: fold16 2.7%, the fill 1.1%). Llama-3.2-1B 512-token prompts in {@code bench ab} (4
     * processes a side, 8 rounds): Q4_0 1.055 (8 of 8 faster) and 1.031 (6 of 8), Q4_K_M 1.055 (8 of 8).
     * The first and last blocks take methods of their own ({@link Tiles#tile4x4PackedFirst}, {@link
     * Tiles#tile4x4PackedLast}; there are always two blocks or more, as 2048+ columns make): one
     * method with both as flags ran its loop slower; build against build 1.020 (8 of 8). Widths that
     * are not whole blocks end in a shorter block (block h of tile i then at {@code h * pt * 4B + i *
     * 4n}, n its columns: whole format blocks, as B is); before, such matrices (Qwen2.5-0.5B's 4864-column
     * down projection) took the unblocked walk, a 78 KiB quad and tile per call.
     */
    private static void blockedPanel(WeightMatrix w, float[] x, int xo, float[] xq, int xqo, float[] out, int batch, int t0, int t1, int ptiles) {
        final int rows = w.rows(), cols = w.cols(), vec = Simd.L, B = BLOCK_COLS, blocks = (cols + B - 1) / B, whole = batch / 4 * 4;
        float[] s = Matmul.scratch(ptiles * TILE * cols + Aligned.LINE_FLOATS + ptiles * TILE * 4 * vec);
        final int pi = Matmul.scratchShift(), ai = pi + ptiles * TILE * cols;
        long step = (long) (B / w.type().blockSize) * w.columnBytes(); // bytes of a tile's whole block
        for (int p = t0; p < t1; p += ptiles) {
            int pt = Math.min(ptiles, t1 - p), r0 = p * TILE;
            for (int i = 0; i < pt; i++)
                for (int h = 0; h < blocks; h++) {
                    int n = Math.min(B, cols - h * B); // the last block may be shorter: whole format blocks still
                    dequantizeTile4(w, w.tileOffset(p + i) + h * step, n, s, pi + h * pt * TILE * B + i * TILE * n, vec, 4);
                }
            for (int b = 0; b < whole; b += 4)
                for (int h = 0; h < blocks; h++) { // the first block starts from zero, the last folds into out
                    int base = pi + h * pt * TILE * B, n = Math.min(B, cols - h * B);
                    for (int i = 0; i < pt; i++) {
                        int wi = base + i * TILE * n, xi = xqo + b * cols + 4 * h * B, a = ai + i * 16 * vec;
                        if (h == 0) Tiles.tile4x4PackedFirst(s, wi, xq, xi, n, s, a);
                        else if (h == blocks - 1) Tiles.tile4x4PackedLast(s, wi, xq, xi, n, s, a, out, b * rows + r0 + i * TILE, rows);
                        else Tiles.tile4x4PackedAcc(s, wi, xq, xi, n, s, a);
                    }
                }
            for (int b = whole; b < batch; b++) {
                java.util.Arrays.fill(s, ai, ai + pt * 4 * vec, 0f);
                for (int h = 0; h < blocks; h++) {
                    int base = pi + h * pt * TILE * B, n = Math.min(B, cols - h * B);
                    for (int i = 0; i < pt; i++)
                        Tiles.tile4x1PackedAcc(s, base + i * TILE * n, x, xo + b * cols + h * B, n, s, ai + i * 4 * vec);
                }
                for (int i = 0; i < pt; i++) Simd.fold4(s, ai + i * 4 * vec, out, b * rows + r0 + i * TILE);
            }
        }
    }

    /** Each thread's scratch for Q6_K's group scales ({@code Q6_KKernel.dequantizeTile4}). */
    private static final ThreadLocal<float[]> Q6_K_SCALES = ThreadLocal.withInitial(() -> new float[16]);

    /** Tile t's slice s of a tiled matrix dequantised by its format's {@code dequantizeTile4} (layout: see there). */
    private static void dequantizeTile4(WeightMatrix w, int t, int s, float[] dst, int di, int stride, int es) {
        dequantizeTile4(w, w.tileOffset(t, s), w.sliceCols(s), dst, di, stride, es);
    }

    /** The n columns of a tile from byte offset o of a tiled matrix, by its format's {@code dequantizeTile4}. */
    private static void dequantizeTile4(WeightMatrix w, long o, int n, float[] dst, int di, int stride, int es) {
        MemorySegment d = w.data();
        switch (w.type()) {
            case Q8_0 -> Q8_0Kernel.dequantizeTile4(d, o, n, dst, di, stride, es);
            case Q4_0 -> Q4_0Kernel.dequantizeTile4(d, o, n, dst, di, stride, es);
            case Q5_0 -> Q5_0Kernel.dequantizeTile4(d, o, n, dst, di, stride, es);
            case Q4_K -> Q4_KKernel.dequantizeTile4(d, o, n, dst, di, stride, es);
            case Q6_K -> Q6_KTileKernel.dequantizeTile4(d, o, n, dst, di, stride, es, Q6_K_SCALES.get());
            default -> throw new IllegalStateException(w.type().toString());
        }
    }

    /**
     * Tokens per region of {@link #slicedRegions}: a region's quads of 8192 columns take 4 MiB, as a
     * 512-token batch's of 2048 columns do (the buffer the other matrices' quads use already), and the
     * accumulators a thread carries from slice to slice 512 KiB.
     */
    static final int SLICED_REGION_TOKENS = 128;

    /**
     * A slice-major matrix on the panel path: the batch in regions of up to {@link
     * #SLICED_REGION_TOKENS} tokens, one parallel region each; per region this thread interleaves the
     * region's quads once ({@link Matmul#packedQuads}) and the workers walk their panels over them ({@link
     * #slicedPanel}). Before, each panel took the whole batch and interleaved each quad's slice
     * itself ({@code Tiles.pack4}, once per panel of 16 tiles), so a 512-token prompt's 16 MiB of
     * activations (8192 columns) were read from L3 once per 64 rows, with 2 MiB of carried
     * accumulators per thread beside them; the walk ran 25-30% behind the whole-row walk of the same
     * FLOPs (Q4_0 2048 x 8192 against 8192 x 2048 at 512 tokens, two threads: 217-231 against 296-326
     * GFLOP/s). Per matrix, two threads, alternated in one JVM with an 8192 x 2048 matrix between
     * calls (medians of 10): the accumulators laid out token by token (one ascending stream) 217 -> 232;
     * regions of 128 tokens 238 -> 251 (64: 233; 256: 250); the region's quads interleaved once, the
     * per-panel {@code pack4} gone, 238 -> 252 (both threads interleaving: level); each slice walked in
     * column blocks of {@link #BLOCK_COLS} as whole rows are, 253 -> 265. In all Q4_0 221-231 ->
     * 253-265, Q4_K 223 -> 261, Q6_K 223 -> 264; the 8192 x 2048 matrix 296-326 throughout (in regions
     * of its own it read 287 against 301, so whole rows keep one region). 16 and 64 tokens level to
     * +5%. Llama-3.2-1B 512-token prompts in {@code bench ab} (8 rounds, 2 processes a side): Q4_0 1.060,
     * Q4_K_M 1.055, 8 of 8 rounds faster each, peak RSS unchanged. Same bits.
     */
    static void slicedRegions(Parallel par, WeightMatrix w, float[] x, float[] out, int batch) {
        final int tiles = (w.rows() + TILE - 1) / TILE, whole = batch / 4 * 4;
        for (int b0 = 0; b0 < batch; b0 += SLICED_REGION_TOKENS) {
            final int bs = b0, be = Math.min(batch, b0 + SLICED_REGION_TOKENS), qe = Math.max(bs, Math.min(be, whole));
            final int xqo = Matmul.packedQuads(par, x, bs, (qe - bs) / 4, w.cols());
            final float[] xq = Matmul.X_QUADS.get()[0];
            par.forRange(tiles, Matmul.PANEL / TILE, Matmul.BATCH_CHUNKS_PER_THREAD, (from, to) -> slicedPanel(w, x, xq, xqo, out, from, to, bs, qe, be));
        }
    }

    /**
     * The panel path on a slice-major matrix (wide rows; {@link #slicedRegions}), row tiles [t0,
     * t1) for tokens [bs, be) of the batch, those before qe in quads interleaved at {@code xq[xqo ..]}
     * (quad q of the region at {@code xqo + 4q * cols}), the rest single (token b at {@code x[b *
     * cols]}). Per panel of {@link #packedPanelTiles}({@link WeightMatrix#SLICE}) tiles, slice by
     * slice, the panel's part of the slice is dequantised interleaved (512 KiB, as a quad-major panel
     * of 2048 columns) and each quad passes over its tiles in column blocks of {@link #BLOCK_COLS} as
     * {@link #blockedPanel} does (a quad's block and a tile's in L1 together), every output's
     * accumulators carried in this thread's scratch from block to block and slice to slice and folded
     * after the last; the single tokens alike with {@link Tiles#tile4x1PackedAcc}. The accumulators lie
     * token by token (a quad's 16 tiles' at {@code (b - bs) * pt} tiles' worth, 16 KiB in all), so the
     * walk reads and writes them as one ascending stream. Same bits as whole rows.
     */
    static void slicedPanel(WeightMatrix w, float[] x, float[] xq, int xqo, float[] out, int t0, int t1, int bs, int qe, int be) {
        final int rows = w.rows(), cols = w.cols(), slices = w.slices(), vec = Simd.L, S = WeightMatrix.SLICE, B = BLOCK_COLS;
        final int ptiles = packedPanelTiles(S), nb = be - bs, nq4 = qe - bs;
        // the panel, then the accumulators (token b's tile i at ai0 + ((b - bs) * pt + i) * TILE * vec; a quad's tile i at 4i)
        float[] s = Matmul.scratch(ptiles * TILE * S + Aligned.LINE_FLOATS + ptiles * nb * TILE * vec);
        final int pi = Matmul.scratchShift(), ai0 = pi + ptiles * TILE * S;
        for (int p = t0; p < t1; p += ptiles) {
            int pt = Math.min(ptiles, t1 - p);
            // the quads' accumulators start at zero in the first block and are folded in the last: zero the single tokens' only
            java.util.Arrays.fill(s, ai0 + nq4 * pt * TILE * vec, ai0 + nb * pt * TILE * vec, 0f);
            for (int sl = 0; sl < slices; sl++) {
                int n = w.sliceCols(sl);
                for (int i = 0; i < pt; i++) dequantizeTile4(w, p + i, sl, s, pi + i * TILE * S, vec, 4);
                for (int b = bs; b < qe; b += 4) {
                    int a = ai0 + (b - bs) * pt * TILE * vec; // the quad's accumulators, tile i's at a + 16i·vec
                    for (int c = 0; c < n; c += B) {
                        int m = Math.min(B, n - c), xi = xqo + (b - bs) * cols + 4 * (sl * S + c);
                        boolean first = sl == 0 && c == 0, last = sl == slices - 1 && c + m == n; // distinct: two slices or more
                        for (int i = 0; i < pt; i++) {
                            int wi = pi + i * TILE * S + 4 * c, ai = a + i * 4 * TILE * vec;
                            if (first) Tiles.tile4x4PackedFirst(s, wi, xq, xi, m, s, ai);
                            else if (last) Tiles.tile4x4PackedLast(s, wi, xq, xi, m, s, ai, out, b * rows + (p + i) * TILE, rows);
                            else Tiles.tile4x4PackedAcc(s, wi, xq, xi, m, s, ai);
                        }
                    }
                }
                for (int b = qe; b < be; b++)
                    for (int i = 0; i < pt; i++)
                        Tiles.tile4x1PackedAcc(s, pi + i * TILE * S, x, b * cols + sl * S, n, s, ai0 + ((b - bs) * pt + i) * TILE * vec);
            }
            for (int b = qe; b < be; b++)
                for (int i = 0; i < pt; i++) Simd.fold4(s, ai0 + ((b - bs) * pt + i) * TILE * vec, out, b * rows + (p + i) * TILE);
        }
    }

    /**
     * out[b*rows + r0 + i] for the pn dequantised rows of the panel (row i at {@code panel[pi + i * cols]})
     * and every token b (at {@code x[xo + b * cols]}): 4x4 register
     * tiles over the first {@code full} rows (a multiple of 4), single dots for the rest.
     *
     * <p>Tokens go in blocks of about 256 KiB of activations, so that a block stays in L2 while every
     * row tile of the panel passes over it, and each 4-row tile stays in L1 while the block's token
     * groups pass over it. Without the blocks, a long prompt's activations (2 MiB for 256 tokens of
     * 2048) stream from L3 once per panel: 105 vs 120 GFLOP/s per core on this machine.
     */
    static void panelTimesBatch(float[] panel, int pi, int pn, int full, float[] x, int xo, int batch, int cols, float[] out, int rows, int r0) {
        int block = Matmul.tokenBlock(cols);
        for (int b0 = 0; b0 < batch; b0 += block) {
            int b1 = Math.min(batch, b0 + block);
            for (int i = 0; i < full; i += TILE) {
                int b = b0;
                for (; b + 4 <= b1; b += 4)
                    Tiles.tile4x4(panel, pi + i * cols, cols, x, xo + b * cols, cols, cols, out, b * rows + r0 + i, rows);
                for (; b < b1; b++)
                    Tiles.tile4x1(panel, pi + i * cols, cols, x, xo + b * cols, cols, out, b * rows + r0 + i);
            }
        }
        for (int i = full; i < pn; i++)
            for (int b = 0; b < batch; b++) out[b * rows + r0 + i] = Tiles.dot(panel, pi + i * cols, x, xo + b * cols, cols);
    }

    /**
     * {@link #panelTimesBatch} over an interleaved panel (each 4-row tile as {@link Tiles#pack4} lays
     * it out, written so by the dequantisation) and the tokens' quads interleaved alike (quad q at
     * {@code xq[xqo + 4q * cols]}, see {@code Matmul.packedQuads}); the last batch % 4 tokens from the plain
     * activations (token b at {@code x[xo + b * cols]}). Each 4x4 tile then reads two ascending streams
     * instead of four weight rows and four token rows. Same bits. Whole 512-token prompts, this build
     * against the row-major one, two processes in lockstep (bench's {@code Lockstep}), 6 rounds,
     * median pair ratio: Llama-3.2-1B Q8_0 1.10, Q4_K_M 1.06, Q4_0 1.00 (its matrices are fused or
     * slice-major), Qwen2.5-0.5B Q8_0 1.04, Q4_0 1.05; SmolLM2-135M Q8_0 0.98 with its 576-column
     * matrices interleaved, hence {@link Matmul#INTERLEAVED_COLS}. Per matrix, two threads, alternated in
     * one JVM: Q8_0 896 x 896 and 4864 x 896 1.06, 896 x 4864 1.04, 2048 x 2048 1.11-1.22, 8192 x 2048
     * 1.12-1.26; Q4_K 2048 x 2048 1.14, Q6_K 1.08; slice-major 2048 x 8192 0.92-1.03 walked as whole rows
     * (it takes {@link #slicedPanel} instead). The same-JVM alternation flattered it where the other side was a different
     * kernel: it put the interleaved panel at 1.12x Q4_0's fused four-token kernel on 2048 columns and
     * 1.18x on Llama-3.2-1B Q4_0's prompt, which in lockstep against separate processes was 0.97-0.98x,
     * so Q4_0 kept the fused kernel there until the quad-major, column-blocked walks (see {@code Matmul.fused}).
     */
    private static void packedPanelTimesBatch(float[] panel, int pi, int pn, float[] xq, int xqo, float[] x, int xo, int batch, int cols, float[] out, int rows, int r0) {
        int block = Matmul.tokenBlock(cols), whole = batch / 4 * 4;
        if (cols >= QUAD_MAJOR_COLS) { // each quad of tokens over every tile of the panel: see packedPanelTiles
            for (int b = 0; b < whole; b += 4)
                for (int i = 0; i < pn; i += TILE)
                    Tiles.tile4x4Packed(panel, pi + i * cols, xq, xqo + b * cols, cols, out, b * rows + r0 + i, rows);
            for (int b = whole; b < batch; b++)
                for (int i = 0; i < pn; i += TILE)
                    Tiles.tile4x1Packed(panel, pi + i * cols, x, xo + b * cols, cols, out, b * rows + r0 + i);
            return;
        }
        for (int b0 = 0; b0 < batch; b0 += block) {
            int b1 = Math.min(batch, b0 + block);
            for (int i = 0; i < pn; i += TILE) {
                int b = b0;
                for (; b + 4 <= Math.min(b1, whole); b += 4)
                    Tiles.tile4x4Packed(panel, pi + i * cols, xq, xqo + b * cols, cols, out, b * rows + r0 + i, rows);
                for (; b < b1; b++)
                    Tiles.tile4x1Packed(panel, pi + i * cols, x, xo + b * cols, cols, out, b * rows + r0 + i);
            }
        }
    }

    /**
     * 4-row tiles per interleaved panel: {@link Matmul#PANEL} rows below {@link #QUAD_MAJOR_COLS} columns,
     * from there on as many as fill {@link #PANEL_BYTES} (16 at 2048 columns, 8 at 4096), walked quad
     * by quad ({@link #packedPanelTimesBatch}): each quad of tokens (32 KiB at 2048 columns) stays in
     * L1 while every tile of the panel passes over it from L2, and the activations, which a 512-token
     * prompt holds in L3 (4 MiB at 2048 columns), are streamed once per panel instead of once per 16
     * rows. Before, token blocks of 256 KiB stayed in L2 while each 16-row panel's tiles passed over
     * them, so every block came from L3 once per 16 rows, and a tile and a quad both from L2 for every
     * 16 FMAs. Same bits. Two threads, 512 tokens, alternated in one JVM, GFLOP/s: Q8_0 2048 x 2048
     * 262 -> 303, 8192 x 2048 268 -> 305; Q4_K 2048 x 2048 280 -> 325; Q6_K 8192 x 2048 265 -> 314;
     * Q8_0 4096 x 4096 256 -> 270 (8 tiles; 16 tiles, 1 MiB, 195); Q6_K 3072 x 3072 246 -> 264;
     * Q8_0 896 x 4864 234 -> 243; 64 tokens level (268 -> 274), 16 tokens 147 -> 165. Below 2048
     * columns the quad-major walk gained nothing (1024 x 1024 level) or lost (896 x 896 314 -> 294).
     */
    static int packedPanelTiles(int cols) {
        return cols < QUAD_MAJOR_COLS ? PANEL / TILE : Math.max(PANEL / TILE, PANEL_BYTES / (TILE * Float.BYTES * cols));
    }

    /**
     * Columns from which an interleaved panel is walked quad by quad ({@link #packedPanelTiles}), in
     * column blocks ({@link #blockedPanel}): two blocks or more. It was 2048 until stop 55, when the
     * blocked walk (first and last blocks of their own) beat the token-blocked one below 2048 too:
     * {@code bench prompt}, two threads, 512 tokens, alternated, GFLOP/s token-blocked -> quad-major:
     * Q8_0 576 x 1536 (SmolLM2-135M's down projection) 255-286 -> 307-316, Q4_0 244-286 -> 308-312;
     * 2048 x 1280 321 -> 360, Q4_K 325 -> 373; 896 x 1152 343 -> 353. One block (576 and 896 columns)
     * measured level, quad-major or not (a single-block walk is {@link Tiles#tile4x4Packed} whole rows).
     * {@code -Dhalyard.quadMajorCols=2048} restores the old limit for A/B.
     */
    static final int QUAD_MAJOR_COLS = Integer.getInteger("halyard.quadMajorCols", 1152);

    /**
     * Bytes of a quad-major panel: half of this machine's 1 MiB L2, so that the panel stays there with
     * room for the quad passing through L1 and the activations streaming in.
     */
    static final int PANEL_BYTES = 512 * 1024;
}
