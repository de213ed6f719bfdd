package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.quant.Q6_KTileKernel;
import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The load-time tiled layout of Q8_0 / Q4_0 / Q5_0 / Q4_K / Q6_K matrices gives exactly what the file's
 * row layout gives (Q6_K at 16 lanes: exactly the canonical loop in its transposed positions, and the
 * row layout's result to rounding).
 */
class TiledLayoutTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K"})
    void tiled_matmul_equals_row_layout_bit_for_bit_for_every_batch_size(GgmlType type) {
        Random rnd = new Random(type.ordinal());
        int rows = 44, cols = type.blockSize == 256 ? 768 : 320;
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            MemorySegment a = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
            MemorySegment b = arena.allocate(a.byteSize());
            b.copyFrom(a);
            WeightMatrix plain = new WeightMatrix(type, a, 0, rows, cols);
            WeightMatrix tiled = new WeightMatrix(type, b, 0, rows, cols).tile4();
            assertTrue(tiled.tiled4());
            assertFalse(a.asByteBuffer().equals(tiled.data().asByteBuffer()), "tiling rewrites the bytes (Q4_0, Q5_0: into a larger segment)");
            for (int batch : new int[] {1, 2, 3, 4, 5, 11, 13, 70}) {
                float[] x = RandomBlocks.gaussian(batch * cols, rnd);
                float[] want = new float[batch * rows], got = new float[batch * rows];
                Matmul.matmul(new VectorKernels(), par, plain, x, want, batch);
                Matmul.matmul(new VectorKernels(), par, tiled, x, got, batch);
                if (Matmul.transposed(tiled)) {
                    // transposed Q6_K: the canonical loop over the row and the activations in the layout's
                    // positions, bit for bit; the row layout's element order agrees to rounding
                    for (int t = 0; t < batch; t++) {
                        float[] xp = Arrays.copyOfRange(x, t * cols, (t + 1) * cols), row = new float[cols];
                        Q6_KTileKernel.transpose(xp, 0, cols);
                        for (int r = 0; r < rows; r++) {
                            plain.dequantizeRow(new VectorKernels(), r, row, 0);
                            float[] rp = row.clone();
                            Q6_KTileKernel.transpose(rp, 0, cols);
                            int i = t * rows + r;
                            assertEquals(Float.floatToRawIntBits(Tiles.dotScalar(rp, 0, xp, 0, cols, Simd.L)), Float.floatToRawIntBits(got[i]),
                                    type + " transposed, batch " + batch + " output " + i);
                            assertEquals(want[i], got[i], 1e-3f * (1 + Math.abs(want[i])), type + " row layout, batch " + batch + " output " + i);
                        }
                    }
                } else {
                    for (int i = 0; i < want.length; i++)
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), type + " batch " + batch + " output " + i);
                }
                // the plain path (scalar kernels) works on a tiled matrix too
                float[] ref = new float[batch * rows];
                Matmul.matmul(new ScalarKernels(), par, tiled, x, ref, batch);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], ref[i], 1e-3f * (1 + Math.abs(want[i])), "scalar on tiled, output " + i);
            }
            float[] r1 = new float[cols], r2 = new float[cols];
            for (int r = 0; r < rows; r++) {
                plain.dequantizeRow(new VectorKernels(), r, r1, 0);
                tiled.dequantizeRow(new VectorKernels(), r, r2, 0);
                assertTrue(Arrays.equals(r1, r2), "row " + r);
            }
        }
    }

    /**
     * A model loader grows Q4_0 and Q5_0 in place: the matrix moves up within its own segment into
     * room left after it (tiles last first, no temporary copy), by any distance, overlapping itself or not.
     */
    @ParameterizedTest(name = "{0} shift {1}")
    @org.junit.jupiter.params.provider.CsvSource({"Q4_0, 0", "Q4_0, 1", "Q4_0, 72", "Q4_0, 4000", "Q4_0, 100000",
            "Q5_0, 0", "Q5_0, 1", "Q5_0, 88", "Q5_0, 4000", "Q5_0, 100000"})
    void grown_layouts_tile_up_in_place_into_their_own_segment(GgmlType type, long shift) {
        Random rnd = new Random(shift);
        int rows = 40, cols = 320;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
            long growth = WeightMatrix.tiledGrowth(type, rows, cols);
            assertTrue(growth > 0, type + " grows when tiled");
            MemorySegment b = arena.allocate(a.byteSize() + growth + shift, 64);
            MemorySegment.copy(a, 0, b, 0, a.byteSize());
            WeightMatrix plain = new WeightMatrix(type, a, 0, rows, cols);
            WeightMatrix moved = new WeightMatrix(type, b, 0, rows, cols).tile4(b, shift);
            assertTrue(moved.tiled4());
            float[] r1 = new float[cols], r2 = new float[cols];
            for (int r = 0; r < rows; r++) {
                plain.dequantizeRow(new VectorKernels(), r, r1, 0);
                moved.dequantizeRow(new VectorKernels(), r, r2, 0);
                assertTrue(Arrays.equals(r1, r2), "shift " + shift + " row " + r);
            }
        }
    }

    /**
     * A model loader repacks on its pool's threads, in batches (every tile of a batch read before any
     * is written): moved up in place by any distance, into a new segment, in place without growth, and
     * slice-major, over several batches, the bytes are those one thread writes.
     */
    @ParameterizedTest(name = "{0} {1} x {2} shift {3}")
    @org.junit.jupiter.params.provider.CsvSource({"Q4_0, 4096, 2048, 0", "Q4_0, 4096, 2048, 100000", "Q4_0, 64, 8192, 72", "Q5_0, 96, 2048, 88",
            "Q8_0, 2048, 2048, 4000", "Q4_K, 2048, 2048, 0", "Q4_K, 1024, 2048, 5000", "Q4_K, 64, 8192, 0", "Q6_K, 2048, 2048, -1",
            "Q6_K, 64, 8192, -1", "Q8_0, 16, 256, -1"})
    void tiling_on_a_pool_writes_the_bytes_one_thread_writes(GgmlType type, int rows, int cols, long shift) {
        Random rnd = new Random(rows + cols + shift);
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            MemorySegment a = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
            long room = WeightMatrix.tiledGrowth(type, rows, cols) + Math.max(0, shift);
            MemorySegment one = arena.allocate(a.byteSize() + room, 64), pool = arena.allocate(a.byteSize() + room, 64);
            MemorySegment.copy(a, 0, one, 0, a.byteSize());
            MemorySegment.copy(a, 0, pool, 0, a.byteSize());
            WeightMatrix t1, t2;
            if (shift < 0) { // in place (no growth) or, growing, into a new segment
                t1 = new WeightMatrix(type, one, 0, rows, cols).tile4();
                t2 = new WeightMatrix(type, pool, 0, rows, cols).tile4(par);
            } else { // moved up in its own segment (or from a copy, slice-major)
                t1 = new WeightMatrix(type, one, 0, rows, cols).tile4(one, shift);
                t2 = new WeightMatrix(type, pool, 0, rows, cols).tile4(pool, shift, par);
            }
            assertEquals(t1.offset(), t2.offset());
            long bytes = t1.data().byteSize();
            assertEquals(bytes, t2.data().byteSize());
            assertEquals(-1, t1.data().asSlice(t1.offset()).mismatch(t2.data().asSlice(t2.offset())),
                    type + ": the pool's layout differs from one thread's");
            float[] r1 = new float[cols], r2 = new float[cols];
            for (int r = 0; r < rows; r += 7) {
                new WeightMatrix(type, a, 0, rows, cols).dequantizeRow(new VectorKernels(), r, r1, 0);
                t2.dequantizeRow(new VectorKernels(), r, r2, 0);
                assertTrue(Arrays.equals(r1, r2), "row " + r);
            }
        }
    }

    /**
     * Repacking on a pool reuses one batch buffer from matrix to matrix: a fresh ~4 MiB buffer per
     * matrix outlived young collections and was promoted, ~100 MB of old-generation garbage over
     * Llama-3.2-1B's load (its peak RSS 303-357 MiB over file + KV cache, against 202-267 with the
     * buffer reused). The second and third matrices allocate well under one batch on this thread.
     */
    @org.junit.jupiter.api.Test
    void repacking_on_a_pool_reuses_its_batch_buffer() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int rows = 4096, cols = 2048; // Q4_0: 4608-byte tiles, batches of ~4 MiB
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            MemorySegment a = RandomBlocks.allocate(arena, GgmlType.Q4_0, rows * cols, 0, new Random(7));
            long[] allocated = new long[3];
            for (int i = 0; i < 3; i++) {
                MemorySegment m = arena.allocate(a.byteSize() + WeightMatrix.tiledGrowth(GgmlType.Q4_0, rows, cols), 64);
                MemorySegment.copy(a, 0, m, 0, a.byteSize());
                long before = threads.getCurrentThreadAllocatedBytes();
                new WeightMatrix(GgmlType.Q4_0, m, 0, rows, cols).tile4(m, 0, par);
                allocated[i] = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertTrue(allocated[1] < 1 << 20 && allocated[2] < 1 << 20, "bytes allocated per repacking: " + Arrays.toString(allocated));
        }
    }

    /**
     * Q4_0, Q5_0 and Q8_0 tiles are placed so that none starts or ends in the first 64 bytes of a
     * 256-byte run (the prefetchers stream such tiles up to twice as fast, see WeightMatrix.PLACE),
     * padded where that takes padding below 128 bytes and 1/32 of the tile. Otherwise (Q4_0 with 1152
     * columns, 2880 bytes a tile: no such padding; 576 columns: 96 bytes, 6.7%) the stride is the tile's
     * own. Either way the layout fits in tiledGrowth and gives the file's values.
     */
    @ParameterizedTest(name = "{0} {1} columns")
    @org.junit.jupiter.params.provider.CsvSource({"Q4_0, 896, 64", "Q4_0, 1024, 0", "Q4_0, 2048, 0", "Q4_0, 4864, 0", "Q4_0, 576, 0", "Q4_0, 320, 0",
            "Q4_0, 1152, 0", "Q5_0, 896, 0", "Q5_0, 2048, 0", "Q8_0, 896, 32", "Q8_0, 2048, 0", "Q8_0, 4864, 64", "Q8_0, 544, 0", "Q8_0, 576, 0",
            "Q4_0, 8192, 0", "Q8_0, 8192, 0"})
    void placed_tiles_neither_start_nor_end_in_the_first_64_bytes_of_a_256_byte_run(GgmlType type, int cols, int padding) {
        Random rnd = new Random(cols);
        int rows = 24;
        long column = switch (type) {
            case Q4_0 -> dev.halyard.kernels.quant.Q4_0Kernel.TILE_COLUMN;
            case Q5_0 -> dev.halyard.kernels.quant.Q5_0Kernel.TILE_COLUMN;
            default -> 4L * type.typeSize;
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
            WeightMatrix plain = new WeightMatrix(type, a, 0, rows, cols);
            for (long at : new long[] {0, 16, 200}) { // a model loader's offsets: wherever the matrices below end
                long growth = WeightMatrix.tiledGrowth(type, rows, cols);
                MemorySegment b = arena.allocate(at + a.byteSize() + growth, 64);
                MemorySegment.copy(a, 0, b, at, a.byteSize());
                long to = WeightMatrix.placeAt(type, cols, b, at);
                assertTrue(to >= at && to < at + 256, "placed within 255 bytes: " + (to - at));
                WeightMatrix tiled = new WeightMatrix(type, b, at, rows, cols).tile4(b, to);
                if (tiled.slices() > 1) { // slice-major: every run of 2048 columns starts where the matrix does in a 256-byte run
                    for (int t = 0; t < rows / 4; t++)
                        for (int s = 0; s < tiled.slices(); s++)
                            assertTrue((b.address() + tiled.tileOffset(t, s)) % 256 >= 64, "tile " + t + " slice " + s);
                } else {
                    long data = cols / type.blockSize * column, stride = tiled.tileOffset(1) - tiled.tileOffset(0);
                    assertEquals(data + padding, stride, "padding");
                    assertTrue(tiled.tileOffset(rows / 4 - 1) + data <= b.byteSize(), "within tiledGrowth");
                    if (stride % 128 == 0) // the placed layouts: tiles start at one or two offsets in a run
                        for (int t = 0; t < rows / 4; t++) {
                            long start = b.address() + tiled.tileOffset(t);
                            assertTrue(start % 256 >= 64 && (start + data) % 256 >= 64, "tile " + t + " at " + start % 256 + ", " + data + " bytes");
                        }
                }
                float[] r1 = new float[cols], r2 = new float[cols];
                for (int r = 0; r < rows; r++) {
                    plain.dequantizeRow(new VectorKernels(), r, r1, 0);
                    tiled.dequantizeRow(new VectorKernels(), r, r2, 0);
                    assertTrue(Arrays.equals(r1, r2), "at " + at + " row " + r);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K", "Q5_K", "Q5_1", "F32"})
    void only_q8_0_q4_0_q5_0_q4_k_and_q6_k_with_whole_tiles_can_be_tiled(GgmlType type) {
        try (Arena arena = Arena.ofConfined()) {
            int cols = 256;
            MemorySegment seg = RandomBlocks.allocate(arena, type, 6 * cols, 0, new Random(1));
            WeightMatrix six = new WeightMatrix(type, seg, 0, 6, cols);
            assertThrows(IllegalArgumentException.class, six::tile4, "6 rows is not a whole number of tiles");
            WeightMatrix four = new WeightMatrix(type, seg, 0, 4, cols);
            if (type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || type == GgmlType.Q5_0 || type == GgmlType.Q4_K || type == GgmlType.Q6_K) {
                WeightMatrix t = four.tile4();
                assertThrows(IllegalStateException.class, () -> t.rowOffset(1), "rows of a tiled matrix are not contiguous");
            } else {
                assertThrows(IllegalArgumentException.class, four::tile4);
            }
        }
    }

    /**
     * tileSliceBytes: a tile's bytes of one slice (the range Fused touches ahead of the Q6_K
     * four-token kernel) end where the next tile's begin (within a slice-major group), or at most
     * where the next tile starts (whole rows, padded or not).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K"})
    void a_tile_slice_ends_where_the_next_one_begins(GgmlType type) {
        Random rnd = new Random(31);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {2048, 8192}) {
                int rows = 4 * 40;
                WeightMatrix w = new WeightMatrix(type, RandomBlocks.allocate(arena, type, rows * cols, 0, rnd), 0, rows, cols).tile4();
                for (int s = 0; s < w.slices(); s++)
                    for (int t = 0; t + 1 < rows / 4; t++) {
                        long end = w.tileOffset(t, s) + w.tileSliceBytes(s), next = w.tileOffset(t + 1, s);
                        if (w.slices() == 1) assertTrue(end <= next && next - end < w.tileSliceBytes(s) / 8, type + " tile " + t);
                        else if ((t + 1) % WeightMatrix.GROUP != 0) assertEquals(next, end, type + " slice " + s + " tile " + t);
                        assertTrue(end <= w.data().byteSize());
                    }
                if (w.slices() == 1) assertTrue(w.tileStride() >= w.tileSliceBytes(0));
            }
        }
    }
}
