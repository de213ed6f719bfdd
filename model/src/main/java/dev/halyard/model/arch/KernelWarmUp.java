package dev.halyard.model.arch;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.Kernels;
import dev.halyard.kernels.Matmul;
import dev.halyard.kernels.Parallel;
import dev.halyard.kernels.VectorKernels;
import dev.halyard.kernels.WeightMatrix;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Runs the model's matrix kernels on small synthetic matrices on a background thread while the
 * weights are read into memory, so that the JIT compiles them before the first real token.
 *
 * <p>A vector kernel runs boxed, ~100x slower, until C2 has compiled it (see {@code Simd}); a fresh
 * process therefore spent its first seconds of inference on cold kernels (`halyard generate`,
 * Llama-3.2-1B Q4_K_M, two threads: a 7-token prompt 3.2-4.1 s, the next 16 tokens 3.2-4.3 s, against
 * 0.1 and 0.9 s warm), while reading the weights keeps one thread in the kernel and leaves the other
 * core mostly idle. With this warm-up during the read: prompt 2.5-2.8 s, 16 tokens 2.6-3.6 s, load
 * level, first token 4.7-4.9 s after the load began against 6.1-6.2 (15.3 when the read was slow); it
 * buys as much as the read lasts (after a 0.2-0.4 s read the prompt took 3.0-3.2 s, after 8.7 s 1.1 s);
 * running on through the repacking (which takes every core) gave faster first passes (1.3-1.6 s) but
 * a load 2 s longer, the first token no sooner. The synthetic matrices have the model's formats and
 * column counts (which pick the kernels: whole rows or slice-major), a few tiles of rows, and run
 * the token counts that pick the decode, four-token, fused and panel paths. Their values are random
 * quants under a small finite scale: only the code paths matter, nothing reads the results. {@link
 * #close} stops and joins the thread (a cold JVM: within ~120 ms, the setup and one product). {@code
 * -Dhalyard.warmUpKernels=false} turns it off.
 *
 * <p>It starts with the repacking that follows the read (Q4_K's and Q6_K's {@code tileFast}, vector
 * code as well): {@link #REPACK_PASSES} repackings of each K-quant shape. Llama-3.2-1B Q4_K_M in fresh
 * processes (a harness around {@code Model.load}, 3 + 3 alternated): load 1.77-1.88 s against 2.13-2.43
 * without Q4_K's vector repacking and this, a 7-token prompt after it 3.46-3.71 s against 2.85-3.67
 * (load and prompt 5.3-5.6 s against 5.0-6.1); Q4_K's vector repacking without it had made fresh
 * loads slower (repack 1.22-1.69 s against 0.93-1.35, boxed until compiled).
 */
final class KernelWarmUp implements AutoCloseable {
    /** Rows of each synthetic matrix: a few tiles, so a pass is microseconds and the kernels are called often. */
    private static final int ROWS = 32;
    /** Token counts: one (decode), four (the four-token kernels), and batches of the panel path. */
    private static final int[] BATCHES = {1, 4, 16, 64};
    /** Passes at most; C2 has compiled a kernel after ~10^4 calls, a pass calls each at least ROWS / 4 times. */
    private static final int MAX_PASSES = 4000;
    /** Repackings of each K-quant shape first (each a few dozen block columns). */
    private static final int REPACK_PASSES = 200;

    private final Thread thread;
    private volatile boolean stop;
    /** Products run so far, and what ended the warm-up early, if anything (for tests and logs). */
    private volatile int products;
    private volatile Throwable failure;

    private KernelWarmUp(List<Shape> shapes, Kernels kernels) {
        thread = Thread.ofPlatform().daemon().name("halyard-warm-up").start(() -> run(shapes, kernels));
    }

    /**
     * Starts warming up the tiled kernels {@code gguf}'s matrices will use, or returns null when there
     * are none: no vector kernels, a memory map (whose matrices keep the file's layout), or turned off.
     */
    static KernelWarmUp start(GgufFile gguf, Kernels kernels, GgufFile.LoadMode mode) {
        if (!(kernels instanceof VectorKernels) || mode != GgufFile.LoadMode.READ
                || !Boolean.parseBoolean(System.getProperty("halyard.warmUpKernels", "true"))) return null;
        Set<Shape> shapes = new LinkedHashSet<>();
        for (GgufTensorInfo t : gguf.tensors()) {
            long[] ne = t.ne();
            if (ne.length < 2 || ne[0] > 1 << 16 || ne[1] < 4) continue;
            int cols = (int) ne[0];
            if (WeightMatrix.canTile(t.type(), ROWS) && cols % t.type().blockSize == 0) shapes.add(new Shape(t.type(), cols));
        }
        return shapes.isEmpty() ? null : new KernelWarmUp(List.copyOf(shapes), kernels);
    }

    private record Shape(GgmlType type, int cols) {}

    private void run(List<Shape> shapes, Kernels kernels) {
        try (Arena arena = Arena.ofShared(); Parallel one = new Parallel(1)) {
            Random rnd = new Random(1);
            WeightMatrix[] ws = new WeightMatrix[shapes.size()];
            List<WeightMatrix> rowLayouts = new java.util.ArrayList<>(); // the K-quants': their repacking is vector code too
            int maxCols = 0;
            for (int i = 0; i < ws.length; i++) {
                Shape s = shapes.get(i);
                WeightMatrix rows = synthetic(arena, s.type(), s.cols(), rnd);
                if (s.type() == GgmlType.Q4_K || s.type() == GgmlType.Q6_K) rowLayouts.add(synthetic(arena, s.type(), s.cols(), rnd));
                ws[i] = rows.tile4();
                maxCols = Math.max(maxCols, s.cols());
            }
            // first the repacking, which runs right after the read (Q4_K's and Q6_K's tileFast: boxed until compiled)
            MemorySegment into = arena.allocate(rowLayouts.stream().mapToLong(w -> w.rowBytes() * ROWS + WeightMatrix.tiledGrowth(w.type(), ROWS, w.cols())).max().orElse(1), 64);
            for (int pass = 0; pass < REPACK_PASSES && !stop; pass++)
                for (WeightMatrix w : rowLayouts) {
                    if (stop) return;
                    w.tile4(into, 0);
                }
            int maxBatch = BATCHES[BATCHES.length - 1];
            float[] x = new float[maxBatch * maxCols], out = new float[maxBatch * ROWS];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            for (int pass = 0; pass < MAX_PASSES && !stop; pass++)
                for (WeightMatrix w : ws)
                    for (int batch : BATCHES) {
                        if (stop) return;
                        Matmul.matmul(kernels, one, w, x, out, batch);
                        products++;
                    }
        } catch (RuntimeException | Error e) {
            // a warm-up only: the model's own passes will compile what this did not
            failure = e;
            System.getLogger("halyard.model").log(System.Logger.Level.DEBUG, "kernel warm-up stopped: " + e);
        }
    }

    /** ROWS x cols of random quants, each block's scales set to 1/16 (and Q4_K's min to 1/64): finite, normal floats. */
    private static WeightMatrix synthetic(Arena arena, GgmlType type, int cols, Random rnd) {
        long rowBytes = type.byteSize(cols);
        MemorySegment seg = arena.allocate(rowBytes * ROWS, 64);
        byte[] bytes = new byte[(int) seg.byteSize()];
        rnd.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        short sixteenth = Float.floatToFloat16(1 / 16f), sixtyFourth = Float.floatToFloat16(1 / 64f);
        for (long b = 0; b < seg.byteSize(); b += type.typeSize) {
            switch (type) {
                case Q6_K -> seg.set(half, b + 208, sixteenth);
                case Q4_K -> {
                    seg.set(half, b, sixteenth);
                    seg.set(half, b + 2, sixtyFourth);
                }
                default -> seg.set(half, b, sixteenth); // Q8_0, Q4_0, Q5_0: the scale first
            }
        }
        return new WeightMatrix(type, seg, 0, ROWS, cols);
    }

    int products() {
        return products;
    }

    Throwable failure() {
        return failure;
    }

    boolean running() {
        return thread.isAlive();
    }

    /** Stops the warm-up (at the end of its current product) and waits for its thread. */
    @Override
    public void close() {
        stop = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
