package dev.halyard.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each benchmark's two twins compute the same thing, so their times compare the same work. */
class BenchmarkTwinsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K", "F16"})
    void matmul_twins_give_the_same_product(String type) {
        for (int batch : new int[] {1, 4, 16, 64}) {
            float[] vector = matmul(type, "vector", batch), scalar = matmul(type, "scalar", batch);
            assertEquals(batch * 128, vector.length);
            for (int i = 0; i < vector.length; i++)
                assertEquals(scalar[i], vector[i], 1e-3f * (1 + Math.abs(scalar[i])), type + " batch " + batch + " output " + i);
        }
    }

    private static float[] matmul(String type, String kernels, int batch) {
        MatmulBenchmark b = new MatmulBenchmark();
        b.type = type;
        b.kernels = kernels;
        b.batch = batch;
        b.rows = 128;
        b.cols = 2048;
        b.setUp();
        try {
            return b.matmul().clone();
        } finally {
            b.tearDown();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dot", "axpy", "add", "rmsnorm", "siluMul", "geluMul", "softcap", "softmax", "scores", "weightedSum", "widenQ8", "widenF16"})
    void float_op_twins_agree(String op) {
        OpsBenchmark v = ops(op, "vector"), s = ops(op, "scalar");
        for (int call = 1; call <= 2; call++) { // a second call: the in-place ops accumulate alike
            float rv = v.run(), rs = s.run();
            assertEquals(rs, rv, 1e-3f * (1 + Math.abs(rs)), op + ", call " + call);
            float[] ov = v.out(), os = s.out();
            for (int i = 0; i < os.length; i++) assertEquals(os[i], ov[i], 1e-4f * (1 + Math.abs(os[i])), op + ", call " + call + ", element " + i);
        }
    }

    private static OpsBenchmark ops(String op, String kernels) {
        OpsBenchmark b = new OpsBenchmark();
        b.op = op;
        b.kernels = kernels;
        b.n = 2048;
        b.setUp();
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Q4_K", "Q6_K"})
    void repack_twins_write_the_same_tiles(String type) {
        byte[][] out = new byte[2][];
        String[] kernels = {"vector", "scalar"};
        for (int k = 0; k < 2; k++) {
            RepackBenchmark b = new RepackBenchmark();
            b.type = type;
            b.kernels = kernels[k];
            b.rows = 4;
            b.cols = 2048;
            b.setUp();
            out[k] = b.tile().clone();
        }
        assertEquals(8 * (type.equals("Q4_K") ? 608 : 4 * 210), out[0].length, "8 block columns of 4 blocks");
        assertArrayEquals(out[1], out[0]);
        assertNotEquals(0, java.util.Arrays.hashCode(out[0]) ^ java.util.Arrays.hashCode(new byte[out[0].length]), "the tiles were written");
    }
}
