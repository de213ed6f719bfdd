package dev.halyard.kernels;

import dev.halyard.kernels.quant.Q4_0Kernel;
import dev.halyard.kernels.quant.Q5_0Kernel;
import dev.halyard.kernels.quant.Q6_KTileKernel;
import dev.halyard.kernels.quant.Q8_0Kernel;
import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Checks, at this JVM's vector width, that every kernel of the canonical matmul order gives the same
 * bits as its scalar twin {@link Tiles#dotScalar}: the F32 tiles, and the fused Q8_0 / Q4_0 decode
 * kernels against "dequantise the row, then the canonical loop". Run by {@link CanonicalOrderTest}
 * and, for the other widths, by {@link VectorSelfCheck} in child JVMs. Throws AssertionError.
 */
final class CanonicalOrder {
    private CanonicalOrder() {}

    static int check() {
        Random rnd = new Random(42);
        int checks = 0;
        for (int n : new int[] {Simd.L, 64, 576, 2048 + 32}) {
            float[] w = RandomBlocks.gaussian(4 * n + 3, rnd), x = RandomBlocks.gaussian(4 * n + 5, rnd);
            int wi = 3, xi = 5; // unaligned starts
            float[] want = new float[16];
            for (int r = 0; r < 4; r++)
                for (int t = 0; t < 4; t++) want[t * 4 + r] = Tiles.dotScalar(w, wi + r * n, x, xi + t * n, n, Simd.L);
            float[] out = new float[16];
            Tiles.tile4x4(w, wi, n, x, xi, n, n, out, 0, 4);
            for (int i = 0; i < 16; i++) same(want[i], out[i], "tile4x4 n=" + n + " output " + i);
            for (int t = 0; t < 4; t++) {
                Tiles.tile4x1(w, wi, n, x, xi + t * n, n, out, 0);
                for (int r = 0; r < 4; r++) same(want[t * 4 + r], out[r], "tile4x1 n=" + n + " row " + r);
                for (int r = 0; r < 4; r++) same(want[t * 4 + r], Tiles.dot(w, wi + r * n, x, xi + t * n, n), "dot n=" + n);
            }
            // the same rows and tokens interleaved chunk by chunk (the panel path's layout), at odd offsets
            float[] wp = new float[4 * n + 1], xp = new float[4 * n + 2];
            Tiles.pack4(w, wi, n, n, wp, 1);
            Tiles.pack4(x, xi, n, n, xp, 2);
            for (int r = 0; r < 4; r++)
                for (int i = 0; i < n; i++) same(w[wi + r * n + i], wp[1 + 4 * (i - i % Simd.L) + r * Simd.L + i % Simd.L], "pack4 n=" + n);
            float[] o = new float[3 + 3 * 7 + 4];
            Tiles.tile4x4Packed(wp, 1, xp, 2, n, o, 3, 7); // outputs strided, as a batch's
            for (int t = 0; t < 4; t++)
                for (int r = 0; r < 4; r++) same(want[t * 4 + r], o[3 + t * 7 + r], "tile4x4Packed n=" + n + " token " + t + " row " + r);
            for (int t = 0; t < 4; t++) {
                Tiles.tile4x1Packed(wp, 1, x, xi + t * n, n, out, 0);
                for (int r = 0; r < 4; r++) same(want[t * 4 + r], out[r], "tile4x1Packed n=" + n + " row " + r);
            }
            checks += 6;
        }
        Kernels k = new VectorKernels();
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            for (int n : new int[] {32, 576, 2048}) {
                try (Arena arena = Arena.ofConfined()) {
                    int pad = 7; // rows start at an odd byte offset
                    long rowBytes = (long) n / type.blockSize * type.typeSize;
                    MemorySegment seg = RandomBlocks.allocate(arena, type, 4 * n, pad, rnd);
                    float[] x = RandomBlocks.gaussian(n + 1, rnd);
                    float[] out = new float[5];
                    if (type == GgmlType.Q8_0) Q8_0Kernel.dotRows4(seg, pad, rowBytes, x, 1, n, out, 1);
                    else Q4_0Kernel.dotRows4(seg, pad, rowBytes, x, 1, n, out, 1);
                    float[][] rowsF = new float[4][n];
                    for (int r = 0; r < 4; r++) {
                        k.dequantize(type, seg, pad + r * rowBytes, rowsF[r], 0, n);
                        same(Tiles.dotScalar(rowsF[r], 0, x, 1, n, Simd.L), out[1 + r], type + " dotRows4 n=" + n + " row " + r);
                    }
                    // the same rows in the tiled layout: fused dot and panel dequantisation
                    WeightMatrix tiled = new WeightMatrix(type, seg, pad, 4, n).tile4();
                    MemorySegment ts = tiled.data(); // Q4_0 tiles into a new segment (its layout is larger)
                    long to = tiled.tileOffset(0);
                    if (type == GgmlType.Q8_0) Q8_0Kernel.dotTile4(ts, to, x, 1, n, out, 1);
                    else Q4_0Kernel.dotTile4(ts, to, x, 1, n, out, 1);
                    sameAsRows(type, rowsF, x, out, (dst, di, stride, es) -> {
                        if (type == GgmlType.Q8_0) Q8_0Kernel.dequantizeTile4(ts, to, n, dst, di, stride, es);
                        else Q4_0Kernel.dequantizeTile4(ts, to, n, dst, di, stride, es);
                    }, tiled, k);
                    { // four tokens at once, strided input and output
                        float[] x4 = RandomBlocks.gaussian(3 + 4 * n, rnd);
                        float[] o = new float[2 + 3 * 6 + 4];
                        if (type == GgmlType.Q8_0) Q8_0Kernel.dotTile4x4(ts, to, x4, 3, n, n, o, 2, 6);
                        else Q4_0Kernel.dotTile4x4(ts, to, x4, 3, n, n, o, 2, 6);
                        for (int t = 0; t < 4; t++)
                            for (int r = 0; r < 4; r++)
                                same(Tiles.dotScalar(rowsF[r], 0, x4, 3 + t * n, n, Simd.L), o[2 + t * 6 + r],
                                        type + " dotTile4x4 n=" + n + " token " + t + " row " + r);
                    }
                    checks++;
                }
            }
        }
        for (int n : new int[] {32, 576, 2048}) { // tiled Q5_0: fused dots (one and four tokens), panel and dequantizeRow
            try (Arena arena = Arena.ofConfined()) {
                GgmlType type = GgmlType.Q5_0;
                int pad = 7;
                long rowBytes = (long) n / type.blockSize * type.typeSize;
                MemorySegment seg = RandomBlocks.allocate(arena, type, 4 * n, pad, rnd);
                float[] x = RandomBlocks.gaussian(n + 1, rnd);
                float[][] rowsF = new float[4][n];
                for (int r = 0; r < 4; r++) k.dequantize(type, seg, pad + r * rowBytes, rowsF[r], 0, n);
                WeightMatrix tiled = new WeightMatrix(type, seg, pad, 4, n).tile4();
                MemorySegment ts = tiled.data();
                long to = tiled.tileOffset(0);
                float[] out = new float[5];
                Q5_0Kernel.dotTile4(ts, to, x, 1, n, out, 1);
                sameAsRows(type, rowsF, x, out, (dst, di, stride, es) -> Q5_0Kernel.dequantizeTile4(ts, to, n, dst, di, stride, es), tiled, k);
                float[] x4 = RandomBlocks.gaussian(3 + 4 * n, rnd), o = new float[2 + 3 * 6 + 4];
                Q5_0Kernel.dotTile4x4(ts, to, x4, 3, n, n, o, 2, 6); // four tokens, strided input and output
                for (int t = 0; t < 4; t++)
                    for (int r = 0; r < 4; r++)
                        same(Tiles.dotScalar(rowsF[r], 0, x4, 3 + t * n, n, Simd.L), o[2 + t * 6 + r], type + " dotTile4x4 n=" + n + " token " + t + " row " + r);
                checks++;
            }
        }
        checks += checkSliceMajor(rnd);
        return checks;
    }

    /**
     * Wide Q8_0 / Q4_0 / Q4_K / Q6_K matrices tiled slice-major ({@link WeightMatrix#slices}; here the last slice 96
     * columns, and more tiles than {@code Fused.SLICE_GROUP}) give, through {@link Matmul},
     * the bits of "dequantise the row, then the canonical loop" for one token, four-token groups (one
     * and two per activation block) with a single-token tail, and a batch big enough for the panel path; and {@code dequantizeRow} of
     * the tiled view equals the row layout's.
     */
    static int checkSliceMajor(Random rnd) {
        int checks = 0;
        Kernels k = new VectorKernels();
        // just above the threshold: a last slice of 96 columns, and activation blocks of 8 tokens (two quads)
        int rows = 4 * (Fused.SLICE_GROUP + 1), cols = WeightMatrix.SLICED_ABOVE / WeightMatrix.SLICE * WeightMatrix.SLICE + 96;
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0})
            checks += checkSliceMajor(type, rows, cols, 5, new int[] {1, 13, 65}, k, rnd);
        // the K-quants: a last slice of 256 columns (one block); single-token kernels (1, 3) and the panel (5)
        cols = WeightMatrix.SLICED_ABOVE / WeightMatrix.SLICE * WeightMatrix.SLICE + 256;
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K})
            checks += checkSliceMajor(type, rows, cols, 0, new int[] {1, 3, 5}, k, rnd);
        return checks;
    }

    /** One type's slice-major check (see above), its data {@code pad} bytes into the segment: the checks it made. */
    private static int checkSliceMajor(GgmlType type, int rows, int cols, int pad, int[] batches, Kernels k, Random rnd) {
        int checks = 0;
        try (Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            long bytes = (long) rows * cols / type.blockSize * type.typeSize;
            MemorySegment seg = RandomBlocks.allocate(arena, type, rows * cols, pad, rnd);
            float[][] rowsF = new float[rows][cols];
            WeightMatrix plain = new WeightMatrix(type, seg, pad, rows, cols);
            for (int r = 0; r < rows; r++) plain.dequantizeRow(k, r, rowsF[r], 0);
            MemorySegment copy = arena.allocate(bytes + pad);
            MemorySegment.copy(seg, pad, copy, pad, bytes);
            WeightMatrix tiled = new WeightMatrix(type, copy, pad, rows, cols).tile4();
            int slices = (cols + WeightMatrix.SLICE - 1) / WeightMatrix.SLICE;
            if (tiled.slices() != slices) throw new AssertionError(type + ": expected " + slices + " slices, got " + tiled.slices());
            float[] one = new float[cols];
            for (int r = 0; r < rows; r++) {
                tiled.dequantizeRow(k, r, one, 0);
                for (int i = 0; i < cols; i++) same(rowsF[r][i], one[i], type + " slice-major dequantizeRow " + r + " element " + i);
            }
            float[][] rowsP = rowsF; // in the kernels' positions (transposed Q6_K: see Q6_KTileKernel.transpose)
            boolean transposed = Matmul.transposed(tiled);
            if (transposed) {
                rowsP = new float[rows][];
                for (int r = 0; r < rows; r++) Q6_KTileKernel.transpose(rowsP[r] = rowsF[r].clone(), 0, cols);
            }
            for (int batch : batches) {
                float[] x = RandomBlocks.gaussian(batch * cols, rnd), out = new float[batch * rows];
                Matmul.matmul(k, par, tiled, x, out, batch);
                float[] xp = x;
                if (transposed) {
                    xp = x.clone();
                    for (int b = 0; b < batch; b++) Q6_KTileKernel.transpose(xp, b * cols, cols);
                }
                for (int b = 0; b < batch; b++)
                    for (int r = 0; r < rows; r++)
                        same(Tiles.dotScalar(rowsP[r], 0, xp, b * cols, cols, Simd.L), out[b * rows + r],
                                type + " slice-major matmul batch " + batch + " token " + b + " row " + r);
                checks++;
            }
        }
        return checks;
    }

    /** A kernel's {@code dequantizeTile4} of one tile: element e of row r to {@code dst[di + r*stride + es*e ..]}. */
    interface TileDequantizer {
        void run(float[] dst, int di, int stride, int es);
    }

    /**
     * A tiled tile's results against its four rows dequantised from the row layout ({@code rowsF},
     * element order): {@code dotTile4} of x[1 ..] written to out[1 .. 5), the panel dequantised to
     * panel[2 ..] row by row (stride n) and interleaved chunk by chunk (stride L, es 4: {@code
     * Tiles.pack4}'s layout), and {@link WeightMatrix#dequantizeRow} of the tiled view, all bit for bit.
     * The kernels and the panel work in the layout's positions (element order but for transposed Q6_K,
     * whose x is given in positions: {@code Q6_KTileKernel.transpose}); {@code dequantizeRow} gives elements.
     */
    static void sameAsRows(GgmlType type, float[][] rowsF, float[] x, float[] out, TileDequantizer panel, WeightMatrix tiled, Kernels k) {
        int n = rowsF[0].length, lanes = Simd.L;
        float[] rows = new float[4 * n + 2], packed = new float[4 * n + 2], one = new float[n];
        panel.run(rows, 2, n, 1);
        panel.run(packed, 2, lanes, 4);
        boolean transposed = type == GgmlType.Q6_K && Q6_KTileKernel.TRANSPOSED;
        for (int r = 0; r < 4; r++) {
            float[] rowP = new float[n]; // row r in positions
            for (int p = 0; p < n; p++) rowP[p] = rowsF[r][transposed ? Q6_KTileKernel.element(p) : p];
            same(Tiles.dotScalar(rowP, 0, x, 1, n, Simd.L), out[1 + r], type + " dotTile4 n=" + n + " row " + r);
            tiled.dequantizeRow(k, r, one, 0);
            for (int i = 0; i < n; i++) {
                same(rowP[i], rows[2 + r * n + i], type + " dequantizeTile4 row " + r + " position " + i);
                same(rowP[i], packed[2 + 4 * (i - i % lanes) + r * lanes + i % lanes], type + " interleaved dequantizeTile4 row " + r + " position " + i);
                same(rowsF[r][i], one[i], type + " tiled dequantizeRow " + r + " element " + i);
            }
        }
    }

    static void same(float want, float got, String what) {
        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got))
            throw new AssertionError(what + " at " + Simd.L + " lanes: expected " + want + ", got " + got);
    }
}
