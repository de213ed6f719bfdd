package dev.halyard.bench.jmh;

import dev.halyard.kernels.GgmlType;
import java.io.PrintWriter;
import java.util.Collection;
import java.util.HashMap;
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
 * Runs {@link KernelBenchmark} through JMH (forked JVMs, warm-up, measurement) and prints a summary:
 * per format, scalar and vector time of one matrix-vector product, the speed-up, and the vector
 * kernel's weight bytes consumed per second. Any JMH command-line option may be passed, e.g.
 * {@code -p type=Q8_0,Q4_0 -wi 1 -i 2 -f 1}.
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
        if (cli.getIncludes().isEmpty()) b.include(KernelBenchmark.class.getName() + "\\.");
        Options opts = b.build();
        Collection<RunResult> results = new Runner(opts).run();
        out.print(summary(results));
        out.flush();
        return 0;
    }

    /** One line per format and benchmark: scalar µs, vector µs, speed-up, vector GB/s of weights. */
    static String summary(Collection<RunResult> results) {
        // "dot F32 64 4096" -> (kernels -> µs per op)
        Map<String, Map<String, Double>> byKey = new HashMap<>();
        TreeSet<String> keys = new TreeSet<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String bench = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
            String key = bench + " " + p.getParam("type") + " " + p.getParam("rows") + " " + p.getParam("cols");
            keys.add(key);
            byKey.computeIfAbsent(key, x -> new HashMap<>()).put(p.getParam("kernels"), r.getPrimaryResult().getScore());
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n%-11s %-5s %6s %12s %12s %8s %14s%n",
                "benchmark", "type", "matrix", "scalar µs", "vector µs", "speedup", "vector GB/s"));
        int slower = 0;
        for (String key : keys) {
            String[] f = key.split(" ");
            int rows = Integer.parseInt(f[2]), cols = Integer.parseInt(f[3]);
            Map<String, Double> m = byKey.get(key);
            double s = m.getOrDefault("scalar", Double.NaN), v = m.getOrDefault("vector", Double.NaN);
            double bytes = (double) rows * GgmlType.valueOf(f[1]).byteSize(cols);
            if (v > s) slower++;
            sb.append(String.format(Locale.ROOT, "%-11s %-5s %6s %12.1f %12.1f %8.2f %14.2f%n", f[0], f[1], rows + "x" + cols, s, v, s / v,
                    bytes / (v * 1e3)));
        }
        if (slower > 0)
            sb.append(String.format("%d vector kernel(s) slower than scalar: not yet JIT-compiled (warm up longer: -wi, -w) or a silent scalar"
                    + " fallback of the Vector API (check that the fork runs with --add-modules jdk.incubator.vector on a CPU with AVX2)%n", slower));
        return sb.toString();
    }
}
