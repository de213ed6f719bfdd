package dev.halyard.bench;

import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.sampling.SamplingParams;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.engine.Engine;
import dev.halyard.runtime.engine.EngineConfig;
import dev.halyard.runtime.engine.EngineRequest;
import dev.halyard.runtime.engine.FinishReason;
import dev.halyard.runtime.engine.TokenLogprob;
import dev.halyard.runtime.engine.TokenSink;
import dev.halyard.server.models.MemoryPlan;
import dev.halyard.server.models.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Halyard's engine serving N sequences in-process, the way {@code llama_serve} measures llama.cpp: no
 * HTTP, no client processes. N requests are submitted together to the same {@link Engine} (scheduler,
 * continuous batching, paged KV cache) that {@code halyard serve --parallel N} runs, configured as the
 * server configures it; greedy, end-of-generation ignored, {@code gen} tokens each. Each run uses
 * prompts of its own ({@link Prompts#serving}), so no cached prefix helps; warm-up runs are as long as
 * the measured ones, as the bench's rounds against the server and llama_serve's runs. Prints
 * llama_serve's JSON line: per run the wall time from the submissions to the last token, the tokens
 * generated, their rate, each sequence's time to its first token, and the peak RSS; and, as {@link
 * HalyardProbe} does, {@code core_check_gflops}: {@link CoreCheck} once loaded and warmed up and after the
 * runs (is this process in the host's slow mode?). {@code --paced}: {@link Lockstep}'s protocol, so that
 * the bench runs it round by round in turn with the others. {@code --kv-type f32} or {@code q8_0}: the cache
 * in F32 or 8 bits (default f16, as the server), to see what the attention's reads cost.
 *
 * <pre>
 * EngineServeProbe --model PATH --parallel N --prompt-tokens N --gen N --seed N [--threads N] [--ctx-size N] [--warmup N] [--repeat N] [--kv-type f16|f32|q8_0] [--queue-delay-ms N] [--paced]
 * </pre>
 */
public final class EngineServeProbe {
    private EngineServeProbe() {}

    /** One run: wall time, tokens generated, and each sequence's time to its first token. */
    record Run(double wallMs, long generated, double[] ttftMs) {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path model = null;
        int parallel = 0, promptTokens = 0, gen = 0, threads = Runtime.getRuntime().availableProcessors(), ctx = 0, warmup = 1, repeat = 1;
        long seed = -1;
        boolean paced = false;
        KvType kvType = KvType.F16;
        long queueDelayMs = EngineConfig.DEFAULT_MAX_QUEUE_DELAY.toMillis();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--model" -> model = Path.of(HalyardProbe.value(args, ++i, a));
                case "--parallel" -> parallel = HalyardProbe.intValue(args, ++i, a, 1, 1024);
                case "--prompt-tokens" -> promptTokens = HalyardProbe.intValue(args, ++i, a, 1, 1 << 20);
                case "--gen" -> gen = HalyardProbe.intValue(args, ++i, a, 1, 1 << 20);
                case "--seed" -> seed = HalyardProbe.intValue(args, ++i, a, 0, Integer.MAX_VALUE);
                case "--threads" -> threads = HalyardProbe.intValue(args, ++i, a, 1, 1024);
                case "--ctx-size" -> ctx = HalyardProbe.intValue(args, ++i, a, 2, 1 << 20);
                case "--warmup" -> warmup = HalyardProbe.intValue(args, ++i, a, 0, 1000);
                case "--repeat" -> repeat = HalyardProbe.intValue(args, ++i, a, 1, 1000);
                case "--paced" -> paced = true;
                case "--queue-delay-ms" -> queueDelayMs = HalyardProbe.intValue(args, ++i, a, 0, 60_000);
                case "--kv-type" -> kvType = KvType.parse(HalyardProbe.value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (model == null || parallel == 0 || promptTokens == 0 || gen == 0 || seed < 0)
            throw new IllegalArgumentException("--model, --parallel, --prompt-tokens, --gen and --seed are required");
        if (ctx == 0) ctx = Bench.serveContext(promptTokens, gen);

        ModelOptions options = ModelOptions.defaults().withThreads(threads).withKvType(kvType);
        GgufFile gguf = GgufFile.read(model);
        try (Model m = Model.load(gguf, options)) {
            int vocab = m.config().vocabSize();
            int blocks = (ctx + EngineConfig.DEFAULT_BLOCK_SIZE - 1) / EngineConfig.DEFAULT_BLOCK_SIZE * parallel;
            EngineConfig config = new EngineConfig(blocks, EngineConfig.DEFAULT_BLOCK_SIZE, MemoryPlan.TOKEN_BUDGET, parallel, parallel, ctx, options.kvType(),
                    java.time.Duration.ofMillis(queueDelayMs));
            List<Run> runs = new ArrayList<>();
            double[] coreCheck = new double[2];
            try (Engine engine = new Engine(m, Tokenizer.fromGguf(gguf), config)) {
                for (int length : ModelLoader.WARM_UP_PROMPTS) engine.warmUp(length, ModelLoader.WARM_UP_TOKENS); // as the server does before it takes requests
                int round = 0;
                coreCheck[0] = CoreCheck.measure(threads); // before "ready": the engines' lockstep starts after it
                Lockstep.Pacer pacer = new Lockstep.Pacer(paced);
                pacer.loaded();
                for (int w = 0; w < warmup; w++) run(engine, prompts(promptTokens, vocab, seed, round++, parallel), gen);
                for (int r = 0; r < repeat; r++) {
                    pacer.nextRun();
                    runs.add(run(engine, prompts(promptTokens, vocab, seed, round++, parallel), gen));
                }
                pacer.done();
                pacer.awaitEnd(); // the other engines' runs are over: the check has the cores to itself
                coreCheck[1] = CoreCheck.again(threads);
            }
            System.out.println(json(runs, coreCheck));
        }
    }

    static List<int[]> prompts(int n, int vocab, long seed, int round, int parallel) {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < parallel; s++) out.add(Prompts.serving(n, vocab, seed, round, s));
        return out;
    }

    /** Submits every prompt at once and waits for all of them; fails if any request fails. */
    static Run run(Engine engine, List<int[]> prompts, int gen) throws InterruptedException {
        int n = prompts.size();
        CountDownLatch done = new CountDownLatch(n);
        long[] first = new long[n], last = new long[n], tokens = new long[n];
        Throwable[] failure = new Throwable[1];
        List<EngineRequest> requests = new java.util.ArrayList<>();
        List<TokenSink> sinks = new java.util.ArrayList<>();
        for (int s = 0; s < n; s++) {
            int seq = s;
            requests.add(EngineRequest.of("probe-" + s, prompts.get(s), gen, SamplingParams.greedy()).withIgnoreEog(true));
            sinks.add(new TokenSink() {
                @Override
                public boolean onToken(int token, TokenLogprob lp) {
                    long now = System.nanoTime();
                    if (tokens[seq]++ == 0) first[seq] = now;
                    last[seq] = now;
                    return true;
                }

                @Override
                public void onFinish(FinishReason reason, int promptTokens, int completionTokens) {
                    done.countDown();
                }

                @Override
                public void onError(Throwable e) {
                    synchronized (failure) {
                        if (failure[0] == null) failure[0] = e;
                    }
                    done.countDown();
                }
            });
        }
        long t0 = System.nanoTime();
        engine.submitAll(requests, sinks); // together, as llama_serve's one batch: they share the first step when the budget allows
        if (!done.await(30, TimeUnit.MINUTES)) throw new IllegalStateException("the engine did not finish " + n + " requests in 30 minutes");
        synchronized (failure) {
            if (failure[0] != null) throw new IllegalStateException("a request failed: " + failure[0], failure[0]);
        }
        long end = t0, generated = 0;
        double[] ttft = new double[n];
        for (int s = 0; s < n; s++) {
            if (tokens[s] != gen) throw new IllegalStateException("sequence " + s + " generated " + tokens[s] + " tokens, expected " + gen);
            end = Math.max(end, last[s]);
            generated += tokens[s];
            ttft[s] = (first[s] - t0) / 1e6;
        }
        return new Run((end - t0) / 1e6, generated, ttft);
    }

    /**
     * llama_serve's output line (see tools/llama-ref/llama_serve.c), which {@link ServingPoint#parse} reads,
     * with the process's core checks added.
     */
    static String json(List<Run> runs, double[] coreCheck) {
        StringBuilder sb = new StringBuilder("{\"engine\":\"halyard engine\",\"runs\":[");
        for (int r = 0; r < runs.size(); r++) {
            Run run = runs.get(r);
            sb.append(r == 0 ? "{" : ",{").append(String.format(Locale.ROOT, "\"wall_ms\":%.3f,\"generated\":%d,\"gen_tok_s\":%.3f,\"ttft_ms\":[",
                    run.wallMs(), run.generated(), run.generated() * 1e3 / run.wallMs()));
            for (int s = 0; s < run.ttftMs().length; s++) sb.append(s == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", run.ttftMs()[s]));
            sb.append("]}");
        }
        sb.append("],").append(CoreCheck.jsonField(coreCheck)).append(",\"peak_rss_kb\":").append(ProcStatus.peakRssKb(ProcessHandle.current().pid())).append('}');
        return sb.toString();
    }
}
