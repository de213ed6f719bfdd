package dev.halyard.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * A fixed pool of worker threads that splits index ranges across cores. One per engine; closed with
 * the model. {@code threads == 1} runs everything on the caller's thread.
 */
public final class Parallel implements AutoCloseable {

    /** Work on the index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    public int threads() {
        return threads;
    }

    /** Runs body over [0, n) split into contiguous chunks, one or more per thread. */
    public void forRange(int n, int minChunk, RangeBody body) {
        if (pool == null || n <= minChunk) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(threads * 4, Math.max(1, n / Math.max(1, minChunk)));
        pool.invoke(new Split(body, 0, n, (n + chunks - 1) / chunks));
    }

    /** Runs body(i) for every i in [0, n). */
    public void forEach(int n, IntConsumer body) {
        forRange(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        });
    }

    private static final class Split extends RecursiveAction {
        private final RangeBody body;
        private final int from, to, grain;

        Split(RangeBody body, int from, int to, int grain) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.grain = grain;
        }

        @Override
        protected void compute() {
            if (to - from <= grain) {
                body.run(from, to);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Split(body, from, mid, grain), new Split(body, mid, to, grain));
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
