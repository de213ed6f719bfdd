package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.GgmlType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code halyard bench decode}'s machinery on small matrices: every figure measured, the table printed. It checks no speed. */
class MatmulRatesTest {
    @Test
    void every_format_and_shape_gets_its_figures() {
        MatmulRates.Result r = MatmulRates.measure(List.of(GgmlType.Q8_0, GgmlType.Q4_K), List.of(new int[] {64, 256}, new int[] {32, 512}), 2, 1 << 20, 1);
        assertEquals(2, r.threads());
        assertTrue(r.emptyRegionUs() > 0);
        assertEquals(4, r.rates().size());
        for (MatmulRates.Rate x : r.rates()) {
            assertEquals(x.type().byteSize((long) x.rows() * x.cols()), x.matrixBytes());
            assertTrue(x.copies() > 1 && (long) x.copies() * x.matrixBytes() >= 1 << 20, "enough copies for 1 MiB: " + x.copies());
            for (double us : new double[] {x.dram1Us(), x.dramNUs(), x.cache1Us(), x.cacheNUs()}) assertTrue(us > 0 && Double.isFinite(us), x.toString());
        }
        String text = MatmulRates.text(r);
        assertTrue(text.contains("| Q4_K  | 32x512"), text);
        assertTrue(text.contains("DRAM 2 threads"), text);
    }

    @Test
    void a_decode_step_of_several_sequences_is_timed_with_its_tokens() {
        MatmulRates.Result r = MatmulRates.measure(List.of(GgmlType.Q4_K, GgmlType.Q8_0), List.of(new int[] {64, 256}), 2, 1 << 18, 1, List.of(), 4);
        assertEquals(4, r.tokens());
        assertEquals(2, r.rates().size());
        for (MatmulRates.Rate x : r.rates())
            for (double us : new double[] {x.dram1Us(), x.dramNUs(), x.cache1Us(), x.cacheNUs()}) assertTrue(us > 0 && Double.isFinite(us), x.toString());
        assertTrue(MatmulRates.text(r).contains("4 tokens per product"), MatmulRates.text(r));
        assertEquals(1, MatmulRates.measure(List.of(GgmlType.Q8_0), List.of(new int[] {16, 256}), 1, 1 << 16, 1).tokens());
        for (int bad : new int[] {0, MatmulRates.MAX_DECODE_TOKENS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MatmulRates.measure(List.of(GgmlType.Q8_0), List.of(new int[] {16, 256}), 1, 1 << 16, 1, List.of(), bad));
            assertTrue(e.getMessage().contains("tokens"), e.getMessage());
        }
    }

    @Test
    void offsets_place_every_copy_s_first_tile_where_asked_one_row_each() {
        List<Integer> offsets = List.of(0, 64, 200);
        MatmulRates.Result r = MatmulRates.measure(List.of(GgmlType.Q4_0, GgmlType.Q4_K), List.of(new int[] {64, 256}), 1, 1 << 18, 1, offsets);
        assertEquals(6, r.rates().size());
        for (int i = 0; i < r.rates().size(); i++) {
            MatmulRates.Rate x = r.rates().get(i);
            assertTrue(x.offsetAsked(), x.toString());
            assertEquals(offsets.get(i % 3), x.at(), x.toString());
            assertTrue(x.tileStride() > 0 && x.dram1Us() > 0, x.toString());
        }
        String text = MatmulRates.text(r);
        assertTrue(text.contains("@200 / "), text);
        // without offsets: the loader's placement, reported as such (Q4_0's 144-byte tiles, unpadded: not moved)
        MatmulRates.Rate placed = MatmulRates.measure(List.of(GgmlType.Q4_0), List.of(new int[] {64, 256}), 1, 1 << 18, 1).rates().getFirst();
        assertFalse(placed.offsetAsked());
        assertTrue(placed.at() >= 0 && placed.at() < MatmulRates.RUN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatmulRates.measure(List.of(GgmlType.Q4_0), List.of(new int[] {64, 256}), 1, 1 << 18, 1, List.of(256)));
        assertTrue(e.getMessage().contains("0 to 255"), e.getMessage());
    }

    @Test
    void a_row_length_that_is_not_whole_blocks_is_skipped_and_no_pair_left_is_refused() {
        MatmulRates.Result r = MatmulRates.measure(List.of(GgmlType.Q8_0, GgmlType.Q4_K), List.of(new int[] {16, 96}), 1, 1 << 16, 1);
        assertEquals(1, r.rates().size(), "Q4_K has no 96-column rows");
        assertEquals(GgmlType.Q8_0, r.rates().getFirst().type());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatmulRates.measure(List.of(GgmlType.Q4_K), List.of(new int[] {64, 100}), 1, 1 << 20, 1));
        assertTrue(e.getMessage().contains("whole blocks"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MatmulRates.measure(List.of(GgmlType.Q8_0), List.of(new int[] {6, 256}), 1, 1 << 20, 1));
    }

    @Test
    void the_prompt_path_is_timed_per_format_and_shape_against_the_fma_peak() throws Exception {
        MatmulRates.PromptResult r = MatmulRates.measurePrompt(List.of(GgmlType.Q8_0, GgmlType.Q4_0), List.of(new int[] {32, 256}), 2, 8, 1);
        assertEquals(2, r.rates().size());
        assertTrue(r.fmaPeak1() > 0 && r.fmaPeakN() > 0);
        for (MatmulRates.PromptRate x : r.rates()) {
            assertEquals(8, x.tokens());
            assertTrue(x.us1() > 0 && x.usN() > 0, x.toString());
            assertEquals(2.0 * 32 * 256 * 8 / x.us1() / 1e3, x.gflops(x.us1()), 1e-9);
        }
        String text = MatmulRates.text(r);
        assertTrue(text.contains("| Q4_0  | 32x256") && text.contains("8 tokens at once"), text);
    }
}
