package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Child processes, the bandwidth kernel. */
class MachineryTest {

    @Test
    void a_child_gives_its_exit_code_stdout_stderr_and_peak_memory() throws Exception {
        ChildProcess.Result r = ChildProcess.run(List.of("sh", "-c", "echo out; echo err >&2; sleep 0.2; exit 3"), null, Duration.ofSeconds(20));
        assertEquals(3, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err", r.stderrTail());
        assertTrue(r.peakRssKb() > 0, "sampled while it slept: " + r.peakRssKb());
    }

    @Test
    void a_child_past_its_timeout_is_killed_and_reported() {
        var e = assertThrows(IOException.class, () -> ChildProcess.run(List.of("sleep", "30"), null, Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("did not finish within"), e.getMessage());
    }

    @Test
    void the_stderr_tail_keeps_the_last_bytes() {
        ChildProcess.TailBuffer t = new ChildProcess.TailBuffer(4);
        for (byte b : "abcdefg".getBytes()) t.write(b);
        assertEquals("defg", t.toString());
    }

    @Test
    void bandwidth_is_measured_with_one_and_more_threads() throws Exception {
        double one = MemoryBandwidth.measure(8 << 20, 1, 2), two = MemoryBandwidth.measure(8 << 20, 2, 2);
        assertTrue(one > 0.1 && one < 10_000, "GB/s " + one);
        assertTrue(two > 0.1 && two < 10_000, "GB/s " + two);
    }

    @Test
    void fma_peak_is_measured_and_its_chains_compute_what_they_say() throws Exception {
        // a rate, not a speed check: one pass under load, before C2 has compiled the chains, read 0.096
        // GFLOP/s (the Vector API interpreted), so any positive, finite, physically possible figure passes
        double one = FmaPeak.measure(1, 1, 200_000), two = FmaPeak.measure(2, 1, 200_000);
        assertTrue(one > 0 && one < 100_000, "GFLOP/s " + one);
        assertTrue(two > 0 && two < 100_000, "GFLOP/s " + two);
        // one iteration: a = a * 0.999999 + 1e-7 on 12 chains seeded 1..12, summed over every lane
        float lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length(), expected = 0;
        for (int i = 0; i < FmaPeak.CHAINS; i++) expected += Math.fma(1f + i, 0.999999f, 1e-7f);
        assertEquals(expected * lanes, FmaPeak.chains(1, 1f), 1e-3f * lanes);
        assertThrows(IllegalArgumentException.class, () -> FmaPeak.measure(0, 1));
    }

    @Test
    void the_core_check_times_the_q4k_kernel_on_well_formed_blocks() throws Exception {
        // a rate, not a speed check (see the FMA peak's test): any positive, physically possible figure passes
        double one = CoreCheck.measure(1, 0, 2, 5), two = CoreCheck.measure(2, 0, 2, 5);
        assertTrue(one > 0 && one < 100_000, "GFLOP/s " + one);
        assertTrue(two > 0 && two < 100_000, "GFLOP/s " + two);
        assertTrue(CoreCheck.slow(44, 61) && !CoreCheck.slow(55, 61) && !CoreCheck.slow(Double.NaN, 61) && !CoreCheck.slow(44, Double.NaN));
        // the random blocks decode to ordinary floats: the kernel against the scalar dequantisation
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var seg = CoreCheck.randomQ4K(arena, 4, 256, new java.util.Random(1));
            float[] w = new float[4 * 256];
            dev.halyard.kernels.quant.Q4_KKernel.dequantize(seg, 0, w, 0, 4 * 256);
            for (float v : w) assertTrue(Float.isFinite(v) && Math.abs(v) < 20, "weight " + v);
        }
        assertThrows(IllegalArgumentException.class, () -> CoreCheck.measure(1, 0, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> CoreCheck.measure(0, 0, 1, 5));
    }

    @Test
    void the_summing_kernel_adds_every_float() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var seg = arena.allocate(4096, 64);
            for (int i = 0; i < 1024; i++) seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1f);
            assertEquals(1024f, MemoryBandwidth.sum(seg, 0, 4096));
        }
    }

    @Test
    void config_validation_names_parameter_value_and_range() {
        var e = assertThrows(IllegalArgumentException.class, () -> BenchConfig.builder().repetitions(0).build());
        assertEquals("repetitions must be in [1, 1000], got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchConfig.builder().llamaKv("q8").build());
        assertEquals("llamaKv must be f16, f32 or q8_0, got 'q8'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchConfig.builder().kvType("int8").build());
        assertEquals("kvType must be f16, f32 or q8_0, got 'int8'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchConfig.builder().llamaKv("q8_0").llamaFlashAttn(false).build());
        assertTrue(e.getMessage().contains("flash attention"), e.getMessage());
        assertEquals("q8_0", BenchConfig.builder().llamaKv("q8_0").kvType("q8_0").build().kvType());
    }
}
