package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void forEach_and_forRange_visit_every_index_exactly_once() {
        try (Parallel par = new Parallel(3)) {
            for (int n : new int[] {0, 1, 2, 7, 96, 1000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(1, n));
                par.forEach(n, i -> seen.incrementAndGet(i));
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "forEach n=" + n + " index " + i);
                AtomicIntegerArray ranged = new AtomicIntegerArray(Math.max(1, n));
                par.forRange(n, 4, (from, to) -> {
                    for (int i = from; i < to; i++) ranged.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertEquals(1, ranged.get(i), "forRange n=" + n + " index " + i);
            }
        }
    }

    @Test
    void forRange_with_more_chunks_per_thread_cuts_finer_and_still_covers_every_index_once() {
        try (Parallel par = new Parallel(2)) {
            for (int per : new int[] {1, 4, 16}) {
                int n = 1000, minChunk = 4;
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                java.util.concurrent.ConcurrentLinkedQueue<int[]> chunks = new java.util.concurrent.ConcurrentLinkedQueue<>();
                par.forRange(n, minChunk, per, (from, to) -> {
                    chunks.add(new int[] {from, to});
                    for (int i = from; i < to; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "chunks per thread " + per + ", index " + i);
                assertEquals(2 * per, chunks.size(), "2 threads x " + per + " chunks of " + n + " indices");
                for (int[] c : chunks) assertEquals(true, c[1] - c[0] >= minChunk || c[1] == n, "chunk [" + c[0] + ", " + c[1] + ")");
            }
            // minChunk still bounds the count: 40 indices in chunks of at least 8 are at most 5 chunks
            java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
            par.forRange(40, 8, 16, (from, to) -> count.incrementAndGet());
            assertEquals(5, count.get());
        }
    }

    @Test
    void the_caller_finishes_the_part_of_a_worker_that_is_stuck() throws InterruptedException {
        // the worker's first chunk waits until the caller has run one of the worker's (upper half)
        // indices: without stealing from the others' parts the region would never end
        try (Parallel par = new Parallel(2)) {
            int n = 64;
            Thread caller = Thread.currentThread();
            java.util.concurrent.CountDownLatch stolen = new java.util.concurrent.CountDownLatch(1);
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
            par.forRange(n, 1, (from, to) -> {
                if (Thread.currentThread() != caller) {
                    try {
                        if (!stolen.await(30, java.util.concurrent.TimeUnit.SECONDS)) timedOut.set(true);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                } else if (from >= n / 2) stolen.countDown();
                for (int i = from; i < to; i++) seen.incrementAndGet(i);
            });
            assertEquals(false, timedOut.get(), "the caller never took a chunk of the worker's part");
            for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i);
        }
    }

    @Test
    void a_failing_task_fails_the_region_and_the_pool_stays_usable() {
        try (Parallel par = new Parallel(2)) {
            var e = assertThrows(IllegalArgumentException.class, () -> par.forEach(50, i -> {
                if (i == 17) throw new IllegalArgumentException("task 17");
            }));
            assertEquals("task 17", e.getMessage());
            int[] out = new int[8];
            par.forEach(8, i -> out[i] = i * i);
            assertArrayEquals(new int[] {0, 1, 4, 9, 16, 25, 36, 49}, out);
        }
    }
}
