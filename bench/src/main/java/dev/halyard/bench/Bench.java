package dev.halyard.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code halyard bench} run, in one process on one machine: writes (or reuses) the models, measures
 * the memory bandwidth and FMA peak (again at the end, the better of the two counting), then for each
 * model Halyard (a child JVM) and llama.cpp (the C harnesses, read into memory and memory-mapped) on
 * the same prompt with the same threads, then serving, and reports.
 * Engines that fail are reported as failed; the run goes on.
 */
public final class Bench {
    private final BenchConfig config;
    private final PrintWriter log; // progress, to stderr

    public Bench(BenchConfig config, PrintWriter log) {
        this.config = config;
        this.log = log;
    }

    /** Seed of the single-sequence prompt (the same ids for every engine). */
    static final long PROMPT_SEED = 42;
    /** Base seed of the serving prompts (see Prompts.serving). */
    static final long SERVE_SEED = 7_000_000;

    public BenchResult run() throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("halyard-bench");
        try {
            return run(work);
        } finally {
            try (var files = Files.list(work)) {
                for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(work);
        }
    }

    private BenchResult run(Path work) throws IOException, InterruptedException {
        String build = MachineInfo.halyardBuild(Path.of(System.getProperty("user.dir"))); // before the runs: the tree may change during them
        ModelCache cache = new ModelCache(config.dir());
        List<Path> files = new ArrayList<>();
        for (ModelCase c : config.models()) files.add(cache.ensure(c, log));

        LlamaHarness llama = null;
        if (config.llama()) {
            Path dir = config.llamaDir() != null ? config.llamaDir() : LlamaHarness.locate(Path.of(System.getProperty("user.dir")), log);
            llama = dir == null ? null : new LlamaHarness(dir, config.llamaKv(), config.llamaFlashAttn(), config.timeout());
            if (llama == null || !llama.available()) {
                log.println("llama.cpp harnesses not found" + (dir == null ? " (no Halyard checkout around here; pass --llama-dir)" : " in " + dir)
                        + ": measuring Halyard only");
                llama = null;
            }
        }

        double bw1 = Double.NaN, bwN = Double.NaN, bwNLow = Double.NaN;
        if (config.bandwidthBytes() > 0) {
            progress("memory bandwidth: %d MiB buffer, 1 and %d threads", config.bandwidthBytes() >> 20, config.threads());
            bw1 = MemoryBandwidth.measure(config.bandwidthBytes(), 1, 5);
            bwN = config.threads() == 1 ? bw1 : MemoryBandwidth.measure(config.bandwidthBytes(), config.threads(), 5);
        }
        double fma1 = Double.NaN, fmaN = Double.NaN;
        if (config.bandwidthBytes() > 0) {
            progress("FP32 FMA peak: 1 and %d threads", config.threads());
            fma1 = FmaPeak.measure(1, 3);
            fmaN = config.threads() == 1 ? fma1 : FmaPeak.measure(config.threads(), 3);
        }
        double core = config.bandwidthBytes() > 0 ? CoreCheck.measure(config.threads()) : Double.NaN;
        List<BenchResult.ModelResult> models = new ArrayList<>();
        for (int i = 0; i < config.models().size(); i++) {
            ModelCase c = config.models().get(i);
            Path file = files.get(i);
            ModelFacts facts = ModelFacts.of(file);
            Path tokens = work.resolve("prompt-" + i + ".txt");
            Files.writeString(tokens, Prompts.format(Prompts.random(config.promptTokens(), facts.vocab(), PROMPT_SEED)));
            int gen = probeGen(config);
            List<LlamaHarness.LoadMode> modes = llama == null ? List.of()
                    : config.llamaMmap() ? List.of(LlamaHarness.LoadMode.NONE, LlamaHarness.LoadMode.MMAP) : List.of(LlamaHarness.LoadMode.NONE);
            List<List<String>> commands = new ArrayList<>();
            commands.add(halyardCommand(file, tokens, gen));
            for (LlamaHarness.LoadMode mode : modes)
                commands.add(llama.singleStreamCommand(file, tokens, gen, config.threads(), mode, config.warmup(), config.repetitions()));
            progress("%s: halyard%s, run by run in turn", c.label(), modes.isEmpty() ? "" : modes.size() == 1 ? " and llama.cpp" : ", llama.cpp and llama.cpp mmap");
            List<SingleStream> engines = new ArrayList<>();
            // the bandwidth next to this model's runs (a short reading before and after, the better counting)
            double near = config.bandwidthBytes() > 0 ? MemoryBandwidth.measure(config.bandwidthBytes(), config.threads(), NEAR_PASSES) : Double.NaN;
            try {
                List<ChildProcess.Result> results = Lockstep.run(commands, config.repetitions(), config.timeout().multipliedBy(commands.size()));
                engines.add(HalyardProbe.result(Report.HALYARD, results.get(0)));
                for (int m = 0; m < modes.size(); m++) engines.add(LlamaHarness.singleStream(modes.get(m), results.get(m + 1)));
            } catch (IOException e) {
                engines.add(SingleStream.failed(Report.HALYARD, e.getMessage()));
                for (LlamaHarness.LoadMode mode : modes) engines.add(SingleStream.failed(mode.engine, e.getMessage()));
            }
            if (config.bandwidthBytes() > 0) near = Math.max(near, MemoryBandwidth.measure(config.bandwidthBytes(), config.threads(), NEAR_PASSES));
            models.add(new BenchResult.ModelResult(c, facts, engines, near));
        }

        List<BenchResult.ServingResult> serving = new ArrayList<>();
        for (ModelCase c : config.servedModels()) {
            Path file = files.get(config.models().indexOf(c));
            serving.add(serve(c, file, ModelFacts.of(file).vocab(), work, llama));
        }
        if (config.bandwidthBytes() > 0) {
            // once more at the end, the best of the two counting: a slow phase of a shared host during one
            // measurement (2 threads once read 27.5 GB/s against 29.8 on 1) would skew every ceiling of the run
            progress("memory bandwidth and FP32 FMA peak again, at the end of the run (the better of the two counts)");
            bw1 = Math.max(bw1, MemoryBandwidth.measure(config.bandwidthBytes(), 1, 5));
            double start = bwN, end = config.threads() == 1 ? bw1 : MemoryBandwidth.measure(config.bandwidthBytes(), config.threads(), 5);
            bwN = Math.max(start, end);
            bwNLow = Math.min(start, end); // the report warns when the two disagree (Machine.bandwidthUnsteady)
            fma1 = Math.max(fma1, FmaPeak.measure(1, 3));
            fmaN = config.threads() == 1 ? fma1 : Math.max(fmaN, FmaPeak.measure(config.threads(), 3));
            core = Math.max(core, CoreCheck.again(config.threads()));
        }
        BenchResult.Machine machine = new BenchResult.Machine(MachineInfo.cpuName(), Runtime.getRuntime().availableProcessors(), config.threads(),
                bw1, bwN, fma1, fmaN, Runtime.version().toString(), llama == null ? null : MachineInfo.llamaVersion(llama.dir()), bwNLow, core,
                MachineInfo.cpuKind(), build);
        return new BenchResult(machine, models, serving);
    }

    /** Timed passes of the bandwidth readings next to each model's runs (the run's start and end take 5). */
    static final int NEAR_PASSES = 3;

    /** The probes' {@code gen}: n tokens take n - 1 decode steps (the first comes from the prompt's logits), so n + 1. */
    static int probeGen(BenchConfig c) {
        return c.genTokens() + 1;
    }

    /** Positions of Halyard's single-sequence KV cache: the prompt and {@link #probeGen} (HalyardProbe sizes it so). */
    static int probePositions(BenchConfig c) {
        return c.promptTokens() + probeGen(c);
    }

    /** Halyard's child JVM on one model, in lockstep with llama.cpp's ({@link Lockstep}). */
    private List<String> halyardCommand(Path model, Path tokens, int gen) {
        return HalyardProbe.command(System.getProperty("java.class.path"), config.jvmOptions(), model, tokens, gen, config.threads(),
                config.warmup(), config.repetitions(), config.kvType());
    }

    /** The in-process engine's command for {@code clients} sequences ({@link EngineServeProbe}), in lockstep. */
    private List<String> engineCommand(Path model, int clients) {
        return ChildJvm.command(EngineServeProbe.class.getName(), config.jvmOptions(), List.of("--model", model.toString(),
                "--parallel", Integer.toString(clients), "--prompt-tokens", Integer.toString(config.servePromptTokens()),
                "--gen", Integer.toString(config.serveGenTokens()), "--seed", Long.toString(SERVE_SEED),
                "--ctx-size", Integer.toString(serveContext(config.servePromptTokens(), config.serveGenTokens())),
                "--threads", Integer.toString(config.threads()), "--warmup", Integer.toString(config.warmup()),
                "--repeat", Integer.toString(config.repetitions()), "--kv-type", config.kvType(),
                "--queue-delay-ms", Integer.toString(config.serveQueueDelayMs()), "--paced"));
    }

    /** The measurements of an {@link #engineCommand} process that has ended. */
    private static ServingPoint engine(int clients, ChildProcess.Result r) {
        if (r.exitCode() != 0) return ServingPoint.failed(Report.HALYARD_ENGINE, clients, "exit " + r.exitCode() + ": " + r.stderrTail());
        try {
            return ServingPoint.parse(Report.HALYARD_ENGINE, r.stdout(), clients, r.peakRssKb());
        } catch (IllegalArgumentException e) {
            return ServingPoint.failed(Report.HALYARD_ENGINE, clients, e.getMessage());
        }
    }

    /** The context the serving engines get: a stream's prompt and generation, rounded up to 256 positions. */
    static int serveContext(int promptTokens, int genTokens) {
        return (promptTokens + genTokens + 1 + 255) / 256 * 256;
    }

    /**
     * One model served three ways, for 1, 4, 16… streams: {@code halyard serve} (a server child, the
     * bench's streaming clients), Halyard's engine in-process ({@link EngineServeProbe}) and llama_serve.
     * For each client count the three take turns round by round ({@link Lockstep}: the clients' round
     * against the server, then the engine's run, then llama.cpp's), warm-ups first, so that a slow
     * phase of the host does not fall on one engine's rounds only. The server lives through every
     * client count; the two children are started per count.
     */
    private BenchResult.ServingResult serve(ModelCase c, Path file, int vocab, Path work, LlamaHarness llama) throws InterruptedException {
        List<ServingPoint> h = new ArrayList<>(), e = new ArrayList<>(), l = new ArrayList<>();
        int ctx = serveContext(config.servePromptTokens(), config.serveGenTokens());
        ServeProcess server = null;
        StreamingClients clients = null;
        String serverError = null;
        int round = 0;
        try {
            int port = ServeProcess.freePort();
            progress("%s: starting halyard serve on port %d", c.label(), port);
            Path noModels = Files.createDirectories(work.resolve("serve-models")); // serve only --model, never ~/.halyard/models
            int maxClients = config.clients().stream().mapToInt(Integer::intValue).max().orElse(1);
            List<String> cmd = ChildJvm.command(config.serveMainClass(), config.jvmOptions(), List.of("serve", "--model", file.toString(),
                    "--models", noModels.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--threads", Integer.toString(config.threads()), "--parallel", Integer.toString(maxClients),
                    "--ctx-size", Integer.toString(ctx), "--kv-type", config.kvType(), "--keep-alive=-1",
                    "--max-queue-delay", config.serveQueueDelayMs() + "ms"));
            String id = file.getFileName().toString().replaceFirst("\\.gguf$", "");
            server = ServeProcess.start(cmd, port, id, Duration.ofMinutes(5));
            clients = new StreamingClients(server.base(), server.modelId(), config.timeout());
            round = load(clients, vocab, round);
        } catch (IOException ex) {
            serverError = ex.getMessage() + (server != null ? "; server log: " + server.logTail() : "");
        }
        try {
            for (int n : config.clients()) {
                progress("%s: %d streams: halyard serve, halyard engine%s, round by round in turn", c.label(), n, llama != null ? " and llama.cpp" : "");
                List<List<String>> commands = new ArrayList<>();
                commands.add(engineCommand(file, n));
                if (llama != null) {
                    Path prompts = work.resolve("serve-" + n + ".txt");
                    StringBuilder sb = new StringBuilder();
                    for (int s = 0; s < n; s++) sb.append(Prompts.format(servePrompt(vocab, 0, s))).append('\n');
                    Files.writeString(prompts, sb);
                    commands.add(llama.servingCommand(file, prompts, n, config.serveGenTokens(), config.threads(), config.warmup(), config.repetitions()));
                }
                List<Double> agg = new ArrayList<>(), ttft = new ArrayList<>();
                String failed = serverError;
                List<ChildProcess.Result> results;
                try (Lockstep.Session children = new Lockstep.Session(commands, config.timeout().multipliedBy(commands.size() + 1))) {
                    // warm-up rounds (JIT, buffers) at this concurrency, unreported, as long as the measured ones (as
                    // llama_serve's): with 16-token warm-ups the server's C2 was still compiling in the measured rounds
                    for (int w = 0; w < config.warmup() && failed == null; w++) {
                        try {
                            clients.round(prompts(vocab, round++, n), config.serveGenTokens());
                        } catch (IOException ex) {
                            failed = ex.getMessage() + "; server log: " + server.logTail();
                        }
                    }
                    children.warmUp();
                    for (int r = 0; r < config.repetitions(); r++) {
                        if (failed == null) {
                            try {
                                StreamingClients.Round res = clients.round(prompts(vocab, round++, n), config.serveGenTokens());
                                agg.add(res.tokensPerSecond());
                                for (StreamingClients.Stream s : res.streams()) ttft.add(s.ttftMs());
                            } catch (IOException ex) {
                                failed = ex.getMessage() + "; server log: " + server.logTail();
                            }
                        }
                        children.round();
                    }
                    results = children.finish();
                } catch (IOException ex) {
                    results = null;
                    e.add(ServingPoint.failed(Report.HALYARD_ENGINE, n, ex.getMessage()));
                    if (llama != null) l.add(ServingPoint.failed("llama.cpp", n, ex.getMessage()));
                }
                h.add(failed == null ? new ServingPoint(Report.HALYARD_SERVE, n, agg, ttft, server.peakRssKb(), null)
                        : ServingPoint.failed(Report.HALYARD_SERVE, n, failed));
                if (results != null) {
                    e.add(engine(n, results.get(0)));
                    if (llama != null) l.add(LlamaHarness.serving(n, results.get(1)));
                }
            }
            if (server != null) { // the server's peak over its whole life, the same for every point
                long peak = server.peakRssKb();
                h.replaceAll(p -> p.ok() ? new ServingPoint(p.engine(), p.clients(), p.aggregateTokS(), p.ttftMs(), peak, null) : p);
            }
        } catch (IOException ex) {
            for (int n : config.clients()) {
                if (h.stream().noneMatch(p -> p.clients() == n)) h.add(ServingPoint.failed(Report.HALYARD_SERVE, n, ex.getMessage()));
                if (e.stream().noneMatch(p -> p.clients() == n)) e.add(ServingPoint.failed(Report.HALYARD_ENGINE, n, ex.getMessage()));
                if (llama != null && l.stream().noneMatch(p -> p.clients() == n)) l.add(ServingPoint.failed("llama.cpp", n, ex.getMessage()));
            }
        } finally {
            if (server != null) {
                try {
                    server.close();
                } catch (IOException ex) {
                    progress("%s: halyard serve did not stop cleanly: %s", c.label(), ex.getMessage());
                }
            }
        }
        return new BenchResult.ServingResult(c, h, e, l);
    }

    /**
     * Models load on first use, and a request that waits longer than the server's load wait gets 503:
     * ask until one succeeds, so the load is never measured. Returns the next round number.
     */
    private int load(StreamingClients clients, int vocab, int round) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            try {
                clients.round(prompts(vocab, round++, 1), 1);
                return round;
            } catch (StreamingClients.HttpError e) {
                if (e.status != 503 || System.nanoTime() > deadline) throw e;
                Thread.sleep(500);
            }
        }
    }

    /** The prompts of serving round {@code round}: distinct per round and stream, so no prefix cache helps. */
    private List<int[]> prompts(int vocab, int round, int n) {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < n; s++) out.add(servePrompt(vocab, round, s));
        return out;
    }

    private int[] servePrompt(int vocab, int round, int stream) {
        return Prompts.serving(config.servePromptTokens(), vocab, SERVE_SEED, round, stream);
    }

    private void progress(String fmt, Object... args) {
        log.printf("[bench] " + fmt + "%n", args);
        log.flush();
    }
}
