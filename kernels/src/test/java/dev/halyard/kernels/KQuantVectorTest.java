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
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector dequantisation of Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K is bit-identical to the scalar
 * reference, and the fused K-quant row kernels to "dequantise, then the canonical F32 loop", at this
 * JVM's vector width and, in child JVMs capped with -XX:MaxVectorSize, at 128 and 256 bits (as in
 * {@link VectorWidthTest}).
 */
class KQuantVectorTest {

    static List<GgmlType> types() {
        return KQuantVectorCheck.TYPES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void vector_dequantize_is_bit_identical_to_scalar_before_and_after_jit(GgmlType type) {
        KQuantVectorCheck.checkDequantizeCases(type);
        KQuantVectorCheck.warmDequantize(type, false); // the allocation checks run in fresh child JVMs below
        KQuantVectorCheck.checkDequantizeCases(type);
    }

    static List<GgmlType> fused() {
        return KQuantVectorCheck.FUSED;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fused")
    void fused_row_kernels_are_bit_identical_to_dequantize_then_canonical_loop(GgmlType type) {
        KQuantVectorCheck.checkDotRowsCases(type);
        KQuantVectorCheck.warmDotRows(type, false);
        KQuantVectorCheck.checkDotRowsCases(type);
    }

    /** 128 and 256 bits, and 512 (this machine's own width where it has 512-bit vectors): fresh JVMs, strict allocation checks. */
    @ParameterizedTest(name = "{0}-bit vectors")
    @ValueSource(ints = {128, 256, 512})
    void vector_dequantize_is_bit_identical_at_narrower_widths(int bits) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // -Xbatch: a JIT compile blocks the calling thread, so the checks that warm kernels allocate
        // nothing do not depend on a loaded machine giving the compiler threads time
        List<String> command = List.of(java.toString(), "-XX:MaxVectorSize=" + bits / 8, "-Xbatch",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                KQuantVectorCheck.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = child.waitFor(240, TimeUnit.SECONDS);
        if (!done) child.destroyForcibly();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "child JVM timed out:\n" + output);
        assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
        int expectedBits = Math.min(bits, Simd.F.vectorBitSize());
        assertTrue(output.contains("float species bits=" + expectedBits + "\n"), output);
        assertTrue(output.contains("k-quant vector checks passed: "), output);
    }
}
