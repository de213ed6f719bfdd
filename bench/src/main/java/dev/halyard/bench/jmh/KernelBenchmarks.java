package dev.halyard.bench.jmh;

import dev.halyard.kernels.GgmlType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KernelBenchmark}, {@link MatmulBenchmark}, {@link OpsBenchmark} and {@link RepackBenchmark} through JMH (forked
 * JVMs, warm-up, measurement) and prints a summary: per format (and batch) or float op, scalar and
 * vector time of one call, the speed-up, and for the weight formats the vector kernel's weight bytes
 * and GFLOP/s. Any JMH command-line option may be passed, e.g. {@code -p type=Q8_0,Q4_0 -wi 1 -i 2
 * -f 1}, or {@code MatmulBenchmark -p batch=16} for one benchmark.
 */
public final class KernelBenchmarks {
    private KernelBenchmarks() {}

    public static int run(String[] jmhArgs, PrintWriter out) throws RunnerException {
        CommandLineOptions cli;
        try {
            cli = new CommandLineOptions(jmhArgs);
        } catch (CommandLineOptionException e) {
            throw new IllegalArgumentException("bad JMH option: " + e.getMessage());
        }
        OptionsBuilder b = new OptionsBuilder();
        b.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            b.include(KernelBenchmark.class.getName() + "\\.");
            b.include(MatmulBenchmark.class.getName() + "\\.");
            b.include(OpsBenchmark.class.getName() + "\\.");
            b.include(RepackBenchmark.class.getName() + "\\.");
        }
        Options opts = b.build();
        Collection<RunResult> results = new Runner(opts).run();
        out.print(summary(results));
        out.flush();
        return 0;
    }

    /**
     * One line per benchmark, format (or op) and batch: scalar µs, vector µs, speed-up, and for the
     * weight formats the vector side's weight bytes and (products) GFLOP/s.
     */
    static String summary(Collection<RunResult> results) {
        List<Score> scores = new ArrayList<>();
        for (RunResult r : results) {
            var p = r.getParams();
            double micros = r.getPrimaryResult().getScore();
            scores.add(p.getParam("op") != null // OpsBenchmark: the op and its row length
                    ? new Score(new Key(OPS, p.getParam("op"), 1, Integer.parseInt(p.getParam("n")), 1), p.getParam("kernels"), micros)
                    : new Score(new Key(p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1), p.getParam("type"),
                            Integer.parseInt(p.getParam("rows")), Integer.parseInt(p.getParam("cols")),
                            p.getParam("batch") == null ? 1 : Integer.parseInt(p.getParam("batch"))), p.getParam("kernels"), micros));
        }
        return summary(scores);
    }

    /** The summary's name for {@link OpsBenchmark}'s rows (float ops: no weight format, no GB/s or GFLOP/s). */
    static final String OPS = "ops";

    /** A summary row: benchmark, format (or op), shape and tokens (1 where the benchmark has no batch). */
    record Key(String bench, String name, int rows, int cols, int batch) {}

    /** One JMH result: its row, "vector" or "scalar", µs per call. */
    record Score(Key key, String kernels, double micros) {}

    static String summary(List<Score> scores) {
        Map<Key, Map<String, Double>> byKey = new TreeMap<>(Comparator.comparing(Key::bench).thenComparing(Key::name)
                .thenComparingInt(Key::rows).thenComparingInt(Key::cols).thenComparingInt(Key::batch));
        for (Score sc : scores) byKey.computeIfAbsent(sc.key(), k -> new HashMap<>()).put(sc.kernels(), sc.micros());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n%-11s %-11s %9s %5s %12s %12s %8s %12s %12s%n",
                "benchmark", "type", "matrix", "batch", "scalar µs", "vector µs", "speedup", "vector GB/s", "vector GFLOP/s"));
        int slower = 0;
        for (Map.Entry<Key, Map<String, Double>> e : byKey.entrySet()) {
            Key k = e.getKey();
            double s = e.getValue().getOrDefault("scalar", Double.NaN), v = e.getValue().getOrDefault("vector", Double.NaN);
            boolean weights = !k.bench().equals(OPS);
            String gbs = weights ? String.format(Locale.ROOT, "%.2f", k.rows() * (double) GgmlType.valueOf(k.name()).byteSize(k.cols()) / (v * 1e3)) : "-";
            String flops = weights && !k.bench().equals("dequantize") && !k.bench().equals("tile") // a repacking: no arithmetic
                    ? String.format(Locale.ROOT, "%.1f", 2.0 * k.rows() * k.cols() * k.batch() / (v * 1e3)) : "-";
            if (v > s && weights) slower++; // (C2 vectorises the scalar loops of add and axpy by itself: level there)
            sb.append(String.format(Locale.ROOT, "%-11s %-11s %9s %5d %12.2f %12.2f %8.2f %12s %12s%n", k.bench(), k.name(),
                    weights ? k.rows() + "x" + k.cols() : Integer.toString(k.cols()), k.batch(), s, v, s / v, gbs, flops));
        }
        if (slower > 0)
            sb.append(String.format("%d vector kernel(s) slower than scalar: not yet JIT-compiled (warm up longer: -wi, -w) or a silent scalar"
                    + " fallback of the Vector API (check that the fork runs with --add-modules jdk.incubator.vector on a CPU with AVX2)%n", slower));
        return sb.toString();
    }
}
