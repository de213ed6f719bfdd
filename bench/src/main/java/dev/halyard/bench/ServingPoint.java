package dev.halyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One engine serving {@code clients} concurrent streams on one model: the aggregate generation rate of
 * each repetition (all tokens generated / wall time from the first request to the last token) and the
 * time to first token of every stream of every repetition. A failed engine keeps its error instead.
 *
 * @param engine "halyard serve", "halyard engine" or "llama.cpp"
 * @param clients concurrent streams (parallel sequences for llama.cpp)
 * @param aggregateTokS one per repetition
 * @param ttftMs one per stream per repetition
 * @param peakRssKb peak resident set size of the serving process in KiB (-1: unknown)
 * @param error why the engine produced no numbers, or null
 * @param coreCheck {@link CoreCheck} readings of the serving process, GFLOP/s, before and after its runs
 *     (Halyard's engine in-process, {@link EngineServeProbe}; empty for the others)
 */
public record ServingPoint(String engine, int clients, List<Double> aggregateTokS, List<Double> ttftMs, long peakRssKb, String error,
        List<Double> coreCheck) {
    public ServingPoint {
        if (clients < 1) throw new IllegalArgumentException("clients must be >= 1, got " + clients);
        aggregateTokS = List.copyOf(aggregateTokS);
        ttftMs = List.copyOf(ttftMs);
        coreCheck = List.copyOf(coreCheck);
        if (error == null && (aggregateTokS.isEmpty() || ttftMs.isEmpty()))
            throw new IllegalArgumentException("a successful serving point needs rates and first-token times");
    }

    /** A point without core checks (halyard serve's, llama.cpp's). */
    public ServingPoint(String engine, int clients, List<Double> aggregateTokS, List<Double> ttftMs, long peakRssKb, String error) {
        this(engine, clients, aggregateTokS, ttftMs, peakRssKb, error, List.of());
    }

    /** The lowest core check of the serving process, GFLOP/s (NaN: none). */
    public double slowestCoreCheck() {
        return CoreCheck.slowest(coreCheck);
    }

    public static ServingPoint failed(String engine, int clients, String error) {
        return new ServingPoint(engine, clients, List.of(), List.of(), -1, error);
    }

    public boolean ok() {
        return error == null;
    }

    public double medianAggregateTokS() {
        return Stats.median(aggregateTokS);
    }

    public double ttftP50() {
        return Stats.percentile(ttftMs, 50);
    }

    public double ttftP99() {
        return Stats.percentile(ttftMs, 99);
    }

    /** Parses llama_serve's JSON line: {@code runs[].gen_tok_s}, {@code runs[].ttft_ms[]}, {@code peak_rss_kb}. */
    public static ServingPoint parseLlama(String stdout, int clients, long polledPeakKb) {
        return parse("llama.cpp", stdout, clients, polledPeakKb);
    }

    /**
     * Parses a line in llama_serve's format (also {@link EngineServeProbe}'s, which adds {@code
     * core_check_gflops}) as engine {@code engine}'s point.
     */
    public static ServingPoint parse(String engine, String stdout, int clients, long polledPeakKb) {
        JsonNode j = SingleStream.lastJsonLine(stdout);
        JsonNode runs = j.get("runs");
        if (runs == null || !runs.isArray() || runs.isEmpty()) throw new IllegalArgumentException(engine + " printed no runs: " + j);
        List<Double> rates = new ArrayList<>(), ttft = new ArrayList<>();
        for (JsonNode r : runs) {
            rates.add(SingleStream.number(r, "gen_tok_s"));
            JsonNode t = r.get("ttft_ms");
            if (t == null || t.size() != clients)
                throw new IllegalArgumentException(engine + " reported " + (t == null ? 0 : t.size()) + " first-token times for " + clients + " sequences");
            for (JsonNode v : t) ttft.add(v.asDouble());
        }
        long own = j.path("peak_rss_kb").asLong(-1);
        return new ServingPoint(engine, clients, rates, ttft, own > 0 ? own : polledPeakKb, null, CoreCheck.readings(j, engine));
    }
}
