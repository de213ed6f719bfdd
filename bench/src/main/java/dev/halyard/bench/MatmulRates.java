package dev.halyard.bench;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.Kernels;
import dev.halyard.kernels.Matmul;
import dev.halyard.kernels.Parallel;
import dev.halyard.kernels.Quantizer;
import dev.halyard.kernels.VectorKernels;
import dev.halyard.kernels.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code halyard bench decode}: how fast the generation path's matrix-vector products stream their
 * weights, per format and shape, through the product's own code ({@link Matmul#matmul} on tiled
 * matrices, one token, or with {@code --tokens} a decode step of several sequences) — on one thread
 * and on N, from DRAM (enough copies of the matrix, cycled, that none is still cached when its turn comes) and from cache (one copy, over and over). It also times a
 * parallel region with no work. Reported per matrix: microseconds, GB/s of weights, and the N-thread
 * speed-up.
 *
 * <p>What it is for: a model's generation speed is the sum of such products, and where a format or a
 * shape loses (a kernel bound by instructions rather than memory: its DRAM rate equals its cache
 * rate; short products whose threads each stream too little to reach their rate: N-thread speed-up
 * near 1) shows here in seconds, without a model. The rates are best passes, as STREAM reports.
 *
 * <p>{@code halyard bench prompt} ({@link #measurePrompt}) times the prompt path the same way: a batch
 * of tokens at once, GFLOP/s against the FP32 FMA peak.
 */
public final class MatmulRates {
    private MatmulRates() {}

    /**
     * One format and shape measured.
     *
     * @param at where the first tile of every copy starts in a 256-byte run of memory, bytes (the
     *     loader's placement, or the offset asked for)
     * @param offsetAsked whether {@code at} was asked for ({@code --offsets}) rather than the loader's
     * @param tileStride bytes from one tile (four rows) to the next
     * @param copies matrices cycled for the DRAM figures
     * @param dram1Us microseconds per product from DRAM, one thread; {@code dramNUs} on N threads
     * @param cache1Us microseconds per product from cache, one thread; {@code cacheNUs} on N threads
     */
    public record Rate(GgmlType type, int rows, int cols, int at, boolean offsetAsked, long tileStride, long matrixBytes, int copies,
            double dram1Us, double dramNUs, double cache1Us, double cacheNUs) {
        public double gbs(double us) {
            return matrixBytes / us / 1e3;
        }
    }

    /** The measurements (each a product of {@code tokens} tokens), and the cost of a parallel region without work on N threads. */
    public record Result(int threads, int tokens, double emptyRegionUs, List<Rate> rates) {}

    /**
     * Measures every type on every shape.
     *
     * @param shapes {rows, cols} pairs, rows a multiple of 4; a type whose blocks do not divide cols skips that shape
     * @param dramBytes at least this many bytes of copies for the DRAM figures (make it several times the last-level cache)
     * @param passes timed passes per figure (after as many warm-up passes); the fastest counts
     */
    public static Result measure(List<GgmlType> types, List<int[]> shapes, int threads, long dramBytes, int passes) {
        return measure(types, shapes, threads, dramBytes, passes, List.of());
    }

    /** Bytes in the runs of memory that {@code offsets} are taken within (see {@code WeightMatrix.placeAt}). */
    public static final int RUN = 256;

    /**
     * {@link #measure(List, List, int, long, int)} with each matrix's first tile placed at each of {@code offsets}
     * (bytes into a {@value #RUN}-byte run of memory, 0 to {@value #RUN} - 1), one figure per offset, instead of
     * where the model loader would put it (none given): where a tile starts and ends in such a run changes
     * how fast the decode kernels stream it from DRAM on some CPUs ({@code WeightMatrix.PLACE}), and a sweep
     * of offsets shows another machine's rule in a minute.
     */
    public static Result measure(List<GgmlType> types, List<int[]> shapes, int threads, long dramBytes, int passes, List<Integer> offsets) {
        return measure(types, shapes, threads, dramBytes, passes, offsets, 1);
    }

    /**
     * {@link #measure(List, List, int, long, int, List)} with {@code tokens} tokens per product: a decode
     * step of that many sequences (1 to {@link #MAX_DECODE_TOKENS}), which below the panel's limits takes
     * the four-token kernels. Their DRAM rate against their cache rate shows whether they keep enough
     * of the weights in flight: they spend longer on each tile than the one-token kernels, and no
     * hardware prefetcher is told so (stop 50, Zen 5-class host, one thread, Q4_K 2048-column tiles,
     * alternated in one JVM: one token 16.7 GB/s from DRAM against 17.6 in L2, four tokens 5.2 against
     * 9.2).
     */
    public static Result measure(List<GgmlType> types, List<int[]> shapes, int threads, long dramBytes, int passes, List<Integer> offsets, int tokens) {
        if (tokens < 1 || tokens > MAX_DECODE_TOKENS) throw new IllegalArgumentException("tokens must be 1 to " + MAX_DECODE_TOKENS + ", got " + tokens);
        for (int o : offsets)
            if (o < 0 || o >= RUN) throw new IllegalArgumentException("offsets are bytes into a " + RUN + "-byte run: 0 to " + (RUN - 1) + ", got " + o);
        List<Integer> at = offsets.isEmpty() ? List.of(-1) : offsets;
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (passes < 1) throw new IllegalArgumentException("passes must be >= 1, got " + passes);
        List<Pair> pairs = pairs(types, shapes);
        Kernels k = new VectorKernels();
        List<Rate> rates = new ArrayList<>();
        try (Parallel one = new Parallel(1); Parallel many = new Parallel(threads)) {
            double empty = emptyRegionUs(many, passes);
            // the first pair once unreported: measured first, its N-thread figures can come while the JIT
            // still compiles the parallel path (896 x 896 Q4_0 from cache on two threads: 22.9 us when it
            // was the first shape, 15.6-16.2 after another)
            Pair first = pairs.get(0);
            measure(k, one, many, first.type(), first.rows(), first.cols(), at.getFirst(), dramBytes, passes, tokens);
            for (Pair p : pairs)
                for (int o : at) rates.add(measure(k, one, many, p.type(), p.rows(), p.cols(), o, dramBytes, passes, tokens));
            return new Result(threads, tokens, empty, rates);
        }
    }

    /** One format on one shape. */
    private record Pair(GgmlType type, int rows, int cols) {}

    /**
     * Every type on every shape, checked; a row length that is not whole blocks of a format is skipped for
     * it (no model has one: llama.cpp falls back to another type, e.g. Q4_K -> Q5_0 on 576 columns).
     */
    private static List<Pair> pairs(List<GgmlType> types, List<int[]> shapes) {
        List<Pair> pairs = new ArrayList<>();
        for (GgmlType t : types) {
            if (!Quantizer.supports(t) || !WeightMatrix.canTile(t, 4)) throw new IllegalArgumentException(t + " has no tiled path to measure");
            for (int[] shape : shapes) {
                int rows = shape[0], cols = shape[1];
                if (rows <= 0 || rows % 4 != 0 || cols <= 0)
                    throw new IllegalArgumentException("shapes need a positive multiple of 4 rows and positive columns, got " + rows + "x" + cols);
                if (cols % t.blockSize == 0) pairs.add(new Pair(t, rows, cols));
            }
        }
        if (pairs.isEmpty()) throw new IllegalArgumentException("no shape has whole blocks of any of " + types + " in its rows");
        return pairs;
    }

    /** The most tokens per product {@code bench decode} takes: a decode step of that many sequences. */
    public static final int MAX_DECODE_TOKENS = 64;

    /** One format, shape and placement (offset -1: the loader's), {@code tokens} tokens per product. */
    private static Rate measure(Kernels k, Parallel one, Parallel many, GgmlType t, int rows, int cols, int offset, long dramBytes, int passes, int tokens) {
        long bytes = t.byteSize((long) rows * cols);
        int copies = (int) Math.max(1, Math.min(1 << 16, (dramBytes + bytes - 1) / bytes));
        try (Arena arena = Arena.ofShared()) { // shared: the pool's workers read the matrices
            WeightMatrix[] ws = matrices(arena, t, rows, cols, copies, offset);
            float[] x = activations(tokens, cols, rows), out = new float[tokens * rows];
            WeightMatrix[] first = {ws[0]};
            boolean settle = tokens > 1; // the batched kernels: warm until C2 has compiled them (see perProductUs)
            double d1 = perProductUs(k, one, ws, x, out, tokens, passes, settle, passes), dN = perProductUs(k, many, ws, x, out, tokens, passes, settle, passes);
            double c1 = perProductUs(k, one, first, x, out, tokens, passes, settle, passes), cN = perProductUs(k, many, first, x, out, tokens, passes, settle, passes);
            int at = (int) Math.floorMod(ws[0].data().address() + ws[0].tileOffset(0), (long) RUN);
            return new Rate(t, rows, cols, at, offset >= 0, ws[0].tileStride(), bytes, copies, d1, dN, c1, cN);
        }
    }

    /**
     * {@code copies} tiled (rows, cols) matrices of type t: uniform values in [-1, 1), quantised by the
     * project's {@link Quantizer} once (the copies hold the same bytes: quantising Llama-3.2-1B's output
     * projection anew per copy took longer than timing it); each placed as the model loader does ({@code offset} -1) or with its first
     * tile {@code offset} bytes into a {@value #RUN}-byte run.
     */
    private static WeightMatrix[] matrices(Arena arena, GgmlType t, int rows, int cols, int copies, int offset) {
        long bytes = t.byteSize((long) rows * cols);
        SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
        WeightMatrix[] ws = new WeightMatrix[copies];
        float[] row = new float[cols];
        byte[] q = new byte[Math.toIntExact(t.byteSize(cols))];
        long room = WeightMatrix.tiledGrowth(t, rows, cols);
        MemorySegment first = null; // the first copy's quantised rows, before tiling: the others copy them
        for (int c = 0; c < copies; c++) {
            MemorySegment seg = arena.allocate(bytes + room + RUN, 64);
            if (first == null) {
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < cols; i++) row[i] = (float) (rnd.nextDouble() * 2 - 1);
                    Quantizer.quantize(t, row, 0, cols, q, 0);
                    MemorySegment.copy(MemorySegment.ofArray(q), 0, seg, (long) r * q.length, q.length);
                }
                if (copies > 1) first = arena.allocate(bytes, 64).copyFrom(seg.asSlice(0, bytes));
            } else {
                MemorySegment.copy(first, 0, seg, 0, bytes);
            }
            long at = offset < 0 ? WeightMatrix.placeAt(t, cols, seg, 0) : Math.floorMod(offset - seg.address(), (long) RUN);
            ws[c] = new WeightMatrix(t, seg, 0, rows, cols).tile4(seg, at);
        }
        return ws;
    }

    private static float[] activations(int tokens, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    /**
     * Microseconds per product of {@code batch} tokens: the fastest pass over all matrices (a one-matrix
     * pass repeats it). With {@code settle}, the warm-up goes on until the JIT is quiet ({@link JitQuiet}).
     */
    private static double perProductUs(Kernels k, Parallel par, WeightMatrix[] ws, float[] x, float[] out, int batch, int warmup, boolean settle,
                                       int passes) {
        int reps = ws.length == 1 && batch == 1 ? 64 : 1;
        long best = bestPassNanos(() -> {
            for (int r = 0; r < reps; r++)
                for (WeightMatrix w : ws) Matmul.matmul(k, par, w, x, out, batch);
        }, warmup, settle, passes);
        return best / 1e3 / ((long) reps * ws.length);
    }

    /** The fastest of {@code passes} timed runs of {@code pass}, after the warm-up {@link #perProductUs} describes. */
    private static long bestPassNanos(Runnable pass, int warmup, boolean settle, int passes) {
        JitQuiet quiet = new JitQuiet(settle);
        for (int p = 0; p < warmup || !quiet.settled(); p++) pass.run(); // the first passes warm up the JIT
        long best = Long.MAX_VALUE;
        for (int p = 0; p < passes; p++) {
            long t0 = System.nanoTime();
            pass.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }

    /**
     * The matrices of one call alone on the prompt path (the q, k and v projections, fused in a model, are
     * one call: {@code Matmul.matmul} over all of them, as the model calls it): {@code tokens} tokens on
     * {@code threads} threads, after the warm-up of {@link #measurePrompt}, the best of {@code passes};
     * GFLOP/s, 2 per weight and token. {@code types.get(j)} and {@code shapes.get(j)} ({rows, cols}, the
     * same cols for all) describe matrix j. ({@link ModelShapes}' "alone" column.)
     */
    public static double promptGflops(List<GgmlType> types, List<int[]> shapes, int threads, int tokens, int passes) {
        int cols = callColumns(types, shapes);
        long macs = 0;
        for (int[] rc : shapes) macs += (long) rc[0] * rc[1];
        Kernels k = new VectorKernels();
        try (Parallel par = new Parallel(threads); Arena arena = Arena.ofShared()) {
            WeightMatrix[] ws = new WeightMatrix[types.size()];
            float[][] outs = new float[types.size()][];
            for (int j = 0; j < ws.length; j++) {
                ws[j] = matrices(arena, types.get(j), shapes.get(j)[0], cols, 1, -1)[0];
                outs[j] = new float[tokens * shapes.get(j)[0]];
            }
            float[] x = activations(tokens, cols, cols);
            long best = bestPassNanos(() -> Matmul.matmul(k, par, x, tokens, ws, outs), PROMPT_WARMUP, true, passes);
            return 2.0 * macs * tokens / best;
        }
    }

    /** The columns the matrices of one call share (checked: one type per shape, at least one, all of the same columns). */
    private static int callColumns(List<GgmlType> types, List<int[]> shapes) {
        if (types.isEmpty() || types.size() != shapes.size()) throw new IllegalArgumentException("one type per shape, at least one");
        int cols = shapes.getFirst()[1];
        for (int[] rc : shapes)
            if (rc[1] != cols) throw new IllegalArgumentException("the matrices of one call share their columns");
        return cols;
    }

    /**
     * The matrices of one decode-step call (one token; the fused q, k and v projections are one call,
     * {@code Matmul.matmul} over all of them, as the model calls it) in copies of random weights of the
     * same formats, at least {@code dramBytes} in all; {@code types.get(j)} and {@code shapes.get(j)}
     * ({rows, cols}, the same cols for all) describe matrix j. A {@link #pass} makes the call once per
     * copy, in turn, so that each reads its weights from memory, as a model's steps do; {@code
     * HalyardProbe} times passes between a model's runs ({@link ModelShapes}' decode "alone" column).
     * Off-heap; {@link #close} frees it.
     */
    static final class DecodeCopies implements AutoCloseable {
        private final Arena arena = Arena.ofShared(); // read by the pool's threads
        private final Kernels k = new VectorKernels();
        private final WeightMatrix[][] calls; // [copy][matrix]
        private final float[][] outs;
        private final float[] x;
        private final long bytes;

        DecodeCopies(List<GgmlType> types, List<int[]> shapes, long dramBytes) {
            try {
                int cols = callColumns(types, shapes);
                long call = 0;
                for (int j = 0; j < types.size(); j++) call += types.get(j).byteSize((long) shapes.get(j)[0] * cols);
                int copies = (int) Math.max(1, Math.min(1 << 16, (dramBytes + call - 1) / call));
                calls = new WeightMatrix[copies][types.size()];
                outs = new float[types.size()][];
                for (int j = 0; j < types.size(); j++) {
                    WeightMatrix[] ws = matrices(arena, types.get(j), shapes.get(j)[0], cols, copies, -1);
                    for (int c = 0; c < copies; c++) calls[c][j] = ws[c];
                    outs[j] = new float[shapes.get(j)[0]];
                }
                x = activations(1, cols, cols);
                bytes = call * copies;
            } catch (RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }

        /** Bytes of weights one pass reads (every copy's, as in the file). */
        long bytes() {
            return bytes;
        }

        /** One pass on {@code par}'s threads: the call once per copy; its nanoseconds. */
        long pass(Parallel par) {
            long t0 = System.nanoTime();
            for (WeightMatrix[] call : calls) Matmul.matmul(k, par, x, 1, call, outs);
            return System.nanoTime() - t0;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /**
     * One format and shape on the prompt path: {@code tokens} tokens through {@link Matmul#matmul} at once
     * (the panel or the four-token kernels, as a prompt chunk takes them), one matrix; GFLOP/s (2 per
     * weight and token) on one thread and on N.
     */
    public record PromptRate(GgmlType type, int rows, int cols, int tokens, double us1, double usN) {
        public double gflops(double us) {
            return 2.0 * rows * cols * tokens / us / 1e3;
        }
    }

    /** The prompt-path measurements, and the FP32 FMA peak of 1 and N threads (GFLOP/s) to read them against. */
    public record PromptResult(int threads, int tokens, double fmaPeak1, double fmaPeakN, List<PromptRate> rates) {}

    /**
     * Unreported products before the timed ones, per format, shape and thread count: with 3 the four-token
     * kernels were still being compiled (Q4_0 2048 x 2048, two threads: 177 GFLOP/s, 267 after 10).
     */
    static final int PROMPT_WARMUP = 10;

    /** Measures every type on every shape with a batch of {@code tokens} (a prompt chunk: 512 in the main bench). */
    public static PromptResult measurePrompt(List<GgmlType> types, List<int[]> shapes, int threads, int tokens, int passes) throws InterruptedException {
        if (threads < 1 || tokens < 1 || passes < 1) throw new IllegalArgumentException("threads, tokens and passes must be >= 1");
        List<Pair> pairs = pairs(types, shapes);
        Kernels k = new VectorKernels();
        List<PromptRate> rates = new ArrayList<>();
        try (Parallel one = new Parallel(1); Parallel many = new Parallel(threads)) {
            for (Pair p : pairs) {
                try (Arena arena = Arena.ofShared()) {
                    WeightMatrix[] w = matrices(arena, p.type(), p.rows(), p.cols(), 1, -1);
                    float[] x = activations(tokens, p.cols(), p.rows()), out = new float[tokens * p.rows()];
                    rates.add(new PromptRate(p.type(), p.rows(), p.cols(), tokens, perProductUs(k, one, w, x, out, tokens, PROMPT_WARMUP, true, passes),
                            perProductUs(k, many, w, x, out, tokens, PROMPT_WARMUP, true, passes)));
                }
            }
        }
        double f1 = FmaPeak.measure(1, passes), fN = threads == 1 ? f1 : FmaPeak.measure(threads, passes);
        return new PromptResult(threads, tokens, f1, fN, rates);
    }

    /** The prompt table: per format and shape, GFLOP/s and % of the FMA peak on 1 and N threads. */
    public static String text(PromptResult r) {
        int n = r.threads();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Prompt-path matrix products (%d tokens at once, tiled, Matmul.matmul), best of the timed passes; "
                + "FP32 FMA peak %.0f GFLOP/s on 1 thread, %.0f on %d.%n%n", r.tokens(), r.fmaPeak1(), r.fmaPeakN(), n));
        sb.append(String.format(Locale.ROOT, "| %-5s | %-11s | %-24s | %-24s | %-7s |%n", "type", "shape", "1 thread ms GFLOP/s %", n + " threads ms GFLOP/s %", "scaling"));
        sb.append("| ----- | ----------- | ------------------------ | ------------------------ | ------- |\n");
        for (PromptRate x : r.rates())
            sb.append(String.format(Locale.ROOT, "| %-5s | %-11s | %-24s | %-24s | %-7s |%n", x.type(), x.rows() + "x" + x.cols(),
                    String.format(Locale.ROOT, "%.2f  %.0f  %.0f%%", x.us1() / 1e3, x.gflops(x.us1()), 100 * x.gflops(x.us1()) / r.fmaPeak1()),
                    String.format(Locale.ROOT, "%.2f  %.0f  %.0f%%", x.usN() / 1e3, x.gflops(x.usN()), 100 * x.gflops(x.usN()) / r.fmaPeakN()),
                    String.format(Locale.ROOT, "%.2f", x.us1() / x.usN())));
        return sb.toString();
    }

    private static double emptyRegionUs(Parallel par, int passes) {
        int n = 20_000;
        long best = Long.MAX_VALUE;
        for (int p = 0; p < 2 * passes; p++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) par.forRange(1024, 8, (from, to) -> {});
            long ns = System.nanoTime() - t0;
            if (p >= passes) best = Math.min(best, ns);
        }
        return best / 1e3 / n;
    }

    /** The table: per format and shape, DRAM and cache rates on 1 and N threads. */
    public static String text(Result r) {
        int n = r.threads();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Decode matrix-vector products (%s, tiled, Matmul.matmul): best of the timed passes; "
                + "DRAM = copies cycled, cache = one copy repeated; tiles at / every = bytes into a %d-byte run where each copy's first tile starts "
                + "(@: as asked by --offsets, else where the model loader puts it) / bytes from one tile to the next. "
                + "A parallel region with no work on %d threads: %.2f us.%n%n",
                r.tokens() == 1 ? "one token" : r.tokens() + " tokens per product, a decode step of " + r.tokens() + " sequences", RUN, n, r.emptyRegionUs()));
        sb.append(String.format(Locale.ROOT, "| %-5s | %-11s | %9s | %-15s | %-22s | %-22s | %-7s | %-22s | %-22s |%n", "type", "shape", "KiB",
                "tiles at / every", "DRAM 1 thread us GB/s", "DRAM " + n + " threads us GB/s", "scaling", "cache 1 thread us GB/s", "cache " + n + " threads us GB/s"));
        sb.append("| ----- | ----------- | --------- | --------------- | ---------------------- | ---------------------- | ------- | ---------------------- | ---------------------- |\n");
        for (Rate x : r.rates())
            sb.append(String.format(Locale.ROOT, "| %-5s | %-11s | %9.0f | %-15s | %-22s | %-22s | %-7s | %-22s | %-22s |%n", x.type(), x.rows() + "x" + x.cols(),
                    x.matrixBytes() / 1024.0, (x.offsetAsked() ? "@" : "") + x.at() + " / " + x.tileStride(), cell(x, x.dram1Us()), cell(x, x.dramNUs()), String.format(Locale.ROOT, "%.2f", x.dram1Us() / x.dramNUs()),
                    cell(x, x.cache1Us()), cell(x, x.cacheNUs())));
        return sb.toString();
    }

    private static String cell(Rate x, double us) {
        return String.format(Locale.ROOT, "%.1f  %.1f", us, x.gbs(us));
    }
}
