package dev.halyard.kernels;

/**
 * {@code out (batch, rows) = x (batch, cols) @ W^T} where W (rows, cols) is a quantised weight matrix.
 * Written once for every format: parallel over rows, each output is {@code dot(row i, x[b])}; each
 * weight row is read once for the whole batch, four tokens at a time ({@link Kernels#dot4}), and every
 * output is bit-identical to what the token would get alone (batch invariance).
 */
public final class Matmul {
    private Matmul() {}

    public static void matmul(Kernels k, Parallel par, WeightMatrix w, float[] x, float[] out, int batch) {
        final int cols = w.cols();
        final int rows = w.rows();
        par.forRange(rows, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                long off = w.rowOffset(i);
                int b = 0;
                for (; b + 4 <= batch; b += 4) k.dot4(w.type(), w.data(), off, x, b * cols, cols, cols, out, b * rows + i, rows);
                for (; b < batch; b++) out[b * rows + i] = k.dot(w.type(), w.data(), off, x, b * cols, cols);
            }
        });
    }

    /**
     * Several matrices applied to the same input in one parallel region ({@code outs[j] (batch,
     * ws[j].rows) = x @ ws[j]^T}), e.g. the q, k, v projections or the gate and up projections: one
     * barrier instead of one per matrix. Each output is bit-identical to {@link #matmul} on its own.
     */
    public static void matmul(Kernels k, Parallel par, float[] x, int batch, WeightMatrix[] ws, float[][] outs) {
        for (int j = 0; j < ws.length; j++) matmul(k, par, ws[j], x, outs[j], batch);
    }
}
