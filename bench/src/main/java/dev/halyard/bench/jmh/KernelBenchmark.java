package dev.halyard.bench.jmh;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.Kernels;
import dev.halyard.kernels.Quantizer;
import dev.halyard.kernels.ScalarKernels;
import dev.halyard.kernels.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Every kernel format, Vector API twin against its scalar reference, on one thread: {@code dot} is a
 * matrix-vector product W (rows, cols) @ x (cols) — the generation hot path — and {@code dequantize}
 * decodes the same rows to floats. The matrix is small enough to stay in the L2/L3 cache, so these
 * measure instructions (unpacking, scales, multiply-adds), not memory. Weights are Gaussian values
 * quantised by the project's {@link Quantizer}, so every block is valid. Run with
 * {@code ./halyard bench kernels} (see {@link KernelBenchmarks}).
 */
public class KernelBenchmark extends OneThreadBenchmark {

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    public String type;

    @Param({"vector", "scalar"})
    public String kernels;

    /** Rows of W. */
    @Param({"64"})
    public int rows;

    /** Columns of W (a multiple of 256, so every format fits whole blocks). */
    @Param({"4096"})
    public int cols;

    private GgmlType t;
    private Kernels k;
    private Arena arena;
    private MemorySegment w;  // (rows, cols) in format t
    private long rowBytes;
    private float[] x;        // (cols)
    private float[] out;      // (rows)
    private float[] decoded;  // (cols)

    @Setup(Level.Trial)
    public void setUp() {
        t = GgmlType.valueOf(type);
        k = kernels.equals("vector") ? new VectorKernels() : new ScalarKernels();
        SplittableRandom rnd = new SplittableRandom(1);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) values[i] = (float) (rnd.nextDouble() * 2 - 1);
        byte[] bytes = Quantizer.quantize(t, values);
        rowBytes = t.byteSize(cols);
        arena = Arena.ofConfined();
        w = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, w, 0, bytes.length);
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        out = new float[rows];
        decoded = new float[cols];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** out = W @ x. */
    @Benchmark
    public float[] dot() {
        for (int r = 0; r < rows; r++) out[r] = k.dot(t, w, r * rowBytes, x, 0, cols);
        return out;
    }

    /** Every row of W decoded to floats. */
    @Benchmark
    public float dequantize() {
        float acc = 0;
        for (int r = 0; r < rows; r++) {
            k.dequantize(t, w, r * rowBytes, decoded, 0, cols);
            acc += decoded[r];
        }
        return acc;
    }
}
