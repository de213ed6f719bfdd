package dev.halyard.kernels;

import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * A quick speed sanity check of the fused K-quant row kernels: single-threaded matrix-vector product
 * of a 2048x8192 weight matrix, printed as GB/s of weights read per second of this thread's CPU time
 * (the best of several rounds of 0.3 s, the variants interleaved, against noise from other processes),
 * for the old 4-chain {@code dot} (not canonical order), "dequantize the row, then the canonical F32
 * loop", {@code dotRow}, {@code dotRows2} and {@code dotRows4}; plus bytes allocated per row once warm. Run by hand:
 * {@code java --add-modules jdk.incubator.vector -cp kernels/target/classes:kernels/target/test-classes
 * dev.halyard.kernels.KQuantDotBench [rounds] [types...]}
 */
public final class KQuantDotBench {
    private KQuantDotBench() {}

    private static final String[] VARIANTS = {"old dot", "deq+F32", "dotRow", "dotRows2", "dotRows4"};

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        GgmlType[] types = KQuantVectorCheck.FUSED.toArray(GgmlType[]::new);
        if (args.length > 1) {
            types = new GgmlType[args.length - 1];
            for (int i = 1; i < args.length; i++) types[i - 1] = GgmlType.valueOf(args[i]);
        }
        int rows = 2048, cols = 8192;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.printf("vector%d, best of %d rounds%n%-6s %-10s %8s %10s %10s%n", Simd.F.vectorBitSize(), rounds,
                "type", "kernel", "GB/s", "ms/matvec", "bytes/row");
        for (GgmlType type : types) {
            try (Arena arena = Arena.ofConfined()) {
                Random rnd = new Random(1);
                MemorySegment data = arena.allocate(type.byteSize(rows * cols), 64); // as a model file's tensors: aligned
                RandomBlocks.fill(data, 0, type, rows * cols, rnd);
                WeightMatrix w = new WeightMatrix(type, data, 0, rows, cols);
                float[] x = RandomBlocks.gaussian(cols, rnd);
                float[] out = new float[rows]; // (rows)
                float[] row = new float[cols]; // (cols) scratch for deq+F32
                double[] best = new double[VARIANTS.length];
                double[] allocated = new double[VARIANTS.length];
                boolean[] skip = new boolean[VARIANTS.length];
                skip[3] = !KQuantVectorCheck.PAIRED.contains(type);
                for (int v = 0; v < VARIANTS.length; v++) { // warm-up: until a pass allocates nothing (C2 is done), 30 s at most
                    long a = skip[v] ? 0 : -1;
                    for (long end = System.nanoTime() + 30_000_000_000L; a != 0 && System.nanoTime() < end; ) {
                        a = threads.getCurrentThreadAllocatedBytes();
                        for (int i = 0; i < 5; i++) matvec(v, w, x, out, row);
                        a = threads.getCurrentThreadAllocatedBytes() - a;
                    }
                }
                for (int round = 0; round < rounds; round++) { // variants interleaved: a busy moment hits all of them
                    for (int v = 0; v < VARIANTS.length; v++) {
                        if (skip[v]) continue;
                        long alloc = threads.getCurrentThreadAllocatedBytes();
                        long cpu = threads.getCurrentThreadCpuTime();
                        int passes = 0;
                        long deadline = System.nanoTime() + 300_000_000L;
                        do {
                            matvec(v, w, x, out, row);
                            passes++;
                        } while (System.nanoTime() < deadline);
                        cpu = threads.getCurrentThreadCpuTime() - cpu;
                        alloc = threads.getCurrentThreadAllocatedBytes() - alloc;
                        best[v] = Math.max(best[v], (double) passes * rows * w.rowBytes() / cpu);
                        allocated[v] = Math.max(allocated[v], (double) alloc / passes / rows);
                    }
                }
                for (int v = 0; v < VARIANTS.length; v++)
                    if (!skip[v]) System.out.printf("%-6s %-10s %8.2f %10.2f %10.1f%n", type, VARIANTS[v], best[v],
                            rows * w.rowBytes() / best[v] / 1e6, allocated[v]);
            }
        }
    }

    /** out (rows) = W (rows, cols) @ x (cols), with variant v. */
    private static void matvec(int v, WeightMatrix w, float[] x, float[] out, float[] row) {
        GgmlType t = w.type();
        int n = w.cols();
        switch (v) {
            case 0 -> {
                for (int i = 0; i < w.rows(); i++) out[i] = KernelAgreement.VECTOR.dot(t, w.data(), w.rowOffset(i), x, 0, n);
            }
            case 1 -> {
                for (int i = 0; i < w.rows(); i++) {
                    KernelAgreement.VECTOR.dequantize(t, w.data(), w.rowOffset(i), row, 0, n);
                    out[i] = Tiles.dot(row, 0, x, 0, n);
                }
            }
            case 2 -> {
                for (int i = 0; i < w.rows(); i++) out[i] = KQuantVectorCheck.dotRow(t, w.data(), w.rowOffset(i), x, 0, n);
            }
            case 3 -> {
                for (int i = 0; i < w.rows(); i += 2) KQuantVectorCheck.dotRows2(t, w.data(), w.rowOffset(i), w.rowBytes(), x, 0, n, out, i);
            }
            default -> {
                for (int i = 0; i < w.rows(); i += 4) KQuantVectorCheck.dotRows4(t, w.data(), w.rowOffset(i), w.rowBytes(), x, 0, n, out, i);
            }
        }
    }
}
