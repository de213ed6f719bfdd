package dev.halyard.bench.jmh;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q4_KTiles;
import dev.halyard.kernels.quant.Q6_KTileKernel;
import dev.halyard.kernels.quant.Q6_KTiles;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The load-time repacking of K-quant rows into the tiled layout ({@code WeightMatrix.tile4}): one tile
 * of four rows, block column by block column, through the format's {@code tile} (scalar) or {@code
 * tileFast} (vector); Q6_K in whichever element order this JVM's kernels read ({@link
 * Q6_KTileKernel#TRANSPOSED}; {@code -jvmArgsAppend -Dhalyard.q6kTransposed=false} for the other).
 */
public class RepackBenchmark extends OneThreadBenchmark {

    @Param({"Q4_K", "Q6_K"})
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
    private int blocks, rowBytes, column;
    private GgmlType format;

    @Setup(Level.Trial)
    public void setUp() {
        format = GgmlType.valueOf(type);
        if ((format != GgmlType.Q4_K && format != GgmlType.Q6_K) || rows != 4)
            throw new IllegalArgumentException("RepackBenchmark: Q4_K or Q6_K tiles of 4 rows, got " + type + ", " + rows);
        vector = kernels.equals("vector");
        blocks = cols / 256;
        rowBytes = blocks * (int) format.typeSize;
        column = format == GgmlType.Q4_K ? Q4_KKernel.TILE_COLUMN : 4 * (int) format.typeSize;
        src = new byte[4 * rowBytes];
        new SplittableRandom(5).nextBytes(src);
        dst = new byte[blocks * column];
        scratch = new byte[256];
    }

    @Benchmark
    public byte[] tile() {
        int ts = (int) format.typeSize;
        boolean q4k = format == GgmlType.Q4_K;
        for (int b = 0; b < blocks; b++) {
            if (q4k && vector) Q4_KTiles.tileFast(src, b * ts, rowBytes, dst, b * column);
            else if (q4k) Q4_KTiles.tile(src, b * ts, rowBytes, dst, b * column);
            else if (vector) Q6_KTiles.tileFast(src, b * ts, rowBytes, dst, b * column, scratch);
            else Q6_KTiles.tile(src, b * ts, rowBytes, dst, b * column);
        }
        return dst;
    }
}
