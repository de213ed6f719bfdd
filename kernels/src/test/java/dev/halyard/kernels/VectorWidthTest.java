package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.quant.Simd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
     * Q6_K's tiled layout at 16 lanes is transposed on some CPUs only ({@code Q6_KKernel.TRANSPOSED}):
     * the other choice than this JVM's, forced, passes the same checks (kernels against the canonical
     * loop in their positions, slice-major matrices through Matmul for one token, a quad and a tail,
     * and the panel).
     */
    @Test
    void q6_k_in_the_other_order_at_16_lanes_agrees_with_scalar() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Simd.L == 16, "16 lanes only");
        boolean other = !dev.halyard.kernels.quant.Q6_KKernel.TRANSPOSED;
        String output = selfCheck(512, "-Dhalyard.q6kTransposed=" + other);
        assertTrue(output.contains("Q6_K transposed=" + other + "\n"), output);
        assertTrue(output.contains("agreement checks passed: "), output);
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
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = child.waitFor(240, TimeUnit.SECONDS);
        if (!done) child.destroyForcibly();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "child JVM timed out:\n" + output);
        assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
        return output;
    }
}
