package dev.halyard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's FP32 fused multiply-add peak as Java sees it: each thread runs {@link #CHAINS}
 * independent FMA chains on registers of the preferred vector width (enough to hide the FMA latency
 * on two FMA units), no memory traffic. Reported in GFLOP/s (one FMA = 2 FLOP), best of several passes.
 * A prompt's matrix multiplications are set against it ("pp % FMA peak"), which is how issue 4 states
 * the prompt target: Java has no int8 dot-product instruction, so FP32 FMA is the ceiling.
 */
public final class FmaPeak {
    private FmaPeak() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators per thread (latency 4 cycles x 2 units = 8 needed; 12 leaves slack). */
    static final int CHAINS = 12;
    /** Loop iterations per pass and thread: ~0.1-0.5 s on a current core. */
    static final long ITERATIONS = 20_000_000;
    static final int WARMUP_PASSES = 2;

    /**
     * FP32 FMA throughput in GFLOP/s.
     *
     * @param threads threads running the chains at once
     * @param passes timed passes; the fastest counts
     */
    public static double measure(int threads, int passes) throws InterruptedException {
        return measure(threads, passes, ITERATIONS);
    }

    static double measure(int threads, int passes, long iterations) throws InterruptedException {
        if (threads < 1 || threads > 1024) throw new IllegalArgumentException("threads must be in [1, 1024], got " + threads);
        if (passes < 1) throw new IllegalArgumentException("passes must be >= 1, got " + passes);
        if (iterations < 1) throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        List<Callable<Float>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            float seed = 1 + t;
            work.add(() -> chains(iterations, seed));
        }
        long best = BestPass.nanos(work, WARMUP_PASSES, passes, "FMA peak thread");
        return 2.0 * CHAINS * F.length() * iterations * threads / best;
    }

    /** {@link #CHAINS} chains a = a * m + c, m slightly below 1 so values stay finite. */
    static float chains(long iterations, float seed) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, seed), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
        FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7);
        FloatVector a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
