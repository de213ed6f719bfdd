package dev.halyard.model.chat;

import java.time.Clock;

/**
 * The state of one render that the engine's hooks check: the deadline, the loop-iteration budget and
 * the clock for {@code strftime_now}. It lives in a thread-local for the duration of a render on the
 * worker thread, so the static template functions and the tags can reach it without exposing it to
 * templates.
 */
final class RenderGuard {
    private static final ThreadLocal<RenderGuard> CURRENT = new ThreadLocal<>();

    final RenderLimits limits;
    final Clock clock;
    private final long deadlineNanos; // System.nanoTime() after which the render is abandoned
    private long iterations;          // for-loop iterations so far, all loops together
    int errorsSeen;                   // engine errors already checked for fatal ones
    private Abort pending;            // the first abort raised, kept in case the engine wrapped and swallowed it

    private RenderGuard(RenderLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        this.deadlineNanos = System.nanoTime() + limits.timeout().toNanos();
    }

    /** Installs a guard on this thread; close it with {@link #end()}. */
    static RenderGuard begin(RenderLimits limits, Clock clock) {
        RenderGuard g = new RenderGuard(limits, clock);
        CURRENT.set(g);
        return g;
    }

    static void end() {
        CURRENT.remove();
    }

    /** The guard of the render on this thread; outside a render, an error (a bug, not a template fault). */
    static RenderGuard current() {
        RenderGuard g = CURRENT.get();
        if (g == null) throw new IllegalStateException("no chat template render is in progress on this thread");
        return g;
    }

    /** The first abort raised during this render, or null. */
    Abort pending() {
        return pending;
    }

    /** Rethrows an abort that the engine caught and recorded as an error instead of letting it through. */
    void rethrowPending() {
        if (pending != null) throw pending;
    }

    /** Aborts the render when its time is up or the thread was interrupted. */
    void checkTime() {
        if (System.nanoTime() - deadlineNanos > 0 || Thread.currentThread().isInterrupted())
            throw new Abort("render took longer than the time limit of " + limits.timeout().toMillis() + " ms");
    }

    /** Counts one loop iteration and aborts past the budget or the deadline. */
    void countIteration() {
        if (++iterations > limits.maxLoopIterations())
            throw new Abort("loops ran more than the limit of " + limits.maxLoopIterations() + " iterations");
        if ((iterations & 63) == 0) checkTime();
    }

    /** Aborts when a string built by the template exceeds the output limit. */
    String checkString(String s) {
        if (s.length() > limits.maxOutputChars())
            throw new Abort("a string of " + s.length() + " characters exceeds the limit of " + limits.maxOutputChars());
        return s;
    }

    /**
     * Stops a render at once. The engine turns most exceptions into recorded errors and carries on, so
     * aborts travel as an {@link Error}, which it lets through; {@link ChatTemplate} catches it at the
     * boundary and turns it into a {@link ChatTemplateException} with the same message.
     */
    static final class Abort extends Error {
        Abort(String message) {
            super(message, null, false, false);
            RenderGuard g = CURRENT.get();
            if (g != null && g.pending == null) g.pending = this;
        }
    }
}
