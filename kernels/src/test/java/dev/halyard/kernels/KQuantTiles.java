package dev.halyard.kernels;

import dev.halyard.kernels.quant.Q4_0Kernel;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q4_KTiles;
import dev.halyard.kernels.quant.Q5_0Kernel;
import dev.halyard.kernels.quant.Q6_KTileKernel;
import dev.halyard.kernels.quant.Q6_KTiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

/**
 * Checks, at this JVM's vector width, the load-time rewriting into the tiled layouts: Q4_0's and Q5_0's
 * fast tilers against their references ({@link #blockTiles}); and for Q4_K and Q6_K ({@link WeightMatrix#tile4}):
 * tiling then untiling any bytes gives them back, and the tiled kernels give the same bits as "dequantise
 * the row, then the canonical loop" ({@link Tiles#dotScalar}) and as the row layout's dequantisation.
 * Run by {@link KQuantTilesTest} and, for the other widths, by {@link VectorSelfCheck} in child JVMs.
 * Throws AssertionError.
 */
final class KQuantTiles {
    private KQuantTiles() {}

    /**
     * Q4_0's and Q5_0's {@code tileColumnFast}, which the loader uses, write the bytes of their scalar
     * reference {@code tileColumn}: any four blocks (random bytes, so every half, infinities and NaNs
     * included, and every quant) at any places in the source, into a column that held anything.
     */
    static int blockTiles(Random rnd) {
        int checks = 0;
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q5_0}) {
            int ts = (int) type.typeSize, width = type == GgmlType.Q4_0 ? Q4_0Kernel.TILE_COLUMN : Q5_0Kernel.TILE_COLUMN;
            for (int round = 0; round < 300; round++) {
                byte[] src = new byte[8 * ts + rnd.nextInt(7)];
                rnd.nextBytes(src);
                int[] blk = new int[4];
                for (int r = 0; r < 4; r++) blk[r] = rnd.nextInt(src.length - ts + 1);
                int at = rnd.nextInt(5);
                byte[] want = new byte[at + width + 3], got = new byte[want.length];
                rnd.nextBytes(want);
                System.arraycopy(want, 0, got, 0, want.length); // bytes around the column stay as they were
                if (type == GgmlType.Q4_0) {
                    Q4_0Kernel.tileColumn(src, blk, want, at);
                    Q4_0Kernel.tileColumnFast(src, blk, got, at);
                } else {
                    Q5_0Kernel.tileColumn(src, blk, want, at);
                    Q5_0Kernel.tileColumnFast(src, blk, got, at);
                }
                if (!Arrays.equals(want, got))
                    throw new AssertionError(type + " tileColumnFast differs from tileColumn at byte " + Arrays.mismatch(want, got) + " (round " + round + ")");
                checks++;
            }
        }
        return checks;
    }

    static int check() {
        Random rnd = new Random(4);
        int checks = blockTiles(rnd);
        Kernels k = new VectorKernels();
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K}) {
            int ts = (int) type.typeSize;
            // any 4 blocks survive tile -> untile, byte for byte (the layout is a rearrangement)
            byte[] blocks = new byte[4 * ts], column = new byte[type == GgmlType.Q4_K ? Q4_KKernel.TILE_COLUMN : 4 * ts], back = new byte[ts];
            for (int round = 0; round < 20; round++) {
                rnd.nextBytes(blocks);
                rnd.nextBytes(column); // whatever the column held before: tile writes every byte of it
                if (type == GgmlType.Q4_K) Q4_KTiles.tile(blocks, 0, ts, column, 0);
                else Q6_KTiles.tile(blocks, 0, ts, column, 0);
                for (int r = 0; r < 4; r++) {
                    if (type == GgmlType.Q4_K) Q4_KTiles.untile(column, 0, r, back, 0);
                    else Q6_KTiles.untile(column, 0, r, back, 0);
                    if (!Arrays.equals(blocks, r * ts, (r + 1) * ts, back, 0, ts))
                        throw new AssertionError(type + " untile(tile(blocks)) differs, row " + r);
                }
            }
            { // the loader's fast twin writes tile's bytes: rows apart by any stride, at any offsets
                byte[] u = new byte[256];
                int width = type == GgmlType.Q4_K ? Q4_KKernel.TILE_COLUMN : 4 * ts;
                for (int round = 0; round < 50; round++) {
                    int s = rnd.nextInt(9), stride = ts + rnd.nextInt(3) * 13, d = rnd.nextInt(5);
                    byte[] src = new byte[s + 3 * stride + ts + rnd.nextInt(4)], want = new byte[d + width + 3], got = new byte[want.length];
                    rnd.nextBytes(src);
                    rnd.nextBytes(want);
                    System.arraycopy(want, 0, got, 0, want.length); // bytes around the column stay as they were
                    rnd.nextBytes(u); // whatever the scratch held
                    if (type == GgmlType.Q4_K) {
                        Q4_KTiles.tile(src, s, stride, want, d);
                        Q4_KTiles.tileFast(src, s, stride, got, d);
                    } else {
                        Q6_KTiles.tile(src, s, stride, want, d);
                        Q6_KTiles.tileFast(src, s, stride, got, d, u);
                    }
                    if (!Arrays.equals(want, got))
                        throw new AssertionError(type + " tileFast differs from tile at byte " + Arrays.mismatch(want, got) + " (round " + round + ", transposed " + Q6_KTileKernel.TRANSPOSED + ")");
                    checks++;
                }
            }
            for (int n : new int[] {256, 2304}) {
                try (Arena arena = Arena.ofConfined()) {
                    int pad = 7; // rows start at an odd byte offset
                    long rowBytes = (long) n / type.blockSize * type.typeSize;
                    MemorySegment seg = RandomBlocks.allocate(arena, type, 4 * n, pad, rnd);
                    float[][] rowsF = new float[4][n];
                    for (int r = 0; r < 4; r++) k.dequantize(type, seg, pad + r * rowBytes, rowsF[r], 0, n);
                    byte[] before = seg.toArray(ValueLayout.JAVA_BYTE);
                    WeightMatrix tiled = new WeightMatrix(type, seg, pad, 4, n).tile4(); // Q4_K's grows: a new segment
                    MemorySegment t = tiled.data();
                    long at = tiled.tileOffset(0);
                    if (t == seg && Arrays.equals(before, seg.toArray(ValueLayout.JAVA_BYTE))) throw new AssertionError(type + ": tiling changed no byte");
                    float[] x = RandomBlocks.gaussian(n + 1, rnd), out = new float[5], s = new float[128];
                    if (type == GgmlType.Q6_K) { // the kernels' positions (transposed blocks at 16 lanes)
                        float[] xt = x.clone();
                        Q6_KTileKernel.transpose(xt, 1, n);
                        float[] again = xt.clone();
                        Q6_KTileKernel.transpose(again, 1, n);
                        if (!Arrays.equals(x, 1, n + 1, again, 1, n + 1)) throw new AssertionError("Q6_K transpose is not its own inverse");
                        for (int p = 0; p < n; p++) if (xt[1 + p] != x[1 + Q6_KTileKernel.element(p)]) throw new AssertionError("Q6_K transpose position " + p);
                        x = xt;
                    }
                    if (type == GgmlType.Q4_K) Q4_KKernel.dotTile4(t, at, x, 1, n, out, 1, s);
                    else Q6_KTileKernel.dotTile4(t, at, x, 1, n, out, 1, s);
                    CanonicalOrder.sameAsRows(type, rowsF, x, out, (dst, di, stride, es) -> {
                        if (type == GgmlType.Q4_K) Q4_KKernel.dequantizeTile4(t, at, n, dst, di, stride, es);
                        else Q6_KTileKernel.dequantizeTile4(t, at, n, dst, di, stride, es, new float[16]);
                    }, tiled, k);
                    checks++;
                }
            }
        }
        return checks;
    }
}
