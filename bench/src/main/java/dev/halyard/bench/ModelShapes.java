package dev.halyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.kernels.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A model's prompt split by shape of matrix multiplication, timed in place ({@code halyard bench prompt
 * --model FILE}): {@link HalyardProbe} in a child JVM with {@code Matmul}'s clock kept per shape
 * ({@code -Dhalyard.matmulClock=true -Dhalyard.matmulShapes=true}), a random prompt of N tokens, warm-up
 * runs, then measured ones; per shape (tokens, and each matrix's rows x columns and format: the fused q,
 * k, v projections are one call) its calls, time and GFLOP/s over the measured runs, against the FP32
 * FMA peak, and beside it the same call's matrices timed alone ({@link MatmulRates#promptGflops}, random
 * weights of the same formats and shapes, as {@code bench prompt --shapes} times them), both in that same
 * child after its runs ({@code HalyardProbe --alone}). Issue 4's prompt target is the matrix
 * multiplication's share of the FMA peak; the bench reads it for a model's prompt as a whole, {@code
 * bench prompt --shapes} per shape alone, and this per shape in place.
 */
public final class ModelShapes {
    private ModelShapes() {}

    /**
     * One shape of call over the measured runs' prompts.
     *
     * @param shape {@code "512 x 576x576 Q8_0+192x576 Q8_0+192x576 Q8_0"}: tokens, then the call's matrices
     * @param calls calls summed over the runs
     * @param ms their time, the calling thread's wall time of each call
     * @param flops their FLOPs (2 per weight and token)
     * @param aloneGflops the same call's matrices alone with as many tokens, on as many threads (the best
     *     of the passes); NaN when not measured
     */
    public record Shape(String shape, long calls, double ms, long flops, double aloneGflops) {
        public double gflops() {
            return ms > 0 ? flops / (ms * 1e6) : 0;
        }

        /** Tokens of each call (the key's first number). */
        public int tokens() {
            return ModelShapes.tokens(shape);
        }
    }

    /** A shape key's tokens (its first number). */
    static int tokens(String shape) {
        return Integer.parseInt(shape.substring(0, shape.indexOf(' ')));
    }

    /** A shape key's matrices' formats, in its order. */
    static List<GgmlType> types(String shape) {
        List<GgmlType> ts = new ArrayList<>();
        for (String m : matrices(shape)) ts.add(GgmlType.valueOf(m.substring(m.indexOf(' ') + 1)));
        return ts;
    }

    /** A shape key's matrices as {rows, cols}, in its order. */
    static List<int[]> dims(String shape) {
        List<int[]> ds = new ArrayList<>();
        for (String m : matrices(shape)) {
            String[] rc = m.substring(0, m.indexOf(' ')).split("x");
            ds.add(new int[] {Integer.parseInt(rc[0]), Integer.parseInt(rc[1])});
        }
        return ds;
    }

    private static String[] matrices(String shape) {
        return shape.substring(shape.indexOf(" x ") + 3).split("\\+");
    }

    /**
     * The measurement.
     *
     * @param promptMs the measured runs' prompts, summed (the whole pass)
     * @param matmulMs their time in the matrix multiplications
     * @param fmaPeak FP32 FMA peak of {@code threads} threads, GFLOP/s, measured in the same process
     * @param coreCheck the process's {@link CoreCheck} readings, before and after its runs
     */
    public record Result(Path model, int tokens, int threads, int runs, double promptMs, double matmulMs, double fmaPeak, List<Shape> shapes,
                         List<Double> coreCheck) {}

    /** Timeout of the child JVM. */
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    /**
     * Runs the model's prompt of {@code tokens} random ids {@code warmup + runs} times in a child JVM on
     * {@code threads} threads; the child measures the FMA peak (before its runs and after, the better)
     * and, with {@code alone}, times each shape of at least {@link #ALONE_MIN_TOKENS} tokens alone too,
     * itself: this host's slow mode can hold a process for its whole life, and timed in two
     * processes (this process alone, as at first) SmolLM2-135M Q8_0 read 0.78-0.88 in place / alone and
     * Llama-3.2-1B Q8_0 0.80-0.92, in one process 0.88-1.10 and 0.93-0.98 (stop 57, two threads).
     */
    public static Result measure(Path model, int tokens, int threads, int warmup, int runs, int passes, boolean alone) throws IOException, InterruptedException {
        if (tokens < 1 || threads < 1 || warmup < 0 || runs < 1 || passes < 1)
            throw new IllegalArgumentException("tokens, threads, runs and passes must be >= 1, warmup >= 0");
        ModelFacts facts = ModelFacts.of(model);
        Path work = Files.createTempDirectory("halyard-shapes"), prompt = work.resolve("prompt.txt");
        ChildProcess.Result r;
        try {
            Files.writeString(prompt, Prompts.format(Prompts.random(tokens, facts.vocab(), Bench.PROMPT_SEED)));
            List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--tokens-file", prompt.toString(), "--gen", "1",
                    "--threads", Integer.toString(threads), "--warmup", Integer.toString(warmup), "--repeat", Integer.toString(runs)));
            args.addAll(List.of("--fma-peak", Integer.toString(passes))); // the peak of the same process
            if (alone) args.addAll(List.of("--alone", Integer.toString(passes)));
            r = ChildProcess.run(ChildJvm.command(HalyardProbe.class.getName(),
                    List.of("-D" + HalyardProbe.CLOCK_PROPERTY + "=true", "-D" + SHAPES_PROPERTY + "=true"), args), null, TIMEOUT);
        } finally {
            Files.deleteIfExists(prompt);
            Files.deleteIfExists(work);
        }
        if (r.exitCode() != 0) throw new IOException("the probe failed (exit " + r.exitCode() + "): " + r.stderrTail());
        JsonNode j = SingleStream.lastJsonLine(r.stdout());
        if (!(j.path("fma_peak_gflop_s").asDouble() > 0)) throw new IOException("the probe printed no FMA peak: " + j);
        return parse(model, tokens, threads, j, j.get("fma_peak_gflop_s").asDouble());
    }

    /** Calls of fewer tokens are not timed alone. */
    static final int ALONE_MIN_TOKENS = 4;

    /** The system property that keeps {@code Matmul}'s clock per shape. */
    static final String SHAPES_PROPERTY = "halyard.matmulShapes";

    /** The probe's JSON line read: its runs' prompt and matmul times and its {@code prompt_matmul_shapes}. */
    static Result parse(Path model, int tokens, int threads, JsonNode j, double fmaPeak) {
        JsonNode runs = j.get("runs"), shapes = j.get("prompt_matmul_shapes");
        if (runs == null || !runs.isArray() || runs.isEmpty()) throw new IllegalArgumentException("the probe printed no runs: " + j);
        if (shapes == null || !shapes.isArray())
            throw new IllegalArgumentException("the probe printed no prompt_matmul_shapes (a build without the per-shape clock?): " + j);
        double promptMs = 0, matmulMs = 0;
        for (JsonNode r : runs) {
            promptMs += r.path("prompt_ms").asDouble();
            matmulMs += r.path("prompt_matmul_ms").asDouble();
        }
        java.util.Map<String, Double> alone = new java.util.HashMap<>();
        for (JsonNode a : j.path("prompt_matmul_alone")) alone.put(a.path("shape").asText(), a.path("gflop_s").asDouble());
        List<Shape> out = new ArrayList<>();
        for (JsonNode s : shapes) {
            String shape = s.path("shape").asText();
            out.add(new Shape(shape, s.path("calls").asLong(), s.path("ms").asDouble(), s.path("flops").asLong(), alone.getOrDefault(shape, Double.NaN)));
        }
        return new Result(model, tokens, threads, runs.size(), promptMs, matmulMs, fmaPeak, out, CoreCheck.readings(j, "the probe"));
    }

    /** The table: per shape, calls and time per prompt, share of the matmul time, GFLOP/s and % of the FMA peak in place and alone. */
    public static String text(Result r) {
        StringBuilder sb = new StringBuilder();
        double perRun = 1.0 / r.runs();
        double matmulFlops = 0;
        for (Shape s : r.shapes()) matmulFlops += s.flops();
        double matmulGflops = r.matmulMs() > 0 ? matmulFlops / (r.matmulMs() * 1e6) : 0;
        sb.append(String.format(Locale.ROOT, "%s: a prompt of %d tokens on %d threads, %d measured runs: %.1f ms a prompt, %.1f ms of it (%.0f%%) in the "
                        + "matrix multiplications at %.0f GFLOP/s, %.0f%% of the FP32 FMA peak (%.0f GFLOP/s)%n%n",
                r.model().getFileName(), r.tokens(), r.threads(), r.runs(), r.promptMs() * perRun, r.matmulMs() * perRun,
                r.promptMs() > 0 ? 100 * r.matmulMs() / r.promptMs() : 0, matmulGflops, 100 * matmulGflops / r.fmaPeak(), r.fmaPeak()));
        if (!r.coreCheck().isEmpty())
            sb.append(String.format(Locale.ROOT, "core check of that process (see the README's slow mode; in place and alone share it): %s GFLOP/s%n%n",
                    CoreCheck.text(r.coreCheck())));
        sb.append("| shape (tokens x matrices) | calls a prompt | ms a prompt | % of matmul time | GFLOP/s in place | % FMA peak | alone GFLOP/s | in place / alone |\n");
        sb.append("| ------------------------- | -------------- | ----------- | ---------------- | ---------------- | ---------- | ------------- | ---------------- |\n");
        for (Shape s : r.shapes()) {
            boolean alone = !Double.isNaN(s.aloneGflops()) && s.aloneGflops() > 0;
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.1f%% | %.0f | %.0f%% | %s | %s |%n", s.shape(),
                    fmt(s.calls() * perRun), s.ms() * perRun, r.matmulMs() > 0 ? 100 * s.ms() / r.matmulMs() : 0, s.gflops(), 100 * s.gflops() / r.fmaPeak(),
                    alone ? String.format(Locale.ROOT, "%.0f", s.aloneGflops()) : "-",
                    alone ? String.format(Locale.ROOT, "%.2f", s.gflops() / s.aloneGflops()) : "-"));
        }
        return sb.toString();
    }

    private static String fmt(double calls) {
        return calls == Math.rint(calls) ? Long.toString((long) calls) : String.format(Locale.ROOT, "%.1f", calls);
    }
}
