package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The same inputs give the same bits whether a kernel runs interpreted or JIT-compiled: otherwise a
 * seeded generation could change with JIT timing, and a request's tokens with the load on the server.
 */
class DeterminismTest {

    @Test
    void vector_dot_products_are_bit_identical_cold_and_warm() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), ColdWarmCheck.class.getName()))
                .redirectErrorStream(true).start();
        boolean done = child.waitFor(240, TimeUnit.SECONDS);
        if (!done) child.destroyForcibly();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "child JVM timed out:\n" + out);
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("cold/warm identical: 12 formats"), out);
    }
}
