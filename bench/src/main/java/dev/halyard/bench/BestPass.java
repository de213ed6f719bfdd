package dev.halyard.bench;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one task per thread, all at once, for some unreported warm-up passes and then timed passes,
 * and returns the fastest timed pass (as STREAM reports; on a shared machine noise only slows a pass).
 * The tasks' results are summed into a sink so that the JIT cannot drop their work.
 */
final class BestPass {
    private BestPass() {}

    @SuppressWarnings("unused")
    private static volatile float sink;

    /** Nanoseconds of the fastest of {@code passes} timed passes, after {@code warmup} untimed ones. */
    static long nanos(List<Callable<Float>> tasks, int warmup, int passes, String what) throws InterruptedException {
        try (ExecutorService pool = Executors.newFixedThreadPool(tasks.size())) {
            long best = Long.MAX_VALUE;
            for (int p = 0; p < warmup + passes; p++) {
                long t0 = System.nanoTime();
                float total = 0;
                for (Future<Float> f : pool.invokeAll(tasks)) total += get(f, what);
                long nanos = System.nanoTime() - t0;
                sink = total;
                if (p >= warmup) best = Math.min(best, nanos);
            }
            return best;
        }
    }

    private static float get(Future<Float> f, String what) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed", e.getCause());
        }
    }
}
