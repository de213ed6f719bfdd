package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link JitQuiet}: settled once the compilation time stands still long enough, or after the longest wait. */
class JitQuietTest {
    private long now, compiledMs;

    @Test
    void settles_once_the_compilation_time_has_stood_still_for_the_quiet_span() {
        JitQuiet q = new JitQuiet(() -> compiledMs, () -> now);
        now += JitQuiet.QUIET_NANOS / 2;
        compiledMs += 5; // C2 still compiling
        assertFalse(q.settled());
        now += JitQuiet.QUIET_NANOS - 1; // quiet, but not for long enough since the last change was seen
        assertFalse(q.settled());
        now += 1;
        assertTrue(q.settled());
        compiledMs += 1; // a late compilation starts the span again
        assertFalse(q.settled());
        now += JitQuiet.QUIET_NANOS;
        assertTrue(q.settled());
    }

    @Test
    void gives_up_waiting_after_the_longest_wait() {
        JitQuiet q = new JitQuiet(() -> compiledMs, () -> now);
        for (long t = 0; t < JitQuiet.MAX_NANOS; t += JitQuiet.QUIET_NANOS / 3) {
            now = t;
            compiledMs++; // never quiet
            assertFalse(q.settled());
        }
        now = JitQuiet.MAX_NANOS;
        compiledMs++;
        assertTrue(q.settled());
    }

    @Test
    void is_settled_at_once_when_not_watching() {
        assertTrue(new JitQuiet(false).settled());
        assertTrue(new JitQuiet(null, () -> now).settled());
    }
}
