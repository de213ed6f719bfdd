package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Aligned's address probe, and batched matmuls over activation arrays at every alignment. */
class AlignedTest {

    @Test
    void shift_is_a_whole_number_of_floats_within_a_line_and_the_probe_answers() {
        Set<Integer> seen = new HashSet<>();
        for (int n = 1; n <= 200; n++) {
            int s = Aligned.shift(new float[n * 3]);
            assertTrue(s >= 0 && s < Aligned.LINE_FLOATS, "shift " + s);
            seen.add(s);
        }
        // the tests run with native access: arrays land at different offsets within a line, and the probe sees it
        assertTrue(seen.size() > 1, "every shift was " + seen);
        assertTrue(Aligned.shift(new float[0]) == 0);
    }

    /**
     * The scratch's shift, cached between asks, is the array's own when asked, and again after the
     * array grows. On a thread of its own, whose scratch starts empty: the test thread's may be larger
     * already (left by other tests), so that {@code scratch(n)} keeps it with a shift asked up to 255
     * calls ago, which a collection may have made stale since (by design: a stale shift costs speed only).
     * A collection may also move the array between the asks here: the shift must be the array's own just
     * before or just after.
     */
    @Test
    void the_scratch_shift_is_its_arrays_and_follows_a_new_array() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                for (int n : new int[] {1000, 100_000, 2_000_000}) { // each larger: a new array each time
                    float[] a = Matmul.scratch(n);
                    int before = Aligned.shift(a), shift = Matmul.scratchShift(), after = Aligned.shift(a);
                    assertTrue(shift == before || shift == after, n + " floats: " + shift + ", the array's " + before + " / " + after);
                    for (int i = 0; i < 3; i++) assertEquals(shift, Matmul.scratchShift(), "the cached answer");
                    assertSame(a, Matmul.scratch(n / 2), "a smaller ask reuses the array");
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) throw new AssertionError(failure.get());
    }

    @Test
    void batched_matmul_gives_the_same_bits_whatever_the_activations_alignment() {
        int rows = 40, cols = 256;
        assertTrue(520 * cols >= 2 * Matmul.COPY_CHUNK, "the largest batch's copy is split");
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.F16}) {
                MemorySegment data = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
                WeightMatrix w = new WeightMatrix(type, data, 0, rows, cols);
                if (WeightMatrix.canTile(type, rows)) w = w.tile4();
                // the copy buffer grows, then is reused; 520 tokens (133,120 floats) copy in two parts on the pool
                for (int batch : new int[] {4, 9, 70, 520, 5}) {
                    float[] x = RandomBlocks.gaussian(batch * cols, rnd);
                    float[] alone = new float[batch * rows]; // token by token: no copy, the single-token kernels
                    for (int b = 0; b < batch; b++) {
                        float[] one = new float[rows];
                        Matmul.matmul(new VectorKernels(), par, w, java.util.Arrays.copyOfRange(x, b * cols, (b + 1) * cols), one, 1);
                        System.arraycopy(one, 0, alone, b * rows, rows);
                    }
                    Set<Integer> shifts = new HashSet<>();
                    for (int copy = 0; copy < 12; copy++) { // fresh arrays: different alignments
                        float[] xc = x.clone();
                        shifts.add(Aligned.shift(xc));
                        float[] out = new float[batch * rows];
                        Matmul.matmul(new VectorKernels(), par, w, xc, out, batch);
                        assertArrayEquals(alone, out, type + " batch " + batch + " shift " + Aligned.shift(xc));
                    }
                }
            }
        }
    }
}
