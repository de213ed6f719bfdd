package dev.halyard.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * A quick speed sanity check of {@code dequantize} for the formats whose vector twin lives in the
 * quant kernels (Q4_1 … Q6_K): single-threaded, every row of a 1024x4096 weight matrix dequantised into
 * one float row, scalar versus vector, printed as GB/s of weights read and G floats written per second
 * of this thread's CPU time, and bytes allocated per row once warm (non-zero: boxed vectors, not SIMD). Run by hand:
 * {@code java --add-modules jdk.incubator.vector -cp kernels/target/classes:kernels/target/test-classes
 * dev.halyard.kernels.KQuantBench [seconds per measurement] [types...]}
 */
public final class KQuantBench {
    private KQuantBench() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        GgmlType[] types = {GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
        if (args.length > 1) {
            types = new GgmlType[args.length - 1];
            for (int i = 1; i < args.length; i++) types[i - 1] = GgmlType.valueOf(args[i]);
        }
        int rows = 1024, cols = 4096;
        Kernels[] kernels = {new ScalarKernels(), new VectorKernels()};
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.printf("%-6s %-10s %8s %10s %10s%n", "type", "kernels", "GB/s", "Gfloat/s", "bytes/row");
        for (GgmlType type : types) {
            try (Arena arena = Arena.ofConfined()) {
                Random rnd = new Random(1);
                MemorySegment data = arena.allocate(type.byteSize(rows * cols), 64); // as a model file's tensors: aligned
                RandomBlocks.fill(data, 0, type, rows * cols, rnd);
                WeightMatrix w = new WeightMatrix(type, data, 0, rows, cols);
                float[] row = new float[cols]; // (cols)
                for (Kernels k : kernels) {
                    long deadline = System.nanoTime() + (long) (seconds * 0.5e9); // warm-up: half the time, and until
                    long warm = System.nanoTime() + 30_000_000_000L; // a pass allocates nothing (C2 is done), 30 s at most
                    for (long a = -1; System.nanoTime() < deadline || (a != 0 && System.nanoTime() < warm); ) {
                        a = threads.getCurrentThreadAllocatedBytes();
                        dequantizeAll(k, w, row);
                        a = threads.getCurrentThreadAllocatedBytes() - a;
                    }
                    long allocated = threads.getCurrentThreadAllocatedBytes();
                    long cpu = threads.getCurrentThreadCpuTime();
                    int passes = 0;
                    deadline = System.nanoTime() + (long) (seconds * 1e9);
                    do {
                        dequantizeAll(k, w, row);
                        passes++;
                    } while (System.nanoTime() < deadline);
                    cpu = threads.getCurrentThreadCpuTime() - cpu;
                    allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
                    System.out.printf("%-6s %-10s %8.2f %10.2f %10.1f%n", type, k.name(), (double) passes * rows * w.rowBytes() / cpu,
                            (double) passes * rows * cols / cpu, (double) allocated / passes / rows);
                }
            }
        }
    }

    private static void dequantizeAll(Kernels k, WeightMatrix w, float[] row) {
        for (int i = 0; i < w.rows(); i++) k.dequantize(w.type(), w.data(), w.rowOffset(i), row, 0, w.cols());
    }
}
