package dev.halyard.bench;

import dev.halyard.kernels.Matmul;
import dev.halyard.kernels.Parallel;
import dev.halyard.model.arch.Batch;
import dev.halyard.model.arch.FlatKvCache;
import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.runtime.Session;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Halyard's side of the single-sequence benchmark, run in a child JVM per model (so that one model's
 * heap, JIT state and threads never affect another's): loads the model, then for each run — warm-up
 * runs first, unreported, as llama-bench does — processes the prompt from an empty KV cache in chunks
 * of {@link Session#PROMPT_CHUNK} and generates greedily, exactly as llama_ref does: {@code gen}
 * tokens, {@code gen - 1} decode steps. Prints one JSON line in llama_ref's format, plus {@code
 * core_check_gflops}: {@link CoreCheck} once loaded and after the runs (is this process in the slow mode?), and per
 * run, where {@link Matmul#CLOCK} is on (as {@link #command} starts it), {@code prompt_matmul_ms}, {@code
 * prompt_matmul_flops} and {@code prompt_matmul_gflop_s}: the prompt's time in the matrix multiplications, the
 * FLOPs they did (its last token's logits included) and their rate there; with {@code
 * -Dhalyard.matmulShapes=true} as well, {@code prompt_matmul_shapes}: the same per shape of call, summed
 * over the measured runs ({@link #shapesJson}), and with {@code --alone P} each shape timed alone in this
 * process after the runs ({@link #aloneJson}), with {@code --fma-peak P} the FP32 FMA peak measured here
 * ({@code fma_peak_gflop_s}, the better of before and after the runs). The generation's decode steps
 * alike: per run {@code gen_matmul_ms}, and per shape {@code gen_matmul_shapes} (with each measured run's
 * milliseconds, {@code runs_ms}), and with {@code --alone P} each single-token shape timed alone right
 * after every measured run ({@link DecodeAlone}, {@code gen_matmul_alone}); with {@code
 * --bandwidth MIB} the memory read bandwidth of this process's threads over a buffer of MIB
 * ({@code bandwidth_gb_s}, the better of before and after the runs), what the decode steps' weight
 * streams read against. With {@code --settle} the warm-up goes on past {@code --warmup} runs until the
 * JIT is quiet ({@link JitQuiet}; {@code warmup_runs}: how many it took). {@code --paced}
 * follows llama_ref's lockstep protocol ({@link Lockstep}): "ready" once loaded, then a line on stdin
 * before the warm-ups and before each run, "ok" after each.
 *
 * <pre>
 * HalyardProbe --model PATH --tokens-file PATH --gen N [--threads N] [--warmup N] [--settle] [--repeat N] [--mmap] [--kv-type f16|f32|q8_0] [--alone P] [--fma-peak P] [--bandwidth MIB] [--paced]
 * </pre>
 */
public final class HalyardProbe {
    private HalyardProbe() {}

    /**
     * Times of one run; {@code promptMatmulMs} and {@code promptMatmulFlops}: the prompt's share in
     * {@link Matmul#matmul} (0 when its clock is off), {@code genMatmulMs} the decode steps'; the shapes:
     * {@link Matmul#clockShapes} added by the prompt and by the decode steps (empty without the per-shape clock).
     */
    record Timing(double promptMs, double genMs, int steps, double promptMatmulMs, long promptMatmulFlops, SortedMap<String, long[]> promptShapes,
                  double genMatmulMs, SortedMap<String, long[]> genShapes) {
        Timing(double promptMs, double genMs, int steps) {
            this(promptMs, genMs, steps, 0, 0, new TreeMap<>(), 0, new TreeMap<>());
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path model = null, tokensFile = null;
        int gen = 0, threads = Runtime.getRuntime().availableProcessors(), warmup = 1, repeat = 1, alonePasses = 0, peakPasses = 0, bandwidthMib = 0;
        boolean mmap = false, paced = false, settle = false;
        KvType kvType = KvType.F16;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--model" -> model = Path.of(value(args, ++i, a));
                case "--tokens-file" -> tokensFile = Path.of(value(args, ++i, a));
                case "--gen" -> gen = intValue(args, ++i, a, 1, 1 << 20);
                case "--threads" -> threads = intValue(args, ++i, a, 1, 1024);
                case "--warmup" -> warmup = intValue(args, ++i, a, 0, 1000);
                case "--repeat" -> repeat = intValue(args, ++i, a, 1, 1000);
                case "--mmap" -> mmap = true;
                case "--paced" -> paced = true;
                case "--settle" -> settle = true;
                case "--kv-type" -> kvType = KvType.parse(value(args, ++i, a));
                case "--alone" -> alonePasses = intValue(args, ++i, a, 1, 1000);
                case "--fma-peak" -> peakPasses = intValue(args, ++i, a, 1, 1000);
                case "--bandwidth" -> bandwidthMib = intValue(args, ++i, a, 1, 1 << 16);
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (model == null || tokensFile == null || gen == 0) throw new IllegalArgumentException("--model, --tokens-file and --gen are required");
        int[] prompt = Prompts.parse(Files.readString(tokensFile));

        ModelOptions options = ModelOptions.defaults().withThreads(threads).withKvType(kvType);
        if (mmap) options = options.withLoadMode(GgufFile.LoadMode.MMAP);
        long t0 = System.nanoTime();
        try (Model m = Model.load(model, options)) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            int vocab = m.config().vocabSize();
            for (int id : prompt)
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            double coreBefore = CoreCheck.measure(threads); // before "ready": the engines' lockstep starts after it
            double peakBefore = peakPasses > 0 ? FmaPeak.measure(threads, peakPasses) : 0;
            double bandwidthBefore = bandwidthMib > 0 ? MemoryBandwidth.measure((long) bandwidthMib << 20, threads, BANDWIDTH_PASSES) : 0;
            Lockstep.Pacer pacer = new Lockstep.Pacer(paced);
            pacer.loaded();
            int warmed = 0; // with --settle: on past --warmup until the JIT is quiet
            for (JitQuiet quiet = new JitQuiet(settle); warmed < warmup || !quiet.settled(); warmed++) run(m, prompt, gen);
            Timing[] runs = new Timing[repeat];
            String alone = "";
            try (DecodeAlone between = alonePasses > 0 && Matmul.SHAPE_CLOCK ? new DecodeAlone(m.parallel(), alonePasses) : null) {
                for (int r = 0; r < repeat; r++) {
                    pacer.nextRun();
                    runs[r] = run(m, prompt, gen);
                    if (between != null) between.after(runs[r]);
                }
                if (between != null) alone = between.json();
            }
            pacer.done();
            pacer.awaitEnd(); // the other engines' runs are over: the check has the cores to itself, as before "ready"
            double coreAfter = CoreCheck.again(threads); // compiled by now
            // in this process: a host's slow mode holds a process for its whole life
            if (alonePasses > 0 && Matmul.SHAPE_CLOCK) alone = aloneJson(runs, threads, alonePasses) + alone;
            if (peakPasses > 0) // the better of before and after the runs, as the bench takes the better of its start and end
                alone += String.format(Locale.ROOT, "\"fma_peak_gflop_s\":%.3f,", Math.max(peakBefore, FmaPeak.measure(threads, peakPasses)));
            if (bandwidthMib > 0)
                alone += String.format(Locale.ROOT, "\"bandwidth_gb_s\":%.3f,",
                        Math.max(bandwidthBefore, MemoryBandwidth.measure((long) bandwidthMib << 20, threads, BANDWIDTH_PASSES)));
            if (settle) alone += String.format(Locale.ROOT, "\"warmup_runs\":%d,", warmed);
            System.out.println(json(model, threads, options.kernels().name(), prompt.length, loadMs, runs, new double[] {coreBefore, coreAfter}, alone));
        }
    }

    /**
     * The command line of a paced probe (a child JVM on {@code classPath} with {@code jvmOptions}): {@code
     * warmup} unreported runs, then {@code repeat} measured ones, each of the prompt in {@code tokens}
     * and {@code gen} greedy tokens, the KV cache in {@code kvType} (named only when not f16, so that
     * {@code bench ab} can run builds older than the option).
     */
    static List<String> command(String classPath, List<String> jvmOptions, Path model, Path tokens, int gen, int threads, int warmup, int repeat, String kvType) {
        List<String> args = new ArrayList<>(List.of("--model", model.toString(),
                "--tokens-file", tokens.toString(), "--gen", Integer.toString(gen), "--threads", Integer.toString(threads),
                "--warmup", Integer.toString(warmup), "--repeat", Integer.toString(repeat), "--paced"));
        if (!kvType.equals("f16")) args.addAll(List.of("--kv-type", kvType));
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-D" + CLOCK_PROPERTY + "=true"); // builds before the clock ignore it
        return ChildJvm.command(classPath, HalyardProbe.class.getName(), options, args);
    }

    /** The measurements of a {@link #command} process that has ended, reported as {@code engine}. */
    static SingleStream result(String engine, ChildProcess.Result r) {
        if (r.exitCode() != 0) return SingleStream.failed(engine, "exit " + r.exitCode() + ": " + r.stderrTail());
        try {
            return SingleStream.parse(engine, r.stdout(), r.peakRssKb());
        } catch (IllegalArgumentException e) {
            return SingleStream.failed(engine, e.getMessage());
        }
    }

    /** One run from an empty cache: the prompt, then {@code gen} greedy tokens. */
    static Timing run(Model m, int[] prompt, int gen) {
        try (FlatKvCache kv = m.newKvCache(1, prompt.length + gen)) {
            return run(m, kv, prompt, gen);
        }
    }

    private static Timing run(Model m, FlatKvCache kv, int[] prompt, int gen) {
        long mmNs = Matmul.clockNanos(), mmFlops = Matmul.clockFlops();
        SortedMap<String, long[]> shapes = Matmul.clockShapes();
        long t0 = System.nanoTime();
        float[] logits = null; // (vocab,)
        for (int start = 0; start < prompt.length; start += Session.PROMPT_CHUNK) {
            int end = Math.min(prompt.length, start + Session.PROMPT_CHUNK);
            logits = m.forwardInto(Batch.ofSequence(0, start, Arrays.copyOfRange(prompt, start, end)), kv, logits);
        }
        long t1 = System.nanoTime();
        mmNs = Matmul.clockNanos() - mmNs;
        mmFlops = Matmul.clockFlops() - mmFlops;
        shapes = shapeDelta(shapes, Matmul.clockShapes());
        long genMmNs = Matmul.clockNanos();
        SortedMap<String, long[]> genBefore = Matmul.clockShapes();
        int steps = 0;
        for (int i = 0; i < gen; i++) {
            int next = argmax(logits);
            if (i == gen - 1) break;
            logits = m.forwardInto(Batch.ofSequence(0, prompt.length + i, new int[] {next}), kv, logits); // as Session: one buffer
            steps++;
        }
        long t2 = System.nanoTime();
        genMmNs = Matmul.clockNanos() - genMmNs;
        return new Timing((t1 - t0) / 1e6, (t2 - t1) / 1e6, steps, mmNs / 1e6, mmFlops, shapes, genMmNs / 1e6, shapeDelta(genBefore, Matmul.clockShapes()));
    }

    /** What each shape added from {@code before} to {@code after} ({@code Matmul.clockShapes}), the shapes that did. */
    static SortedMap<String, long[]> shapeDelta(SortedMap<String, long[]> before, SortedMap<String, long[]> after) {
        SortedMap<String, long[]> d = new TreeMap<>();
        after.forEach((shape, a) -> {
            long[] b = before.getOrDefault(shape, new long[3]);
            if (a[2] > b[2]) d.put(shape, new long[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]});
        });
        return d;
    }

    /**
     * {@code "prompt_matmul_shapes"}: the measured runs' prompts per shape of matrix multiplication
     * (where {@code -Dhalyard.matmulShapes=true} turned {@code Matmul.SHAPE_CLOCK} on; empty without):
     * calls, milliseconds, FLOPs and GFLOP/s summed over the runs, the most time first, and each run's
     * milliseconds ({@code runs_ms}, in run order).
     */
    static String shapesJson(Timing[] runs) {
        return shapesJson("prompt_matmul_shapes", runs, Timing::promptShapes);
    }

    /** {@code "gen_matmul_shapes"}: as {@link #shapesJson(Timing[])}, for the measured runs' decode steps. */
    static String genShapesJson(Timing[] runs) {
        return shapesJson("gen_matmul_shapes", runs, Timing::genShapes);
    }

    private static String shapesJson(String name, Timing[] runs, java.util.function.Function<Timing, SortedMap<String, long[]>> part) {
        SortedMap<String, long[]> sum = new TreeMap<>();
        for (Timing t : runs)
            part.apply(t).forEach((shape, a) -> {
                long[] s = sum.computeIfAbsent(shape, k -> new long[3]);
                for (int i = 0; i < 3; i++) s[i] += a[i];
            });
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(sum.entrySet());
        rows.sort((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]));
        StringJoiner j = new StringJoiner(",", "\"" + name + "\":[", "]");
        for (Map.Entry<String, long[]> e : rows) {
            long[] a = e.getValue();
            StringJoiner each = new StringJoiner(",", "[", "]"); // each run's milliseconds (0: a run without this shape)
            for (Timing t : runs) each.add(String.format(Locale.ROOT, "%.3f", part.apply(t).getOrDefault(e.getKey(), new long[3])[0] / 1e6));
            j.add(String.format(Locale.ROOT, "{\"shape\":\"%s\",\"calls\":%d,\"ms\":%.3f,\"flops\":%d,\"gflop_s\":%.3f,\"runs_ms\":%s}",
                    e.getKey(), a[2], a[0] / 1e6, a[1], a[0] > 0 ? a[1] / (double) a[0] : 0.0, each));
        }
        return j.toString();
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** Timed passes of {@code --bandwidth}'s measurement, before and after the runs each (the bench's own takes 5 at its start and end). */
    static final int BANDWIDTH_PASSES = 5;

    /** The system property that turns {@link Matmul#CLOCK} on; {@link #command} sets it. */
    static final String CLOCK_PROPERTY = "halyard.matmulClock";

    static String json(Path model, int threads, String kernels, int promptTokens, double loadMs, Timing[] runs, double[] coreCheck) {
        return json(model, threads, kernels, promptTokens, loadMs, runs, coreCheck, "");
    }

    /**
     * With {@code --alone P} (and the per-shape clock): each prompt shape of at least {@link
     * ModelShapes#ALONE_MIN_TOKENS} tokens timed alone in this process after the runs ({@link
     * MatmulRates#promptGflops}, best of P): {@code "prompt_matmul_alone":[{"shape":..,"gflop_s":..}],}
     * (with its trailing comma). The decode steps' shapes are timed between the runs ({@link DecodeAlone}).
     */
    static String aloneJson(Timing[] runs, int threads, int passes) {
        java.util.TreeSet<String> shapes = new java.util.TreeSet<>();
        for (Timing t : runs) shapes.addAll(t.promptShapes().keySet());
        StringJoiner j = new StringJoiner(",", "\"prompt_matmul_alone\":[", "],");
        for (String shape : shapes) {
            if (ModelShapes.tokens(shape) < ModelShapes.ALONE_MIN_TOKENS) continue; // a prompt's single-token calls are decode steps
            double g = MatmulRates.promptGflops(ModelShapes.types(shape), ModelShapes.dims(shape), threads, ModelShapes.tokens(shape), passes);
            j.add(String.format(Locale.ROOT, "{\"shape\":\"%s\",\"gflop_s\":%.3f}", shape, g));
        }
        return j.toString();
    }

    /**
     * {@code --alone}'s decode part, {@code "gen_matmul_alone"}: each single-token shape of the decode
     * steps timed alone right after every measured run, so that the host's drifts (its bandwidth and
     * its cores' speed move by a quarter within minutes) fall on a run's steps and on the same products
     * alone together; timed once after all the runs (until stop 61), a minute's mean in place met a later
     * minute's best alone. The shapes' copies ({@link MatmulRates.DecodeCopies}, {@link #ALONE_DRAM_BYTES}
     * each, cycled) are made after the first measured run, from the shapes its steps called, and held to
     * the end. Per run and shape: one pass unreported, then the GB/s of {@code passes} passes together
     * (their bytes over their time, as a run's calls in place), on the model's own pool (the steps'
     * threads, and no second pool's workers beside them). The unreported pass: on these VMs memory left
     * untouched for the seconds of a run reads slowly at first (Llama-3.2-1B Q4_K_M with the first pass
     * after each run timed: its output projection 27-30 GB/s and the 2048 x 8192 Q4_K down projection
     * 18-23, after one unreported pass 39-41 and 27-28), so a first pass times the host, not the products.
     * The JSON gives per shape the median over the runs ({@code gb_s}) and each run's ({@code
     * runs_gb_s}), against the steps' own per run ({@code gen_matmul_shapes}' {@code runs_ms}).
     */
    static final class DecodeAlone implements AutoCloseable {
        private final Parallel par;
        private final int passes;
        private final SortedMap<String, MatmulRates.DecodeCopies> copies = new TreeMap<>();
        private final SortedMap<String, List<Double>> gbps = new TreeMap<>();

        /** On {@code par}, the model's pool (not closed here). */
        DecodeAlone(Parallel par, int passes) {
            this.par = par;
            this.passes = passes;
        }

        /** After a measured run: its decode shapes' copies if not made yet, then per shape one unreported pass and {@code passes} timed ones. */
        void after(Timing run) {
            if (copies.isEmpty())
                for (String shape : run.genShapes().keySet()) {
                    if (ModelShapes.tokens(shape) != 1) continue;
                    copies.put(shape, new MatmulRates.DecodeCopies(ModelShapes.types(shape), ModelShapes.dims(shape), ALONE_DRAM_BYTES));
                }
            copies.forEach((shape, c) -> {
                c.pass(par); // unreported: see above
                long ns = 0;
                for (int p = 0; p < passes; p++) ns += c.pass(par);
                gbps.computeIfAbsent(shape, k -> new ArrayList<>()).add((double) c.bytes() * passes / ns);
            });
        }

        /** {@code "gen_matmul_alone":[{"shape":…,"gb_s":median,"runs_gb_s":[…]}],} (with its trailing comma). */
        String json() {
            StringJoiner d = new StringJoiner(",", "\"gen_matmul_alone\":[", "],");
            gbps.forEach((shape, g) -> {
                StringJoiner each = new StringJoiner(",", "[", "]");
                for (double v : g) each.add(String.format(Locale.ROOT, "%.3f", v));
                d.add(String.format(Locale.ROOT, "{\"shape\":\"%s\",\"gb_s\":%.3f,\"runs_gb_s\":%s}", shape, Stats.median(g), each));
            });
            return d.toString();
        }

        @Override
        public void close() {
            copies.values().forEach(MatmulRates.DecodeCopies::close);
        }
    }

    /**
     * Memory the copies of a decode shape timed alone fill at least, cycled: several times a last-level
     * cache (32 MiB a core complex on Zen 4 and 5; a cyclic pass over more than the cache finds nothing
     * of it there). Every decode shape's
     * copies are held through the runs ({@link DecodeAlone}): Llama-3.2-1B's seven shapes about 1.1 GB.
     */
    static final long ALONE_DRAM_BYTES = 128L << 20;

    static String json(Path model, int threads, String kernels, int promptTokens, double loadMs, Timing[] runs, double[] coreCheck, String alone) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "{\"model\":\"%s\",\"engine\":\"halyard\",\"kernels\":\"%s\",\"threads\":%d,\"prompt_tokens\":%d,\"load_ms\":%.3f,\"runs\":[",
                model.toString().replace("\\", "\\\\").replace("\"", "\\\""), kernels, threads, promptTokens, loadMs));
        for (int r = 0; r < runs.length; r++) {
            Timing t = runs[r];
            sb.append(r == 0 ? "{" : ",{").append(String.format(Locale.ROOT,
                    "\"prompt_ms\":%.3f,\"prompt_tok_s\":%.3f,\"gen_steps\":%d,\"gen_ms\":%.3f,\"gen_tok_s\":%.3f",
                    t.promptMs(), promptTokens * 1e3 / t.promptMs(), t.steps(), t.genMs(), t.steps() > 0 ? t.steps() * 1e3 / t.genMs() : 0.0));
            if (t.promptMatmulMs() > 0) // the clock was on: the prompt's matrix multiplications alone
                sb.append(String.format(Locale.ROOT, ",\"prompt_matmul_ms\":%.3f,\"prompt_matmul_flops\":%d,\"prompt_matmul_gflop_s\":%.3f",
                        t.promptMatmulMs(), t.promptMatmulFlops(), t.promptMatmulFlops() / (t.promptMatmulMs() * 1e6)));
            if (t.genMatmulMs() > 0) sb.append(String.format(Locale.ROOT, ",\"gen_matmul_ms\":%.3f", t.genMatmulMs()));
            sb.append('}');
        }
        sb.append("],");
        if (Matmul.SHAPE_CLOCK) sb.append(shapesJson(runs)).append(',').append(genShapesJson(runs)).append(',');
        sb.append(alone);
        sb.append(CoreCheck.jsonField(coreCheck)).append(",\"peak_rss_kb\":").append(ProcStatus.peakRssKb(ProcessHandle.current().pid())).append('}');
        return sb.toString();
    }

    static String value(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a value");
        return args[i];
    }

    static int intValue(String[] args, int i, String name, int min, int max) {
        String v = value(args, i, name);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be an integer in [" + min + ", " + max + "], got '" + v + "'");
    }
}
