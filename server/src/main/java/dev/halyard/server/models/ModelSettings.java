package dev.halyard.server.models;

import dev.halyard.model.arch.ModelOptions;
import dev.halyard.runtime.engine.EngineConfig;
import java.time.Duration;

/**
 * How the server loads and sizes models.
 *
 * @param maxLoaded models loaded at once (≥ 1); the least recently used idle one is unloaded for a new one
 * @param keepAlive idle time after which a model is unloaded; null keeps models loaded, zero unloads after each use
 * @param options threads, load mode and kernels of every model
 * @param contextSize positions per sequence; 0 = the model's trained context, at most 4096
 * @param maxRunning sequences per engine step (the batch)
 * @param maxWaiting requests that may wait for the batch; more get 429
 * @param memoryLimit bytes all loaded models may take together; 0 = what the JVM heap and the machine have
 * @param loadWait how long a request waits for its model to load before getting 503
 * @param maxQueueDelay how long an idle model holds its first requests for others to join their first
 *     step (see {@code EngineConfig.maxQueueDelay}); zero turns it off
 */
public record ModelSettings(int maxLoaded, Duration keepAlive, ModelOptions options, int contextSize, int maxRunning,
                            int maxWaiting, long memoryLimit, Duration loadWait, Duration maxQueueDelay) {
    public ModelSettings {
        if (maxLoaded < 1 || maxLoaded > 64) throw new IllegalArgumentException("max-loaded must be in [1, 64], got " + maxLoaded);
        if (keepAlive != null && keepAlive.isNegative()) throw new IllegalArgumentException("keep-alive must be >= 0, got " + keepAlive);
        if (options == null) throw new IllegalArgumentException("options must not be null");
        if (contextSize < 0 || contextSize > 1 << 20) throw new IllegalArgumentException("ctx-size must be in [0, 1048576], got " + contextSize);
        if (maxRunning < 1 || maxRunning > 1024) throw new IllegalArgumentException("maxRunning must be in [1, 1024], got " + maxRunning);
        if (maxWaiting < 1) throw new IllegalArgumentException("maxWaiting must be >= 1, got " + maxWaiting);
        if (memoryLimit < 0) throw new IllegalArgumentException("memoryLimit must be >= 0, got " + memoryLimit);
        if (loadWait == null || loadWait.isNegative()) throw new IllegalArgumentException("loadWait must be >= 0, got " + loadWait);
        if (maxQueueDelay == null || maxQueueDelay.isNegative() || maxQueueDelay.compareTo(Duration.ofSeconds(60)) > 0)
            throw new IllegalArgumentException("max-queue-delay must be in [0, 60 s], got " + maxQueueDelay);
    }

    /**
     * One model, kept 5 minutes (as Ollama), 16 running and 256 waiting requests; a request waits up to
     * 10 s for its model to load (an SDK's retries on 503 then cover loads of half a minute or so), and
     * the engine's default queue delay.
     */
    public static ModelSettings defaults() {
        return new ModelSettings(1, Duration.ofMinutes(5), ModelOptions.defaults(), 0, 16, 256, 0, Duration.ofSeconds(10),
                EngineConfig.DEFAULT_MAX_QUEUE_DELAY);
    }

    public ModelSettings withMaxLoaded(int n) { return new ModelSettings(n, keepAlive, options, contextSize, maxRunning, maxWaiting, memoryLimit, loadWait, maxQueueDelay); }
    public ModelSettings withKeepAlive(Duration d) { return new ModelSettings(maxLoaded, d, options, contextSize, maxRunning, maxWaiting, memoryLimit, loadWait, maxQueueDelay); }
    public ModelSettings withOptions(ModelOptions o) { return new ModelSettings(maxLoaded, keepAlive, o, contextSize, maxRunning, maxWaiting, memoryLimit, loadWait, maxQueueDelay); }
    public ModelSettings withContextSize(int n) { return new ModelSettings(maxLoaded, keepAlive, options, n, maxRunning, maxWaiting, memoryLimit, loadWait, maxQueueDelay); }
    public ModelSettings withMaxRunning(int n) { return new ModelSettings(maxLoaded, keepAlive, options, contextSize, n, maxWaiting, memoryLimit, loadWait, maxQueueDelay); }
    public ModelSettings withMaxWaiting(int n) { return new ModelSettings(maxLoaded, keepAlive, options, contextSize, maxRunning, n, memoryLimit, loadWait, maxQueueDelay); }
    public ModelSettings withMemoryLimit(long b) { return new ModelSettings(maxLoaded, keepAlive, options, contextSize, maxRunning, maxWaiting, b, loadWait, maxQueueDelay); }
    public ModelSettings withLoadWait(Duration d) { return new ModelSettings(maxLoaded, keepAlive, options, contextSize, maxRunning, maxWaiting, memoryLimit, d, maxQueueDelay); }
    public ModelSettings withMaxQueueDelay(Duration d) { return new ModelSettings(maxLoaded, keepAlive, options, contextSize, maxRunning, maxWaiting, memoryLimit, loadWait, d); }

    /**
     * Parses a keep-alive like Ollama's: {@code 30s}, {@code 5m}, {@code 1h}, {@code 500ms}, a bare number
     * of seconds, {@code 0} (unload after each use) or a negative value (never unload: returns null).
     */
    public static Duration parseKeepAlive(String s) {
        return parseDuration("keep-alive", s);
    }

    /** A duration written as for {@link #parseKeepAlive}; {@code name} is the option, for messages. */
    public static Duration parseDuration(String name, String s) {
        String t = s == null ? "" : s.strip().toLowerCase(java.util.Locale.ROOT);
        var m = java.util.regex.Pattern.compile("(-?\\d+)(ms|s|m|h|d)?").matcher(t);
        if (!m.matches()) throw new IllegalArgumentException(name + " must look like 30s, 5m, 1h, 0 or -1, got '" + s + "'");
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " " + s + " is too large");
        }
        if (n < 0) return null;
        String unit = m.group(2) == null ? "s" : m.group(2);
        if (n > 1_000_000_000L) throw new IllegalArgumentException(name + " " + s + " is too large");
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
