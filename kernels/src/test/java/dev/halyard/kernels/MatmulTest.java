package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Matmul.matmul against a naive loop over dequantised rows, in double precision. */
class MatmulTest {

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K))
            for (int batch : new int[] {1, 3})
                for (int threads : new int[] {1, 2}) cases.add(Arguments.of(type, batch, threads));
        return cases;
    }

    @ParameterizedTest(name = "{0} batch={1} threads={2}")
    @MethodSource("cases")
    void matmul_matches_a_naive_loop(GgmlType type, int batch, int threads) {
        int rows = 37, cols = 512, pad = 3; // rows odd and above the 16-row chunk, tensor at an unaligned offset
        Random rnd = new Random(rows * 31L + batch * 7L + threads + type.id);
        float[] x = RandomBlocks.gaussian(batch * cols, rnd);
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(threads)) {
            MemorySegment data = RandomBlocks.allocate(arena, type, rows * cols, pad, rnd);
            WeightMatrix w = new WeightMatrix(type, data, pad, rows, cols);

            double[] expected = new double[batch * rows]; // (batch, rows)
            double[] magnitude = new double[batch * rows];
            float[] row = new float[cols];
            for (int i = 0; i < rows; i++) {
                new ScalarKernels().dequantize(type, data, w.rowOffset(i), row, 0, cols);
                for (int b = 0; b < batch; b++)
                    for (int j = 0; j < cols; j++) {
                        expected[b * rows + i] += (double) row[j] * x[b * cols + j];
                        magnitude[b * rows + i] += Math.abs((double) row[j] * x[b * cols + j]);
                    }
            }
            for (Kernels k : new Kernels[] {new ScalarKernels(), new VectorKernels()}) {
                float[] out = new float[batch * rows]; // (batch, rows)
                Matmul.matmul(k, par, w, x, out, batch);
                for (int o = 0; o < out.length; o++)
                    assertEquals(expected[o], out[o], 1e-4 * magnitude[o] + 1e-30, k.name() + " output " + o);
            }
        }
    }
}
