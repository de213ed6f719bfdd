package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.quant.Simd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector kernels pick their float width once per JVM (static final species, so C2 compiles them to
 * SIMD). Each width is therefore checked in its own child JVM, capped with -XX:MaxVectorSize: 512 bits
 * (AVX-512), 256 (AVX2) and 128 (SSE / NEON). Widths above this machine's are capped to what it has.
 */
class VectorWidthTest {

    @ParameterizedTest(name = "{0}-bit vectors")
    @ValueSource(ints = {128, 256, 512})
    void vector_kernels_agree_with_scalar_at_this_width(int bits) throws IOException, InterruptedException {
        String output = selfCheck(bits);
        int expectedBits = Math.min(bits, Simd.F.vectorBitSize());
        assertTrue(output.contains("float species bits=" + expectedBits + "\n"), output);
        assertTrue(output.contains("agreement checks passed: "), output);
    }

    /**
     * Q6_K's tiled layout at 16 lanes is transposed unless told otherwise ({@code Q6_KTileKernel.TRANSPOSED}):
     * the other choice than this JVM's, forced, passes the same checks (kernels against the canonical
     * loop in their positions, slice-major matrices through Matmul for one token, a quad and a tail,
     * and the panel), and C1 compiles its kernels (see {@link #c1_compiles_every_kernel_it_is_given}).
     */
    @Test
    void q6_k_in_the_other_order_at_16_lanes_agrees_with_scalar() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Simd.L == 16, "16 lanes only");
        boolean other = !dev.halyard.kernels.quant.Q6_KTileKernel.TRANSPOSED;
        String output = selfCheck(512, "-Dhalyard.q6kTransposed=" + other, "-XX:+PrintCompilation");
        assertTrue(output.contains("Q6_K transposed=" + other + "\n"), output);
        assertTrue(output.contains("agreement checks passed: "), output);
        assertNothingSkipped(output);
    }

    /**
     * Every method of the project the JIT compiles during the self-check, C1 compiles too: none is
     * "COMPILE SKIPPED". A kernel that C1's register allocator gives up on (tier 3) can still reach C2
     * in a run like this one, but in a busy process it may stay in tier 2, where the Vector API runs
     * boxed at ~1 GFLOP/s: Q6_K's four-token kernel did, twice (its scale decoding, then stop 43's two
     * orders in one loop: 0-1 GFLOP/s at 4-7 tokens in {@code bench prompt}).
     */
    @Test
    void c1_compiles_every_kernel_it_is_given() throws IOException, InterruptedException {
        String output = selfCheck(Simd.F.vectorBitSize(), "-XX:+PrintCompilation");
        assertTrue(output.contains("agreement checks passed: "), output);
        assertNothingSkipped(output);
    }

    /** No line of -XX:+PrintCompilation's output says that a compilation of one of the project's methods was skipped. */
    private static void assertNothingSkipped(String output) {
        List<String> skipped = output.lines().filter(l -> l.contains("COMPILE SKIPPED") && l.contains("dev.halyard.")).toList();
        assertTrue(skipped.isEmpty(), "compilations skipped:\n" + String.join("\n", skipped));
    }

    /** VectorSelfCheck's output in a child JVM capped at this many bits, with these extra options; asserts it exits 0. */
    private static String selfCheck(int bits, String... options) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // -Xbatch: a JIT compile blocks the calling thread, so the checks that warm kernels allocate
        // nothing do not depend on a loaded machine giving the compiler threads time
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-XX:MaxVectorSize=" + bits / 8, "-Xbatch"));
        command.addAll(List.of(options));
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                VectorSelfCheck.class.getName()));
        // the output goes to a file: a pipe holds 64 KiB, and -XX:+PrintCompilation writes more, which
        // would block the child until the timeout if it were read only after the child ends
        Path log = Files.createTempFile("vector-self-check", ".log");
        String output;
        try {
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = child.waitFor(240, TimeUnit.SECONDS);
            if (!done) child.destroyForcibly().waitFor();
            output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(done, "child JVM timed out:\n" + output);
            assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
        } finally {
            Files.deleteIfExists(log);
        }
        return output;
    }
}
