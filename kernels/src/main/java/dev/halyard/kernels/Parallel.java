package dev.halyard.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A fixed pool of worker threads that splits index ranges across cores. One per model; closed with
 * it. {@code threads == 1} runs everything on the caller's thread.
 *
 * <p>A forward pass runs hundreds of parallel regions per token (every matmul, attention), each a few
 * microseconds to a millisecond long, so the cost of starting and joining a region matters as much as
 * the work: a {@code ForkJoinPool.invoke} per region halved generation speed on 2 cores. Here the
 * caller publishes a job by bumping a generation counter; workers that finished the previous job
 * spin on it (with {@link Thread#onSpinWait}) for {@link #SPIN_NANOS} before parking, so back-to-back
 * regions start in well under a microsecond while an idle model costs no CPU. Chunks are claimed
 * with atomic counters (the caller works too), so a worker descheduled by another process on a busy
 * machine delays only the chunk it holds, not a fixed share.
 *
 * <p>Each thread first takes the chunks of its own contiguous part of the range, in order, and only
 * then helps with the others' from their far end: a matrix-vector product streams its weights from
 * memory, and every jump to a distant chunk restarts that stream. With chunks dealt round-robin from
 * one counter, single-token generation on 2 threads was 8% slower on SmolLM2-135M Q8_0 (30 layers of
 * 20-60 us regions) and 5% on Qwen2.5-0.5B Q4_0 than with one static half each; with own parts it is
 * within noise of the static split, and still balances when one thread falls behind.
 *
 * <p>A region started from inside a region, or from a second thread while one runs, runs on the
 * calling thread alone (correct, just not parallel).
 */
public final class Parallel implements AutoCloseable {

    /** Work on the index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** How long an idle worker spins for the next region before parking. */
    static final long SPIN_NANOS = 2_000_000;

    /**
     * One region. Its chunks are split into one contiguous part per thread; each thread claims the
     * chunks of its own part front to back (so it streams one run of memory, as a static split would),
     * then takes chunks from the back of whichever part has most left. Chunks are claimed and counted
     * on the job itself, so a late worker finds none left. A thread adds the chunks it ran to
     * {@code done} once, when it finds none left: one shared atomic per chunk bounced a cache line
     * between the cores every few microseconds.
     *
     * <p>Fixed chunks leave the thread that runs out first waiting for half a chunk on average: in
     * Llama-3.2-1B Q4_K_M generation on 2 threads (steady state, 450 tokens, timed in place) the caller
     * waited at region ends 4.6% of its time, besides a few waits of milliseconds when the host took the
     * worker's core. Claims that shrink as a part runs out (1/4 of what is left, down to one 8-tile
     * unit) cut that wait to 0.6%, yet ran slower in {@code bench ab}: generation 0.92 (0/8 rounds
     * faster) and 0.96 (2/7), level with 32-tile units, Llama-3.2-1B Q4_0 prompts 0.94 (0/7). A thread
     * left alone at a region's end streams its weights faster (the memory bandwidth is all its own),
     * so the wait costs less than it measures, while small claims restart the weight streams more often.
     */
    private static final class Job {
        final RangeBody body;
        final int n, grain, chunks, parts;
        /** Part p's unclaimed chunks [lo, hi) at index p * PAD, as {@code hi << 32 | lo}; padded against false sharing. */
        final AtomicLongArray left;
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(RangeBody body, int n, int grain, int chunks, int parts) {
            this.body = body;
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.parts = parts;
            this.left = new AtomicLongArray(parts * PAD);
            for (int p = 0; p < parts; p++) left.set(p * PAD, (long) ((p + 1) * chunks / parts) << 32 | (p * chunks / parts));
        }

        /** Runs chunks until none is left, starting with part {@code own}'s. */
        void work(int own) {
            int c, finished = 0;
            try {
                while ((c = claim(own % parts)) >= 0 || (c = steal()) >= 0) {
                    try {
                        if (failure == null) body.run(c * grain, Math.min(n, (c + 1) * grain));
                    } catch (Throwable t) {
                        if (failure == null) failure = t;
                    } finally {
                        finished++;
                    }
                }
            } finally {
                done.addAndGet(finished);
            }
        }

        /** The first unclaimed chunk of part p, or -1. */
        private int claim(int p) {
            for (;;) {
                long s = left.get(p * PAD);
                int lo = (int) s, hi = (int) (s >>> 32);
                if (lo >= hi) return -1;
                if (left.compareAndSet(p * PAD, s, s + 1)) return lo;
            }
        }

        /** The last unclaimed chunk of the part with most left, or -1 when all are claimed. */
        private int steal() {
            for (;;) {
                int best = -1, most = 0;
                long bs = 0;
                for (int p = 0; p < parts; p++) {
                    long s = left.get(p * PAD);
                    int m = (int) (s >>> 32) - (int) s;
                    if (m > most) {
                        most = m;
                        best = p;
                        bs = s;
                    }
                }
                if (best < 0) return -1;
                if (left.compareAndSet(best * PAD, bs, bs - (1L << 32))) return (int) (bs >>> 32) - 1;
            }
        }
    }

    /** Longs between two parts' counters: 128 bytes, so no two share a cache line (or an adjacent-line prefetch pair). */
    private static final int PAD = 16;
    /** Chunks per thread in a region (fewer when minChunk says so). */
    static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final Thread[] workers;
    private final AtomicIntegerArray parked; // 1 while worker i is (about to be) parked
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new AtomicIntegerArray(Math.max(1, threads - 1));
        for (int i = 0; i < workers.length; i++) {
            int id = i;
            workers[i] = Thread.ofPlatform().daemon().name("halyard-worker-" + (i + 1)).unstarted(() -> workerLoop(id));
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs body over [0, n) split into contiguous chunks of at least {@code minChunk} (but the last). */
    public void forRange(int n, int minChunk, RangeBody body) {
        forRange(n, minChunk, CHUNKS_PER_THREAD, body);
    }

    /**
     * {@link #forRange(int, int, RangeBody)} with up to {@code chunksPerThread} chunks per thread: more
     * chunks shorten the wait at the region's end (on average half a chunk, one thread idle), at one
     * claim per chunk.
     */
    public void forRange(int n, int minChunk, int chunksPerThread, RangeBody body) {
        if (n <= 0) return;
        if (threads == 1 || n <= minChunk || INSIDE.get() || !lock.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            run(body, n, Math.min(threads * Math.max(1, chunksPerThread), Math.max(1, n / Math.max(1, minChunk))), threads);
        } finally {
            lock.unlock();
        }
    }

    /** Runs body over [0, n) in {@code chunks} contiguous chunks; the caller holds the lock. */
    private void run(RangeBody body, int n, int chunks, int parts) {
        int grain = (n + chunks - 1) / chunks;
        chunks = (n + grain - 1) / grain;
        Job j = new Job(body, n, grain, chunks, Math.min(parts, chunks));
        job = j; // publishes the job
        for (int i = 0; i < workers.length; i++) if (parked.get(i) == 1) LockSupport.unpark(workers[i]);
        INSIDE.set(Boolean.TRUE);
        try {
            j.work(0);
        } finally {
            INSIDE.set(Boolean.FALSE);
        }
        int spins = 0;
        while (j.done.get() < j.chunks) {
            if (++spins < 1 << 16) Thread.onSpinWait();
            else Thread.yield();
        }
        Throwable t = j.failure;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    /**
     * Runs body(i) for every i in [0, n), handing out one index at a time: for a few dozen tasks of
     * unequal size (attention of a causal prompt: later query blocks see more keys), so that no thread
     * is left with a run of the biggest ones. List the biggest first.
     */
    public void forEach(int n, IntConsumer body) {
        if (n <= 0) return;
        RangeBody each = (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        };
        if (threads == 1 || n == 1 || INSIDE.get() || !lock.tryLock()) {
            each.run(0, n);
            return;
        }
        try {
            run(each, n, n, 1);
        } finally {
            lock.unlock();
        }
    }

    private void workerLoop(int id) {
        INSIDE.set(Boolean.TRUE);
        Job seen = null;
        while (!closed) {
            long spinStart = System.nanoTime();
            int spins = 0;
            Job j;
            while ((j = job) == seen && !closed) {
                Thread.onSpinWait();
                if ((++spins & 255) == 0 && System.nanoTime() - spinStart > SPIN_NANOS) {
                    parked.set(id, 1);
                    // re-check after announcing (both volatile): a caller that published before seeing
                    // the flag has not unparked us, so we must not sleep
                    if (job == seen && !closed) LockSupport.park(this);
                    parked.set(id, 0);
                    spinStart = System.nanoTime();
                }
            }
            if (j == null || closed) continue;
            seen = j;
            j.work(id + 1);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
