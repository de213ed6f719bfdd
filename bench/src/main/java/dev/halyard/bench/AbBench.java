package dev.halyard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code halyard bench ab}: two variants of Halyard — two builds, or one build with two sets of JVM
 * options (a {@code -D} switch, a flag of the JIT) — on the same models, prompt and threads, each in
 * its own process, run by run in turn ({@link Lockstep}), the order flipping every round (A B, B A,
 * A B…). It reports, per model, the median of the round-by-round ratios B / A of prompt and generation
 * speed, and their range.
 *
 * <p>Why separate processes: one JVM alternating two kernels is not a fair comparison of the two. The
 * shared callers are compiled with both paths hot, not as a process that only ever takes one path
 * compiles them; here that put a 0.97x change at 1.18x. Why in turn: the same binary varies up to 2x
 * within minutes on a shared host, so only pairs of runs seconds apart compare like with like.
 */
public final class AbBench {
    private AbBench() {}

    /**
     * One side of the comparison.
     *
     * @param name "A" or "B" as reported (or a label the caller chooses)
     * @param classPath the class path of its build (the running one: {@code System.getProperty("java.class.path")})
     * @param jvmOptions extra options for its JVM
     */
    public record Variant(String name, String classPath, List<String> jvmOptions) {
        public Variant {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("a variant needs a name");
            if (classPath == null || classPath.isBlank()) throw new IllegalArgumentException("variant " + name + " needs a class path");
            jvmOptions = List.copyOf(jvmOptions);
        }

        /** This build, with {@code jvmOptions}. */
        public static Variant current(String name, List<String> jvmOptions) {
            return new Variant(name, System.getProperty("java.class.path"), jvmOptions);
        }

        /**
         * The build of another Halyard checkout: its {@code cli/target/halyard-cli-*.jar} and the
         * libraries next to it ({@code ./mvnw -q package -DskipTests} there builds them).
         */
        public static Variant checkout(String name, Path dir, List<String> jvmOptions) throws IOException {
            Path target = dir.resolve("cli").resolve("target");
            Path jar = null;
            if (Files.isDirectory(target)) {
                try (var files = Files.list(target)) {
                    jar = files.filter(f -> {
                        String n = f.getFileName().toString();
                        return n.startsWith("halyard-cli-") && n.endsWith(".jar") && !n.endsWith("-sources.jar");
                    }).findFirst().orElse(null);
                }
            }
            if (jar == null || !Files.isDirectory(target.resolve("lib")))
                throw new IOException("no build in " + dir + ": expected cli/target/halyard-cli-*.jar and cli/target/lib/ (run ./mvnw -q package -DskipTests there)");
            return new Variant(name, jar + java.io.File.pathSeparator + target.resolve("lib") + java.io.File.separator + "*", jvmOptions);
        }
    }

    /**
     * What to compare and how.
     *
     * @param rounds measured runs of each variant (one pair per round)
     * @param warmup unreported runs of each variant first
     * @param timeout the longest one child may take (the lockstep gets twice that)
     * @param processes processes per variant, one after the other, the rounds shared out among them
     *     (each warms up on its own): what a JVM's JIT makes of a kernel holds for all that process's
     *     runs, so one process per side measures one draw of it (the same two builds read 0.965, 0
     *     of 8 rounds faster, and then 1.130, 8 of 8)
     */
    public record Config(List<ModelCase> models, Path dir, Variant a, Variant b, int threads, int rounds, int warmup, int promptTokens,
            int genTokens, Duration timeout, int processes) {
        public Config {
            models = List.copyOf(models);
            if (models.isEmpty()) throw new IllegalArgumentException("no models to compare");
            if (a == null || b == null) throw new IllegalArgumentException("two variants are needed");
            if (a.classPath().equals(b.classPath()) && a.jvmOptions().equals(b.jvmOptions()))
                throw new IllegalArgumentException("A and B are the same build with the same JVM options: give B another checkout or other options");
            if (threads < 1 || rounds < 1 || warmup < 0 || promptTokens < 1 || genTokens < 1)
                throw new IllegalArgumentException("threads, rounds, prompt and generated tokens must be >= 1 and warm-ups >= 0");
            if (processes < 1 || processes > rounds)
                throw new IllegalArgumentException("processes per variant must be between 1 and the rounds (" + rounds + "), not " + processes);
        }

        /** One process per variant. */
        public Config(List<ModelCase> models, Path dir, Variant a, Variant b, int threads, int rounds, int warmup, int promptTokens,
                int genTokens, Duration timeout) {
            this(models, dir, a, b, threads, rounds, warmup, promptTokens, genTokens, timeout, 1);
        }

        /** The rounds of process p (of {@link #processes}): an equal share, the first ones one more where they do not divide. */
        int roundsOf(int p) {
            return rounds / processes + (p < rounds % processes ? 1 : 0);
        }
    }

    /** A summary of round-by-round ratios B / A: their median, smallest and largest, and how many rounds B won. */
    public record Ratio(double median, double min, double max, int bFaster, int rounds) {
        static Ratio of(List<Double> a, List<Double> b) {
            if (a.isEmpty() || a.size() != b.size()) return new Ratio(Double.NaN, Double.NaN, Double.NaN, 0, 0);
            List<Double> q = new ArrayList<>();
            int wins = 0;
            for (int i = 0; i < a.size(); i++) {
                double r = Stats.ratio(b.get(i), a.get(i));
                if (Double.isNaN(r)) return new Ratio(Double.NaN, Double.NaN, Double.NaN, 0, 0);
                q.add(r);
                if (r > 1) wins++;
            }
            return new Ratio(Stats.median(q), q.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                    q.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), wins, q.size());
        }
    }

    /**
     * One model's comparison; a failed variant keeps its error in its {@link SingleStream}.
     *
     * @param clean per round, whether both of its processes passed their {@link CoreCheck}s (every reading
     *     at least {@link CoreCheck#SLOW} of the comparison's best); empty when a side printed none (an older build)
     */
    public record ModelAb(ModelCase model, SingleStream a, SingleStream b, List<Boolean> clean) {
        public ModelAb {
            clean = List.copyOf(clean);
        }

        public ModelAb(ModelCase model, SingleStream a, SingleStream b) {
            this(model, a, b, List.of());
        }

        public boolean ok() {
            return a.ok() && b.ok();
        }

        public Ratio prompt() {
            return ok() ? Ratio.of(a.promptTokS(), b.promptTokS()) : Ratio.of(List.of(), List.of());
        }

        public Ratio generation() {
            return ok() ? Ratio.of(a.genTokS(), b.genTokS()) : Ratio.of(List.of(), List.of());
        }

        /** Whether some rounds, not all, ran in a process in the slow mode: then the clean ratios differ from the whole. */
        public boolean someUnclean() {
            return ok() && clean.size() == a.promptTokS().size() && clean.contains(false);
        }

        /** {@link #prompt} over the rounds whose processes both passed their core checks. */
        public Ratio promptClean() {
            return ok() ? Ratio.of(kept(a.promptTokS()), kept(b.promptTokS())) : Ratio.of(List.of(), List.of());
        }

        /** {@link #generation} over the rounds whose processes both passed their core checks. */
        public Ratio generationClean() {
            return ok() ? Ratio.of(kept(a.genTokS()), kept(b.genTokS())) : Ratio.of(List.of(), List.of());
        }

        private List<Double> kept(List<Double> runs) {
            if (clean.size() != runs.size()) return List.of();
            List<Double> out = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) if (clean.get(i)) out.add(runs.get(i));
            return out;
        }
    }

    /**
     * Per round, whether both processes that ran it passed their core checks: process p ran
     * {@code rounds.get(p)} rounds, {@code as.get(p)} and {@code bs.get(p)} are its two sides. Empty
     * when any side has no readings.
     */
    static List<Boolean> cleanRounds(List<SingleStream> as, List<SingleStream> bs, List<Integer> rounds) {
        double best = 0;
        for (SingleStream s : as) for (double v : s.coreCheck()) best = Math.max(best, v);
        for (SingleStream s : bs) for (double v : s.coreCheck()) best = Math.max(best, v);
        List<Boolean> clean = new ArrayList<>();
        for (int p = 0; p < rounds.size(); p++) {
            SingleStream a = as.get(p), b = bs.get(p);
            if (a.coreCheck().isEmpty() || b.coreCheck().isEmpty()) return List.of();
            boolean ok = !CoreCheck.slow(a.slowestCoreCheck(), best) && !CoreCheck.slow(b.slowestCoreCheck(), best);
            for (int r = 0; r < rounds.get(p); r++) clean.add(ok);
        }
        return clean;
    }

    /** Runs the comparison, model by model; progress goes to {@code log}. */
    public static List<ModelAb> run(Config config, PrintWriter log) throws IOException, InterruptedException {
        ModelCache cache = new ModelCache(config.dir());
        List<Path> files = new ArrayList<>();
        for (ModelCase c : config.models()) files.add(cache.ensure(c, log));
        Path work = Files.createTempDirectory("halyard-ab");
        try {
            List<ModelAb> out = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) out.add(compare(config, config.models().get(i), files.get(i), work, log));
            return out;
        } finally {
            try (var f = Files.list(work)) {
                for (Path p : (Iterable<Path>) f::iterator) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(work);
        }
    }

    private static ModelAb compare(Config config, ModelCase c, Path file, Path work, PrintWriter log) throws IOException, InterruptedException {
        ModelFacts facts = ModelFacts.of(file);
        Path tokens = work.resolve("prompt.txt");
        Files.writeString(tokens, Prompts.format(Prompts.random(config.promptTokens(), facts.vocab(), Bench.PROMPT_SEED)));
        int gen = config.genTokens() + 1; // n tokens take n - 1 decode steps, as in the main bench
        log.printf("[ab] %s: %s and %s, %d rounds in %d process(es) per variant, the order flipping each round%n", c.label(),
                config.a().name(), config.b().name(), config.rounds(), config.processes());
        log.flush();
        List<SingleStream> as = new ArrayList<>(), bs = new ArrayList<>();
        int round = 0; // the order keeps flipping across processes
        for (int p = 0; p < config.processes(); p++) {
            int rounds = config.roundsOf(p);
            List<List<String>> commands = List.of(command(config, config.a(), file, tokens, gen, rounds), command(config, config.b(), file, tokens, gen, rounds));
            List<ChildProcess.Result> results;
            try (Lockstep.Session s = new Lockstep.Session(commands, config.timeout().multipliedBy(2))) {
                s.warmUp();
                for (int r = 0; r < rounds; r++, round++) s.round(round % 2 == 1);
                results = s.finish();
            } catch (IOException e) {
                return new ModelAb(c, SingleStream.failed(config.a().name(), e.getMessage()), SingleStream.failed(config.b().name(), e.getMessage()));
            }
            as.add(HalyardProbe.result(config.a().name(), results.get(0)));
            bs.add(HalyardProbe.result(config.b().name(), results.get(1)));
            if (config.processes() > 1) {
                log.printf("[ab] %s: process %d of %d: tg A %.1f, B %.1f tok/s%s%n", c.label(), p + 1, config.processes(),
                        as.getLast().ok() ? as.getLast().medianGenTokS() : Double.NaN, bs.getLast().ok() ? bs.getLast().medianGenTokS() : Double.NaN,
                        coreChecks(as.getLast(), bs.getLast()));
                log.flush();
            }
        }
        List<Integer> rounds = new ArrayList<>();
        for (int p = 0; p < config.processes(); p++) rounds.add(config.roundsOf(p));
        return new ModelAb(c, SingleStream.concat(as), SingleStream.concat(bs), cleanRounds(as, bs, rounds));
    }

    /** ", core check A 61.0 / 60.2, B 44.1 / 45.0 GFLOP/s" ({@link CoreCheck}, before / after the runs), or "" when neither printed one. */
    static String coreChecks(SingleStream a, SingleStream b) {
        if (a.coreCheck().isEmpty() && b.coreCheck().isEmpty()) return "";
        return ", core check A " + a.coreCheckText() + ", B " + b.coreCheckText() + " GFLOP/s";
    }

    private static List<String> command(Config config, Variant v, Path model, Path tokens, int gen, int rounds) {
        return HalyardProbe.command(v.classPath(), v.jvmOptions(), model, tokens, gen, config.threads(), config.warmup(), rounds, "f16");
    }

    /** The table: per model each variant's median speeds and peak RSS, and the B / A ratios. */
    public static String text(Config config, List<ModelAb> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "A: %s%nB: %s%n%d threads, %d-token prompt, %d generated tokens, %d rounds (order flipped each round), %d process(es) per variant%n%n",
                describe(config.a()), describe(config.b()), config.threads(), config.promptTokens(), config.genTokens(), config.rounds(), config.processes()));
        sb.append(String.format(Locale.ROOT, "%-22s %-21s %-19s %-27s %-27s %s%n", "model", "pp tok/s A / B", "tg tok/s A / B",
                "pp B/A median (min-max)", "tg B/A median (min-max)", "RSS MiB A / B"));
        for (ModelAb m : results) {
            if (!m.ok()) {
                sb.append(String.format(Locale.ROOT, "%-22s failed: %s%n", m.model().label(), m.a().ok() ? "B: " + m.b().error() : "A: " + m.a().error()));
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%-22s %-21s %-19s %-27s %-27s %d / %d%n", m.model().label(),
                    speed(m.a().medianPromptTokS()) + " / " + speed(m.b().medianPromptTokS()),
                    speed(m.a().medianGenTokS()) + " / " + speed(m.b().medianGenTokS()),
                    ratio(m.prompt()), ratio(m.generation()), m.a().peakRssKb() >> 10, m.b().peakRssKb() >> 10));
        }
        for (ModelAb m : results) {
            if (!m.someUnclean()) continue;
            long kept = m.clean().stream().filter(Boolean::booleanValue).count();
            sb.append(String.format(Locale.ROOT, "%s without the rounds of processes in the slow mode (a core check under %.0f%% of the best; %d of %d rounds kept): pp B/A %s, tg B/A %s%n",
                    m.model().label(), CoreCheck.SLOW * 100, kept, m.clean().size(),
                    kept > 0 ? ratio(m.promptClean()) : "-", kept > 0 ? ratio(m.generationClean()) : "-"));
        }
        return sb.toString();
    }

    /** The results as JSON: the variants, and per model each one's runs and the ratios. */
    public static String json(Config config, List<ModelAb> results) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("threads", config.threads()).put("prompt_tokens", config.promptTokens()).put("gen_tokens", config.genTokens())
                .put("rounds", config.rounds()).put("warmup", config.warmup()).put("processes", config.processes());
        variant(root.putObject("a"), config.a());
        variant(root.putObject("b"), config.b());
        ArrayNode models = root.putArray("models");
        for (ModelAb m : results) {
            ObjectNode o = models.addObject().put("preset", m.model().preset()).put("mix", m.model().mix());
            side(o.putObject("a"), m.a());
            side(o.putObject("b"), m.b());
            if (m.ok()) {
                ratio(o.putObject("prompt_ratio"), m.prompt());
                ratio(o.putObject("gen_ratio"), m.generation());
                if (!m.clean().isEmpty()) {
                    ArrayNode clean = o.putArray("clean_rounds");
                    m.clean().forEach(clean::add);
                    if (m.promptClean().rounds() > 0) {
                        ratio(o.putObject("prompt_ratio_clean"), m.promptClean());
                        ratio(o.putObject("gen_ratio_clean"), m.generationClean());
                    }
                }
            }
        }
        try {
            return om.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void variant(ObjectNode o, Variant v) {
        o.put("name", v.name()).put("class_path", v.classPath());
        ArrayNode opts = o.putArray("jvm_options");
        v.jvmOptions().forEach(opts::add);
    }

    private static void side(ObjectNode o, SingleStream s) {
        if (!s.ok()) {
            o.put("error", s.error());
            return;
        }
        ArrayNode pp = o.putArray("prompt_tok_s"), tg = o.putArray("gen_tok_s");
        s.promptTokS().forEach(pp::add);
        s.genTokS().forEach(tg::add);
        o.put("peak_rss_kb", s.peakRssKb()).put("load_ms", s.loadMs());
        if (!s.coreCheck().isEmpty()) {
            ArrayNode core = o.putArray("core_check_gflop_s");
            s.coreCheck().forEach(core::add);
        }
    }

    private static void ratio(ObjectNode o, Ratio r) {
        o.put("median", r.median()).put("min", r.min()).put("max", r.max()).put("b_faster", r.bFaster()).put("rounds", r.rounds());
    }

    private static String describe(Variant v) {
        String cp = v.classPath().equals(System.getProperty("java.class.path")) ? "this build" : v.classPath();
        return cp + (v.jvmOptions().isEmpty() ? "" : " " + String.join(" ", v.jvmOptions()));
    }

    private static String speed(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String ratio(Ratio r) {
        return String.format(Locale.ROOT, "%.3f (%.2f-%.2f) %d/%d", r.median(), r.min(), r.max(), r.bFaster(), r.rounds());
    }
}
