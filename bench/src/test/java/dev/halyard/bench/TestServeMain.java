package dev.halyard.bench;

import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.server.HalyardServer;
import dev.halyard.server.ServerConfig;
import dev.halyard.server.models.ModelSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The server the end-to-end test measures, for a class path without the CLI: the arguments the
 * benchmark gives {@code halyard serve} ({@code serve --model F --models D --host H --port P --threads T
 * --parallel N --ctx-size C --kv-type K --keep-alive=-1 --max-queue-delay Dms}), mapped onto the same {@link HalyardServer} and settings
 * as the CLI's ServeCommand does.
 */
public final class TestServeMain {
    private TestServeMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 0 || !args[0].equals("serve")) throw new IllegalArgumentException("expected 'serve' first");
        Path model = null, models = null;
        String host = "127.0.0.1";
        int port = 0, threads = 1, parallel = 16, ctx = 0;
        KvType kvType = KvType.F16;
        Duration queueDelay = dev.halyard.runtime.engine.EngineConfig.DEFAULT_MAX_QUEUE_DELAY;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--models" -> models = Path.of(args[++i]);
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--parallel" -> parallel = Integer.parseInt(args[++i]);
                case "--ctx-size" -> ctx = Integer.parseInt(args[++i]);
                case "--kv-type" -> kvType = KvType.parse(args[++i]);
                case "--keep-alive=-1" -> { }
                case "--max-queue-delay" -> queueDelay = java.time.Duration.ofMillis(Long.parseLong(args[++i].replace("ms", "")));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ModelSettings settings = ModelSettings.defaults().withKeepAlive(null).withOptions(ModelOptions.defaults().withThreads(threads).withKvType(kvType))
                .withContextSize(ctx).withMaxRunning(parallel).withLoadWait(Duration.ofSeconds(30)).withMaxQueueDelay(queueDelay);
        HalyardServer server = HalyardServer.start(ServerConfig.of(models, List.of(model)).withHost(host).withPort(port).withModels(settings));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
