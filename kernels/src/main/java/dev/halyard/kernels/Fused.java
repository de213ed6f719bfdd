package dev.halyard.kernels;

import static dev.halyard.kernels.Matmul.TILE;
import static dev.halyard.kernels.Matmul.scratch;
import static dev.halyard.kernels.Matmul.tokenBlock;

import dev.halyard.kernels.quant.Q4_0Kernel;
import dev.halyard.kernels.quant.Q4_0SliceKernel;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q4_KQuadKernel;
import dev.halyard.kernels.quant.Q5_0Kernel;
import dev.halyard.kernels.quant.Q6_KQuadKernel;
import dev.halyard.kernels.quant.Q6_KTileKernel;
import dev.halyard.kernels.quant.Q8_0Kernel;
import dev.halyard.kernels.quant.Q8_0SliceKernel;
import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.MemorySegment;

/**
 * {@link Matmul}'s fused path on tiled matrices: the blocks decoded in registers by each format's
 * kernels, walked over a thread's row tiles — four tokens at a time ({@code dotTile4x4}, see {@link
 * Matmul#fused}) then 1-3 single tokens ({@code dotTile4}), and the K-quants' single-token kernels
 * below {@link Matmul#MIN_BATCHED} tokens; on whole rows or, for slice-major matrices, slice by slice
 * with each output's accumulators carried between slices. Every output in the canonical order of
 * {@link Tiles}, as on {@link Panels}.
 */
final class Fused {
    private Fused() {}

    /** Row tiles [t0, t1) of a tiled matrix that {@link Matmul#fused} sends here: quads of tokens, then the batch % 4 last ones. */
    static void tiles(WeightMatrix w, float[] x, int xo, float[] out, int batch, int t0, int t1) {
        final int rows = w.rows(), cols = w.cols();
        GgmlType type = w.type();
        MemorySegment d = w.data();
        boolean q8 = type == GgmlType.Q8_0, q5 = type == GgmlType.Q5_0, q4k = type == GgmlType.Q4_K, q6k = type == GgmlType.Q6_K;
        if (w.slices() > 1) {
            slicedFused(w, x, xo, out, batch, t0, t1);
            return;
        }
        int whole = batch / 4 * 4, block = tokenBlock(cols);
        final long first = w.tileOffset(t0), stride = w.tileStride(), tileBytes = w.tileSliceBytes(0); // tile t at first + (t - t0) * stride
        long touched = 0;
        boolean touchNext = TOUCH && (q4k || q6k);
        float[] s = q4k ? scratch(Math.max(128, cols / 4 + 16 * Simd.L)) // Q4_K's / Q6_K's decoded scales and accumulators
                : q6k ? scratch(Math.max(128, cols / 2 + 16 * Simd.L)) : null;
        for (int b0 = 0; b0 < whole; b0 += block) // activations in L2-sized blocks, as in panelTimesBatch
            for (int g = t0; g < t1; g += FUSED_GROUP) // a quad's activations stay in L1 across a group of tiles
                for (int b = b0; b < Math.min(whole, b0 + block); b += 4)
                    for (int t = g; t < Math.min(t1, g + FUSED_GROUP); t++) {
                        long o = first + (t - t0) * stride;
                        if (touchNext && b == b0 && t + 1 < t1) touched += touch(d, o + stride, tileBytes);
                        if (q8) Q8_0Kernel.dotTile4x4(d, o, x, xo + b * cols, cols, cols, out, b * rows + t * TILE, rows);
                        else if (q4k) Q4_KQuadKernel.dotTile4x4(d, o, x, xo + b * cols, cols, cols, out, b * rows + t * TILE, rows, s);
                        else if (q6k) Q6_KQuadKernel.dotTile4x4(d, o, x, xo + b * cols, cols, cols, out, b * rows + t * TILE, rows, s);
                        else if (q5) Q5_0Kernel.dotTile4x4(d, o, x, xo + b * cols, cols, cols, out, b * rows + t * TILE, rows);
                        else Q4_0Kernel.dotTile4x4(d, o, x, xo + b * cols, cols, cols, out, b * rows + t * TILE, rows);
                    }
        for (int t = t0; t < t1; t++)
            for (int b = whole; b < batch; b++) {
                long o = first + (t - t0) * stride;
                if (q8) Q8_0Kernel.dotTile4(d, o, x, xo + b * cols, cols, out, b * rows + t * TILE);
                else if (q4k) Q4_KKernel.dotTile4(d, o, x, xo + b * cols, cols, out, b * rows + t * TILE, s);
                else if (q6k) Q6_KTileKernel.dotTile4(d, o, x, xo + b * cols, cols, out, b * rows + t * TILE, s);
                else if (q5) Q5_0Kernel.dotTile4(d, o, x, xo + b * cols, cols, out, b * rows + t * TILE);
                else Q4_0Kernel.dotTile4(d, o, x, xo + b * cols, cols, out, b * rows + t * TILE);
            }
        TOUCHED += touched;
    }

    /** Row tiles [t0, t1) of a tiled Q4_K / Q6_K matrix for 1-3 tokens: the single-token kernels. */
    static void kQuantTiles(WeightMatrix w, float[] x, int xo, float[] out, int batch, int t0, int t1) {
        final int rows = w.rows(), cols = w.cols();
        GgmlType type = w.type();
        MemorySegment d = w.data();
        if (w.slices() > 1) {
            slicedKQuant(w, x, xo, out, batch, t0, t1);
            return;
        }
        float[] s = scratch(128); // their decoded scales
        final long first = w.tileOffset(t0), stride = w.tileStride();
        for (int t = t0; t < t1; t++)
            for (int b = 0; b < batch; b++) {
                long o = first + (t - t0) * stride;
                int xi = xo + b * cols, oi = b * rows + t * TILE;
                switch (type) {
                    case Q4_K -> Q4_KKernel.dotTile4(d, o, x, xi, cols, out, oi, s);
                    case Q6_K -> Q6_KTileKernel.dotTile4(d, o, x, xi, cols, out, oi, s);
                    default -> throw new IllegalStateException(type.toString());
                }
            }
    }

    /**
     * Tiles per group in the four-token kernels' walk over whole rows ({@link #tiles}): for each quad of
     * tokens, every tile of the group, so that the quad's activations (32 KiB at 2048 columns) are read
     * from L1 by all of them and only the 4.5-bit weights (5 KiB a tile) come from L2; tile by tile, each
     * tile's quads read the activations from L2 (512 bytes per 80 bytes of weights). Same bits. Llama-3.2-1B
     * Q4_0 512-token prompt, {@code bench ab} (two processes in lockstep, 6 rounds): groups of 4 against
     * tile by tile 1.042 (6 faster), 16 1.031 (5); against 4: 8 1.021 (5), 2 1.018 (4).
     */
    static final int FUSED_GROUP = 8;

    /**
     * Tiles per group in {@link #slicedFused}'s four-token part: a thread's whole chunk of a 2048-row
     * matrix in a prompt (512 tiles / 2 threads / {@link Matmul#BATCH_CHUNKS_PER_THREAD}), so that each quad's
     * slice of activations is read from L1 by all its tiles. Llama-3.2-1B Q4_0 512-token prompt, {@code
     * bench ab}: 16 against 8 1.042 (6 rounds, 6 faster), 4 against 8 0.983 (1 of 6).
     */
    static final int SLICED_GROUP4 = 16;

    /**
     * Tiles per group in {@link #slicedFused}'s single-token part, the layout's groups ({@link WeightMatrix#GROUP}):
     * their accumulators (8 KiB at 16 lanes) stay in L1 with the activation slice, and each group is one
     * ascending stream of weights.
     */
    static final int SLICE_GROUP = WeightMatrix.GROUP;

    /** The end of the run of tiles from g: the end of g's layout group, or t1 if that comes first. */
    private static int groupEnd(int g, int t1) {
        return Math.min(t1, (g / SLICE_GROUP + 1) * SLICE_GROUP);
    }

    /**
     * The fused Q8_0 / Q4_0 / Q4_K kernels on a slice-major matrix (wide rows, see {@link WeightMatrix}): the
     * column slices in order, each output's accumulators carried from one slice to the next in a
     * per-thread array and folded after the last, so the bits are those of whole rows. Tiles go in
     * groups: for each slice (and four-token group), every tile of the group while that slice of the
     * activations sits in L1, and the group's part of a slice is contiguous memory.
     *
     * <p>For one token this is what the layout is for (see {@link WeightMatrix}). The four-token path
     * is slower than on whole rows: Llama-3.2-1B's down projection (2048 x 8192 Q4_0), 4 tokens, 2
     * threads, 0.47-0.52 -> 0.54-0.71 ms; in L2 (128 rows, 1 thread) 0.061 -> 0.070-0.076 ms, although
     * the kernels alone run level (walking each tile's slices in turn was worse still). Its token
     * blocks are sized for a slice's columns, not the row's: 32 tokens at 2048, where the row's 8192
     * columns gave 8, so that the weights were read from memory once per 8 tokens (Llama-3.2-1B Q4_0
     * prompt, {@code bench ab}, 6 rounds: 1.049, 6 faster).
     */
    private static void slicedFused(WeightMatrix w, float[] x, int xo, float[] out, int batch, int t0, int t1) {
        final int rows = w.rows(), cols = w.cols(), slices = w.slices(), vec = Simd.L;
        boolean q8 = w.type() == GgmlType.Q8_0, q4k = w.type() == GgmlType.Q4_K, q6k = w.type() == GgmlType.Q6_K;
        MemorySegment d = w.data();
        int whole = batch / 4 * 4, block = tokenBlock(Math.min(cols, WeightMatrix.SLICE)), quads = block / 4;
        int group4 = SLICED_GROUP4;
        // Q4_K: the scratch starts with its kernels' decoded scales (a slice's: SLICE / 4 floats), the accumulators after
        final int base = q4k ? WeightMatrix.SLICE / 4 : q6k ? WeightMatrix.SLICE / 2 : 0; // Q6_K: SLICE / 2 >= its single-token kernel's 128
        float[] acc = scratch(base + Math.max(whole > 0 ? group4 * quads * 16 : 0, SLICE_GROUP * TILE) * vec);
        for (int b0 = 0; b0 < whole; b0 += block) {
            int nq = (Math.min(whole, b0 + block) - b0) / 4;
            for (int g = t0; g < t1; g += group4) {
                int g1 = Math.min(t1, g + group4);
                java.util.Arrays.fill(acc, base, base + (g1 - g) * nq * 16 * vec, 0f);
                for (int q = 0; q < nq; q++)
                    for (int s = 0; s < slices; s++)
                        for (int t = g; t < g1; t++) {
                            long o = w.tileOffset(t, s);
                            int xi = xo + (b0 + 4 * q) * cols + s * WeightMatrix.SLICE, n = w.sliceCols(s), ai = base + ((t - g) * nq + q) * 16 * vec;
                            if (q8) Q8_0SliceKernel.dotTile4x4Acc(d, o, x, xi, cols, n, acc, ai);
                            else if (q4k) Q4_KQuadKernel.dotTile4x4Acc(d, o, x, xi, cols, n, acc, ai, acc);
                            else if (q6k) Q6_KQuadKernel.dotTile4x4Acc(d, o, x, xi, cols, n, acc, ai, acc);
                            else Q4_0SliceKernel.dotTile4x4Acc(d, o, x, xi, cols, n, acc, ai);
                        }
                for (int t = g; t < g1; t++)
                    for (int q = 0; q < nq; q++) {
                        int at = base + ((t - g) * nq + q) * 16 * vec, o = (b0 + 4 * q) * rows + t * TILE;
                        if (vec == 16) Simd.fold16(acc, at, out, o, rows);
                        else for (int j = 0; j < 4; j++) Simd.fold4(acc, at + 4 * j * vec, out, o + j * rows);
                    }
            }
        }
        for (int b = whole; b < batch; b++)
            for (int g = t0, g1; g < t1; g = g1) {
                g1 = groupEnd(g, t1);
                java.util.Arrays.fill(acc, base, base + (g1 - g) * TILE * vec, 0f);
                for (int s = 0; s < slices; s++)
                    for (int t = g; t < g1; t++) {
                        long o = w.tileOffset(t, s);
                        int xi = xo + b * cols + s * WeightMatrix.SLICE, n = w.sliceCols(s), ai = base + (t - g) * TILE * vec;
                        if (q8) Q8_0SliceKernel.dotTile4Acc(d, o, x, xi, n, acc, ai);
                        else if (q4k) Q4_KKernel.dotTile4Acc(d, o, x, xi, n, acc, ai, acc);
                        else if (q6k) Q6_KTileKernel.dotTile4Acc(d, o, x, xi, n, acc, ai, acc);
                        else Q4_0SliceKernel.dotTile4Acc(d, o, x, xi, n, acc, ai);
                    }
                for (int t = g; t < g1; t++) Simd.fold4(acc, base + (t - g) * TILE * vec, out, b * rows + t * TILE);
            }
    }

    /**
     * Whether the Q4_K and Q6_K four-token kernels, on whole rows, read the next tile in a burst before
     * the current one (at the first quad of a token block): one byte per cache line. See {@link #touch};
     * {@code -Dhalyard.touch=false} turns it off.
     */
    static final boolean TOUCH = Boolean.parseBoolean(System.getProperty("halyard.touch", "true"));

    /** Where {@link #touch}'s sums go, so that the loads are not dropped (read by nothing). */
    static long TOUCHED;

    /**
     * One byte of every cache line of [from, from + bytes), summed: a software prefetch of the next
     * tile. The four-token kernels spend several times as long on a tile as the single-token ones, and
     * from DRAM they stalled: the hardware prefetchers kept too few lines in flight. Touching the next
     * tile's lines back to back puts them all in flight at once, before the kernel needs them. Q6_K
     * 32768 x 2048 (55 MB, from DRAM, 2 MiB pages), two threads, each setting in its own JVM: 4 tokens
     * 82.1 -> 101.7 GFLOP/s, 8 tokens 103.3 -> 134.1 (in one JVM, alternated, on 4 KiB pages: 82.5 ->
     * 112.3, one thread 30.1 -> 38.5). Only there: Q4_K's four-token kernel streams its tiles (32768 x
     * 2048, 4 tokens: 166.8 -> 68.9 with the touch; 8 tokens 166.1 -> 178.3), slice-major tiles are
     * one stream per group (Q6_K 8192 x 8192: 83.8 -> 66.7 at 4 tokens, 111.3 -> 85.3 at 8; Q4_K 104.2
     * -> 69.3, 146.9 -> 125.1), and the single-token kernels, which stream too, lost half their rate
     * (Q4_K 100.6 -> 57.1). So it served the 128,256 x 2048 Q6_K output matrix of a decode step of a
     * few sequences. Stop 50 (Zen 5-class host) found Q4_K's four-token kernel short of its cache rate
     * from DRAM after all ({@code bench decode --tokens 4}, two threads: 7.4-8.2 GB/s against 10.3-13.0
     * from cache) and the touch worth it there: 8192 x 2048 8.2 / 8.0 -> 10.6 / 10.8 GB/s, 2048 x 2048
     * 7.8 / 7.6 -> 10.1 / 10.2 (two runs, each setting alternated in its own JVM), and Llama-3.2-1B
     * Q4_K_M decoding four sequences ({@code EngineServeProbe}, 16 + 128 tokens each, five pairs of
     * processes alternated) 1.085x, 5 of 5 pairs faster (35.1-38.1 -> 36.0-42.8 tok/s). Q4_0 read level
     * and Q8_0 +5-8% there (not taken: measured on the kernel only). Q8_0's four-token kernel had not
     * gained on Zen 4 either (stop 45, two threads, four rounds of a process per setting, alternated): 4 tokens 8192 x 2048 0.87-1.23 ms without, 1.00-1.31 with; 32768 x 2048
     * 5.58-7.30 / 6.16-6.23; 8 tokens 8.96-11.31 / 9.27-11.15.
     */
    private static long touch(MemorySegment d, long from, long bytes) {
        long sink = 0, end = Math.min(d.byteSize(), from + bytes);
        for (long p = from; p < end; p += Aligned.LINE_FLOATS * Float.BYTES) sink += d.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p);
        return sink;
    }

    /**
     * The K-quants' single-token kernels on a slice-major matrix, as {@link #slicedFused}'s
     * single-token part: per group of tiles, the slices in order, each tile's four accumulators carried
     * in this thread's scratch (after the kernels' 128 floats of decoded scales) and folded after the last.
     */
    private static void slicedKQuant(WeightMatrix w, float[] x, int xo, float[] out, int batch, int t0, int t1) {
        final int rows = w.rows(), cols = w.cols(), slices = w.slices(), vec = Simd.L;
        boolean q4 = w.type() == GgmlType.Q4_K;
        MemorySegment d = w.data();
        float[] s = scratch(128 + WeightMatrix.GROUP * TILE * vec); // [0, 128): the kernels' scales; then the accumulators
        for (int b = 0; b < batch; b++)
            for (int g = t0, g1; g < t1; g = g1) {
                g1 = groupEnd(g, t1);
                java.util.Arrays.fill(s, 128, 128 + (g1 - g) * TILE * vec, 0f);
                for (int sl = 0; sl < slices; sl++)
                    for (int t = g; t < g1; t++) {
                        long o = w.tileOffset(t, sl);
                        int xi = xo + b * cols + sl * WeightMatrix.SLICE, n = w.sliceCols(sl), ai = 128 + (t - g) * TILE * vec;
                        if (q4) Q4_KKernel.dotTile4Acc(d, o, x, xi, n, s, ai, s);
                        else Q6_KTileKernel.dotTile4Acc(d, o, x, xi, n, s, ai, s);
                    }
                for (int t = g; t < g1; t++) Simd.fold4(s, 128 + (t - g) * TILE * vec, out, b * rows + t * TILE);
            }
    }
}
