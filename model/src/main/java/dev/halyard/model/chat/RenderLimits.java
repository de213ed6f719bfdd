package dev.halyard.model.chat;

import java.time.Duration;

/**
 * Bounds on one render, so that a hostile template cannot hang or exhaust the server. Each exceeded
 * bound raises a {@link ChatTemplateException} that names it.
 *
 * @param timeout wall-clock time for one render
 * @param maxOutputChars longest output, and longest string the template may build
 * @param maxLoopIterations for-loop iterations over the whole render, all loops together
 * @param maxCollectionSize longest list or dict the template may build
 * @param maxRecursionDepth deepest macro recursion and data nesting
 */
public record RenderLimits(Duration timeout, int maxOutputChars, int maxLoopIterations, int maxCollectionSize, int maxRecursionDepth) {
    public RenderLimits {
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0)
            throw new IllegalArgumentException("timeout must be in (0, 1 min], got " + timeout);
        if (maxOutputChars < 1) throw new IllegalArgumentException("maxOutputChars must be >= 1, got " + maxOutputChars);
        if (maxLoopIterations < 1) throw new IllegalArgumentException("maxLoopIterations must be >= 1, got " + maxLoopIterations);
        if (maxCollectionSize < 1) throw new IllegalArgumentException("maxCollectionSize must be >= 1, got " + maxCollectionSize);
        if (maxRecursionDepth < 1 || maxRecursionDepth > 1000) throw new IllegalArgumentException("maxRecursionDepth must be in [1, 1000], got " + maxRecursionDepth);
    }

    /** 1 s, 1 MiB of output, a million loop iterations, 100k-element collections, depth 64. */
    public static RenderLimits defaults() {
        return new RenderLimits(Duration.ofSeconds(1), 1 << 20, 1_000_000, 100_000, 64);
    }

    public RenderLimits withTimeout(Duration t) {
        return new RenderLimits(t, maxOutputChars, maxLoopIterations, maxCollectionSize, maxRecursionDepth);
    }
}
