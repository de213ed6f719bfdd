package dev.halyard.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * One rule for tests whose prerequisite (shared data, the llama.cpp harness, an npm client) is
 * missing: under CI (env {@code CI} set) the test fails, elsewhere it is skipped — never passed
 * silently — with a message that says what is missing and how to get it.
 */
public final class Prerequisite {
    private Prerequisite() {}

    public static RuntimeException missing(String message) {
        if (System.getenv("CI") != null) throw new AssertionError(message);
        Assumptions.abort(message);
        throw new IllegalStateException("unreachable: Assumptions.abort always throws");
    }
}
