package dev.halyard.bench.jmh;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.quant.Q6_KKernel;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The load-time repacking of Q6_K rows into the tiled layout ({@code WeightMatrix.tile4}): one tile of
 * four rows, block column by block column, through {@link Q6_KKernel#tile} (scalar) or {@link
 * Q6_KKernel#tileFast} (vector), in whichever element order this JVM's kernels read ({@link
 * Q6_KKernel#TRANSPOSED}; {@code -jvmArgsAppend -Dhalyard.q6kTransposed=false} for the other).
 */
public class RepackBenchmark extends OneThreadBenchmark {

    @Param({"Q6_K"})
    public String type;

    @Param({"vector", "scalar"})
    public String kernels;

    /** Rows of the tile (the summary's shape). */
    @Param({"4"})
    public int rows;

    @Param({"2048"})
    public int cols;

    private boolean vector;
    private byte[] src, dst, scratch;
    private int blocks, rowBytes;

    @Setup(Level.Trial)
    public void setUp() {
        if (!type.equals("Q6_K") || rows != 4) throw new IllegalArgumentException("RepackBenchmark: Q6_K tiles of 4 rows, got " + type + ", " + rows);
        vector = kernels.equals("vector");
        blocks = cols / 256;
        rowBytes = blocks * (int) GgmlType.Q6_K.typeSize;
        src = new byte[4 * rowBytes];
        new SplittableRandom(5).nextBytes(src);
        dst = new byte[blocks * 4 * (int) GgmlType.Q6_K.typeSize];
        scratch = new byte[256];
    }

    @Benchmark
    public byte[] tile() {
        int ts = (int) GgmlType.Q6_K.typeSize;
        for (int b = 0; b < blocks; b++) {
            if (vector) Q6_KKernel.tileFast(src, b * ts, rowBytes, dst, b * 4 * ts, scratch);
            else Q6_KKernel.tile(src, b * ts, rowBytes, dst, b * 4 * ts);
        }
        return dst;
    }
}
