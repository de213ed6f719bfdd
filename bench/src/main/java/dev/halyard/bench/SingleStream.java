package dev.halyard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * One engine's single-sequence measurements on one model: prompt processing and generation speed of
 * each repetition, peak resident memory and load time. A failed engine keeps its error instead.
 *
 * @param engine "halyard", "llama.cpp" (weights read into memory) or "llama.cpp mmap"
 * @param promptTokS prompt tokens per second, one per repetition
 * @param genTokS generated tokens (decode steps) per second, one per repetition
 * @param peakRssKb peak resident set size of the process in KiB (-1: unknown)
 * @param loadMs model load time
 * @param error why the engine produced no numbers, or null
 * @param coreCheck {@link CoreCheck} readings of the engine's processes, GFLOP/s, each process's before and
 *     after its runs (Halyard's; empty for llama.cpp, whose harness cannot run the Java kernel)
 * @param promptMatmulGflopS per repetition, the FLOP rate of the prompt's matrix multiplications alone, GFLOP/s
 *     (Halyard's, from {@link dev.halyard.kernels.Matmul#CLOCK}; empty when not measured: llama.cpp, older builds)
 */
public record SingleStream(String engine, List<Double> promptTokS, List<Double> genTokS, long peakRssKb, double loadMs, String error,
        List<Double> coreCheck, List<Double> promptMatmulGflopS) {
    public SingleStream {
        promptTokS = List.copyOf(promptTokS);
        genTokS = List.copyOf(genTokS);
        coreCheck = List.copyOf(coreCheck);
        promptMatmulGflopS = List.copyOf(promptMatmulGflopS);
        if (error == null && (promptTokS.isEmpty() || promptTokS.size() != genTokS.size()))
            throw new IllegalArgumentException("a successful run needs as many prompt as generation speeds (at least one), got "
                    + promptTokS.size() + " and " + genTokS.size());
    }

    /** Measurements without the matmul clock. */
    public SingleStream(String engine, List<Double> promptTokS, List<Double> genTokS, long peakRssKb, double loadMs, String error,
            List<Double> coreCheck) {
        this(engine, promptTokS, genTokS, peakRssKb, loadMs, error, coreCheck, List.of());
    }

    /** Measurements without core checks (llama.cpp's). */
    public SingleStream(String engine, List<Double> promptTokS, List<Double> genTokS, long peakRssKb, double loadMs, String error) {
        this(engine, promptTokS, genTokS, peakRssKb, loadMs, error, List.of());
    }

    /** The core checks as text, "61.0 / 60.2 / …" (GFLOP/s, one decimal), or "-" when there are none. */
    public String coreCheckText() {
        return CoreCheck.text(coreCheck);
    }

    /** The lowest core check of the engine's processes, GFLOP/s (NaN: none). */
    public double slowestCoreCheck() {
        return CoreCheck.slowest(coreCheck);
    }

    public static SingleStream failed(String engine, String error) {
        return new SingleStream(engine, List.of(), List.of(), -1, Double.NaN, error);
    }

    public boolean ok() {
        return error == null;
    }

    /**
     * The runs of several processes of one engine as one series, in order: the highest peak RSS, the
     * mean load time; the first failure if any failed.
     */
    public static SingleStream concat(List<SingleStream> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to concatenate");
        if (parts.size() == 1) return parts.getFirst();
        List<Double> pp = new ArrayList<>(), tg = new ArrayList<>(), core = new ArrayList<>(), mm = new ArrayList<>();
        long rss = -1;
        double load = 0;
        for (SingleStream s : parts) {
            if (!s.ok()) return s;
            pp.addAll(s.promptTokS());
            tg.addAll(s.genTokS());
            core.addAll(s.coreCheck());
            mm.addAll(s.promptMatmulGflopS());
            rss = Math.max(rss, s.peakRssKb());
            load += s.loadMs() / parts.size();
        }
        return new SingleStream(parts.getFirst().engine(), pp, tg, rss, load, null, core, mm);
    }

    public double medianPromptTokS() {
        return Stats.median(promptTokS);
    }

    public double medianGenTokS() {
        return Stats.median(genTokS);
    }

    /**
     * Parses the JSON line that llama_ref and {@link HalyardProbe} print: {@code runs[].prompt_tok_s},
     * {@code runs[].gen_tok_s}, {@code load_ms}, {@code peak_rss_kb}, and Halyard's {@code core_check_gflops}
     * and {@code runs[].prompt_matmul_gflop_s} (optional, every run or none). The process's own peak (exact) wins
     * over {@code polledPeakKb} (sampled from outside while it ran).
     */
    public static SingleStream parse(String engine, String stdout, long polledPeakKb) {
        JsonNode j = lastJsonLine(stdout);
        JsonNode runs = j.get("runs");
        if (runs == null || !runs.isArray() || runs.isEmpty()) throw new IllegalArgumentException(engine + " printed no runs: " + j);
        List<Double> pp = new ArrayList<>(), tg = new ArrayList<>(), mm = new ArrayList<>();
        for (JsonNode r : runs) {
            pp.add(number(r, "prompt_tok_s"));
            tg.add(number(r, "gen_tok_s"));
            if (r.has("prompt_matmul_gflop_s")) mm.add(number(r, "prompt_matmul_gflop_s"));
        }
        if (!mm.isEmpty() && mm.size() != pp.size())
            throw new IllegalArgumentException(engine + " printed prompt_matmul_gflop_s for " + mm.size() + " of " + pp.size() + " runs: " + j);
        List<Double> core = CoreCheck.readings(j, engine);
        long own = j.path("peak_rss_kb").asLong(-1);
        return new SingleStream(engine, pp, tg, own > 0 ? own : polledPeakKb, j.path("load_ms").asDouble(Double.NaN), null, core, mm);
    }

    /** The last line of {@code stdout} that is a JSON object (children may print other lines first). */
    static JsonNode lastJsonLine(String stdout) {
        String[] lines = stdout.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.startsWith("{")) continue;
            try {
                return new ObjectMapper().readTree(line);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("bad JSON from child process: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("child process printed no JSON line; stdout: '" + abbreviate(stdout) + "'");
    }

    static double number(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("expected a number at '" + key + "' in " + o);
        return v.asDouble();
    }

    static String abbreviate(String s) {
        s = s.strip();
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
