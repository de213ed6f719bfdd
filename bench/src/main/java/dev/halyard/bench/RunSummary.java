package dev.halyard.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Several whole benchmark runs ({@code halyard bench --out} files) summarised together: per model and
 * quant mix, the median of the runs' Halyard / llama.cpp ratios with their range, how many runs met
 * the performance targets (issue 4's), and how many had a Halyard process flagged by the core check;
 * per serving point, the same for the ratio against llama.cpp, the scaling over one stream and the
 * p99 time to first token. One run on this host moves by 10-20% within an hour (the README's "host
 * speed"), so a figure that holds in the median of several runs is the one to quote. Runs are kept
 * apart by machine ({@link #machineLabel}: CPU kind and threads), since the ratios differ between
 * kinds of CPU; result files from before the kind was recorded fall into one group, with a warning
 * when their FMA peaks say they came from different kinds.
 *
 * <p>The files are untrusted input: each must be a JSON object of the benchmark's shape, at most
 * {@link #MAX_FILE_BYTES}; anything else is rejected with the file's name and what is wrong. A summary
 * that this class wrote ({@link #json}: {@code bench summary --out}, or {@code bench --runs N}'s
 * {@code -summary.json}) among the files is skipped by name ({@link #isSummary}), since a glob over a
 * results folder picks those up too: read as runs they formed a group of runs without a CPU kind and
 * without a single figure.
 */
public final class RunSummary {
    /** A benchmark result is a few hundred KiB; anything past this is not one. */
    public static final long MAX_FILE_BYTES = 16L << 20;

    /** The reference engine's name in result files (single-sequence ratios' key, serving rows). */
    static final String LLAMA = "llama.cpp";

    /** Issue 4's single-sequence targets (Halyard / llama.cpp), by quant mix: prompt, generation; NaN: none. */
    static double promptTarget(String quant) {
        return switch (quant) {
            case "Q8_0" -> 1.0;
            case "Q4_0" -> 0.7;
            default -> Double.NaN;
        };
    }

    static double genTarget(String quant) {
        return switch (quant) {
            case "Q8_0", "Q4_0" -> 1.0;
            case "Q4_K_M" -> 0.9;
            default -> Double.NaN;
        };
    }

    /** Halyard's own targets: generation at >= 60% of the bandwidth ceiling, prompts at >= 60% of the FP32 FMA peak. */
    static final double CEILING_TARGET = 0.6, FMA_TARGET = 0.6;

    /** Issue 4's memory target: Halyard's peak RSS at most file + KV cache + 300 MB. */
    static final double RSS_OVER_TARGET_BYTES = 300e6;

    /** Serving targets at 16 streams: against llama.cpp, over Halyard's own single stream. */
    static final double SERVE_TARGET = 1.0, SCALING_TARGET = 5.0;

    /**
     * One model and quant mix over the runs that measured it: the ratios against llama.cpp, and
     * Halyard's generation as a fraction of the run's bandwidth ceiling (nearCeiling: of the bandwidth
     * read next to the model's runs, files from stop 42 on) and its prompt speed as a fraction of the
     * run's FP32 FMA peak (matmulFma: the matrix multiplications' own FLOP rate as that fraction, files
     * from stop 56 on), and its peak RSS over file + KV cache in bytes (runs from
     * stop 41 on: older result files do not carry the KV cache's size).
     */
    public record Single(String machine, String model, String quant, List<Double> prompt, List<Double> gen, List<Double> ceiling, List<Double> nearCeiling,
            List<Double> fmaPeak, List<Double> matmulFma, List<Double> rssOver, int flagged) {
        public double promptMedian() {
            return Stats.median(prompt);
        }

        public double genMedian() {
            return Stats.median(gen);
        }

        public int promptMet() {
            return met(prompt, promptTarget(quant));
        }

        public int genMet() {
            return met(gen, genTarget(quant));
        }
    }

    /**
     * One serving point (model, quant mix, engine, streams) over the runs: ratios against llama.cpp with
     * the same parallel sequences, scaling over the engine's one stream, and p99 time to first token as
     * a ratio to llama.cpp's (below 1: sooner).
     */
    public record Serving(String machine, String model, String quant, String engine, int clients, List<Double> ratio, List<Double> scaling, List<Double> ttftP99Ratio) {}

    /**
     * The runs of one machine: CPU kind and thread count (the grouping key of every row), the runs' file
     * names, their FP32 FMA peaks on one thread (GFLOP/s), which tell kinds apart where older result
     * files did not record the CPU kind, and each run's Halyard build ({@link #BUILD_NOT_RECORDED} for
     * files from before stop 51).
     */
    public record Machine(String label, List<String> runs, List<Double> fmaPeak1, List<String> builds) {
        /** The builds with their counts of runs, in the order they first appear: "923e42c (2 runs), ...". */
        public String buildCounts() {
            Map<String, Integer> n = new LinkedHashMap<>();
            for (String b : builds) n.merge(b, 1, Integer::sum);
            List<String> parts = new ArrayList<>();
            n.forEach((b, c) -> parts.add(b + " (" + c + (c == 1 ? " run)" : " runs)")));
            return String.join(", ", parts);
        }

        /** Whether the runs' FMA peaks differ by more than {@link #KIND_SPREAD}: probably different CPUs under one label. */
        public boolean mixed() {
            if (fmaPeak1.size() < 2) return false;
            DoubleSummaryStatistics s = fmaPeak1.stream().mapToDouble(Double::doubleValue).summaryStatistics();
            return s.getMax() > KIND_SPREAD * s.getMin();
        }
    }

    /**
     * One kind of CPU measures its FP32 FMA peak within ~10% from run to run here (a noisy host's slow
     * phase aside); the two kinds seen so far differ 2x (two 512-bit FMA pipes or one split in two).
     */
    static final double KIND_SPREAD = 1.4;

    /** A run's build where its file does not record it (files from before stop 51). */
    static final String BUILD_NOT_RECORDED = "build not recorded";

    /** The group label of runs whose file does not record the CPU kind. */
    static final String KIND_NOT_RECORDED = "CPU kind not recorded";

    private final List<String> files;
    private final List<Machine> machines;
    private final List<Single> singles;
    private final List<Serving> serving;
    private final List<String> skipped;
    private final List<String> leftOut;
    private final String build;

    private RunSummary(List<String> files, List<Machine> machines, List<Single> singles, List<Serving> serving, List<String> skipped, List<String> leftOut,
            String build) {
        this.files = files;
        this.machines = machines;
        this.singles = singles;
        this.serving = serving;
        this.skipped = skipped;
        this.leftOut = leftOut;
        this.build = build;
    }

    /** The runs {@link #read(List, String)} left out as other builds than the one asked for. */
    public List<String> leftOut() {
        return leftOut;
    }

    /** The files {@link #read} skipped as summaries of runs ({@link #isSummary}), in the order given. */
    public List<String> skipped() {
        return skipped;
    }

    public List<Machine> machines() {
        return machines;
    }

    public List<Single> singles() {
        return singles;
    }

    public List<Serving> serving() {
        return serving;
    }

    /** Reads and summarises result files; IllegalArgumentException names the file that is not one. */
    public static RunSummary read(List<Path> paths) throws IOException {
        return read(paths, null);
    }

    /**
     * {@link #read(List)} of the runs whose Halyard build ({@code machine.halyard_build}) starts with
     * {@code build} (null: every run); the others are left out and named ({@link #leftOut}).
     */
    public static RunSummary read(List<Path> paths, String build) throws IOException {
        if (paths.isEmpty()) throw new IllegalArgumentException("no result files given");
        if (build != null && (build.isBlank() || build.length() > 100)) throw new IllegalArgumentException("--build: a commit prefix, 1-100 characters");
        List<String> names = new ArrayList<>(), skipped = new ArrayList<>(), other = new ArrayList<>();
        List<JsonNode> runs = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException(p + ": not a file");
            long size = Files.size(p);
            if (size > MAX_FILE_BYTES) throw new IllegalArgumentException(p + ": " + size + " bytes, more than a benchmark result (" + MAX_FILE_BYTES + ")");
            JsonNode root = parse(p.toString(), Files.readString(p));
            if (isSummary(root)) {
                skipped.add(p.getFileName().toString());
                continue;
            }
            if (build != null && !buildOf(p.getFileName().toString(), root).startsWith(build)) {
                other.add(p.getFileName().toString());
                continue;
            }
            names.add(p.getFileName().toString());
            runs.add(root);
        }
        if (runs.isEmpty() && !other.isEmpty())
            throw new IllegalArgumentException("no run of a Halyard build starting with " + build + " among the files (" + other.size() + " of other builds)");
        if (runs.isEmpty())
            throw new IllegalArgumentException(String.join(", ", skipped) + ": summaries of runs (bench summary --out), no run results among the files");
        return of(names, runs, skipped, other, build);
    }

    /** A run's Halyard build ({@code machine.halyard_build}), or {@link #BUILD_NOT_RECORDED}. */
    static String buildOf(String name, JsonNode run) {
        JsonNode b = run.path("machine").path("halyard_build");
        if (b.isMissingNode() || b.isNull()) return BUILD_NOT_RECORDED;
        if (!b.isTextual() || b.asText().isBlank()) throw new IllegalArgumentException(name + ": \"halyard_build\" is not a string");
        if (b.asText().length() > 100) throw new IllegalArgumentException(name + ": \"halyard_build\" longer than 100 characters");
        return b.asText().strip();
    }

    /**
     * Whether a parsed file is a summary that {@link #json} wrote rather than a run: it names its runs
     * ({@code "runs"}, an array of file names; summaries from before stop 42 have no {@code "machines"})
     * and has no {@code "machine"} object, which every run has.
     */
    static boolean isSummary(JsonNode root) {
        JsonNode runs = root.path("runs");
        if (!runs.isArray() || root.path("machine").isObject()) return false;
        for (JsonNode r : runs) if (!r.isTextual()) return false;
        return true;
    }

    /** Summarises results already in memory (each a {@link Report#json} text), named for the table. */
    public static RunSummary ofJson(List<String> names, List<String> jsons) {
        if (names.size() != jsons.size() || jsons.isEmpty()) throw new IllegalArgumentException("one name per result, at least one result");
        List<JsonNode> runs = new ArrayList<>();
        for (int i = 0; i < jsons.size(); i++) runs.add(parse(names.get(i), jsons.get(i)));
        return of(names, runs);
    }

    static JsonNode parse(String name, String text) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(name + ": not a benchmark result (expected a JSON object)");
        if (!root.path("models").isArray()) throw new IllegalArgumentException(name + ": not a benchmark result (no \"models\" array)");
        JsonNode serving = root.path("serving");
        if (!serving.isMissingNode() && !serving.isNull() && !serving.isArray())
            throw new IllegalArgumentException(name + ": \"serving\" is not an array");
        return root;
    }

    /**
     * A run's machine: its CPU kind ({@code machine.cpu_kind}, from stop 42 on) and thread count, the
     * key that keeps runs of different machines out of one median.
     */
    static String machineLabel(String name, JsonNode run) {
        JsonNode m = run.path("machine");
        JsonNode kind = m.path("cpu_kind"), threads = m.path("threads");
        String k = KIND_NOT_RECORDED;
        if (!kind.isMissingNode() && !kind.isNull()) {
            if (!kind.isTextual() || kind.asText().isBlank()) throw new IllegalArgumentException(name + ": \"cpu_kind\" is not a string");
            if (kind.asText().length() > 200) throw new IllegalArgumentException(name + ": \"cpu_kind\" longer than 200 characters");
            k = kind.asText().strip();
        }
        if (threads.isMissingNode() || threads.isNull()) return k;
        if (!threads.canConvertToInt() || threads.asInt() < 1) throw new IllegalArgumentException(name + ": \"threads\" is not a positive integer");
        return k + "; " + threads.asInt() + (threads.asInt() == 1 ? " thread" : " threads");
    }

    /**
     * Summarises parsed runs, named for messages, grouped by machine ({@link #machineLabel}; groups as
     * their first run appears): models in the order of the run with the most of them (then as they
     * first appear), serving points as they first appear.
     */
    static RunSummary of(List<String> names, List<JsonNode> runs) {
        return of(names, runs, List.of(), List.of(), null);
    }

    /** {@link #of(List, List)}, naming the summaries {@link #read} skipped and the runs of other builds it left out. */
    private static RunSummary of(List<String> names, List<JsonNode> runs, List<String> skipped, List<String> leftOut, String build) {
        record Key(String machine, String model, String quant) {}
        record PointKey(String machine, String model, String quant, String engine, int clients) {}
        List<String> labels = new ArrayList<>();
        Map<String, List<String>> groupRuns = new LinkedHashMap<>();
        Map<String, List<Double>> groupFma = new LinkedHashMap<>();
        Map<String, List<String>> groupBuilds = new LinkedHashMap<>();
        for (int f = 0; f < runs.size(); f++) {
            String label = machineLabel(names.get(f), runs.get(f));
            labels.add(label);
            groupRuns.computeIfAbsent(label, k -> new ArrayList<>()).add(names.get(f));
            groupBuilds.computeIfAbsent(label, k -> new ArrayList<>()).add(buildOf(names.get(f), runs.get(f)));
            addIfNumber(groupFma.computeIfAbsent(label, k -> new ArrayList<>()), number(names.get(f), runs.get(f).path("machine"), "fma_peak_1_thread_gflop_s"));
        }
        List<String> order = new ArrayList<>(groupRuns.keySet());
        Map<Key, List<Double>> prompt = new LinkedHashMap<>(), gen = new LinkedHashMap<>(), ceiling = new LinkedHashMap<>(), near = new LinkedHashMap<>(),
                fma = new LinkedHashMap<>(), matmulFma = new LinkedHashMap<>(), rss = new LinkedHashMap<>();
        Map<Key, Integer> flagged = new LinkedHashMap<>();
        Map<PointKey, List<List<Double>>> points = new LinkedHashMap<>();
        // rows in the order of the run with the most models (a full run's preset order), then the others'
        List<Integer> bySize = new ArrayList<>();
        for (int f = 0; f < runs.size(); f++) bySize.add(f);
        bySize.sort((x, y) -> Integer.compare(runs.get(y).path("models").size(), runs.get(x).path("models").size()));
        for (String group : order)
            for (int f : bySize) {
                if (!labels.get(f).equals(group)) continue;
                for (JsonNode m : runs.get(f).path("models")) {
                    Key key = new Key(group, text(names.get(f), m, "model"), text(names.get(f), m, "quant"));
                    prompt.putIfAbsent(key, new ArrayList<>());
                    gen.putIfAbsent(key, new ArrayList<>());
                    ceiling.putIfAbsent(key, new ArrayList<>());
                    near.putIfAbsent(key, new ArrayList<>());
                    fma.putIfAbsent(key, new ArrayList<>());
                    matmulFma.putIfAbsent(key, new ArrayList<>());
                    rss.putIfAbsent(key, new ArrayList<>());
                    flagged.putIfAbsent(key, 0);
                }
            }
        for (int f = 0; f < runs.size(); f++) {
            String name = names.get(f), group = labels.get(f);
            JsonNode run = runs.get(f);
            for (JsonNode m : run.path("models")) {
                Key key = new Key(group, text(name, m, "model"), text(name, m, "quant"));
                JsonNode r = m.path("ratios").path(LLAMA);
                addIfNumber(prompt.get(key), number(name, r, "prompt"));
                addIfNumber(gen.get(key), number(name, r, "gen"));
                for (JsonNode e : m.path("engines")) {
                    if (!Report.HALYARD.equals(e.path("engine").asText())) continue;
                    if (e.path("slow_mode").asBoolean(false)) flagged.merge(key, 1, Integer::sum);
                    addIfNumber(ceiling.get(key), number(name, e, "gen_fraction_of_ceiling"));
                    addIfNumber(near.get(key), number(name, e, "gen_fraction_of_near_ceiling"));
                    addIfNumber(fma.get(key), number(name, e, "prompt_fraction_of_fma_peak"));
                    addIfNumber(matmulFma.get(key), number(name, e, "prompt_matmul_fraction_of_fma_peak"));
                    addIfNumber(rss.get(key), number(name, e, "rss_over_file_and_kv_bytes"));
                }
            }
            for (JsonNode s : run.path("serving")) {
                String model = text(name, s, "model"), quant = text(name, s, "quant");
                Map<Integer, Double> llamaP99 = new LinkedHashMap<>();
                for (JsonNode p : s.path("points"))
                    if (LLAMA.equals(p.path("engine").asText())) llamaP99.put(p.path("clients").asInt(), number(name, p, "ttft_p99_ms"));
                for (JsonNode p : s.path("points")) {
                    String engine = text(name, p, "engine");
                    if (LLAMA.equals(engine)) continue;
                    if (!p.path("clients").canConvertToInt() || p.path("clients").asInt() < 1)
                        throw new IllegalArgumentException(name + ": serving point without a positive \"clients\"");
                    int clients = p.path("clients").asInt();
                    List<List<Double>> lists = points.computeIfAbsent(new PointKey(group, model, quant, engine, clients),
                            k -> List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
                    addIfNumber(lists.get(0), number(name, p, "ratio_vs_llama_cpp"));
                    addIfNumber(lists.get(1), number(name, p, "scaling_vs_1_stream"));
                    addIfNumber(lists.get(2), Stats.ratio(number(name, p, "ttft_p99_ms"), llamaP99.getOrDefault(clients, Double.NaN)));
                }
            }
        }
        List<Single> singles = new ArrayList<>();
        for (Key key : prompt.keySet())
            singles.add(new Single(key.machine(), key.model(), key.quant(), List.copyOf(prompt.get(key)), List.copyOf(gen.get(key)), List.copyOf(ceiling.get(key)),
                    List.copyOf(near.get(key)), List.copyOf(fma.get(key)), List.copyOf(matmulFma.get(key)), List.copyOf(rss.get(key)), flagged.get(key)));
        List<Serving> serving = new ArrayList<>();
        for (var e : points.entrySet()) {
            PointKey k = e.getKey();
            List<List<Double>> l = e.getValue();
            serving.add(new Serving(k.machine(), k.model(), k.quant(), k.engine(), k.clients(), List.copyOf(l.get(0)), List.copyOf(l.get(1)), List.copyOf(l.get(2))));
        }
        serving.sort(java.util.Comparator.comparingInt(s -> order.indexOf(s.machine()))); // stable: first appearance within a machine
        List<Machine> machines = new ArrayList<>();
        for (String g : order) machines.add(new Machine(g, List.copyOf(groupRuns.get(g)), List.copyOf(groupFma.get(g)), List.copyOf(groupBuilds.get(g))));
        return new RunSummary(List.copyOf(names), List.copyOf(machines), List.copyOf(singles), List.copyOf(serving), List.copyOf(skipped), List.copyOf(leftOut),
                build);
    }

    private static String text(String name, JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isTextual() || v.asText().isBlank()) throw new IllegalArgumentException(name + ": an entry without a \"" + field + "\" string");
        if (v.asText().length() > 200) throw new IllegalArgumentException(name + ": \"" + field + "\" longer than 200 characters");
        return v.asText().strip();
    }

    /** A measured number, NaN where the run has none (null: a failed engine; absent: not measured). */
    private static double number(String name, JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) return Double.NaN;
        if (!v.isNumber()) throw new IllegalArgumentException(name + ": \"" + field + "\" is not a number: " + abbreviate(v.toString()));
        return v.doubleValue();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static void addIfNumber(List<Double> list, double v) {
        if (Double.isFinite(v)) list.add(v);
    }

    static int met(List<Double> values, double target) {
        if (Double.isNaN(target)) return -1;
        int n = 0;
        for (double v : values) if (v >= target) n++;
        return n;
    }

    /** The median and, in parentheses, the lowest and highest value, each formatted; "-" for no runs. */
    private static String spread(List<Double> v, DoubleFunction<String> format) {
        if (v.isEmpty()) return "-";
        DoubleSummaryStatistics s = v.stream().mapToDouble(Double::doubleValue).summaryStatistics();
        return format.apply(Stats.median(v)) + " (" + format.apply(s.getMin()) + "-" + format.apply(s.getMax()) + ")";
    }

    private static String range(List<Double> v) {
        return spread(v, x -> Report.num(x, 2));
    }

    /** Fractions as percentages: median (range), runs at or above the target. */
    private static String percents(List<Double> v, double target) {
        return v.isEmpty() ? "-" : spread(v, Report::pct) + ", " + met(v, target) + " of " + v.size();
    }

    /** Bytes as MiB: median (range), runs within the memory target. */
    private static String mebibytes(List<Double> v) {
        return v.isEmpty() ? "-" : spread(v, x -> Report.num(x / 1048576, 0)) + ", " + withinRss(v) + " of " + v.size();
    }

    static int withinRss(List<Double> v) {
        int n = 0;
        for (double x : v) if (x <= RSS_OVER_TARGET_BYTES) n++;
        return n;
    }

    private static String metText(List<Double> v, double target) {
        if (v.isEmpty()) return "-";
        int n = met(v, target);
        return n < 0 ? "-" : String.format(Locale.ROOT, "%d of %d (>= %s)", n, v.size(), Report.num(target, 1));
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "halyard bench summary: %d %s (%s)%n", files.size(), files.size() == 1 ? "run" : "runs", String.join(", ", files)));
        if (!skipped.isEmpty())
            sb.append(String.format(Locale.ROOT, "Skipped %d %s of runs, not runs: %s%n", skipped.size(), skipped.size() == 1 ? "summary" : "summaries", String.join(", ", skipped)));
        if (build != null)
            sb.append(String.format(Locale.ROOT, "Only runs of Halyard builds starting with %s; left out %d of other builds%s%n", build, leftOut.size(),
                    leftOut.isEmpty() ? "" : " (" + String.join(", ", leftOut) + ")"));
        sb.append(String.format(Locale.ROOT, "Single sequence: Halyard / llama.cpp, the median of the runs' ratios (their range); runs that met issue 4's target; "
                + "Halyard's generation as a share of each run's bandwidth ceiling (and of the ceiling read next to that model's runs, runs from stop 42 on) and its prompts as a share of each run's FP32 FMA peak "
                + "(median, range, runs at >= 60%%); Halyard's peak RSS over file + KV cache (median, range, runs within 300 MB); runs in which a Halyard process was flagged by the core check (the host's slow mode)%n"));
        if (!serving.isEmpty())
            sb.append(String.format(Locale.ROOT, "Serving: aggregate generation against llama.cpp with as many parallel sequences, scaling over the engine's "
                    + "one stream, TTFT p99 as a ratio to llama.cpp's (below 1: sooner); medians over the runs (range)%n"));
        sb.append(String.format(Locale.ROOT, "Runs are summarised per machine (CPU kind and threads): the ratios differ between kinds of CPU%n"));
        for (Machine mc : machines) {
            sb.append(String.format(Locale.ROOT, "%nMachine: %s: %d %s%s%n", mc.label(), mc.runs().size(), mc.runs().size() == 1 ? "run" : "runs",
                    machines.size() > 1 ? " (" + String.join(", ", mc.runs()) + ")" : ""));
            sb.append(String.format(Locale.ROOT, "Halyard builds: %s%n", mc.buildCounts()));
            if (mc.mixed()) {
                DoubleSummaryStatistics f = mc.fmaPeak1().stream().mapToDouble(Double::doubleValue).summaryStatistics();
                sb.append(String.format(Locale.ROOT, "warning: these runs' FP32 FMA peaks on one thread range %s-%s GFLOP/s: probably different kinds of CPU, "
                        + "which their medians mix (result files before stop 42 do not record the kind)%n", Report.num(f.getMin(), 0), Report.num(f.getMax(), 0)));
            }
            sb.append(System.lineSeparator());
            Report.Table t = new Report.Table("model", "quant", "runs", "pp ratio", "pp target met", "tg ratio", "tg target met", "tg % ceiling", "tg % near ceiling",
                    "pp % FMA peak", "matmul % FMA peak", "RSS - file - KV, MiB", "flagged");
            for (Single s : singles) {
                if (!s.machine().equals(mc.label())) continue;
                t.row(List.of(s.model(), s.quant(), Integer.toString(Math.max(Math.max(s.prompt().size(), s.gen().size()), s.ceiling().size())), range(s.prompt()),
                        metText(s.prompt(), promptTarget(s.quant())), range(s.gen()), metText(s.gen(), genTarget(s.quant())),
                        percents(s.ceiling(), CEILING_TARGET), percents(s.nearCeiling(), CEILING_TARGET), percents(s.fmaPeak(), FMA_TARGET),
                        percents(s.matmulFma(), FMA_TARGET), mebibytes(s.rssOver()),
                        Integer.toString(s.flagged())));
            }
            sb.append(t.render());
            Report.Table st = new Report.Table("model", "quant", "engine", "streams", "runs", "vs llama.cpp", "scaling", "TTFT p99 / llama.cpp");
            boolean any = false;
            for (Serving s : serving) {
                if (!s.machine().equals(mc.label())) continue;
                any = true;
                int runs = Math.max(s.ratio().size(), Math.max(s.scaling().size(), s.ttftP99Ratio().size()));
                String ratio = range(s.ratio()) + (s.clients() == 16 ? ", " + metText(s.ratio(), SERVE_TARGET) : "");
                String scaling = range(s.scaling()) + (s.clients() == 16 && !s.scaling().isEmpty() ? ", " + metText(s.scaling(), SCALING_TARGET) : "");
                st.row(List.of(s.model(), s.quant(), s.engine(), Integer.toString(s.clients()), Integer.toString(runs), ratio, scaling, range(s.ttftP99Ratio())));
            }
            if (any) sb.append(System.lineSeparator()).append(st.render());
        }
        return sb.toString();
    }

    public String json() {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        ArrayNode fs = root.putArray("runs");
        files.forEach(fs::add);
        if (!skipped.isEmpty()) {
            ArrayNode sk = root.putArray("skipped_summaries");
            skipped.forEach(sk::add);
        }
        if (build != null) {
            root.put("build", build);
            ArrayNode lo = root.putArray("left_out_other_builds");
            leftOut.forEach(lo::add);
        }
        ArrayNode ms = root.putArray("machines");
        for (Machine mc : machines) {
            ObjectNode o = ms.addObject();
            o.put("machine", mc.label());
            ArrayNode r = o.putArray("runs");
            mc.runs().forEach(r::add);
            ArrayNode f = o.putArray("fma_peak_1_thread_gflop_s");
            mc.fmaPeak1().forEach(f::add);
            o.put("fma_peaks_disagree", mc.mixed());
            ArrayNode b = o.putArray("builds"); // per run, in the order of "runs"; null: not recorded
            mc.builds().forEach(x -> {
                if (x.equals(BUILD_NOT_RECORDED)) b.addNull();
                else b.add(x);
            });
        }
        ArrayNode ss = root.putArray("models");
        for (Single s : singles) {
            ObjectNode o = ss.addObject();
            o.put("machine", s.machine()).put("model", s.model()).put("quant", s.quant()).put("flagged_runs", s.flagged());
            stats(o.putObject("prompt_ratio"), s.prompt(), promptTarget(s.quant()));
            stats(o.putObject("gen_ratio"), s.gen(), genTarget(s.quant()));
            stats(o.putObject("gen_fraction_of_ceiling"), s.ceiling(), CEILING_TARGET);
            stats(o.putObject("gen_fraction_of_near_ceiling"), s.nearCeiling(), CEILING_TARGET);
            stats(o.putObject("prompt_fraction_of_fma_peak"), s.fmaPeak(), FMA_TARGET);
            if (!s.matmulFma().isEmpty()) stats(o.putObject("prompt_matmul_fraction_of_fma_peak"), s.matmulFma(), FMA_TARGET);
            ObjectNode r = o.putObject("rss_over_file_and_kv_bytes");
            r.put("median", Stats.median(s.rssOver()));
            ArrayNode ra = r.putArray("runs");
            s.rssOver().forEach(ra::add);
            r.put("target_at_most", RSS_OVER_TARGET_BYTES).put("runs_meeting_target", withinRss(s.rssOver()));
        }
        ArrayNode sv = root.putArray("serving");
        for (Serving s : serving) {
            ObjectNode o = sv.addObject();
            o.put("machine", s.machine()).put("model", s.model()).put("quant", s.quant()).put("engine", s.engine()).put("clients", s.clients());
            stats(o.putObject("ratio_vs_llama_cpp"), s.ratio(), s.clients() == 16 ? SERVE_TARGET : Double.NaN);
            stats(o.putObject("scaling_vs_1_stream"), s.scaling(), s.clients() == 16 ? SCALING_TARGET : Double.NaN);
            stats(o.putObject("ttft_p99_vs_llama_cpp"), s.ttftP99Ratio(), Double.NaN);
        }
        try {
            return om.writeValueAsString(Report.nanToNull(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void stats(ObjectNode o, List<Double> v, double target) {
        o.put("median", Stats.median(v));
        ArrayNode a = o.putArray("runs");
        v.forEach(a::add);
        if (!Double.isNaN(target)) o.put("target", target).put("runs_meeting_target", met(v, target));
    }
}
