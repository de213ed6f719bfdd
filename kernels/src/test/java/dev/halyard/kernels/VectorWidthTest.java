package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.quant.Simd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // -Xbatch: a JIT compile blocks the calling thread, so the checks that warm kernels allocate
        // nothing do not depend on a loaded machine giving the compiler threads time
        List<String> command = List.of(java.toString(), "-XX:MaxVectorSize=" + bits / 8, "-Xbatch",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                VectorSelfCheck.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = child.waitFor(240, TimeUnit.SECONDS);
        if (!done) child.destroyForcibly();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "child JVM timed out:\n" + output);
        assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
        int expectedBits = Math.min(bits, Simd.F.vectorBitSize());
        assertTrue(output.contains("float species bits=" + expectedBits + "\n"), output);
        assertTrue(output.contains("agreement checks passed: "), output);
    }
}
