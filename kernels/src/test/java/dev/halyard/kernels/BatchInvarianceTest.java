package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A token's matmul results are bit-identical whether it is alone or in a batch (the continuous
 * batching server relies on it: at temperature 0 a request gets the same tokens among others).
 */
class BatchInvarianceTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void batched_rows_equal_rows_computed_alone(GgmlType type) {
        Random rnd = new Random(type.ordinal());
        int rows = 37, cols = 512, batch = 11;
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            MemorySegment seg = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
            WeightMatrix w = new WeightMatrix(type, seg, 0, rows, cols);
            assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch, type.toString());
        }
    }

    /**
     * A batch longer than one activation block ({@code Matmul.tokenBlock}: 32 tokens of 2048), with a
     * remainder that is not a multiple of 4, on the row layout and the tiled one: blocks and the tail
     * give the same bits as each token alone.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_0", "Q5_0", "Q4_K"})
    void token_blocks_and_their_tail_equal_tokens_alone(GgmlType type) {
        Random rnd = new Random(100 + type.ordinal());
        int rows = 20, cols = 2048;
        assertEquals(32, Matmul.tokenBlock(cols));
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            MemorySegment seg = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
            WeightMatrix rowsLayout = new WeightMatrix(type, seg, 0, rows, cols);
            WeightMatrix[] layouts = WeightMatrix.canTile(type, rows)
                    ? new WeightMatrix[] {rowsLayout, copyOf(arena, rowsLayout).tile4()} : new WeightMatrix[] {rowsLayout};
            // tiled Q4_0: fused four-token kernels below Matmul.fusedTokens(2048) = 64 tokens, the interleaved
            // panel above (70: 17 quads and two single tokens); tiled Q8_0 below Matmul.Q8_0_FUSED_TOKENS = 24,
            // tiled Q4_K below Matmul.Q4_K_FUSED_TOKENS = 12, the interleaved panel above;
            // tiled Q5_0: fused below Matmul.Q5_0_FUSED_TOKENS = 20 (13 tokens: three quads and a single)
            for (int batch : new int[] {13, 45, 70}) {
                for (WeightMatrix w : layouts)
                    assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch,
                            type + (w.tiled4() ? " tiled" : "") + " batch " + batch);
            }
        }
    }

    /**
     * From {@code Panels.QUAD_MAJOR_COLS} columns the interleaved panel holds {@code
     * Panels.packedPanelTiles} tiles and is walked quad by quad: more rows than one such panel (and a
     * part-panel after them), on one thread and on two, give each token's bits alone.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void quad_major_panels_and_their_tail_equal_tokens_alone(GgmlType type) {
        assertEquals(4, Panels.packedPanelTiles(896));
        assertEquals(4, Panels.packedPanelTiles(1024));
        assertEquals(16, Panels.packedPanelTiles(2048));
        assertEquals(8, Panels.packedPanelTiles(4096));
        Random rnd = new Random(300 + type.ordinal());
        assertEquals(21, Panels.packedPanelTiles(1536));
        assertEquals(18, Matmul.balancedUnit(144, 21, 2), "SmolLM2-135M's down projection: 8 units, 4 a thread");
        assertEquals(6, Matmul.balancedUnit(224, 6, 2), "Qwen2.5-0.5B's: its 38 units as they were");
        // column blocks of Panels.BLOCK_COLS: two, three, and a short last one (2816 = 2 x 1024 + 768; Qwen2.5-0.5B's down projection, 4864;
        // SmolLM2-135M's, 1536 = 1024 + 512; 1280)
        for (int cols : new int[] {1280, 1536, 2048, 3072, 2816, 4864}) {
            int rows = 4 * (Panels.packedPanelTiles(cols) + 3), batch = 70;
            try (Arena arena = Arena.ofShared()) {
                WeightMatrix w = new WeightMatrix(type, RandomBlocks.allocate(arena, type, rows * cols, 0, rnd), 0, rows, cols).tile4();
                assertTrue(Matmul.interleaved(w, batch), "the interleaved panel");
                assertEquals(1, w.slices(), "whole rows");
                for (int threads : new int[] {1, 2})
                    try (Parallel par = new Parallel(threads)) {
                        assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch,
                                type + " tiled " + rows + " x " + cols + " batch " + batch + ", " + threads + " threads");
                    }
            }
        }
        assertTrue(Panels.BLOCKED, "the blocked walk is the default, so these tests run it");
    }

    /**
     * Below {@code Panels.QUAD_MAJOR_COLS} a batch's region goes out in whole panels of {@code
     * Matmul.PANEL} rows ({@code Matmul.wholePanels}): row-major on 576 (K-quants 512) columns, interleaved on 896 (768), over
     * nine panels and a lone tile, one thread and two, give each token's bits alone; a region with a
     * matrix on the fused kernels keeps its chunks of tiles, and so do batches below {@code
     * Matmul.WHOLE_PANEL_TOKENS}.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K"})
    void whole_panels_equal_tokens_alone(GgmlType type) {
        Random rnd = new Random(400 + type.ordinal());
        int rows = 4 * (9 * Matmul.PANEL / 4 + 1), batch = 70;
        assertTrue(batch >= Matmul.WHOLE_PANEL_TOKENS);
        for (int cols : type.blockSize == 256 ? new int[] {512, 768} : new int[] {576, 896}) { // K-quants: 256-element blocks
            try (Arena arena = Arena.ofShared()) {
                WeightMatrix w = new WeightMatrix(type, RandomBlocks.allocate(arena, type, rows * cols, 0, rnd), 0, rows, cols).tile4();
                assertTrue(Matmul.wholePanels(new WeightMatrix[] {w}, batch), type + " " + cols + " columns");
                assertEquals(cols >= Matmul.INTERLEAVED_COLS, Matmul.interleaved(w, batch));
                for (int threads : new int[] {1, 2})
                    try (Parallel par = new Parallel(threads)) {
                        assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch,
                                type + " tiled " + rows + " x " + cols + " batch " + batch + ", " + threads + " threads");
                    }
                assertFalse(Matmul.wholePanels(new WeightMatrix[] {w}, 1), "single tokens");
                assertFalse(Matmul.wholePanels(new WeightMatrix[] {w}, 16), "a 16-sequence decode step keeps chunks of tiles");
            }
        }
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix q40 = new WeightMatrix(GgmlType.Q4_0, RandomBlocks.allocate(arena, GgmlType.Q4_0, 64 * 576, 0, rnd), 0, 64, 576).tile4();
            assertTrue(Matmul.fused(q40, 16));
            assertFalse(Matmul.wholePanels(new WeightMatrix[] {q40}, 16), "Q4_0's four-token kernels at 16 tokens");
        }
    }

    /**
     * Slice-major matrices on the panel path ({@code Panels.slicedRegions}: regions of tokens, each
     * region's quads interleaved once, {@code Panels.slicedPanel} walking them in column blocks): every
     * output's accumulators carried from block to block and slice to slice (the last slice whole or of
     * 768 columns, a block of its own), over more rows than one panel and a part-panel, a batch of quads
     * with two single tokens, and more tokens than one region ({@code Panels.SLICED_REGION_TOKENS}):
     * Q6_K's next region a quad and two single tokens, Q4_0's two single tokens alone. Each token's bits
     * alone.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void slice_major_panels_equal_tokens_alone(GgmlType type) {
        Random rnd = new Random(400 + type.ordinal());
        int rows = 4 * (Panels.packedPanelTiles(WeightMatrix.SLICE) + 3);
        for (int cols : new int[] {8192, 8192 + 768}) {
            try (Arena arena = Arena.ofShared()) {
                WeightMatrix w = new WeightMatrix(type, RandomBlocks.allocate(arena, type, rows * cols, 0, rnd), 0, rows, cols).tile4();
                assertTrue(w.slices() > 1, "slice-major");
                assertEquals(cols % WeightMatrix.SLICE, w.sliceCols(w.slices() - 1) % WeightMatrix.SLICE, "the last slice");
                int[] batches = cols != 8192 ? new int[] {70}
                        : type == GgmlType.Q6_K ? new int[] {70, Panels.SLICED_REGION_TOKENS + 6}
                        : type == GgmlType.Q4_0 ? new int[] {70, Panels.SLICED_REGION_TOKENS + 2} : new int[] {70};
                for (int batch : batches) {
                    assertTrue(Matmul.interleaved(w, batch), "the panel path");
                    for (int threads : new int[] {1, 2})
                        try (Parallel par = new Parallel(threads)) {
                            assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch,
                                    type + " slice-major " + rows + " x " + cols + " batch " + batch + ", " + threads + " threads");
                        }
                }
            }
        }
    }

    /**
     * A group of matrices on one input ({@code Matmul.matmul} with several): slice-major ones on the
     * panel take regions of their own after the others' one region (here Q5_0, whose rows stay whole,
     * between two slice-major Q4_0 matrices), and every output has the bits of its matrix alone, over
     * one region and two.
     */
    @Test
    void a_group_with_slice_major_and_whole_row_matrices_equals_each_alone() {
        Random rnd = new Random(11);
        int cols = 8192, rows = 24;
        Kernels k = new VectorKernels();
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            GgmlType[] types = {GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_0};
            WeightMatrix[] ws = new WeightMatrix[types.length];
            for (int j = 0; j < ws.length; j++)
                ws[j] = new WeightMatrix(types[j], RandomBlocks.allocate(arena, types[j], (rows + 4 * j) * cols, 0, rnd), 0, rows + 4 * j, cols).tile4();
            for (int batch : new int[] {70, Panels.SLICED_REGION_TOKENS + 10}) {
                assertTrue(Matmul.onSlicedPanel(ws[0], batch) && Matmul.onSlicedPanel(ws[2], batch), "slice-major on the panel");
                assertTrue(!Matmul.onSlicedPanel(ws[1], batch) && Matmul.interleaved(ws[1], batch), "whole rows on the panel");
                float[] x = RandomBlocks.gaussian(batch * cols, rnd);
                float[][] outs = new float[ws.length][];
                for (int j = 0; j < ws.length; j++) outs[j] = new float[batch * ws[j].rows()];
                Matmul.matmul(k, par, x, batch, ws, outs);
                for (int j = 0; j < ws.length; j++) {
                    float[] alone = new float[batch * ws[j].rows()];
                    Matmul.matmul(k, par, ws[j], x, alone, batch);
                    for (int i = 0; i < alone.length; i++)
                        assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(outs[j][i]),
                                types[j] + " matrix " + j + " of the group, batch " + batch + ", output " + i);
                }
            }
        }
    }

    /**
     * Tiled Q4_0 takes the panel from Matmul.fusedTokens tokens on (32 below 1024 columns, 64 from
     * there): row-major on 576 columns, interleaved on 896 ({@code Matmul.INTERLEAVED_COLS}) and 2048,
     * slice by slice on 8192; below the limit the four-token kernels (slice-major: quads in token
     * blocks, accumulators carried from slice to slice, and single tokens). The same bits as each
     * token alone either way.
     */
    @Test
    void q4_0_either_side_of_the_panel_limit_equals_tokens_alone() {
        Random rnd = new Random(7);
        int rows = 20;
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            for (int cols : new int[] {576, 896, 2048, 8192}) {
                WeightMatrix w = new WeightMatrix(GgmlType.Q4_0, RandomBlocks.allocate(arena, GgmlType.Q4_0, rows * cols, 0, rnd), 0, rows, cols).tile4();
                assertEquals(cols > WeightMatrix.SLICED_ABOVE, w.slices() > 1);
                int limit = Matmul.fusedTokens(cols);
                for (int batch : new int[] {limit - 1, 70}) {
                    assertEquals(batch < limit, Matmul.fused(w, batch));
                    assertEquals(batch >= limit && cols >= Matmul.INTERLEAVED_COLS, Matmul.interleaved(w, batch));
                    assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch, "Q4_0 tiled " + cols + " columns batch " + batch);
                }
            }
        }
    }

    /**
     * The four-token kernels walk a thread's tiles in groups (Fused.FUSED_GROUP on whole rows,
     * Fused.SLICED_GROUP4 slice-major), each quad of tokens over every tile of a group: 21 tiles on one
     * thread (its range is all of them) are whole groups and a partial one, and 45 tokens two token
     * blocks (the second of three quads) and a single token; the same bits as each token alone.
     */
    @Test
    void tile_groups_and_their_tail_equal_tokens_alone() {
        Random rnd = new Random(11);
        int rows = 4 * 21;
        assertTrue(21 % Fused.FUSED_GROUP != 0 && 21 > Fused.FUSED_GROUP);
        assertTrue(21 % Fused.SLICED_GROUP4 != 0 && 21 > Fused.SLICED_GROUP4);
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(1)) {
            for (int cols : new int[] {2048, 8192}) {
                WeightMatrix w = new WeightMatrix(GgmlType.Q4_0, RandomBlocks.allocate(arena, GgmlType.Q4_0, rows * cols, 0, rnd), 0, rows, cols).tile4();
                assertEquals(cols > 2048, w.slices() > 1);
                assertTrue(Matmul.fused(w, 45));
                assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(45 * cols, rnd), 45, "Q4_0 tiled " + cols + " columns, 21 tiles, batch 45");
            }
        }
    }

    /**
     * Tiled Q4_K takes its four-token kernel below Matmul.Q4_K_FUSED_TOKENS (at 16 lanes), on whole
     * rows and slice-major (accumulators carried from slice to slice), and the panel from there on: same
     * bits either side (with a tail of single tokens), and as each token alone.
     */
    @Test
    void q4_k_either_side_of_the_four_token_limit_equals_tokens_alone() {
        Random rnd = new Random(13);
        int rows = 4 * 11, limit = Matmul.Q4_K_FUSED_TOKENS;
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            for (int cols : new int[] {2048, 8192}) {
                WeightMatrix w = new WeightMatrix(GgmlType.Q4_K, RandomBlocks.allocate(arena, GgmlType.Q4_K, rows * cols, 0, rnd), 0, rows, cols).tile4();
                assertEquals(cols > 2048, w.slices() > 1);
                assertEquals(dev.halyard.kernels.quant.Simd.L == 16, Matmul.fused(w, limit - 1));
                assertFalse(Matmul.fused(w, limit));
                assertFalse(Matmul.fused(w, 3));
                for (int batch : new int[] {4, 7, limit - 1, limit, limit + 3})
                    assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch, "Q4_K tiled " + cols + " columns batch " + batch);
            }
        }
    }

    /**
     * Tiled Q6_K takes its four-token kernel below Matmul.Q6_K_FUSED_TOKENS (at 16 lanes, whatever the
     * number of rows), on whole rows and slice-major, and the panel from there on: same bits either side
     * (with a tail of single tokens), and as each token alone.
     */
    @Test
    void q6_k_either_side_of_the_four_token_limit_equals_tokens_alone() {
        Random rnd = new Random(17);
        int limit = Matmul.Q6_K_FUSED_TOKENS;
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            for (int rows : new int[] {4 * 11, 1024 + 12})
                for (int cols : new int[] {2048, 8192}) {
                    WeightMatrix w = new WeightMatrix(GgmlType.Q6_K, RandomBlocks.allocate(arena, GgmlType.Q6_K, rows * cols, 0, rnd), 0, rows, cols).tile4();
                    assertEquals(cols > 2048, w.slices() > 1);
                    assertEquals(dev.halyard.kernels.quant.Simd.L == 16, Matmul.fused(w, limit - 1));
                    assertEquals(dev.halyard.kernels.quant.Simd.L == 16, Matmul.fused(w, 4));
                    assertFalse(Matmul.fused(w, limit));
                    assertFalse(Matmul.fused(w, 3));
                    for (int batch : new int[] {4, 7, limit - 1, limit, limit + 3})
                        assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch, "Q6_K tiled " + rows + " x " + cols + " batch " + batch);
                }
        }
    }

    /**
     * Tiled Q8_0: the four-token kernel below Matmul.Q8_0_NARROW_FUSED_TOKENS under 1024 columns (a
     * decode batch of a small model) and below Matmul.Q8_0_FUSED_TOKENS from there on (whole rows at
     * 2048 columns, slice-major at 8192), the panel from there on: same bits either side, and as each
     * token alone.
     */
    @Test
    void q8_0_either_side_of_the_panel_limit_equals_tokens_alone() {
        Random rnd = new Random(8);
        int rows = 24;
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            for (int cols : new int[] {576, 2048, 8192}) {
                int limit = cols < 1024 ? Matmul.Q8_0_NARROW_FUSED_TOKENS : Matmul.Q8_0_FUSED_TOKENS;
                WeightMatrix w = new WeightMatrix(GgmlType.Q8_0, RandomBlocks.allocate(arena, GgmlType.Q8_0, rows * cols, 0, rnd), 0, rows, cols).tile4();
                assertEquals(cols > WeightMatrix.SLICED_ABOVE, w.slices() > 1);
                assertTrue(Matmul.fused(w, limit - 1));
                assertFalse(Matmul.fused(w, limit));
                for (int batch : new int[] {limit - 1, limit, limit + 5})
                    assertEachTokenAloneEqualsBatch(par, w, RandomBlocks.gaussian(batch * cols, rnd), batch, "Q8_0 tiled " + cols + " columns batch " + batch);
            }
        }
    }

    /**
     * A group with tiled Q6_K matrices between others ({@code Matmul.matmul} with several; on Zen 4 the
     * Q6_K ones take a region of their own with the activations transposed in place): every output
     * has the bits of its matrix alone, for single tokens, a quad with a tail and the panel, and the
     * activations are as they came.
     */
    @Test
    void a_group_with_q6_k_equals_each_alone_and_leaves_the_activations_as_they_came() {
        Random rnd = new Random(43);
        int cols = 2048, rows = 16;
        Kernels k = new VectorKernels();
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.Q6_K};
            WeightMatrix[] ws = new WeightMatrix[types.length];
            for (int j = 0; j < ws.length; j++)
                ws[j] = new WeightMatrix(types[j], RandomBlocks.allocate(arena, types[j], (rows + 4 * j) * cols, 0, rnd), 0, rows + 4 * j, cols).tile4();
            for (int batch : new int[] {1, 3, 6, 70}) {
                float[] x = RandomBlocks.gaussian(batch * cols + 5, rnd), before = x.clone(); // longer than the batch: the tail is not touched
                float[][] outs = new float[ws.length][];
                for (int j = 0; j < ws.length; j++) outs[j] = new float[batch * ws[j].rows()];
                Matmul.matmul(k, par, x, batch, ws, outs);
                for (int i = 0; i < x.length; i++)
                    assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(x[i]), "activation " + i + " after the group, batch " + batch);
                for (int j = 0; j < ws.length; j++) {
                    float[] alone = new float[batch * ws[j].rows()];
                    Matmul.matmul(k, par, ws[j], x, alone, batch);
                    for (int i = 0; i < alone.length; i++)
                        assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(outs[j][i]),
                                types[j] + " matrix " + j + " of the group, batch " + batch + ", output " + i);
                }
                for (int i = 0; i < x.length; i++)
                    assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(x[i]), "activation " + i + " after one matrix, batch " + batch);
            }
        }
    }

    /** Every token's outputs computed alone are bit-identical to its outputs in the batch x (batch, cols). */
    private static void assertEachTokenAloneEqualsBatch(Parallel par, WeightMatrix w, float[] x, int batch, String what) {
        int rows = w.rows(), cols = w.cols();
        Kernels k = new VectorKernels();
        float[] all = new float[batch * rows];
        Matmul.matmul(k, par, w, x, all, batch);
        for (int b = 0; b < batch; b++) {
            float[] one = new float[rows];
            Matmul.matmul(k, par, w, java.util.Arrays.copyOfRange(x, b * cols, (b + 1) * cols), one, 1);
            for (int i = 0; i < rows; i++)
                assertEquals(Float.floatToRawIntBits(one[i]), Float.floatToRawIntBits(all[b * rows + i]),
                        what + " token " + b + " row " + i + ": alone " + one[i] + ", in batch " + all[b * rows + i]);
        }
    }

    private static WeightMatrix copyOf(Arena arena, WeightMatrix w) {
        long bytes = w.rowBytes() * w.rows();
        MemorySegment copy = arena.allocate(bytes, 64);
        MemorySegment.copy(w.data(), w.rowOffset(0), copy, 0, bytes);
        return new WeightMatrix(w.type(), copy, 0, w.rows(), w.cols());
    }
}
