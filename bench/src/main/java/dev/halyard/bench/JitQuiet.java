package dev.halyard.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Whether the JIT has gone quiet: the end of a warm-up that runs "until C2 has compiled what the timed
 * passes run" rather than a fixed count. C2 compiles a batched kernel in the background for the better
 * part of a second on a busy host, and until then the code runs in C1's tier, boxed: a fixed warm-up
 * fits one workload and misreads another. A 16-token prompt of SmolLM2-135M Q8_0 after 3 warm-up
 * prompts read 44.1 ms a prompt (93 GFLOP/s in its products, 20 measured runs; two threads), after a
 * settled warm-up (143 and 151 prompts) 21.2-21.4 ms (170 GFLOP/s); its 512-token prompt settles after
 * 15. A product of a small matrix or a few tokens takes a millisecond, so ten of them ended before C2
 * did (Q8_0, 4 tokens: 256 x 2048 8.7-13.7 ms a product on one thread, 0.05 ms once C2's kernel ran;
 * 2048 x 8192 17-39 GFLOP/s on two threads against 86-144 after a warm shape).
 */
final class JitQuiet {
    /** How long the JVM's total compilation time must stand still. */
    static final long QUIET_NANOS = 300_000_000L;
    /** The longest wait for it, from construction: some JVMs never stop compiling something. */
    static final long MAX_NANOS = 10_000_000_000L;

    private final LongSupplier compiledMs, clock;
    private final long start;
    private long quietSince, compiled;

    /** Watching this JVM's JIT, or (with {@code watch} false, or where the JVM does not report compilation time) always settled. */
    JitQuiet(boolean watch) {
        this(watch ? compilationTime() : null, System::nanoTime);
    }

    /** {@code compiledMs} the total compilation time so far (null: never watch), {@code clock} nanoseconds. */
    JitQuiet(LongSupplier compiledMs, LongSupplier clock) {
        this.compiledMs = compiledMs;
        this.clock = clock;
        this.start = this.quietSince = clock.getAsLong();
        this.compiled = compiledMs != null ? compiledMs.getAsLong() : 0;
    }

    private static LongSupplier compilationTime() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit::getTotalCompilationTime : null;
    }

    /**
     * True once the total compilation time has not changed for {@link #QUIET_NANOS} (as seen by the
     * calls so far: call it between passes), or {@link #MAX_NANOS} after construction; always true
     * when not watching.
     */
    boolean settled() {
        if (compiledMs == null) return true;
        long now = clock.getAsLong(), c = compiledMs.getAsLong();
        if (c != compiled) {
            compiled = c;
            quietSince = now;
        }
        return now - quietSince >= QUIET_NANOS || now - start >= MAX_NANOS;
    }
}
