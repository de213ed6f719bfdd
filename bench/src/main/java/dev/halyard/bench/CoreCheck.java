package dev.halyard.bench;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.WeightMatrix;
import dev.halyard.kernels.quant.Q4_KKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * How much of its cores this process gets: the Q4_K single-token kernel ({@link Q4_KKernel#dotTile4}) over
 * a 128 x 2048 tiled matrix that stays in L2 (155 KB), on each of the engine's threads at once, in
 * GFLOP/s of the slowest thread. No memory traffic to speak of, so it reads the cores, not the model
 * or the memory.
 *
 * <p>Why: on this shared host a whole Halyard process sometimes runs at half to two thirds of its speed
 * for its whole life (the README's "slow mode"), and the same kernel in cache then reads 41-47 GFLOP/s
 * where other processes, minutes apart, read 60-63. The benchmark runs this check in each Halyard child
 * before and after its measured runs and in its own process at the start and the end, so that a report
 * says which of its ratios came from a process in that mode instead of leaving the reader to guess.
 */
public final class CoreCheck {
    private CoreCheck() {}

    static final int ROWS = 128, COLS = 2048;
    /** Below this fraction of the run's best reading a process is reported as in the slow mode. */
    public static final double SLOW = 0.85;

    /**
     * The kernel's rate in GFLOP/s on the slowest of {@code threads} threads running it at once, each on
     * its own copy ({@link BestPass}: a pass lasts as long as its slowest thread): {@code warmup} passes
     * on one thread first (C2 compiles the kernel with a core of its own), then the best of {@code
     * passes} timed passes of {@code iterations} products each. One thread per core the engine uses: a
     * slow mode that takes one of two vCPUs (a process at ~1.5 threads' worth of work) would escape a
     * one-thread check that the scheduler happens to place on the other.
     */
    public static double measure(int threads, int warmup, int passes, int iterations) throws InterruptedException {
        if (threads < 1 || threads > 1024 || warmup < 0 || passes < 1 || iterations < 1)
            throw new IllegalArgumentException("threads in [1, 1024], warmup >= 0, passes >= 1 and iterations >= 1 needed, got "
                    + threads + ", " + warmup + ", " + passes + ", " + iterations);
        try (Arena arena = Arena.ofShared()) { // read by the pool's threads
            List<Callable<Float>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                WeightMatrix w = new WeightMatrix(GgmlType.Q4_K, randomQ4K(arena, ROWS, COLS, new Random(42)), 0, ROWS, COLS).tile4();
                float[] x = new float[COLS], out = new float[ROWS], s = new float[128];
                Random r = new Random(7);
                for (int i = 0; i < COLS; i++) x[i] = (float) r.nextGaussian();
                tasks.add(() -> {
                    for (int i = 0; i < iterations; i++) pass(w, x, out, s);
                    return out[0];
                });
            }
            if (warmup > 0) BestPass.nanos(tasks.subList(0, 1), warmup, 1, "core check");
            long best = BestPass.nanos(tasks, 0, passes, "core check");
            return 2.0 * ROWS * COLS * iterations / best;
        }
    }

    /**
     * The check as the benchmark's children run it on {@code threads} threads: {@link #WARMUP} passes on
     * one thread (1–3 s, the kernel compiled on the way), then the best of {@link #PASSES} passes of ~0.1 s. A pass disturbed by
     * anything else on the host (the JIT's compiler threads, another process exiting) reads low; the
     * check reads low only when all its passes are.
     */
    public static double measure(int threads) throws InterruptedException {
        return measure(threads, WARMUP, PASSES, ITERATIONS);
    }

    /** The same, without the warm-up: for a process that has run it before (the kernel is compiled). */
    public static double again(int threads) throws InterruptedException {
        return measure(threads, 0, PASSES, ITERATIONS);
    }

    /** Timed passes per check. */
    static final int PASSES = 5;
    /** Products of the 128 x 2048 matrix per pass: ~0.1 s at 60 GFLOP/s. */
    static final int ITERATIONS = 12_000;
    /** One-thread warm-up passes before the timed ones. */
    static final int WARMUP = 10;

    /**
     * A child's readings from its JSON line ({@code core_check_gflops}, optional: empty when absent, as
     * from an older build or llama.cpp); a reading that is not a positive number is refused.
     */
    static List<Double> readings(com.fasterxml.jackson.databind.JsonNode line, String engine) {
        List<Double> core = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode c : line.path("core_check_gflops")) {
            if (!c.isNumber() || !(c.asDouble() > 0)) throw new IllegalArgumentException(engine + " printed a bad core check: " + c);
            core.add(c.asDouble());
        }
        return core;
    }

    /** A child's readings as the field of its JSON line that {@link #readings} reads: {@code "core_check_gflops":[61.02,60.20]}. */
    static String jsonField(double[] readings) {
        StringBuilder sb = new StringBuilder("\"core_check_gflops\":[");
        for (int i = 0; i < readings.length; i++) sb.append(i == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%.2f", readings[i]));
        return sb.append(']').toString();
    }

    /** Readings as text, "61.0 / 60.2 / …" (GFLOP/s, one decimal), or "-" when there are none. */
    static String text(List<Double> readings) {
        if (readings.isEmpty()) return "-";
        StringBuilder sb = new StringBuilder();
        for (double v : readings) sb.append(sb.isEmpty() ? "" : " / ").append(String.format(java.util.Locale.ROOT, "%.1f", v));
        return sb.toString();
    }

    /** The lowest of the readings (NaN: none). */
    static double slowest(List<Double> readings) {
        return readings.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    /** Whether {@code reading} is below {@link #SLOW} of {@code best}, the run's highest reading. */
    public static boolean slow(double reading, double best) {
        return reading > 0 && best > 0 && reading < SLOW * best;
    }

    private static void pass(WeightMatrix w, float[] x, float[] out, float[] s) {
        for (int t = 0; t < ROWS / 4; t++) Q4_KKernel.dotTile4(w.data(), w.tileOffset(t), x, 0, COLS, out, 4 * t, s);
    }

    /**
     * rows x cols of ggml Q4_K blocks (144 bytes per 256 weights): random quants and 6-bit scales, d and
     * dmin small normal halves, so the dequantised weights are ordinary floats (no infinities, no NaNs).
     */
    static MemorySegment randomQ4K(Arena arena, int rows, int cols, Random r) {
        long blocks = (long) rows * cols / 256;
        MemorySegment seg = arena.allocate(blocks * 144, 64);
        byte[] b = new byte[144];
        for (long k = 0; k < blocks; k++) {
            r.nextBytes(b);
            short d = Float.floatToFloat16(0.001f + 0.01f * r.nextFloat()), m = Float.floatToFloat16(0.001f + 0.005f * r.nextFloat());
            b[0] = (byte) d;
            b[1] = (byte) (d >> 8);
            b[2] = (byte) m;
            b[3] = (byte) (m >> 8);
            MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, k * 144, 144);
        }
        return seg;
    }
}
