package dev.halyard.cli;

import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.server.HalyardServer;
import dev.halyard.server.ServerConfig;
import dev.halyard.server.models.ModelSettings;
import dev.halyard.server.openai.Limits;
import dev.halyard.server.store.ModelStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code halyard serve}: the OpenAI-compatible server. Every {@code *.gguf} of the models directory is
 * served under its file name without {@code .gguf}, plus each {@code --model} file; models load on
 * first use and unload after {@code --keep-alive} idle. Runs until interrupted.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve models over an OpenAI-compatible HTTP API.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--models", paramLabel = "DIR", description = "directory of *.gguf models (default: DATA/models)")
    Path modelsDir;

    @Option(names = "--model", paramLabel = "FILE", description = "a GGUF file to serve as well (repeatable)")
    List<Path> modelFiles = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE}, loopback only)")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory (default: $HALYARD_HOME or ~/.halyard)")
    Path data;

    @Option(names = "--max-loaded", paramLabel = "N", defaultValue = "1", description = "models in memory at once (default: ${DEFAULT-VALUE})")
    int maxLoaded;

    @Option(names = "--keep-alive", paramLabel = "DURATION", defaultValue = "5m",
            description = "unload a model idle this long: 30s, 5m, 1h; 0 after each request; -1 never (default: ${DEFAULT-VALUE})")
    String keepAlive;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads per model (default: all cores)")
    Integer threads;

    @Option(names = "--ctx-size", paramLabel = "N", defaultValue = "0", description = "context window per sequence (default: the model's, at most 4096)")
    int contextSize;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "16", description = "sequences per batch (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "256", description = "requests that may wait for the batch; more get 429 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--max-memory", paramLabel = "SIZE", description = "memory all loaded models may take, e.g. 12G (default: what the JVM and machine have)")
    String maxMemory;

    @Option(names = "--load-wait", paramLabel = "DURATION", defaultValue = "10s",
            description = "how long a request waits for its model to load before getting 503 + Retry-After (default: ${DEFAULT-VALUE})")
    String loadWait;

    @Option(names = "--max-queue-delay", paramLabel = "DURATION", defaultValue = "0",
            description = "how long an idle model may hold its first requests for others sent with them to join their first step, e.g. 50ms; "
                    + "ends when the step is full, at most a fifth of the step's expected time; 0: off (default: ${DEFAULT-VALUE})")
    String maxQueueDelay;

    @Option(names = "--mmap", description = "memory-map weights instead of reading them into memory")
    boolean mmap;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f16",
            description = "KV cache element type: f16 (half the memory, as llama.cpp), f32 (exact) or q8_0 (8 bits and a scale per 32, 56%% of f16's memory) (default: ${DEFAULT-VALUE})")
    String kvType;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:HALYARD_API_KEY}",
            description = "require 'Authorization: Bearer KEY' (default: $HALYARD_API_KEY; none when unset)")
    String apiKey;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null)
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %5$s%6$s%n");
        HalyardServer server = start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "halyard-shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts the server these options describe and says where it listens. */
    HalyardServer start() {
        PrintWriter out = spec.commandLine().getOut();
        Path models = ModelStore.modelsDir(modelsDir, data);
        ModelOptions options = ModelOptions.defaults();
        if (threads != null) options = options.withThreads(threads);
        if (mmap) options = options.withLoadMode(GgufFile.LoadMode.MMAP);
        options = options.withKvType(KvType.parse(kvType));
        ModelSettings settings = ModelSettings.defaults().withMaxLoaded(maxLoaded).withKeepAlive(ModelSettings.parseDuration("--keep-alive", keepAlive))
                .withOptions(options).withContextSize(contextSize).withMaxRunning(parallel).withMaxWaiting(queue)
                .withMemoryLimit(maxMemory == null ? 0 : parseSize(maxMemory)).withLoadWait(duration("--load-wait", loadWait))
                .withMaxQueueDelay(duration("--max-queue-delay", maxQueueDelay));
        ServerConfig cfg = ServerConfig.of(models, modelFiles).withHost(host).withPort(port).withModels(settings)
                .withLimits(Limits.defaults()).withApiKey(apiKey);
        HalyardServer server = HalyardServer.start(cfg);
        out.printf("halyard serving %d model(s) from %s on http://%s:%d/v1 (Ctrl-C stops)%n",
                server.models().available().size(), models, host, server.port());
        for (var m : server.models().available()) out.printf("  %s  (%s)%n", m.id(), m.path());
        out.flush();
        return server;
    }

    private static Duration duration(String option, String s) {
        Duration d = ModelSettings.parseDuration(option, s);
        if (d == null) throw new IllegalArgumentException(option + " must be >= 0, got " + s);
        return d;
    }

    /** {@code 512M}, {@code 12G}, {@code 1T}, or bytes. */
    static long parseSize(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long unit = 1;
        if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t.strip());
            if (n <= 0 || n > Long.MAX_VALUE / unit) throw new NumberFormatException();
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--max-memory must look like 512M, 12G or a number of bytes, got '" + s + "'");
        }
    }
}
