package dev.halyard.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * A quick speed sanity check, not a benchmark suite: single-threaded dot of every row of a 4096x4096
 * weight matrix with one activation vector, scalar versus vector, printed as GB/s of weights read per
 * second of this thread's CPU time (CPU time, so that other processes on a shared machine do not
 * distort it), and bytes allocated per dot once warm: a vector kernel that silently falls back to boxed
 * Java code allocates and runs at scalar speed. Run by hand:
 * {@code java --add-modules jdk.incubator.vector -cp kernels/target/classes:kernels/target/test-classes
 * dev.halyard.kernels.KernelBench [seconds per measurement] [types...]}
 */
public final class KernelBench {
    private KernelBench() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        GgmlType[] types = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K};
        if (args.length > 1) {
            types = new GgmlType[args.length - 1];
            for (int i = 1; i < args.length; i++) types[i - 1] = GgmlType.valueOf(args[i]);
        }
        int rows = 4096, cols = 4096;
        Kernels[] kernels = {new ScalarKernels(), new VectorKernels()};
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.printf("%-6s %-10s %8s %11s %10s%n", "type", "kernels", "GB/s", "ms/matvec", "bytes/dot");
        for (GgmlType type : types) {
            try (Arena arena = Arena.ofConfined()) {
                Random rnd = new Random(1);
                MemorySegment data = RandomBlocks.allocate(arena, type, rows * cols, 0, rnd);
                WeightMatrix w = new WeightMatrix(type, data, 0, rows, cols);
                float[] x = RandomBlocks.gaussian(cols, rnd);
                float[] out = new float[rows]; // (rows)
                for (Kernels k : kernels) {
                    long deadline = System.nanoTime() + (long) (seconds * 0.5e9); // warm-up: half the time
                    while (System.nanoTime() < deadline) matvec(k, w, x, out);
                    long allocated = threads.getCurrentThreadAllocatedBytes();
                    long cpu = threads.getCurrentThreadCpuTime();
                    int passes = 0;
                    deadline = System.nanoTime() + (long) (seconds * 1e9);
                    do {
                        matvec(k, w, x, out);
                        passes++;
                    } while (System.nanoTime() < deadline);
                    cpu = threads.getCurrentThreadCpuTime() - cpu;
                    allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
                    double bytes = (double) passes * rows * w.rowBytes();
                    System.out.printf("%-6s %-10s %8.2f %11.2f %10.1f%n", type, k.name(), bytes / cpu,
                            cpu / 1e6 / passes, (double) allocated / passes / rows);
                }
            }
        }
    }

    /** out (rows) = W (rows, cols) @ x (cols). */
    private static void matvec(Kernels k, WeightMatrix w, float[] x, float[] out) {
        for (int i = 0; i < w.rows(); i++) out[i] = k.dot(w.type(), w.data(), w.rowOffset(i), x, 0, w.cols());
    }
}
