package dev.halyard.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one {@code halyard bench} run does. Built with {@link #builder()}; validated here.
 *
 * @param models the (preset, quant mix) pairs to measure, in order
 * @param threads threads for every engine (Halyard's workers, llama.cpp's n_threads and n_threads_batch)
 * @param repetitions measured runs per engine and model
 * @param statistic how the table and the ratios summarise them (the JSON holds every run)
 * @param warmup unreported runs before them, in the same process
 * @param promptTokens prompt length of the prompt-processing measurement (512, as llama-bench's pp512)
 * @param genTokens decode steps of the generation measurement (128, as llama-bench's tg128)
 * @param dir where the model files are cached
 * @param out the JSON report, or null for none
 * @param llama whether to measure llama.cpp at all
 * @param llamaDir the llama.cpp harness directory, or null to find (and build) it in the checkout
 * @param llamaMmap whether to measure llama.cpp's default mmap mode as well as read-into-memory
 * @param llamaKv llama.cpp's KV-cache type (f16, f32 or q8_0; q8_0 needs flash attention)
 * @param kvType Halyard's KV-cache type (f16, f32 or q8_0)
 * @param llamaFlashAttn whether llama.cpp uses flash attention
 * @param bandwidthBytes buffer of the memory-bandwidth measurement (0: skip it)
 * @param serve which models are also measured serving
 * @param clients the concurrent-stream counts of the serving measurement
 * @param servePromptTokens prompt length of each serving stream
 * @param serveGenTokens tokens each serving stream generates
 * @param serveQueueDelayMs how long Halyard's idle engine holds first arrivals for company when serving
 *     ({@code halyard serve --max-queue-delay}, and the in-process engine's), in milliseconds; 0 turns it off
 * @param jvmOptions extra options for Halyard's child JVMs (e.g. -Xmx)
 * @param serveMainClass the main class whose {@code serve --model F --host H --port P --threads T} starts
 *     Halyard's server (the CLI's; tests pass their own)
 * @param timeout the longest any one child process may run
 */
public record BenchConfig(List<ModelCase> models, int threads, int repetitions, Stats.Statistic statistic, int warmup, int promptTokens, int genTokens,
                          Path dir, Path out, boolean llama, Path llamaDir, boolean llamaMmap, String llamaKv, String kvType,
                          boolean llamaFlashAttn, long bandwidthBytes, Serve serve, List<Integer> clients, int servePromptTokens, int serveGenTokens,
                          int serveQueueDelayMs, List<String> jvmOptions, String serveMainClass, Duration timeout) {

    /** Which models get the serving measurement. */
    public enum Serve { NONE, FIRST, ALL }

    public BenchConfig {
        models = List.copyOf(models);
        clients = List.copyOf(clients);
        jvmOptions = List.copyOf(jvmOptions);
        if (statistic == null) throw new IllegalArgumentException("statistic must not be null");
        if (models.isEmpty()) throw new IllegalArgumentException("models must not be empty");
        check("threads", threads, 1, 1024);
        check("repetitions", repetitions, 1, 1000);
        check("warmup", warmup, 0, 1000);
        check("promptTokens", promptTokens, 1, 1 << 16);
        check("genTokens", genTokens, 1, 1 << 16);
        check("servePromptTokens", servePromptTokens, 1, 1 << 16);
        check("serveGenTokens", serveGenTokens, 1, 1 << 16);
        check("serveQueueDelayMs", serveQueueDelayMs, 0, 60_000);
        for (int c : clients) check("clients", c, 1, 1024);
        if (serve != Serve.NONE && clients.isEmpty()) throw new IllegalArgumentException("clients must not be empty when serving is measured");
        if (bandwidthBytes < 0) throw new IllegalArgumentException("bandwidthBytes must be >= 0, got " + bandwidthBytes);
        if (serveMainClass == null || serveMainClass.isBlank()) throw new IllegalArgumentException("serveMainClass must not be blank");
        if (dir == null) throw new IllegalArgumentException("dir must not be null");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        if (!KV_TYPES.contains(llamaKv)) throw new IllegalArgumentException("llamaKv must be f16, f32 or q8_0, got '" + llamaKv + "'");
        if (!KV_TYPES.contains(kvType)) throw new IllegalArgumentException("kvType must be f16, f32 or q8_0, got '" + kvType + "'");
        if (llama && llamaKv.equals("q8_0") && !llamaFlashAttn)
            throw new IllegalArgumentException("llamaKv q8_0 needs llama.cpp's flash attention (it quantises the values only there)");
    }

    /** The KV-cache types both engines take, by the names both take. */
    static final List<String> KV_TYPES = List.of("f16", "f32", "q8_0");

    private static void check(String name, int v, int min, int max) {
        if (v < min || v > max) throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + v);
    }

    /** The models the serving measurement covers. */
    public List<ModelCase> servedModels() {
        return switch (serve) {
            case NONE -> List.of();
            case FIRST -> List.of(models.getFirst());
            case ALL -> models;
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults: a quick subset (SmolLM2-135M in Q8_0 and Q4_0), all cores, 3 repetitions after 3
     * warm-ups. Three, not one: C2 still recompiles the kernels during the first runs of a small model
     * (SmolLM2-135M Q4_0, 2 threads: prompt 813-896 tok/s after one warm-up run, 913-989 after four;
     * generation 176-202 vs 221-236); Llama-3.2-1B's runs are long enough that it made no difference.
     */
    public static final class Builder {
        List<ModelCase> models = List.of(new ModelCase("smollm2-135m", "Q8_0"), new ModelCase("smollm2-135m", "Q4_0"));
        int threads = Runtime.getRuntime().availableProcessors();
        Stats.Statistic statistic = Stats.Statistic.MEDIAN;
        int repetitions = 3, warmup = 3, promptTokens = 512, genTokens = 128;
        Path dir = ModelCache.defaultDir();
        Path out;
        boolean llama = true, llamaMmap = true, llamaFlashAttn = true;
        Path llamaDir;
        String llamaKv = "f16";
        String kvType = "f16";
        long bandwidthBytes = 1L << 30;
        Serve serve = Serve.FIRST;
        List<Integer> clients = List.of(1, 4, 16);
        int servePromptTokens = 128, serveGenTokens = 128;
        int serveQueueDelayMs = (int) dev.halyard.runtime.engine.EngineConfig.DEFAULT_MAX_QUEUE_DELAY.toMillis();
        List<String> jvmOptions = List.of();
        String serveMainClass = "dev.halyard.cli.Main";
        Duration timeout = Duration.ofMinutes(30);

        public Builder models(List<ModelCase> v) { models = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder repetitions(int v) { repetitions = v; return this; }
        public Builder statistic(Stats.Statistic v) { statistic = v; return this; }
        public Builder warmup(int v) { warmup = v; return this; }
        public Builder promptTokens(int v) { promptTokens = v; return this; }
        public Builder genTokens(int v) { genTokens = v; return this; }
        public Builder dir(Path v) { dir = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder llama(boolean v) { llama = v; return this; }
        public Builder llamaDir(Path v) { llamaDir = v; return this; }
        public Builder llamaMmap(boolean v) { llamaMmap = v; return this; }
        public Builder llamaKv(String v) { llamaKv = v; return this; }
        public Builder kvType(String v) { kvType = v; return this; }
        public Builder llamaFlashAttn(boolean v) { llamaFlashAttn = v; return this; }
        public Builder bandwidthBytes(long v) { bandwidthBytes = v; return this; }
        public Builder serve(Serve v) { serve = v; return this; }
        public Builder clients(List<Integer> v) { clients = v; return this; }
        public Builder servePromptTokens(int v) { servePromptTokens = v; return this; }
        public Builder serveGenTokens(int v) { serveGenTokens = v; return this; }
        public Builder serveQueueDelayMs(int v) { serveQueueDelayMs = v; return this; }
        public Builder jvmOptions(List<String> v) { jvmOptions = v; return this; }
        public Builder serveMainClass(String v) { serveMainClass = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }

        public BenchConfig build() {
            return new BenchConfig(models, threads, repetitions, statistic, warmup, promptTokens, genTokens, dir, out, llama, llamaDir, llamaMmap,
                    llamaKv, kvType, llamaFlashAttn, bandwidthBytes, serve, clients, servePromptTokens, serveGenTokens, serveQueueDelayMs, jvmOptions, serveMainClass, timeout);
        }
    }
}
