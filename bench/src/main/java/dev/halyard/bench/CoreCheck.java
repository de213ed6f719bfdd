package dev.halyard.bench;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.WeightMatrix;
import dev.halyard.kernels.quant.Q4_KKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

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
     * its own copy: warmed up for {@code warmupMillis} (so that it runs C2-compiled), then the best of
     * {@code passes} timed passes of about {@code passMillis} each. One thread per core the engine uses:
     * a slow mode that takes one of two vCPUs (a process at ~1.5 threads' worth of work) would escape a
     * one-thread check that the scheduler happens to place on the other.
     */
    public static double measure(int threads, long warmupMillis, int passes, long passMillis) {
        if (threads < 1 || threads > 1024 || warmupMillis < 0 || passes < 1 || passMillis < 1)
            throw new IllegalArgumentException("threads in [1, 1024], warmupMillis >= 0, passes >= 1 and passMillis >= 1 needed, got "
                    + threads + ", " + warmupMillis + ", " + passes + ", " + passMillis);
        if (warmupMillis > 0 && threads > 1) { // compile on one thread first: C2 gets a core of its own
            measure(1, warmupMillis, 1, 1);
            warmupMillis = 100;
        }
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        double[] rate = new double[threads];
        Throwable[] failure = new Throwable[1];
        Thread[] ts = new Thread[threads];
        final long warmup = warmupMillis;
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = Thread.ofPlatform().name("core-check-" + t).start(() -> {
                try {
                    rate[id] = run(start, warmup, passes, passMillis);
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                    start.reset(); // the others' next await fails instead of waiting forever
                }
            });
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while checking the cores", e);
            }
        }
        if (failure[0] != null) throw new IllegalStateException("core check failed: " + failure[0], failure[0]);
        double slowest = Double.POSITIVE_INFINITY;
        for (double r : rate) slowest = Math.min(slowest, r);
        return slowest;
    }

    /** One thread's part: its own matrix, the passes started together with the other threads'. */
    private static double run(java.util.concurrent.CyclicBarrier start, long warmupMillis, int passes, long passMillis) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            WeightMatrix w = new WeightMatrix(GgmlType.Q4_K, randomQ4K(arena, ROWS, COLS, new Random(42)), 0, ROWS, COLS).tile4();
            float[] x = new float[COLS], out = new float[ROWS], s = new float[128];
            Random r = new Random(7);
            for (int i = 0; i < COLS; i++) x[i] = (float) r.nextGaussian();
            long end = System.nanoTime() + warmupMillis * 1_000_000;
            do pass(w, x, out, s); while (System.nanoTime() < end);
            double best = 0;
            for (int p = 0; p < passes; p++) {
                start.await();
                long t0 = System.nanoTime(), stop = t0 + passMillis * 1_000_000, n = 0, t1;
                do {
                    pass(w, x, out, s);
                    n++;
                } while ((t1 = System.nanoTime()) < stop);
                best = Math.max(best, 2.0 * ROWS * COLS * n / (t1 - t0));
            }
            if (!Float.isFinite(out[0])) throw new IllegalStateException("core check produced " + out[0]);
            return best;
        }
    }

    /**
     * The check as the benchmark's children run it on {@code threads} threads: 1.5 s of warm-up on one
     * thread, then each thread's best of {@link #PASSES} passes of 100 ms. A pass disturbed by anything
     * else on the host (the JIT's compiler threads, another process exiting) reads low; a thread reads low
     * only when all its passes are.
     */
    public static double measure(int threads) {
        return measure(threads, 1500, PASSES, 100);
    }

    /** Timed passes per check. */
    public static final int PASSES = 5;

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
