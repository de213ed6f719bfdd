package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void median_of_an_odd_count_is_the_middle_value() {
        assertEquals(3.0, Stats.median(List.of(5.0, 1.0, 3.0)));
    }

    @Test
    void median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void median_of_nothing_is_nan() {
        assertTrue(Double.isNaN(Stats.median(List.of())));
    }

    @Test
    void percentiles_use_the_nearest_rank() {
        List<Double> v = new ArrayList<>();
        for (int i = 100; i >= 1; i--) v.add((double) i);
        assertEquals(50.0, Stats.percentile(v, 50));
        assertEquals(99.0, Stats.percentile(v, 99));
        assertEquals(100.0, Stats.percentile(v, 100));
        // fewer than 100 values: p99 is the largest
        assertEquals(7.0, Stats.percentile(List.of(3.0, 7.0, 5.0), 99));
        assertEquals(5.0, Stats.percentile(List.of(3.0, 7.0, 5.0), 50));
        assertEquals(3.0, Stats.percentile(List.of(3.0), 1));
    }

    @Test
    void percentile_outside_0_to_100_is_rejected_with_its_value() {
        var e = assertThrows(IllegalArgumentException.class, () -> Stats.percentile(List.of(1.0), 0));
        assertEquals("p must be in (0, 100], got 0.0", e.getMessage());
    }

    @Test
    void ratio_is_nan_when_either_side_is_missing_or_the_divisor_not_positive() {
        assertEquals(0.5, Stats.ratio(1, 2));
        assertTrue(Double.isNaN(Stats.ratio(Double.NaN, 2)));
        assertTrue(Double.isNaN(Stats.ratio(1, Double.NaN)));
        assertTrue(Double.isNaN(Stats.ratio(1, 0)));
    }

    @Test
    void the_best_run_is_the_fastest_and_the_median_the_middle() {
        List<Double> rates = List.of(93.7, 16.4, 6.2);
        assertEquals(93.7, Stats.Statistic.BEST.of(rates));
        assertEquals(16.4, Stats.Statistic.MEDIAN.of(rates));
        assertTrue(Double.isNaN(Stats.Statistic.BEST.of(List.of())));
    }

    @Test
    void nan_values_are_rejected() {
        assertThrows(IllegalArgumentException.class, () -> Stats.median(List.of(1.0, Double.NaN)));
    }

    @Test
    void median_statistic_takes_the_median_of_the_pair_ratios() {
        // pairs 100/50 = 2, 90/100 = 0.9, 60/50 = 1.2: median 1.2 (medians 90 / 50 would give 1.8)
        assertEquals(1.2, Stats.ratio(List.of(100.0, 90.0, 60.0), List.of(50.0, 100.0, 50.0), Stats.Statistic.MEDIAN), 1e-12);
    }

    @Test
    void best_statistic_and_unequal_series_take_the_ratio_of_the_summaries() {
        assertEquals(1.0, Stats.ratio(List.of(100.0, 90.0, 60.0), List.of(50.0, 100.0, 50.0), Stats.Statistic.BEST), 1e-12);
        assertEquals(90.0 / 75.0, Stats.ratio(List.of(100.0, 90.0, 60.0), List.of(50.0, 100.0), Stats.Statistic.MEDIAN), 1e-12);
        assertTrue(Double.isNaN(Stats.ratio(List.of(), List.of(1.0), Stats.Statistic.MEDIAN)));
        assertTrue(Double.isNaN(Stats.ratio(List.of(1.0), List.of(0.0), Stats.Statistic.MEDIAN)));
    }
}
