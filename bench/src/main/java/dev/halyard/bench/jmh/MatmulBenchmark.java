package dev.halyard.bench.jmh;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.Kernels;
import dev.halyard.kernels.Matmul;
import dev.halyard.kernels.Parallel;
import dev.halyard.kernels.Quantizer;
import dev.halyard.kernels.ScalarKernels;
import dev.halyard.kernels.VectorKernels;
import dev.halyard.kernels.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The matrix products the engine runs, on one thread: {@code out (batch, rows) = x (batch, cols) @
 * W^T} through {@link Matmul#matmul} as a model calls it. {@code vector}: the weights tiled by four
 * rows ({@link WeightMatrix#tile4}), so a batch of 1 takes the single-token tile kernels, 4 and 16
 * tokens the four-token kernels (Q4_K / Q6_K's {@code QuadKernel}s at 16 lanes), 64 tokens the
 * dequantised panel and F32 register tiles ({@code Panels}, {@code Tiles}); {@code scalar}: the same
 * product in row layout through {@link ScalarKernels}, one dot product per row and token — the
 * reference every one of those paths is tested against. 128 x 2048 stays in L2, so these measure
 * instructions, not memory ({@code halyard bench prompt} and {@code bench decode} time the real
 * shapes from memory).
 */
public class MatmulBenchmark extends OneThreadBenchmark {

    /** The formats with a tiled layout (the others run Matmul's row-layout paths, which {@link KernelBenchmark} covers). */
    @Param({"Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"vector", "scalar"})
    public String kernels;

    /** Tokens per product. */
    @Param({"1", "4", "16", "64"})
    public int batch;

    @Param({"128"})
    public int rows;

    /** A multiple of 256, so every format fits whole blocks. */
    @Param({"2048"})
    public int cols;

    private Kernels k;
    private Parallel par;
    private Arena arena;
    private WeightMatrix w;
    private float[] x;   // (batch, cols)
    private float[] out; // (batch, rows)

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        boolean vector = kernels.equals("vector");
        k = vector ? new VectorKernels() : new ScalarKernels();
        par = new Parallel(1);
        SplittableRandom rnd = new SplittableRandom(2);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) values[i] = (float) (rnd.nextDouble() * 2 - 1);
        byte[] bytes = Quantizer.quantize(t, values);
        arena = Arena.ofConfined();
        MemorySegment seg = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        w = new WeightMatrix(t, seg, 0, rows, cols);
        if (vector && WeightMatrix.canTile(t, rows)) w = w.tile4(); // a format without a tiled layout runs the row paths
        x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        out = new float[batch * rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        par.close();
        arena.close();
    }

    /** out = x @ W^T for the whole batch. */
    @Benchmark
    public float[] matmul() {
        Matmul.matmul(k, par, w, x, out, batch);
        return out;
    }
}
