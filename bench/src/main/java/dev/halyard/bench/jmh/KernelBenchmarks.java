package dev.halyard.bench.jmh;

import dev.halyard.kernels.GgmlType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KernelBenchmark}, {@link MatmulBenchmark} and {@link OpsBenchmark} through JMH (forked
 * JVMs, warm-up, measurement) and prints a summary: per format (and batch) or float op, scalar and
 * vector time of one call, the speed-up, and for the weight formats the vector kernel's weight bytes
 * and GFLOP/s. Any JMH command-line
 * option may be passed, e.g. {@code -p type=Q8_0,Q4_0 -wi 1 -i 2 -f 1}, or {@code MatmulBenchmark -p
 * batch=16} for one benchmark.
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
        }
        Options opts = b.build();
        Collection<RunResult> results = new Runner(opts).run();
        out.print(summary(results));
        out.flush();
        return 0;
    }

    /**
     * One line per benchmark, format and batch: scalar µs, vector µs, speed-up, and the vector side's
     * weight bytes and (products) GFLOP/s.
     */
    static String summary(Collection<RunResult> results) {
        List<Score> scores = new ArrayList<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String bench = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
            String batch = p.getParam("batch") == null ? "1" : p.getParam("batch");
            scores.add(p.getParam("op") != null // OpsBenchmark: the op, its row length
                    ? new Score(bench, p.getParam("op"), 1, Integer.parseInt(p.getParam("n")), 1, p.getParam("kernels"), r.getPrimaryResult().getScore())
                    : new Score(bench, p.getParam("type"), Integer.parseInt(p.getParam("rows")), Integer.parseInt(p.getParam("cols")),
                            Integer.parseInt(batch), p.getParam("kernels"), r.getPrimaryResult().getScore()));
        }
        return summary(scores);
    }

    /** One JMH result: benchmark method, format (or op), shape, tokens, "vector" or "scalar", µs per call. */
    record Score(String bench, String name, int rows, int cols, int batch, String kernels, double micros) {}

    static String summary(List<Score> scores) {
        // "dot F32 64 4096 1" -> (kernels -> µs per op); KernelBenchmark and OpsBenchmark have no batch: 1
        Map<String, Map<String, Double>> byKey = new HashMap<>();
        TreeSet<String> keys = new TreeSet<>(KEY_ORDER);
        for (Score sc : scores) {
            String key = sc.bench() + " " + sc.name() + " " + sc.rows() + " " + sc.cols() + " " + sc.batch();
            keys.add(key);
            byKey.computeIfAbsent(key, x -> new HashMap<>()).put(sc.kernels(), sc.micros());
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n%-11s %-11s %9s %5s %12s %12s %8s %12s %12s%n",
                "benchmark", "type", "matrix", "batch", "scalar µs", "vector µs", "speedup", "vector GB/s", "vector GFLOP/s"));
        int slower = 0;
        for (String key : keys) {
            String[] f = key.split(" ");
            int rows = Integer.parseInt(f[2]), cols = Integer.parseInt(f[3]), batch = Integer.parseInt(f[4]);
            Map<String, Double> m = byKey.get(key);
            double s = m.getOrDefault("scalar", Double.NaN), v = m.getOrDefault("vector", Double.NaN);
            boolean weights = !f[0].equals("run"); // a weight format's product or decoding, not one of OpsBenchmark's float ops
            String gbs = weights ? String.format(Locale.ROOT, "%.2f", rows * (double) GgmlType.valueOf(f[1]).byteSize(cols) / (v * 1e3)) : "-";
            String flops = weights && !f[0].equals("dequantize") ? String.format(Locale.ROOT, "%.1f", 2.0 * rows * cols * batch / (v * 1e3)) : "-";
            if (v > s && weights) slower++; // (C2 vectorises the scalar loops of add and axpy by itself: level there)
            sb.append(String.format(Locale.ROOT, "%-11s %-11s %9s %5d %12.2f %12.2f %8.2f %12s %12s%n", weights ? f[0] : "ops", f[1],
                    weights ? rows + "x" + cols : Integer.toString(cols), batch, s, v, s / v, gbs, flops));
        }
        if (slower > 0)
            sb.append(String.format("%d vector kernel(s) slower than scalar: not yet JIT-compiled (warm up longer: -wi, -w) or a silent scalar"
                    + " fallback of the Vector API (check that the fork runs with --add-modules jdk.incubator.vector on a CPU with AVX2)%n", slower));
        return sb.toString();
    }

    /** Benchmark, then format, then batch as a number. */
    private static final java.util.Comparator<String> KEY_ORDER = java.util.Comparator
            .comparing((String k) -> k.substring(0, k.lastIndexOf(' ')))
            .thenComparingInt(k -> Integer.parseInt(k.substring(k.lastIndexOf(' ') + 1)));
}
