package dev.halyard.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PageChoiceTest {
    private static final long MIB = 1 << 20;

    @Test
    void first_chunk_goes_on_huge_pages_the_second_on_small_ones_then_the_cheaper_kind_with_huge_pages_favoured() {
        PageChoice c = new PageChoice();
        assertTrue(c.nextHuge(), "nothing timed yet: huge pages first");
        c.record(true, 32 * MIB, 250_000_000L); // ~8 s/GiB, a VM backing fresh memory
        assertFalse(c.nextHuge(), "4 KiB pages not timed yet: they go second");
        c.record(false, 32 * MIB, 20_000_000L); // ~0.6 s/GiB
        assertFalse(c.nextHuge(), "4 KiB pages 12x cheaper");
        c.record(false, 32 * MIB, 25_000_000L);
        assertFalse(c.nextHuge());
        assertEquals(32 * MIB, c.hugeBytes());
        assertEquals(64 * MIB, c.smallBytes());
    }

    @Test
    void within_the_bias_huge_pages_stay() {
        PageChoice c = new PageChoice();
        c.record(true, 32 * MIB, 10_000_000L);
        c.record(false, 32 * MIB, 6_000_000L); // 1.67x cheaper: not enough
        assertTrue(c.nextHuge());
        c.record(true, 32 * MIB, 12_000_000L); // exactly 2x: still huge
        assertTrue(c.nextHuge());
        c.record(true, 32 * MIB, 12_000_001L); // just past 2x
        assertFalse(c.nextHuge());
    }

    @Test
    void a_kind_that_slows_down_hands_over_when_its_latest_time_passes_the_others_last() {
        PageChoice c = new PageChoice();
        c.record(true, 32 * MIB, 240_000_000L);
        c.record(false, 32 * MIB, 20_000_000L);
        assertFalse(c.nextHuge());
        c.record(false, 32 * MIB, 110_000_000L); // recently freed memory ran out: 4 KiB pages slower, still > 2x cheaper
        assertFalse(c.nextHuge());
        c.record(false, 32 * MIB, 130_000_000L); // no longer 2x cheaper than huge pages' last
        assertTrue(c.nextHuge(), "back to huge pages, timed again");
        c.record(true, 32 * MIB, 40_000_000L);
        assertTrue(c.nextHuge());
    }

    @Test
    void an_empty_chunk_changes_nothing_and_a_clock_going_backwards_counts_as_free() {
        PageChoice c = new PageChoice();
        c.record(true, 0, 5);
        assertTrue(c.nextHuge());
        assertEquals(0, c.hugeBytes());
        c.record(true, 32 * MIB, -3);
        c.record(false, 32 * MIB, 0);
        assertTrue(c.nextHuge(), "both free: huge pages");
    }

    @Test
    void hugepages_always_keeps_huge_pages_whatever_they_cost_and_a_wrong_value_is_named() {
        String before = System.getProperty("halyard.hugepages");
        try {
            System.setProperty("halyard.hugepages", "always");
            PageChoice c = PageChoice.configured();
            c.record(true, 32 * MIB, 250_000_000L);
            c.record(false, 32 * MIB, 1_000_000L);
            assertTrue(c.nextHuge());
            System.setProperty("halyard.hugepages", "auto");
            c = PageChoice.configured();
            c.record(true, 32 * MIB, 250_000_000L);
            c.record(false, 32 * MIB, 1_000_000L);
            assertFalse(c.nextHuge());
            System.setProperty("halyard.hugepages", "sometimes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, HugePages::available);
            assertTrue(e.getMessage().contains("sometimes"), e.getMessage());
        } finally {
            if (before == null) System.clearProperty("halyard.hugepages");
            else System.setProperty("halyard.hugepages", before);
        }
    }
}
