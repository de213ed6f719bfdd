package dev.halyard.bench;

import java.util.List;

/**
 * What one benchmark run measured.
 *
 * @param machine where and how it ran
 * @param models single-sequence results, one per model
 * @param serving serving results, one per served model
 */
public record BenchResult(Machine machine, List<ModelResult> models, List<ServingResult> serving) {
    public BenchResult {
        models = List.copyOf(models);
        serving = List.copyOf(serving);
    }

    /**
     * @param cpu the CPU's model name (from /proc/cpuinfo)
     * @param cores available processors
     * @param threads threads given to every engine
     * @param bandwidth1 memory read bandwidth with one thread, GB/s (NaN: not measured)
     * @param bandwidthN memory read bandwidth with {@code threads} threads, GB/s (NaN: not measured)
     * @param fmaPeak1 FP32 FMA peak with one thread, GFLOP/s (NaN: not measured)
     * @param fmaPeakN FP32 FMA peak with {@code threads} threads, GFLOP/s (NaN: not measured)
     * @param java the JVM's version
     * @param llama the llama.cpp build (npm package and release), or null when it was not measured
     * @param bandwidthNLow the lower of the two {@code threads}-thread bandwidth readings, at the start and
     *     the end of the run ({@code bandwidthN} is the higher), GB/s (NaN: measured once or not at all)
     * @param coreCheck the benchmark's own {@link CoreCheck}, the better of start and end, GFLOP/s (NaN: not measured)
     * @param kind the CPU's family, model, caches and vector extensions (null: not known)
     * @param build the Halyard build measured: its checkout's commit, with "-dirty" when tracked files
     *     differed from it, read at the start of the run ({@link MachineInfo#halyardBuild}; null: not known)
     */
    public record Machine(String cpu, int cores, int threads, double bandwidth1, double bandwidthN, double fmaPeak1, double fmaPeakN,
            String java, String llama, double bandwidthNLow, double coreCheck, CpuKind kind, String build) {
        /** Below this ratio of the low reading to the high one, the run's bandwidth ceilings are flagged as uncertain. */
        public static final double STEADY = 0.8;

        /** A machine whose core was not checked. */
        public Machine(String cpu, int cores, int threads, double bandwidth1, double bandwidthN, double fmaPeak1, double fmaPeakN,
                String java, String llama, double bandwidthNLow) {
            this(cpu, cores, threads, bandwidth1, bandwidthN, fmaPeak1, fmaPeakN, java, llama, bandwidthNLow, Double.NaN);
        }

        /** A run whose Halyard build is not known. */
        public Machine(String cpu, int cores, int threads, double bandwidth1, double bandwidthN, double fmaPeak1, double fmaPeakN,
                String java, String llama, double bandwidthNLow, double coreCheck, CpuKind kind) {
            this(cpu, cores, threads, bandwidth1, bandwidthN, fmaPeak1, fmaPeakN, java, llama, bandwidthNLow, coreCheck, kind, null);
        }

        /** A machine whose CPU kind is not known. */
        public Machine(String cpu, int cores, int threads, double bandwidth1, double bandwidthN, double fmaPeak1, double fmaPeakN,
                String java, String llama, double bandwidthNLow, double coreCheck) {
            this(cpu, cores, threads, bandwidth1, bandwidthN, fmaPeak1, fmaPeakN, java, llama, bandwidthNLow, coreCheck, null);
        }

        /** Whether the two readings disagree by more than {@link #STEADY} allows (a shared host's slow phase in one of them). */
        public boolean bandwidthUnsteady() {
            return bandwidthNLow / bandwidthN < STEADY;
        }
    }

    /**
     * @param model which model
     * @param facts its file size and bytes read per token
     * @param engines Halyard first, then llama.cpp (read into memory), then llama.cpp mmap, when measured
     * @param bandwidthNear memory read bandwidth with the run's threads measured right before and right
     *     after this model's runs, the better of the two, GB/s (NaN: not measured): the run's readings
     *     at its start and end are up to an hour away, and this host's bandwidth moves 30-81 GB/s
     *     within hours, so the generation runs' own ceiling is read next to them
     */
    public record ModelResult(ModelCase model, ModelFacts facts, List<SingleStream> engines, double bandwidthNear) {
        public ModelResult {
            engines = List.copyOf(engines);
        }

        /** A model whose bandwidth was not measured next to its runs. */
        public ModelResult(ModelCase model, ModelFacts facts, List<SingleStream> engines) {
            this(model, facts, engines, Double.NaN);
        }

        /** The engine called {@code name}, or null. */
        public SingleStream engine(String name) {
            return engines.stream().filter(e -> e.engine().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * The highest {@link CoreCheck} reading of the run: the benchmark's own and every Halyard process's,
     * single-sequence and serving (NaN: none).
     */
    public double bestCoreCheck() {
        List<Double> all = new java.util.ArrayList<>();
        if (machine.coreCheck() > 0) all.add(machine.coreCheck());
        for (ModelResult mr : models)
            for (SingleStream e : mr.engines()) all.addAll(e.coreCheck());
        for (ServingResult sr : serving)
            for (ServingPoint p : sr.engine()) all.addAll(p.coreCheck());
        return all.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /**
     * @param model which model
     * @param halyard one point per client count against halyard serve
     * @param engine one point per sequence count against Halyard's engine in-process ({@link EngineServeProbe}:
     *     no HTTP, no clients, as llama_serve measures llama.cpp; empty when not measured)
     * @param llama one point per client count against llama_serve (empty when llama.cpp is not measured)
     */
    public record ServingResult(ModelCase model, List<ServingPoint> halyard, List<ServingPoint> engine, List<ServingPoint> llama) {
        public ServingResult {
            halyard = List.copyOf(halyard);
            engine = List.copyOf(engine);
            llama = List.copyOf(llama);
        }

        public ServingResult(ModelCase model, List<ServingPoint> halyard, List<ServingPoint> llama) {
            this(model, halyard, List.of(), llama);
        }
    }
}
