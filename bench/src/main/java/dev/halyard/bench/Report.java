package dev.halyard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link BenchResult} as Markdown tables (for the terminal and the README) and as JSON. Every
 * ratio is Halyard / the other engine, per model, from the same run: single-sequence ratios are the
 * median of the run-by-run pair ratios (the engines run in turn, see {@link Lockstep}), or with {@link
 * Stats.Statistic#BEST} the ratio of the best runs; serving ratios likewise, round by round.
 */
public final class Report {
    private Report() {}

    /** Engine name of Halyard's single-sequence rows. */
    public static final String HALYARD = "halyard";
    /** Engine name of Halyard's serving rows. */
    public static final String HALYARD_SERVE = "halyard serve";
    /** Engine name of Halyard's in-process serving rows (no HTTP, as llama_serve). */
    public static final String HALYARD_ENGINE = "halyard engine";

    // ---------------------------------------------------------------- derived numbers

    /** Tokens per second the memory bandwidth allows: bandwidth (GB/s) / weight bytes per token. */
    public static double ceilingTokS(double bandwidthGBs, long bytesPerToken) {
        return Stats.ratio(bandwidthGBs * 1e9, bytesPerToken);
    }

    /** Whether one of the engine's processes read less than {@link CoreCheck#SLOW} of the run's best core check. */
    static boolean slowMode(SingleStream e, double bestCoreCheck) {
        return !e.coreCheck().isEmpty() && CoreCheck.slow(e.slowestCoreCheck(), bestCoreCheck);
    }

    /** Prompt processing's matmul FLOP rate as a fraction of the FMA peak (NaN when either is unknown). */
    public static double fmaFraction(double promptTokS, long flopsPerToken, double fmaPeakGflops) {
        return Stats.ratio(promptTokS * flopsPerToken, fmaPeakGflops * 1e9);
    }

    /** Generation speed as a fraction of the bandwidth ceiling. */
    public static double bandwidthFraction(double genTokS, double bandwidthGBs, long bytesPerToken) {
        return Stats.ratio(genTokS, ceilingTokS(bandwidthGBs, bytesPerToken));
    }

    /**
     * The FLOP rate of the prompt's matrix multiplications alone ({@link SingleStream#promptMatmulGflopS})
     * as a fraction of the FMA peak; NaN where they were not clocked (llama.cpp, builds before the clock).
     */
    static double matmulFmaFraction(SingleStream s, Stats.Statistic st, double fmaPeakGflops) {
        return s != null && s.ok() && !s.promptMatmulGflopS().isEmpty() ? Stats.ratio(st.of(s.promptMatmulGflopS()), fmaPeakGflops) : Double.NaN;
    }

    static double prompt(SingleStream s, Stats.Statistic st) {
        return s != null && s.ok() ? st.of(s.promptTokS()) : Double.NaN;
    }

    static double gen(SingleStream s, Stats.Statistic st) {
        return s != null && s.ok() ? st.of(s.genTokS()) : Double.NaN;
    }

    /** Halyard's prompt speed over e's, pair by pair (see {@link Stats#ratio(List, List, Stats.Statistic)}). */
    static double promptRatio(SingleStream h, SingleStream e, Stats.Statistic st) {
        return h != null && h.ok() && e.ok() ? Stats.ratio(h.promptTokS(), e.promptTokS(), st) : Double.NaN;
    }

    /** Halyard's generation speed over e's, pair by pair. */
    static double genRatio(SingleStream h, SingleStream e, Stats.Statistic st) {
        return h != null && h.ok() && e.ok() ? Stats.ratio(h.genTokS(), e.genTokS(), st) : Double.NaN;
    }

    static double aggregate(ServingPoint p, Stats.Statistic st) {
        return p != null && p.ok() ? st.of(p.aggregateTokS()) : Double.NaN;
    }

    /** Halyard's aggregate over llama.cpp's at one stream count, round by round (the rounds take turns, see {@link Lockstep}). */
    static double servingRatio(ServingPoint h, ServingPoint l, Stats.Statistic st) {
        return h != null && h.ok() && l != null && l.ok() ? Stats.ratio(h.aggregateTokS(), l.aggregateTokS(), st) : Double.NaN;
    }

    // ---------------------------------------------------------------- text

    public static String text(BenchResult r, BenchConfig c) {
        Stats.Statistic st = c.statistic();
        StringBuilder sb = new StringBuilder();
        BenchResult.Machine m = r.machine();
        sb.append(String.format(Locale.ROOT, "halyard bench: %s, %d cores, %d threads for every engine; Java %s; llama.cpp %s%s%n",
                m.cpu(), m.cores(), m.threads(), m.java(), m.llama() == null ? "not measured" : m.llama(),
                m.build() == null ? "" : "; Halyard build " + m.build()));
        if (m.kind() != null) sb.append(String.format(Locale.ROOT, "CPU kind: %s%n", m.kind().label()));
        sb.append(String.format(Locale.ROOT, "memory read bandwidth (Vector API, best pass over %d MiB, at the start and the end of the run): 1 thread %s GB/s, %d threads %s GB/s%n",
                c.bandwidthBytes() >> 20, num(m.bandwidth1(), 1), m.threads(), num(m.bandwidthN(), 1)));
        if (m.bandwidthUnsteady())
            sb.append(String.format(Locale.ROOT, "warning: with %d threads the start and the end of the run read %s and %s GB/s apart: the host was slow in one of them; ceilings and fractions of them below are uncertain%n",
                    m.threads(), num(m.bandwidthNLow(), 1), num(m.bandwidthN(), 1)));
        sb.append(String.format(Locale.ROOT, "FP32 FMA peak (Vector API, %d-bit, the better of start and end): 1 thread %s GFLOP/s, %d threads %s GFLOP/s%n",
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), num(m.fmaPeak1(), 0), m.threads(), num(m.fmaPeakN(), 0)));
        if (m.coreCheck() > 0)
            sb.append(String.format(Locale.ROOT, "core check (the Q4_K kernel on a tile in L2 on each of %d threads at once, the slowest thread; how much of its cores a process gets): this process %s GFLOP/s, the better of start and end%n",
                    m.threads(), num(m.coreCheck(), 1)));
        sb.append(System.lineSeparator());

        sb.append(String.format(Locale.ROOT, "Single sequence: prompt processing (pp) of %d tokens, generation (tg) of %d tokens; %s of %d runs after %d warm-up, "
                + "the engines taking turns run by run; ratios are Halyard / that row's engine, %s; ceiling = bandwidth (%d threads) / weight bytes per token; "
                + "near ceiling = the same with the bandwidth read right before and after that model's runs; "
                + "pp %% FMA peak = pp tok/s x matmul FLOPs per prompt token / FP32 FMA peak (%d threads), the whole pass; "
                + "matmul %% FMA peak = the same over the time spent in the matrix multiplications alone (Halyard's clock)%n%n",
                c.promptTokens(), c.genTokens(), st.label(), c.repetitions(), c.warmup(),
                st == Stats.Statistic.MEDIAN ? "the median of the run-by-run pair ratios" : "of the best runs", m.threads(), m.threads()));
        List<String> failures = new ArrayList<>();
        Table t = new Table("model", "quant", "file MiB", "weights MB/tok", "engine", "pp tok/s", "tg tok/s",
                "pp ratio", "tg ratio", "tg % ceiling", "tg % near ceiling", "pp % FMA peak", "matmul % FMA peak", "peak RSS MiB");
        for (BenchResult.ModelResult mr : r.models()) {
            SingleStream h = mr.engine(HALYARD);
            boolean first = true;
            for (SingleStream e : mr.engines()) {
                List<String> row = new ArrayList<>(List.of(first ? mr.model().preset() : "", first ? mr.model().mix() : "",
                        first ? num(mr.facts().fileBytes() / 1048576.0, 0) : "", first ? num(mr.facts().weightBytesPerToken() / 1e6, 0) : "",
                        e.engine()));
                first = false;
                if (!e.ok()) {
                    row.add("failed");
                    failures.add(mr.model().label() + ", " + e.engine() + ": " + SingleStream.abbreviate(e.error()));
                    while (row.size() < 14) row.add("");
                } else {
                    boolean other = !e.engine().equals(HALYARD);
                    row.addAll(List.of(num(prompt(e, st), 1), num(gen(e, st), 1),
                            other ? num(promptRatio(h, e, st), 2) : "", other ? num(genRatio(h, e, st), 2) : "",
                            pct(bandwidthFraction(gen(e, st), m.bandwidthN(), mr.facts().weightBytesPerToken())),
                            pct(bandwidthFraction(gen(e, st), mr.bandwidthNear(), mr.facts().weightBytesPerToken())),
                            pct(fmaFraction(prompt(e, st), mr.facts().promptFlopsPerToken(), m.fmaPeakN())),
                            pct(matmulFmaFraction(e, st, m.fmaPeakN())),
                            e.peakRssKb() > 0 ? num(e.peakRssKb() / 1024.0, 0) : "?"));
                }
                t.row(row);
            }
        }
        sb.append(t.render());
        double bestCore = r.bestCoreCheck();
        for (BenchResult.ModelResult mr : r.models()) {
            SingleStream h = mr.engine(HALYARD);
            if (h == null || !h.ok() || h.coreCheck().isEmpty()) continue;
            sb.append(coreCheckLines(mr.model().label(), "Halyard's core check", "before / after its runs, per process", "a Halyard process", "speeds",
                    h.coreCheck(), bestCore));
        }

        if (!r.serving().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nServing: N concurrent streams, %d prompt tokens and %d generated tokens each (greedy, ignore_eos); "
                    + "aggregate = generated tokens / wall time of the round, %s of %d rounds, the engines taking turns round by round; "
                    + "TTFT over every stream of every round; ratio = halyard / llama.cpp, %s; scaling = aggregate / the same engine's 1-stream aggregate; "
                    + "halyard engine = the same engine in-process, without HTTP and clients, as llama.cpp is measured%n%n",
                    c.servePromptTokens(), c.serveGenTokens(), st.label(), c.repetitions(),
                    st == Stats.Statistic.MEDIAN ? "the median of the round-by-round ratios" : "of the best rounds"));
            Table s = new Table("model", "quant", "streams", "engine", "aggregate tok/s", "TTFT p50 ms", "TTFT p99 ms", "ratio", "scaling", "peak RSS MiB");
            for (BenchResult.ServingResult sr : r.serving()) {
                boolean first = true;
                for (int clients : c.clients()) {
                    ServingPoint h = find(sr.halyard(), clients), e = find(sr.engine(), clients), l = find(sr.llama(), clients);
                    for (ServingPoint p : new ServingPoint[] {h, e, l}) {
                        if (p == null) continue;
                        List<String> row = new ArrayList<>(List.of(first ? sr.model().preset() : "", first ? sr.model().mix() : "",
                                Integer.toString(clients), p.engine()));
                        first = false;
                        if (!p.ok()) {
                            row.add("failed");
                            failures.add(sr.model().label() + ", " + p.engine() + " with " + clients + " streams: " + SingleStream.abbreviate(p.error()));
                            while (row.size() < 10) row.add("");
                        } else {
                            List<ServingPoint> own = p == h ? sr.halyard() : p == e ? sr.engine() : sr.llama();
                            ServingPoint single = find(own, 1);
                            row.addAll(List.of(num(aggregate(p, st), 1), num(p.ttftP50(), 0), num(p.ttftP99(), 0),
                                    p != l && l != null && l.ok() ? num(servingRatio(p, l, st), 2) : "",
                                    single != null ? num(Stats.ratio(aggregate(p, st), aggregate(single, st)), 2) : "",
                                    p.peakRssKb() > 0 ? num(p.peakRssKb() / 1024.0, 0) : "?"));
                        }
                        s.row(row);
                    }
                }
            }
            sb.append(s.render());
            for (BenchResult.ServingResult sr : r.serving())
                for (ServingPoint p : sr.engine()) {
                    if (!p.ok() || p.coreCheck().isEmpty()) continue;
                    sb.append(coreCheckLines(sr.model().label() + ", " + p.clients() + (p.clients() == 1 ? " stream" : " streams"), "Halyard's engine's core check", "before / after its rounds",
                            "Halyard's engine process", "rates", p.coreCheck(), bestCore));
                }
        }
        if (!failures.isEmpty()) {
            sb.append(String.format("%nFailed:%n"));
            for (String f : failures) sb.append("- ").append(f).append('\n');
        }
        return sb.toString();
    }

    /**
     * "{@code subject}: {@code what} 61.0 / 60.2 GFLOP/s ({@code when}), the run's best 62.1", and a warning
     * naming {@code who} when the lowest reading is in the slow mode ({@link CoreCheck#slow}).
     */
    static String coreCheckLines(String subject, String what, String when, String who, String measures, List<Double> readings, double best) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s: %s %s GFLOP/s (%s), the run's best %s%n",
                subject, what, CoreCheck.text(readings), when, num(best, 1)));
        double slowest = CoreCheck.slowest(readings);
        if (CoreCheck.slow(slowest, best))
            sb.append(String.format(Locale.ROOT, "warning: %s: %s read %s GFLOP/s in the core check, %s of the run's best: it ran in this host's slow mode (see the README), and its %s and ratios understate the engine%n",
                    subject, who, num(slowest, 1), num(slowest / best, 2), measures));
        return sb.toString();
    }

    static ServingPoint find(List<ServingPoint> points, int clients) {
        return points.stream().filter(p -> p.clients() == clients).findFirst().orElse(null);
    }

    static String num(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return "-";
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static String pct(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }

    /** A Markdown table with padded columns. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(List<String> cells) {
            if (cells.size() != rows.getFirst().length)
                throw new IllegalArgumentException("row has " + cells.size() + " cells, header " + rows.getFirst().length);
            rows.add(cells.toArray(String[]::new));
        }

        String render() {
            int cols = rows.getFirst().length;
            int[] w = new int[cols];
            for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(Math.max(w[i], r[i].length()), 3);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < rows.size(); k++) {
                line(sb, rows.get(k), w);
                if (k == 0) {
                    String[] sep = new String[cols];
                    for (int i = 0; i < cols; i++) sep[i] = "-".repeat(w[i]);
                    line(sb, sep, w);
                }
            }
            return sb.toString();
        }

        private static void line(StringBuilder sb, String[] cells, int[] w) {
            sb.append('|');
            for (int i = 0; i < cells.length; i++) sb.append(' ').append(cells[i]).append(" ".repeat(w[i] - cells[i].length())).append(" |");
            sb.append('\n');
        }
    }

    // ---------------------------------------------------------------- JSON

    /** JSON has no NaN: unmeasured numbers (a failed engine's ratio, a skipped bandwidth) become null. */
    static com.fasterxml.jackson.databind.JsonNode nanToNull(com.fasterxml.jackson.databind.JsonNode n) {
        if (n instanceof ObjectNode o) {
            for (var it = o.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                e.setValue(nanToNull(e.getValue()));
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) a.set(i, nanToNull(a.get(i)));
        } else if (n.isDouble() && (Double.isNaN(n.doubleValue()) || Double.isInfinite(n.doubleValue()))) {
            return com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        return n;
    }

    /**
     * Halyard's KV cache in a single-sequence run: the positions its probe reserves, in the run's cache
     * type (issue 4's memory target is peak RSS <= file + KV + 300 MB); -1 when unknown.
     */
    static long kvCacheBytes(ModelFacts facts, BenchConfig c) {
        return facts.kvCacheBytes(Bench.probePositions(c), dev.halyard.model.arch.KvType.parse(c.kvType()));
    }

    public static String json(BenchResult r, BenchConfig c) {
        Stats.Statistic st = c.statistic();
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        BenchResult.Machine m = r.machine();
        ObjectNode mach = root.putObject("machine");
        mach.put("cpu", m.cpu());
        if (m.kind() != null) {
            CpuKind k = m.kind();
            mach.put("cpu_kind", k.label()); // what bench summary groups runs by
            mach.put("cpu_vendor", k.vendor());
            mach.put("cpu_family", k.family());
            mach.put("cpu_model", k.model());
            mach.put("cpu_stepping", k.stepping());
            mach.put("microarchitecture", k.microarchitecture());
            mach.put("l1d_kib", k.l1dKib());
            mach.put("l2_kib", k.l2Kib());
            ArrayNode isa = mach.putArray("isa");
            k.isa().forEach(isa::add);
        }
        mach.put("cores", m.cores());
        mach.put("threads", m.threads());
        mach.put("bandwidth_1_thread_gb_s", m.bandwidth1());
        mach.put("bandwidth_n_threads_gb_s", m.bandwidthN());
        mach.put("bandwidth_n_threads_low_gb_s", m.bandwidthNLow());
        mach.put("bandwidth_unsteady", m.bandwidthUnsteady());
        mach.put("fma_peak_1_thread_gflop_s", m.fmaPeak1());
        mach.put("fma_peak_n_threads_gflop_s", m.fmaPeakN());
        mach.put("core_check_gflop_s", m.coreCheck());
        mach.put("core_check_best_gflop_s", r.bestCoreCheck());
        mach.put("java", m.java());
        mach.put("llama_cpp", m.llama());
        if (m.build() != null) mach.put("halyard_build", m.build()); // what bench summary --build selects
        ObjectNode cfg = root.putObject("config");
        cfg.put("prompt_tokens", c.promptTokens());
        cfg.put("gen_tokens", c.genTokens());
        cfg.put("repetitions", c.repetitions());
        cfg.put("statistic", st.label());
        cfg.put("warmup", c.warmup());
        cfg.put("llama_kv", c.llamaKv());
        cfg.put("kv_type", c.kvType());
        cfg.put("llama_flash_attn", c.llamaFlashAttn());
        cfg.put("serve_prompt_tokens", c.servePromptTokens());
        cfg.put("serve_gen_tokens", c.serveGenTokens());
        cfg.put("serve_queue_delay_ms", c.serveQueueDelayMs());
        cfg.set("clients", om.valueToTree(c.clients()));

        ArrayNode models = root.putArray("models");
        for (BenchResult.ModelResult mr : r.models()) {
            ObjectNode o = models.addObject();
            o.put("model", mr.model().preset());
            o.put("quant", mr.model().mix());
            o.put("file_bytes", mr.facts().fileBytes());
            o.put("weight_bytes_per_token", mr.facts().weightBytesPerToken());
            o.put("ceiling_tok_s", ceilingTokS(m.bandwidthN(), mr.facts().weightBytesPerToken()));
            o.put("bandwidth_near_gb_s", mr.bandwidthNear());
            o.put("near_ceiling_tok_s", ceilingTokS(mr.bandwidthNear(), mr.facts().weightBytesPerToken()));
            o.put("prompt_flops_per_token", mr.facts().promptFlopsPerToken());
            long kv = kvCacheBytes(mr.facts(), c);
            if (kv >= 0) o.put("kv_cache_bytes", kv);
            ArrayNode engines = o.putArray("engines");
            for (SingleStream e : mr.engines()) {
                ObjectNode eo = engines.addObject();
                eo.put("engine", e.engine());
                if (!e.ok()) {
                    eo.put("error", e.error());
                    continue;
                }
                eo.set("prompt_tok_s", om.valueToTree(e.promptTokS()));
                eo.set("gen_tok_s", om.valueToTree(e.genTokS()));
                eo.put("median_prompt_tok_s", e.medianPromptTokS());
                eo.put("median_gen_tok_s", e.medianGenTokS());
                eo.put("best_prompt_tok_s", Stats.Statistic.BEST.of(e.promptTokS()));
                eo.put("best_gen_tok_s", Stats.Statistic.BEST.of(e.genTokS()));
                eo.put("gen_fraction_of_ceiling", bandwidthFraction(gen(e, st), m.bandwidthN(), mr.facts().weightBytesPerToken()));
                eo.put("gen_fraction_of_near_ceiling", bandwidthFraction(gen(e, st), mr.bandwidthNear(), mr.facts().weightBytesPerToken()));
                eo.put("prompt_fraction_of_fma_peak", fmaFraction(prompt(e, st), mr.facts().promptFlopsPerToken(), m.fmaPeakN()));
                if (!e.promptMatmulGflopS().isEmpty()) {
                    eo.set("prompt_matmul_gflop_s", om.valueToTree(e.promptMatmulGflopS()));
                    eo.put("prompt_matmul_fraction_of_fma_peak", matmulFmaFraction(e, st, m.fmaPeakN()));
                }
                eo.put("peak_rss_kb", e.peakRssKb());
                if (HALYARD.equals(e.engine()) && kv >= 0 && e.peakRssKb() > 0)
                    eo.put("rss_over_file_and_kv_bytes", e.peakRssKb() * 1024 - mr.facts().fileBytes() - kv);
                eo.put("load_ms", e.loadMs());
                if (!e.coreCheck().isEmpty()) {
                    eo.set("core_check_gflop_s", om.valueToTree(e.coreCheck()));
                    eo.put("slow_mode", slowMode(e, r.bestCoreCheck()));
                }
            }
            SingleStream h = mr.engine(HALYARD);
            ObjectNode ratios = o.putObject("ratios");
            for (SingleStream e : mr.engines()) {
                if (e == h) continue;
                ObjectNode ro = ratios.putObject(e.engine());
                ro.put("prompt", promptRatio(h, e, st));
                ro.put("gen", genRatio(h, e, st));
            }
        }

        ArrayNode serving = root.putArray("serving");
        for (BenchResult.ServingResult sr : r.serving()) {
            ObjectNode o = serving.addObject();
            o.put("model", sr.model().preset());
            o.put("quant", sr.model().mix());
            ArrayNode pts = o.putArray("points");
            for (List<ServingPoint> list : List.of(sr.halyard(), sr.engine(), sr.llama())) {
                for (ServingPoint p : list) {
                    ObjectNode po = pts.addObject();
                    po.put("engine", p.engine());
                    po.put("clients", p.clients());
                    if (!p.ok()) {
                        po.put("error", p.error());
                        continue;
                    }
                    po.set("aggregate_tok_s", om.valueToTree(p.aggregateTokS()));
                    po.put("median_aggregate_tok_s", p.medianAggregateTokS());
                    po.put("best_aggregate_tok_s", Stats.Statistic.BEST.of(p.aggregateTokS()));
                    po.put("ttft_p50_ms", p.ttftP50());
                    po.put("ttft_p99_ms", p.ttftP99());
                    po.set("ttft_ms", om.valueToTree(p.ttftMs()));
                    po.put("peak_rss_kb", p.peakRssKb());
                    if (!p.coreCheck().isEmpty()) {
                        po.set("core_check_gflop_s", om.valueToTree(p.coreCheck()));
                        po.put("slow_mode", CoreCheck.slow(p.slowestCoreCheck(), r.bestCoreCheck()));
                    }
                    ServingPoint single = find(list, 1);
                    if (single != null) po.put("scaling_vs_1_stream", Stats.ratio(aggregate(p, st), aggregate(single, st)));
                    if (list != sr.llama()) {
                        ServingPoint l = find(sr.llama(), p.clients());
                        if (l != null) po.put("ratio_vs_llama_cpp", servingRatio(p, l, st));
                    }
                }
            }
        }
        try {
            return om.writeValueAsString(nanToNull(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
