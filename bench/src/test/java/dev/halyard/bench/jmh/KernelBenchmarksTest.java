package dev.halyard.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.bench.jmh.KernelBenchmarks.Key;
import dev.halyard.bench.jmh.KernelBenchmarks.Score;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelBenchmarksTest {

    @Test
    void the_summary_pairs_twins_orders_batches_by_number_and_computes_rates() {
        String s = KernelBenchmarks.summary(List.of(
                new Score(new Key("matmul", "Q4_K", 128, 2048, 16), "vector", 80.0),
                new Score(new Key("matmul", "Q4_K", 128, 2048, 16), "scalar", 5600.0),
                new Score(new Key("matmul", "Q4_K", 128, 2048, 4), "vector", 20.0),
                new Score(new Key("matmul", "Q4_K", 128, 2048, 4), "scalar", 1400.0),
                new Score(new Key("dequantize", "Q8_0", 64, 4096, 1), "vector", 10.0),
                new Score(new Key("dequantize", "Q8_0", 64, 4096, 1), "scalar", 40.0),
                new Score(new Key("ops", "softmax", 1, 2048, 1), "vector", 1.0),
                new Score(new Key("ops", "softmax", 1, 2048, 1), "scalar", 7.0)));
        List<String> lines = s.strip().lines().toList();
        assertTrue(lines.get(0).startsWith("benchmark"), s);
        assertEquals(5, lines.size(), s); // header and four pairs, no warning
        // batches in numeric order (4 before 16), each row scalar, vector, speed-up, GB/s, GFLOP/s
        assertEquals(List.of("matmul", "Q4_K", "128x2048", "4", "1400.00", "20.00", "70.00", "7.37", "104.9"), List.of(lines.get(2).split("\\s+")), s);
        assertEquals(List.of("matmul", "Q4_K", "128x2048", "16", "5600.00", "80.00", "70.00", "1.84", "104.9"), List.of(lines.get(3).split("\\s+")), s);
        // 64 rows x 4096 Q8_0 = 64 x 4352 bytes in 10 µs; decoding has no GFLOP/s
        assertEquals(List.of("dequantize", "Q8_0", "64x4096", "1", "40.00", "10.00", "4.00", "27.85", "-"), List.of(lines.get(1).split("\\s+")), s);
        assertEquals(List.of("ops", "softmax", "2048", "1", "7.00", "1.00", "7.00", "-", "-"), List.of(lines.get(4).split("\\s+")), s);
    }

    @Test
    void a_vector_kernel_slower_than_its_twin_is_called_out_but_not_a_float_op() {
        String slow = KernelBenchmarks.summary(List.of(new Score(new Key("dot", "Q4_0", 64, 4096, 1), "vector", 50.0),
                new Score(new Key("dot", "Q4_0", 64, 4096, 1), "scalar", 40.0)));
        assertTrue(slow.contains("1 vector kernel(s) slower than scalar"), slow);
        String op = KernelBenchmarks.summary(List.of(new Score(new Key("ops", "add", 1, 2048, 1), "vector", 0.07),
                new Score(new Key("ops", "add", 1, 2048, 1), "scalar", 0.06)));
        assertFalse(op.contains("slower than scalar"), "C2 vectorises the scalar add by itself: " + op);
    }
}
