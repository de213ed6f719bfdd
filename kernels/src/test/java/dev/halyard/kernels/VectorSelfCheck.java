package dev.halyard.kernels;

import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * Runs the vector-versus-scalar checks in this JVM, whatever its vector width, before and after the
 * JIT has compiled the kernels, and checks that each compiled vector dot allocates nothing (a kernel
 * whose Vector API calls were not compiled to SIMD code boxes every vector: the known silent
 * fallback). {@link VectorWidthTest} starts it in child JVMs limited with {@code -XX:MaxVectorSize};
 * it exits non-zero (uncaught AssertionError) on any failure.
 */
public final class VectorSelfCheck {
    private VectorSelfCheck() {}

    public static void main(String[] args) {
        System.out.println("float species bits=" + Simd.F.vectorBitSize());
        System.out.println("Q6_K transposed=" + dev.halyard.kernels.quant.Q6_KTileKernel.TRANSPOSED);
        int checks = 0;
        for (GgmlType type : KernelAgreement.formats()) {
            for (int n : KernelAgreement.lengths(type)) {
                KernelAgreement.check(type, n, 1, 5, n + type.id);
                checks++;
            }
            int n = KernelAgreement.lengths(type)[2];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment w = RandomBlocks.allocate(arena, type, n, 0, new Random(type.id));
                float[] x = new float[n];
                long perCall = allocationPerDot(type, w, x, n);
                if (perCall != 0)
                    throw new AssertionError(type + ": a warm vector dot allocates " + perCall + " bytes per call");
            }
            KernelAgreement.check(type, n, 3, 0, 7 + type.id);
            checks++;
        }
        KernelAgreement.checkAllHalves(KernelAgreement.VECTOR);
        checks++;
        checks += CanonicalOrder.check();
        checks += tiledQ5_0AllocatesNothing();
        checks += tiledKernelsAllocateNothing();
        checks += quadKernelsAllocateNothing();
        checks += KQuantTiles.check();
        checks += AttentionSelfCheck.run();
        System.out.println("agreement checks passed: " + checks);
    }

    /** The tiled Q5_0 kernels (table lookup at 16 lanes, conversion below), warm, allocate nothing. */
    private static int tiledQ5_0AllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int n = 576;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = RandomBlocks.allocate(arena, GgmlType.Q5_0, 4 * n, 0, new Random(5));
            WeightMatrix w = new WeightMatrix(GgmlType.Q5_0, seg, 0, 4, n).tile4();
            float[] x = new float[n], out = new float[4], panel = new float[4 * n];
            long perCall = -1;
            for (long deadline = threads.getCurrentThreadCpuTime() + 60_000_000_000L; perCall != 0 && threads.getCurrentThreadCpuTime() < deadline; ) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 2000; i++) {
                    dev.halyard.kernels.quant.Q5_0Kernel.dotTile4(w.data(), w.tileOffset(0), x, 0, n, out, 0);
                    dev.halyard.kernels.quant.Q5_0Kernel.dequantizeTile4(w.data(), w.tileOffset(0), n, panel, 0, n, 1);
                }
                perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 2000;
            }
            if (perCall != 0) throw new AssertionError("warm tiled Q5_0 kernels allocate " + perCall + " bytes per call");
        }
        return 1;
    }

    /**
     * The tiled single-token kernels of Q8_0, Q4_0, Q4_K and Q6_K (the K-quants' also carrying their
     * accumulators), warm, allocate nothing: they end in {@code Simd.end4} / {@code Simd.fold4}, which
     * take the four accumulator vectors as arguments, and a call that C2 did not inline would box them.
     */
    private static int tiledKernelsAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int n = 2048, checks = 0;
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = RandomBlocks.allocate(arena, type, 4 * n, 0, new Random(type.id));
                WeightMatrix w = new WeightMatrix(type, seg, 0, 4, n).tile4();
                float[] x = new float[n], out = new float[4], acc = new float[4 * Simd.L], s = new float[128];
                long perCall = -1;
                for (long deadline = threads.getCurrentThreadCpuTime() + 60_000_000_000L; perCall != 0 && threads.getCurrentThreadCpuTime() < deadline; ) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 2000; i++) {
                        switch (type) {
                            case Q8_0 -> dev.halyard.kernels.quant.Q8_0Kernel.dotTile4(w.data(), w.tileOffset(0), x, 0, n, out, 0);
                            case Q4_0 -> dev.halyard.kernels.quant.Q4_0Kernel.dotTile4(w.data(), w.tileOffset(0), x, 0, n, out, 0);
                            case Q4_K -> {
                                dev.halyard.kernels.quant.Q4_KKernel.dotTile4(w.data(), w.tileOffset(0), x, 0, n, out, 0, s);
                                dev.halyard.kernels.quant.Q4_KKernel.dotTile4Acc(w.data(), w.tileOffset(0), x, 0, n, acc, 0, s);
                            }
                            default -> {
                                dev.halyard.kernels.quant.Q6_KTileKernel.dotTile4(w.data(), w.tileOffset(0), x, 0, n, out, 0, s);
                                dev.halyard.kernels.quant.Q6_KTileKernel.dotTile4Acc(w.data(), w.tileOffset(0), x, 0, n, acc, 0, s);
                            }
                        }
                    }
                    perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 2000;
                }
                if (perCall != 0) throw new AssertionError("warm tiled " + type + " single-token kernels allocate " + perCall + " bytes per call");
                checks++;
            }
        }
        return checks;
    }

    /**
     * The K-quants' four-token kernels (16 lanes only), warm, allocate nothing: a kernel that C2 never
     * compiles runs boxed in C1 at ~1 GFLOP/s (Q6_K's did, until its scale decoding left the kernel: C1's
     * register allocator gave up on the whole, and the method never left tier 2). Here, with -Xbatch,
     * C2 may still compile a kernel that C1 skipped, as it did stop 43's Q6_K loop with both orders,
     * which stayed in tier 2 in {@code bench prompt}: {@code VectorWidthTest} also checks that C1
     * skips nothing.
     */
    private static int quadKernelsAllocateNothing() {
        if (Simd.L != 16) return 0;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int n = 2048, checks = 0;
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = RandomBlocks.allocate(arena, type, 4 * n, 0, new Random(type.id));
                WeightMatrix w = new WeightMatrix(type, seg, 0, 4, n).tile4();
                float[] x = new float[4 * n], out = new float[16], s = new float[n / 2 + 16 * Simd.L];
                long perCall = -1;
                for (long deadline = threads.getCurrentThreadCpuTime() + 60_000_000_000L; perCall != 0 && threads.getCurrentThreadCpuTime() < deadline; ) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 2000; i++) {
                        if (type == GgmlType.Q4_K) dev.halyard.kernels.quant.Q4_KQuadKernel.dotTile4x4(w.data(), w.tileOffset(0), x, 0, n, n, out, 0, 4, s);
                        else dev.halyard.kernels.quant.Q6_KQuadKernel.dotTile4x4(w.data(), w.tileOffset(0), x, 0, n, n, out, 0, 4, s);
                    }
                    perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 2000;
                }
                if (perCall != 0) throw new AssertionError("warm " + type + " four-token kernel allocates " + perCall + " bytes per call");
                checks++;
            }
        }
        return checks;
    }

    /**
     * Bytes allocated per warm dot call: calls in rounds of 2000 until a round allocates nothing (C2
     * has compiled the kernel) or 60 seconds have passed; returns the last round's bytes per call.
     */
    private static long allocationPerDot(GgmlType type, MemorySegment w, float[] x, int n) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long perCall = -1;
        // up to 60 s of this thread's CPU time, not of the wall clock: on a busy machine the JVM may
        // wait (or be stopped) for a minute before C2 has compiled the kernels
        for (long deadline = threads.getCurrentThreadCpuTime() + 60_000_000_000L; perCall != 0 && threads.getCurrentThreadCpuTime() < deadline; ) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2000; i++) KernelAgreement.VECTOR.dot(type, w, 0, x, 0, n);
            perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 2000;
        }
        return perCall;
    }
}
