package dev.halyard.bench;

import java.util.Arrays;
import java.util.List;

/** The statistics the benchmark reports: medians of repetitions, percentiles of latencies, ratios. */
public final class Stats {
    private Stats() {}

    /**
     * How repetitions are summarised: the median (robust when noise is symmetric), or the best run (on a
     * shared machine other processes only ever slow a run down, so the fastest is the closest to what
     * the engine can do).
     */
    public enum Statistic {
        MEDIAN, BEST;

        /** The median, or the largest value (all values here are rates: higher is better). NaN for none. */
        public double of(List<Double> values) {
            return this == MEDIAN ? median(values) : values.isEmpty() ? Double.NaN : sorted(values)[values.size() - 1];
        }

        public String label() {
            return this == MEDIAN ? "median" : "best";
        }
    }

    /** The median (mean of the middle two for an even count); NaN for no values. */
    public static double median(List<Double> values) {
        if (values.isEmpty()) return Double.NaN;
        double[] v = sorted(values);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * The p-th percentile by the nearest-rank method: the smallest value with at least p% of the values
     * at or below it (so p99 of fewer than 100 values is the maximum). NaN for no values.
     *
     * @param p in (0, 100]
     */
    public static double percentile(List<Double> values, double p) {
        if (!(p > 0 && p <= 100)) throw new IllegalArgumentException("p must be in (0, 100], got " + p);
        if (values.isEmpty()) return Double.NaN;
        double[] v = sorted(values);
        int rank = (int) Math.ceil(p / 100 * v.length);
        return v[Math.max(1, rank) - 1];
    }

    /** a / b, or NaN when either is missing (NaN) or b is not positive. */
    public static double ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || !(b > 0)) return Double.NaN;
        return a / b;
    }

    /**
     * The ratio of two engines' series of rates measured run by run in turn ({@link Lockstep}): with
     * {@link Statistic#MEDIAN}, the median of the pair ratios a[i] / b[i] (pair by pair: a slow phase of
     * the host falls on both sides of a pair); with {@link Statistic#BEST} or series of unequal length,
     * the ratio of the two summaries. NaN when either series is empty.
     */
    public static double ratio(List<Double> a, List<Double> b, Statistic st) {
        if (a.isEmpty() || b.isEmpty()) return Double.NaN;
        if (st != Statistic.MEDIAN || a.size() != b.size()) return ratio(st.of(a), st.of(b));
        List<Double> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            double q = ratio(a.get(i), b.get(i));
            if (Double.isNaN(q)) return Double.NaN;
            pairs.add(q);
        }
        return median(pairs);
    }

    private static double[] sorted(List<Double> values) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            Double d = values.get(i);
            if (d == null || d.isNaN()) throw new IllegalArgumentException("values[" + i + "] must be a number, got " + d);
            v[i] = d;
        }
        Arrays.sort(v);
        return v;
    }
}
