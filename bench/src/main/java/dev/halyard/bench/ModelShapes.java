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
     * @param warmupRuns the unreported prompts before them, where the child counted them (a settled warm-up), else -1
     */
    public record Result(Path model, int tokens, int threads, int runs, double promptMs, double matmulMs, double fmaPeak, List<Shape> shapes,
                         List<Double> coreCheck, int warmupRuns) {}

    /** Timeout of the child JVM. */
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    /**
     * Runs the model's prompt of {@code tokens} random ids {@code warmup + runs} times in a child JVM on
     * {@code threads} threads; the child measures the FMA peak (before its runs and after, the better)
     * and, with {@code alone}, times each shape of at least {@link #ALONE_MIN_TOKENS} tokens alone too,
     * itself: this host's slow mode can hold a process for its whole life, and timed in two
     * processes (this process alone, as at first) SmolLM2-135M Q8_0 read 0.78-0.88 in place / alone and
     * Llama-3.2-1B Q8_0 0.80-0.92, in one process 0.88-1.10 and 0.93-0.98 (stop 57, two threads). With
     * {@code settle} the child goes on warming up past {@code warmup} prompts until its JIT is quiet
     * ({@link JitQuiet}): a few prompts of a few tokens leave the batched kernels in C1's code.
     */
    public static Result measure(Path model, int tokens, int threads, int warmup, int runs, int passes, boolean alone, boolean settle)
            throws IOException, InterruptedException {
        if (tokens < 1 || threads < 1 || warmup < 0 || runs < 1 || passes < 1)
            throw new IllegalArgumentException("tokens, threads, runs and passes must be >= 1, warmup >= 0");
        List<String> args = new ArrayList<>(List.of("--fma-peak", Integer.toString(passes))); // the peak of the same process
        if (alone) args.addAll(List.of("--alone", Integer.toString(passes)));
        if (settle) args.add("--settle");
        JsonNode j = probe(model, tokens, 1, threads, warmup, runs, args);
        if (!(j.path("fma_peak_gflop_s").asDouble() > 0)) throw new IOException("the probe printed no FMA peak: " + j);
        return parse(model, tokens, threads, j, j.get("fma_peak_gflop_s").asDouble());
    }

    /**
     * A {@link HalyardProbe} child with {@code Matmul}'s clock per shape over a prompt of {@code tokens}
     * random ids and {@code gen} greedy tokens, {@code warmup + runs} times, with {@code more} arguments: its JSON line.
     */
    private static JsonNode probe(Path model, int tokens, int gen, int threads, int warmup, int runs, List<String> more)
            throws IOException, InterruptedException {
        ModelFacts facts = ModelFacts.of(model);
        Path work = Files.createTempDirectory("halyard-shapes"), prompt = work.resolve("prompt.txt");
        ChildProcess.Result r;
        try {
            Files.writeString(prompt, Prompts.format(Prompts.random(tokens, facts.vocab(), Bench.PROMPT_SEED)));
            List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--tokens-file", prompt.toString(), "--gen", Integer.toString(gen),
                    "--threads", Integer.toString(threads), "--warmup", Integer.toString(warmup), "--repeat", Integer.toString(runs)));
            args.addAll(more);
            r = ChildProcess.run(ChildJvm.command(HalyardProbe.class.getName(),
                    List.of("-D" + HalyardProbe.CLOCK_PROPERTY + "=true", "-D" + SHAPES_PROPERTY + "=true"), args), null, TIMEOUT);
        } finally {
            Files.deleteIfExists(prompt);
            Files.deleteIfExists(work);
        }
        if (r.exitCode() != 0) throw new IOException("the probe failed (exit " + r.exitCode() + "): " + r.stderrTail());
        return SingleStream.lastJsonLine(r.stdout());
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
        return new Result(model, tokens, threads, runs.size(), promptMs, matmulMs, fmaPeak, out, CoreCheck.readings(j, "the probe"),
                j.path("warmup_runs").asInt(-1));
    }

    /**
     * A model's generation: the decode steps of the measured runs, summed.
     *
     * @param promptTokens the prompt each run processes first (the steps attend over it)
     * @param steps decode steps, summed over the runs
     * @param genMs their time (the whole step: matrix multiplications, attention and the rest)
     * @param matmulMs their time in the matrix multiplications
     * @param bandwidth memory read bandwidth of {@code threads} threads, GB/s, measured in the same process
     * @param shapes the steps' calls per shape ({@link Shape#aloneGflops} NaN: see {@code aloneGbps})
     * @param aloneGbps per shape, its matrices alone from memory in the same process (GB/s of weights, the median of the
     *     runs' passes; absent: not measured)
     * @param aloneRatio per shape, in place / alone run by run (each run's steps against the passes alone right after
     *     it), the median; absent where the probe gave no per-run figures (an older build)
     */
    public record DecodeResult(Path model, int promptTokens, int threads, int runs, long steps, double genMs, double matmulMs, double bandwidth,
                               List<Shape> shapes, java.util.Map<String, Double> aloneGbps, java.util.Map<String, Double> aloneRatio,
                               List<Double> coreCheck) {}

    /**
     * Runs the model's prompt of {@code promptTokens} random ids and {@code gen} greedy tokens ({@code
     * gen - 1} decode steps) {@code warmup + runs} times in a child JVM on {@code threads} threads, with
     * {@code Matmul}'s clock per shape, and the memory read bandwidth measured in that child over
     * {@code bandwidthMib} (before its runs and after, the better): where a decode step's time goes,
     * per shape of matrix multiplication, and how fast each streams its weights against what this
     * process's threads can read; with {@code alone}, each shape's matrices timed alone in the same
     * process right after every measured run (random weights of the same formats, copies cycled from
     * memory, {@code passes} passes a run; {@code HalyardProbe.DecodeAlone}): what generation gets beside
     * what the same products do by themselves, run by run.
     */
    public static DecodeResult measureDecode(Path model, int promptTokens, int gen, int threads, int warmup, int runs, int bandwidthMib,
                                             boolean alone, int passes) throws IOException, InterruptedException {
        if (promptTokens < 1 || gen < 2 || threads < 1 || warmup < 0 || runs < 1 || bandwidthMib < 1 || passes < 1)
            throw new IllegalArgumentException("prompt tokens, threads, runs, passes and bandwidth MiB must be >= 1, gen tokens >= 2, warmup >= 0");
        List<String> args = new ArrayList<>(List.of("--bandwidth", Integer.toString(bandwidthMib)));
        if (alone) args.addAll(List.of("--alone", Integer.toString(passes)));
        return parseDecode(model, promptTokens, threads, probe(model, promptTokens, gen, threads, warmup, runs, args));
    }

    /** The probe's JSON line read: its runs' decode steps, their time and matmul time, its {@code gen_matmul_shapes} and bandwidth. */
    static DecodeResult parseDecode(Path model, int promptTokens, int threads, JsonNode j) {
        JsonNode runs = j.get("runs"), shapes = j.get("gen_matmul_shapes");
        if (runs == null || !runs.isArray() || runs.isEmpty()) throw new IllegalArgumentException("the probe printed no runs: " + j);
        if (shapes == null || !shapes.isArray())
            throw new IllegalArgumentException("the probe printed no gen_matmul_shapes (a build without the per-shape clock of decode steps?): " + j);
        if (!(j.path("bandwidth_gb_s").asDouble() > 0)) throw new IllegalArgumentException("the probe printed no memory bandwidth: " + j);
        long steps = 0;
        double genMs = 0, matmulMs = 0;
        for (JsonNode r : runs) {
            steps += r.path("gen_steps").asLong();
            genMs += r.path("gen_ms").asDouble();
            matmulMs += r.path("gen_matmul_ms").asDouble();
        }
        if (steps < 1) throw new IllegalArgumentException("the probe's runs made no decode step: " + j);
        List<Shape> out = new ArrayList<>();
        java.util.Map<String, JsonNode> inPlace = new java.util.HashMap<>();
        for (JsonNode sh : shapes) {
            out.add(new Shape(sh.path("shape").asText(), sh.path("calls").asLong(), sh.path("ms").asDouble(), sh.path("flops").asLong(), Double.NaN));
            inPlace.put(sh.path("shape").asText(), sh);
        }
        java.util.Map<String, Double> alone = new java.util.HashMap<>(), ratio = new java.util.HashMap<>();
        for (JsonNode a : j.path("gen_matmul_alone")) {
            String shape = a.path("shape").asText();
            alone.put(shape, a.path("gb_s").asDouble());
            JsonNode place = inPlace.get(shape);
            double r = place == null ? Double.NaN : runByRun(shape, place.path("calls").asLong(), place.path("runs_ms"), a.path("runs_gb_s"), runs.size());
            if (!Double.isNaN(r)) ratio.put(shape, r);
        }
        return new DecodeResult(model, promptTokens, threads, runs.size(), steps, genMs, matmulMs, j.get("bandwidth_gb_s").asDouble(), out, alone,
                ratio, CoreCheck.readings(j, "the probe"));
    }

    /**
     * In place / alone for one shape, run by run: run r's steps made {@code calls / runs} calls of it in
     * {@code runsMs[r]} (every run makes the same calls: the same prompt and greedy tokens), against
     * {@code runsGbps[r]}, its passes alone right after that run; the median of the runs' ratios. NaN
     * where either list is missing or not one positive number per run.
     */
    static double runByRun(String shape, long calls, JsonNode runsMs, JsonNode runsGbps, int runs) {
        if (!runsMs.isArray() || !runsGbps.isArray() || runsMs.size() != runs || runsGbps.size() != runs || calls % runs != 0) return Double.NaN;
        long bytes = calls / runs * weightBytes(shape);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            double ms = runsMs.get(r).asDouble(), alone = runsGbps.get(r).asDouble();
            if (!(ms > 0) || !(alone > 0)) return Double.NaN;
            ratios.add(bytes / (ms * 1e6) / alone);
        }
        return Stats.median(ratios);
    }

    /** Bytes of weights one call of this shape reads: its matrices' sizes in their formats, as in the file (the bench's "weights MB/tok"). */
    static long weightBytes(String shape) {
        List<GgmlType> ts = types(shape);
        List<int[]> ds = dims(shape);
        long bytes = 0;
        for (int i = 0; i < ts.size(); i++) bytes += ts.get(i).byteSize((long) ds.get(i)[0] * ds.get(i)[1]);
        return bytes;
    }

    /**
     * The table: per shape, calls and time per decode step, share of the step, weight bytes per call,
     * and the rate its weights stream at in place (GB/s), against the memory bandwidth measured in the
     * same process, and alone (the median of the runs' passes) with the ratio in place / alone (where
     * measured: run by run, the median; from an older probe, the whole runs' rate over the alone one).
     */
    public static String decodeText(DecodeResult r) {
        StringBuilder sb = new StringBuilder();
        double perStep = 1.0 / r.steps();
        long bytes = 0;
        for (Shape s : r.shapes()) bytes += s.calls() * weightBytes(s.shape());
        double matmulGbs = r.matmulMs() > 0 ? bytes / (r.matmulMs() * 1e6) : 0, stepMs = r.genMs() * perStep;
        sb.append(String.format(Locale.ROOT, "%s: %d decode steps after a prompt of %d tokens on %d threads (%d measured runs): %.3f ms a step "
                        + "(%.1f tok/s), %.3f ms of it (%.0f%%) in the matrix multiplications, their %.1f MB of weights at %.1f GB/s, "
                        + "%.0f%% of this process's memory read bandwidth (%.1f GB/s); the whole step at %.0f%% of it%n%n",
                r.model().getFileName(), r.steps(), r.promptTokens(), r.threads(), r.runs(), stepMs, stepMs > 0 ? 1e3 / stepMs : 0,
                r.matmulMs() * perStep, r.genMs() > 0 ? 100 * r.matmulMs() / r.genMs() : 0, bytes * perStep / 1e6, matmulGbs,
                100 * matmulGbs / r.bandwidth(), r.bandwidth(), r.genMs() > 0 ? 100 * bytes / (r.genMs() * 1e6) / r.bandwidth() : 0));
        if (!r.coreCheck().isEmpty())
            sb.append(String.format(Locale.ROOT, "core check of that process (see the README's slow mode): %s GFLOP/s%n%n", CoreCheck.text(r.coreCheck())));
        sb.append("| shape (tokens x matrices) | calls a step | ms a step | % of the step | MB a call | GB/s in place | % of bandwidth | alone GB/s | in place / alone |\n");
        sb.append("| ------------------------- | ------------ | --------- | ------------- | --------- | ------------- | -------------- | ---------- | ---------------- |\n");
        for (Shape s : r.shapes()) {
            double gbs = s.ms() > 0 ? s.calls() * weightBytes(s.shape()) / (s.ms() * 1e6) : 0;
            Double alone = r.aloneGbps().get(s.shape());
            boolean a = alone != null && alone > 0;
            double ratio = r.aloneRatio().getOrDefault(s.shape(), a ? gbs / alone : Double.NaN); // run by run where the probe gave each run's
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.1f%% | %.2f | %.1f | %.0f%% | %s | %s |%n", s.shape(), fmt(s.calls() * perStep),
                    s.ms() * perStep, r.genMs() > 0 ? 100 * s.ms() / r.genMs() : 0, weightBytes(s.shape()) / 1e6, gbs, 100 * gbs / r.bandwidth(),
                    a ? String.format(Locale.ROOT, "%.1f", alone) : "-", a ? String.format(Locale.ROOT, "%.2f", ratio) : "-"));
        }
        sb.append(String.format(Locale.ROOT, "| the rest (attention, norms, sampling; outside the products) | | %.3f | %.1f%% | | | | | |%n",
                (r.genMs() - r.matmulMs()) * perStep, r.genMs() > 0 ? 100 * (r.genMs() - r.matmulMs()) / r.genMs() : 0));
        return sb.toString();
    }

    /** The table: per shape, calls and time per prompt, share of the matmul time, GFLOP/s and % of the FMA peak in place and alone. */
    public static String text(Result r) {
        StringBuilder sb = new StringBuilder();
        double perRun = 1.0 / r.runs();
        double matmulFlops = 0;
        for (Shape s : r.shapes()) matmulFlops += s.flops();
        double matmulGflops = r.matmulMs() > 0 ? matmulFlops / (r.matmulMs() * 1e6) : 0;
        sb.append(String.format(Locale.ROOT, "%s: a prompt of %d tokens on %d threads, %d measured runs%s: %.1f ms a prompt, %.1f ms of it (%.0f%%) in the "
                        + "matrix multiplications at %.0f GFLOP/s, %.0f%% of the FP32 FMA peak (%.0f GFLOP/s)%n%n",
                r.model().getFileName(), r.tokens(), r.threads(), r.runs(),
                r.warmupRuns() >= 0 ? String.format(Locale.ROOT, " after %d warm-up ones (until the JIT was quiet)", r.warmupRuns()) : "",
                r.promptMs() * perRun, r.matmulMs() * perRun,
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
