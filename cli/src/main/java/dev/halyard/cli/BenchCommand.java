package dev.halyard.cli;

import dev.halyard.bench.AbBench;
import dev.halyard.bench.Bench;
import dev.halyard.bench.BenchConfig;
import dev.halyard.bench.BenchResult;
import dev.halyard.bench.ModelCase;
import dev.halyard.bench.Report;
import dev.halyard.bench.RunSummary;
import dev.halyard.bench.jmh.KernelBenchmarks;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code halyard bench}: Halyard against llama.cpp on the same machine, models and threads. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchCommand.Kernels.class, BenchCommand.Ab.class, BenchCommand.Decode.class, BenchCommand.Prompt.class, BenchCommand.Summary.class},
        description = "Measure Halyard and llama.cpp on random-weight models of real shapes, with the same threads: prompt "
                + "processing, generation, peak memory, memory bandwidth, serving. Prints a table; --out writes JSON. "
                + "Use a quiet machine.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", paramLabel = "PRESET", defaultValue = "smollm2-135m",
            description = "smollm2-135m, qwen2.5-0.5b, llama-3.2-1b (default: ${DEFAULT-VALUE})")
    List<String> presets;

    @Option(names = "--quants", split = ",", paramLabel = "MIX", defaultValue = "Q8_0,Q4_0",
            description = "quant mixes, e.g. Q8_0,Q4_0,Q4_K_M (default: ${DEFAULT-VALUE})")
    List<String> quants;

    @Option(names = "--all", description = "every preset in Q8_0, Q4_0 and Q4_K_M")
    boolean all;

    @Option(names = "--threads", paramLabel = "N", description = "threads for every engine (default: all cores)")
    Integer threads;

    @Option(names = "--repetitions", paramLabel = "N", defaultValue = "3", description = "measured runs per engine, the engines taking turns run by run (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = "--statistic", paramLabel = "S", defaultValue = "MEDIAN",
            description = "how runs are summarised: MEDIAN (ratios: the median of the run-by-run ratios), or BEST (the fastest run of each engine) (default: ${DEFAULT-VALUE})")
    dev.halyard.bench.Stats.Statistic statistic;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "unreported runs first, per engine (and serving rounds per client count); the JIT recompiles kernels during the first runs (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "512", description = "prompt length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "128", description = "generated tokens (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = "--dir", paramLabel = "DIR", description = "model cache (default: ~/.halyard/bench)")
    Path dir;

    @Option(names = "--out", paramLabel = "FILE", description = "write the results as JSON (with --runs: FILE's name numbered per run, and a summary)")
    Path out;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "1",
            description = "run the whole benchmark N times, one after the other, then print the medians of the runs' ratios "
                    + "(as halyard bench summary does); single runs on a shared host move by 10-20%% (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--no-llama", description = "measure Halyard only")
    boolean noLlama;

    @Option(names = "--no-mmap", description = "skip llama.cpp's mmap mode")
    boolean noMmap;

    @Option(names = "--llama-dir", paramLabel = "DIR", description = "directory of llama_ref and llama_serve (default: <checkout>/.cache/llama.cpp, built when missing)")
    Path llamaDir;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f16", description = "KV cache type of both engines, f16, f32 or q8_0 (default: ${DEFAULT-VALUE})")
    String kvType;

    @Option(names = "--llama-kv", paramLabel = "TYPE", description = "llama.cpp's KV cache type alone, f16, f32 or q8_0 (default: --kv-type's)")
    String llamaKv;

    @Option(names = "--no-flash-attn", description = "run llama.cpp without flash attention")
    boolean noFlashAttn;

    @Option(names = "--bandwidth-mib", paramLabel = "MIB", defaultValue = "1024", description = "buffer of the bandwidth measurement; 0 skips it (default: ${DEFAULT-VALUE})")
    long bandwidthMib;

    @Option(names = "--serve", paramLabel = "WHICH", defaultValue = "FIRST", description = "models measured serving: NONE, FIRST, ALL (default: ${DEFAULT-VALUE})")
    BenchConfig.Serve serve;

    @Option(names = "--clients", split = ",", paramLabel = "N", defaultValue = "1,4,16", description = "concurrent streams (default: ${DEFAULT-VALUE})")
    List<Integer> clients;

    @Option(names = "--serve-prompt-tokens", paramLabel = "N", defaultValue = "128", description = "prompt tokens per stream (default: ${DEFAULT-VALUE})")
    int servePromptTokens;

    @Option(names = "--serve-gen-tokens", paramLabel = "N", defaultValue = "128", description = "generated tokens per stream (default: ${DEFAULT-VALUE})")
    int serveGenTokens;

    @Option(names = "--serve-queue-delay-ms", paramLabel = "MS", defaultValue = "0",
            description = "halyard serve's --max-queue-delay (and the in-process engine's), in ms; 0: off (default: ${DEFAULT-VALUE})")
    int serveQueueDelayMs;

    @Option(names = "--jvm-opt", paramLabel = "OPT", description = "extra option for Halyard's child JVMs (repeatable)")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--timeout-minutes", paramLabel = "N", defaultValue = "30", description = "longest run of one child process (default: ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ModelCase> models = new ArrayList<>();
        for (String p : all ? List.of("smollm2-135m", "qwen2.5-0.5b", "llama-3.2-1b") : presets)
            for (String q : all ? List.of("Q8_0", "Q4_0", "Q4_K_M") : quants) models.add(new ModelCase(p.strip(), q.strip()));
        BenchConfig.Builder b = BenchConfig.builder().models(models).repetitions(repetitions).statistic(statistic).warmup(warmup).promptTokens(promptTokens)
                .genTokens(genTokens).out(this.out).llama(!noLlama).llamaDir(llamaDir).llamaMmap(!noMmap)
                .kvType(kvType).llamaKv(llamaKv != null ? llamaKv : kvType).llamaFlashAttn(!noFlashAttn).bandwidthBytes(bandwidthMib << 20).serve(serve).clients(clients)
                .servePromptTokens(servePromptTokens).serveGenTokens(serveGenTokens).serveQueueDelayMs(serveQueueDelayMs).jvmOptions(jvmOptions)
                .timeout(Duration.ofMinutes(timeoutMinutes));
        if (threads != null) b.threads(threads);
        if (dir != null) b.dir(dir);
        BenchConfig config = b.build();
        if (runs < 1 || runs > 100) throw new IllegalArgumentException("--runs must be 1 to 100, got " + runs);
        List<String> names = new ArrayList<>(), jsons = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            if (runs > 1) err.println("[bench] run " + i + " of " + runs);
            BenchResult result = new Bench(config, err).run();
            out.println(Report.text(result, config));
            out.flush();
            String json = Report.json(result, config);
            Path file = this.out == null ? null : runs == 1 ? this.out : numbered(this.out, Integer.toString(i));
            if (file != null) {
                Files.writeString(file, json);
                err.println("wrote " + file);
            }
            names.add(file != null ? file.getFileName().toString() : "run " + i);
            jsons.add(json);
        }
        if (runs > 1) {
            RunSummary summary = RunSummary.ofJson(names, jsons);
            out.println(summary.text());
            if (this.out != null) {
                Path file = numbered(this.out, "summary");
                Files.writeString(file, summary.json());
                err.println("wrote " + file);
            }
        }
        out.flush();
        return 0;
    }

    /** {@code dir/name.json} as {@code dir/name-SUFFIX.json} (the suffix before the last dot, or at the end). */
    static Path numbered(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot > 0 ? name.substring(0, dot) + "-" + suffix + name.substring(dot) : name + "-" + suffix;
        return file.resolveSibling(numbered);
    }

    /** {@code halyard bench kernels}: JMH micro-benchmarks of every kernel format, vector against scalar. */
    @Command(name = "kernels", mixinStandardHelpOptions = true,
            description = "JMH: dot (matrix-vector) and dequantize of every format, Vector API kernels against their scalar "
                    + "twins. JMH options may follow, e.g. -- -p type=Q8_0,Q4_0 -wi 1 -i 2")
    static final class Kernels implements Callable<Integer> {
        @Parameters(paramLabel = "JMH-OPTION", description = "options passed to JMH")
        List<String> jmhArgs = new ArrayList<>();

        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return KernelBenchmarks.run(jmhArgs.toArray(String[]::new), spec.commandLine().getOut());
        }
    }

    /**
     * {@code halyard bench ab}: two variants of Halyard (two builds, or two sets of JVM options) in
     * separate processes, run by run in turn, the order flipping each round; the median B / A ratios.
     */
    @Command(name = "ab", mixinStandardHelpOptions = true,
            description = "Compare two variants of Halyard on the same models: two builds (--b-checkout DIR: another checkout, "
                    + "built) or one build with two sets of JVM options (--a-jvm-opt / --b-jvm-opt, e.g. -Dhalyard.x=y). Each "
                    + "runs in its own process, run by run in turn with the order flipped each round; prints the median of "
                    + "the round-by-round ratios B / A of prompt and generation speed.")
    static final class Ab implements Callable<Integer> {
        @Option(names = "--models", split = ",", paramLabel = "PRESET", defaultValue = "smollm2-135m",
                description = "smollm2-135m, qwen2.5-0.5b, llama-3.2-1b (default: ${DEFAULT-VALUE})")
        List<String> presets;

        @Option(names = "--quants", split = ",", paramLabel = "MIX", defaultValue = "Q8_0",
                description = "quant mixes, e.g. Q8_0,Q4_0,Q4_K_M (default: ${DEFAULT-VALUE})")
        List<String> quants;

        @Option(names = "--a-checkout", paramLabel = "DIR", description = "A's build: another Halyard checkout, built (default: this build)")
        Path aCheckout;

        @Option(names = "--b-checkout", paramLabel = "DIR", description = "B's build: another Halyard checkout, built (default: this build)")
        Path bCheckout;

        @Option(names = "--a-jvm-opt", paramLabel = "OPT", description = "extra option for A's JVM (repeatable)")
        List<String> aOptions = new ArrayList<>();

        @Option(names = "--b-jvm-opt", paramLabel = "OPT", description = "extra option for B's JVM (repeatable)")
        List<String> bOptions = new ArrayList<>();

        @Option(names = "--threads", paramLabel = "N", description = "threads (default: all cores)")
        Integer threads;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "6", description = "measured runs of each variant, one pair per round (default: ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "unreported runs of each variant first (default: ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--processes", paramLabel = "N", defaultValue = "1",
                description = "processes per variant, one after the other, sharing out the rounds (each warms up on its own): "
                        + "a JVM's JIT outcome holds for all its runs, so several processes sample it (default: ${DEFAULT-VALUE})")
        int processes;

        @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "512", description = "prompt length (default: ${DEFAULT-VALUE})")
        int promptTokens;

        @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "128", description = "generated tokens (default: ${DEFAULT-VALUE})")
        int genTokens;

        @Option(names = "--dir", paramLabel = "DIR", description = "model cache (default: ~/.halyard/bench)")
        Path dir;

        @Option(names = "--out", paramLabel = "FILE", description = "write the results as JSON")
        Path out;

        @Option(names = "--timeout-minutes", paramLabel = "N", defaultValue = "30", description = "longest run of one child process (default: ${DEFAULT-VALUE})")
        long timeoutMinutes;

        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<ModelCase> models = new ArrayList<>();
            for (String p : presets)
                for (String q : quants) models.add(new ModelCase(p.strip(), q.strip()));
            AbBench.Variant a = aCheckout != null ? AbBench.Variant.checkout("A", aCheckout, aOptions) : AbBench.Variant.current("A", aOptions);
            AbBench.Variant b = bCheckout != null ? AbBench.Variant.checkout("B", bCheckout, bOptions) : AbBench.Variant.current("B", bOptions);
            AbBench.Config config = new AbBench.Config(models, dir != null ? dir : dev.halyard.bench.ModelCache.defaultDir(), a, b,
                    threads != null ? threads : Runtime.getRuntime().availableProcessors(), rounds, warmup, promptTokens, genTokens,
                    Duration.ofMinutes(timeoutMinutes), processes);
            List<AbBench.ModelAb> results = AbBench.run(config, err);
            out.println(AbBench.text(config, results));
            if (this.out != null) {
                Files.writeString(this.out, AbBench.json(config, results));
                err.println("wrote " + this.out);
            }
            out.flush();
            return results.stream().allMatch(AbBench.ModelAb::ok) ? 0 : 1;
        }
    }

    /** {@code halyard bench summary}: several runs' result files together, medians of their ratios. */
    @Command(name = "summary", mixinStandardHelpOptions = true,
            description = "Summarise several runs' result files (halyard bench --out): per model and quant mix the median of the "
                    + "runs' Halyard / llama.cpp ratios with their range, how many runs met the performance targets and how many "
                    + "had a Halyard process flagged by the core check; the same for serving. Single runs on a shared host move "
                    + "by 10-20%%; quote medians over runs.")
    static final class Summary implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "result files written by halyard bench --out")
        List<Path> files;

        @Option(names = "--out", paramLabel = "FILE", description = "write the summary as JSON")
        Path out;

        @Option(names = "--build", paramLabel = "COMMIT", description = "only runs of Halyard builds whose commit starts with this "
                + "(each result records its build from stop 51 on, e.g. 923e42c or 923e42c-dirty); the others are named and left out")
        String build;

        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            RunSummary s = RunSummary.read(files, build);
            spec.commandLine().getOut().print(s.text());
            if (out != null) {
                Files.writeString(out, s.json());
                spec.commandLine().getErr().println("wrote " + out);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code halyard bench decode}: the generation path's matrix-vector products, per format and shape, 1 and N threads. */
    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = "Time the generation path's matrix-vector products (one token, tiled weights, the product's own "
                    + "Matmul) per format and shape: from DRAM (copies cycled) and from cache, on one thread and on N; "
                    + "GB/s of weights and the N-thread speed-up. No model, no llama.cpp; about four minutes with the defaults. With --model FILE: "
                    + "that model's generation timed in place per shape of matrix multiplication: each shape's share of a decode step and "
                    + "the GB/s its weights stream at, against the memory bandwidth measured in the same process.")
    static final class Decode implements Callable<Integer> {
        @Option(names = "--types", split = ",", paramLabel = "TYPE", defaultValue = "Q8_0,Q4_0,Q5_0,Q4_K,Q6_K",
                description = "weight formats; a format skips shapes whose rows are not whole blocks of it (default: ${DEFAULT-VALUE})")
        List<String> types;

        @Option(names = "--shapes", split = ",", paramLabel = "ROWSxCOLS", defaultValue = "576x576,1536x576,2048x2048,8192x2048,2048x8192",
                description = "matrix shapes, rows x columns (default: ${DEFAULT-VALUE})")
        List<String> shapes;

        @Option(names = "--threads", paramLabel = "N", description = "threads of the parallel figures (default: all cores)")
        Integer threads;

        @Option(names = "--dram-mib", paramLabel = "MIB", defaultValue = "256", description = "copies of each matrix cycled for the DRAM figures, at least this many MiB (default: ${DEFAULT-VALUE})")
        long dramMib;

        @Option(names = "--passes", paramLabel = "N", defaultValue = "3", description = "timed passes per figure, after as many warm-up passes; the fastest counts (default: ${DEFAULT-VALUE})")
        int passes;

        @Option(names = "--offsets", split = ",", paramLabel = "BYTES",
                description = "place each matrix's first tile this many bytes into a 256-byte run of memory (0-255), one row per offset, "
                        + "instead of where the model loader puts it: how this CPU wants tiles placed (e.g. 0,64,128,192)")
        List<Integer> offsets;

        @Option(names = "--tokens", paramLabel = "N", defaultValue = "1",
                description = "tokens per product: a decode step of N sequences (1-64; from 4, below the panel's limits, the four-token kernels) (default: ${DEFAULT-VALUE})")
        int tokens;

        @Option(names = "--model", paramLabel = "FILE",
                description = "instead: a GGUF model's generation (--gen-tokens greedy tokens after a prompt of --prompt-tokens random ones), "
                        + "timed in place per shape of matrix multiplication (a child JVM with the matmul clock per shape), beside each shape's "
                        + "matrices alone from memory; --types, --shapes, --offsets, --tokens and --dram-mib do not apply")
        Path model;

        @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "512", description = "with --model: prompt length (default: ${DEFAULT-VALUE})")
        int promptTokens;

        @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "128", description = "with --model: generated tokens per run (default: ${DEFAULT-VALUE})")
        int genTokens;

        @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "with --model: measured runs, after 2 warm-up ones (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--bandwidth-mib", paramLabel = "MIB", defaultValue = "1024",
                description = "with --model: buffer of the memory bandwidth measurement in the same process (default: ${DEFAULT-VALUE})")
        int bandwidthMib;

        @Option(names = "--no-alone", description = "with --model: skip timing each shape alone (copies of its matrices, random weights, cycled from 128 MiB of memory, after every measured run)")
        boolean noAlone;

        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            if (model != null) {
                if (!Files.isRegularFile(model)) throw new IllegalArgumentException("no model file at " + model);
                var r = dev.halyard.bench.ModelShapes.measureDecode(model, promptTokens, genTokens, n, 2, runs, bandwidthMib, !noAlone, passes);
                spec.commandLine().getOut().println(dev.halyard.bench.ModelShapes.decodeText(r));
                spec.commandLine().getOut().flush();
                return 0;
            }
            if (dramMib < 1) throw new IllegalArgumentException("--dram-mib must be >= 1, got " + dramMib);
            var result = dev.halyard.bench.MatmulRates.measure(types(types), shapes(shapes), n, dramMib << 20, passes,
                    offsets == null ? List.of() : offsets, tokens);
            spec.commandLine().getOut().println(dev.halyard.bench.MatmulRates.text(result));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code halyard bench prompt}: the prompt path's matrix products, per format and shape, 1 and N threads. */
    @Command(name = "prompt", mixinStandardHelpOptions = true,
            description = "Time the prompt path's matrix products (a batch of tokens at once, tiled weights, the product's own "
                    + "Matmul: panel or four-token kernels) per format and shape, on one thread and on N: GFLOP/s and %% of "
                    + "the FP32 FMA peak (measured too). No model, no llama.cpp; about two minutes with the defaults. With --model FILE: "
                    + "that model's prompt timed in place per shape of matrix multiplication, beside each shape alone.")
    static final class Prompt implements Callable<Integer> {
        @Option(names = "--types", split = ",", paramLabel = "TYPE", defaultValue = "Q8_0,Q4_0,Q4_K,Q6_K",
                description = "weight formats; a format skips shapes whose rows are not whole blocks of it (default: ${DEFAULT-VALUE})")
        List<String> types;

        @Option(names = "--shapes", split = ",", paramLabel = "ROWSxCOLS", defaultValue = "2048x2048,8192x2048,2048x8192",
                description = "matrix shapes, rows x columns (default: ${DEFAULT-VALUE})")
        List<String> shapes;

        @Option(names = "--tokens", paramLabel = "N", defaultValue = "512", description = "tokens per product, as a prompt chunk (default: ${DEFAULT-VALUE})")
        int tokens;

        @Option(names = "--threads", paramLabel = "N", description = "threads of the parallel figures (default: all cores)")
        Integer threads;

        @Option(names = "--passes", paramLabel = "N", defaultValue = "3", description = "timed products per figure, after a warm-up of 10 or more, until the JIT is idle; the fastest counts (default: ${DEFAULT-VALUE})")
        int passes;

        @Option(names = "--model", paramLabel = "FILE",
                description = "instead: a GGUF model's prompt of --tokens random tokens, timed in place per shape of matrix multiplication "
                        + "(a child JVM with the matmul clock per shape), beside each shape's matrices alone; --types and --shapes do not apply")
        Path model;

        @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "with --model: measured prompts, after 3 warm-up ones or more: until the JIT is quiet (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--no-alone", description = "with --model: skip timing each shape alone")
        boolean noAlone;

        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            if (model != null) {
                if (!Files.isRegularFile(model)) throw new IllegalArgumentException("no model file at " + model);
                var shapes = dev.halyard.bench.ModelShapes.measure(model, tokens, n, 3, runs, passes, !noAlone, true);
                spec.commandLine().getOut().println(dev.halyard.bench.ModelShapes.text(shapes));
                spec.commandLine().getOut().flush();
                return 0;
            }
            var result = dev.halyard.bench.MatmulRates.measurePrompt(types(types), shapes(shapes), n, tokens, passes);
            spec.commandLine().getOut().println(dev.halyard.bench.MatmulRates.text(result));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** Weight formats by name ("q8_0" or "Q8_0"). */
    static List<dev.halyard.kernels.GgmlType> types(List<String> names) {
        List<dev.halyard.kernels.GgmlType> ts = new ArrayList<>();
        for (String t : names) {
            try {
                ts.add(dev.halyard.kernels.GgmlType.valueOf(t.strip().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown type '" + t + "'");
            }
        }
        return ts;
    }

    /** Shapes written ROWSxCOLS, as {rows, cols}. */
    static List<int[]> shapes(List<String> specs) {
        List<int[]> ss = new ArrayList<>();
        for (String s : specs) {
            String[] p = s.strip().toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                if (p.length != 2) throw new NumberFormatException();
                ss.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a shape is ROWSxCOLS, e.g. 2048x2048; got '" + s + "'");
            }
        }
        return ss;
    }
}
