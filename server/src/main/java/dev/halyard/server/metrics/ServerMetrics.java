package dev.halyard.server.metrics;

import dev.halyard.runtime.engine.EngineStats;
import dev.halyard.server.models.LoadedModel;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Prometheus metrics of {@code GET /metrics}, per model (label {@code model}), named as vLLM's
 * (with the prefix {@code halyard_}): latency histograms observed as requests run, token and request
 * counters, and gauges read from each loaded engine's latest {@link EngineStats} at scrape time.
 * Observation methods are thread-safe and cheap (they run on engine threads).
 */
public final class ServerMetrics {
    private static final double[] LATENCY = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80};
    private static final double[] TOKEN_GAP = {0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram ttft, itl, e2e, queue;
    private final Counter promptTokens, generationTokens, requests;

    public ServerMetrics(Supplier<List<LoadedModel>> loaded) {
        ttft = histogram("halyard_time_to_first_token_seconds", "Time from arrival to the first generated token.", LATENCY);
        itl = histogram("halyard_inter_token_latency_seconds", "Time between consecutive generated tokens of a request.", TOKEN_GAP);
        e2e = histogram("halyard_e2e_request_latency_seconds", "Time from arrival to the end of a generation.", LATENCY);
        queue = histogram("halyard_request_queue_time_seconds", "Time a generation waited before its first scheduled step.", LATENCY);
        promptTokens = counter("halyard_prompt_tokens", "Prompt tokens processed.", "model");
        generationTokens = counter("halyard_generation_tokens", "Tokens generated.", "model");
        requests = counter("halyard_request_success", "Generations that ended, by finish reason.", "model", "finished_reason");
        gauge(loaded, "halyard_num_requests_running", "Requests in the model's batch.", s -> (double) s.running());
        gauge(loaded, "halyard_num_requests_waiting", "Requests waiting for the model's batch.", s -> (double) s.waiting());
        gauge(loaded, "halyard_kv_cache_usage_perc", "Fraction of KV blocks held by requests (1 = full).",
                s -> s.kvBlocksTotal() == 0 ? 0 : (double) s.kvBlocksUsed() / s.kvBlocksTotal());
        gauge(loaded, "halyard_kv_cache_blocks_used", "KV blocks held by requests.", s -> (double) s.kvBlocksUsed());
        gauge(loaded, "halyard_kv_cache_blocks", "KV blocks in the model's pool.", s -> (double) s.kvBlocksTotal());
        gauge(loaded, "halyard_prefix_cache_hit_tokens", "Prompt tokens served from the prefix cache since the model loaded.",
                s -> (double) s.prefixHitTokens());
        GaugeWithCallback.builder().name("halyard_models_loaded").help("Models in memory.")
                .callback(cb -> cb.call(loaded.get().size())).register(registry);
    }

    public void timeToFirstToken(String model, double seconds) { ttft.labelValues(model).observe(seconds); }
    public void interTokenLatency(String model, double seconds) { itl.labelValues(model).observe(seconds); }
    public void endToEnd(String model, double seconds) { e2e.labelValues(model).observe(seconds); }
    public void queueTime(String model, double seconds) { queue.labelValues(model).observe(seconds); }

    /** A generation (one choice) ended. */
    public void finished(String model, String reason, int prompt, int completion) {
        promptTokens.labelValues(model).inc(prompt);
        generationTokens.labelValues(model).inc(completion);
        requests.labelValues(model, reason).inc();
    }

    /** Prompt tokens processed outside the engine (embeddings, prompt logprobs). */
    public void promptTokens(String model, int n) {
        promptTokens.labelValues(model).inc(n);
    }

    /** The text exposition format (version 0.0.4). */
    public String scrape() {
        var out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    private Histogram histogram(String name, String help, double[] bounds) {
        return Histogram.builder().name(name).help(help).labelNames("model").classicOnly().classicUpperBounds(bounds).register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).register(registry);
    }

    private void gauge(Supplier<List<LoadedModel>> loaded, String name, String help, Function<EngineStats, Double> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("model").callback(cb -> {
            for (LoadedModel m : loaded.get()) {
                EngineStats s = m.engine().stats();
                if (s != null) cb.call(value.apply(s), m.id());
            }
        }).register(registry);
    }
}
