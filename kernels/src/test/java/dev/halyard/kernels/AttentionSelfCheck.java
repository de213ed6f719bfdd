package dev.halyard.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

/**
 * The attention kernels' part of {@link VectorSelfCheck}: in this JVM's vector width, each vector
 * kernel gives its scalar twin's bits, cold and warm, and allocates nothing once compiled.
 */
final class AttentionSelfCheck {
    private AttentionSelfCheck() {}

    /** Runs the checks; returns how many passed (throws AssertionError on the first failure). */
    static int run() {
        int checks = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {7, 64, 80, 128}) {
                Random r = new Random(n);
                int rows = 19;
                float[] q = new float[n], kv = new float[rows * n], w = new float[rows];
                for (int i = 0; i < n; i++) q[i] = (float) r.nextGaussian();
                for (int i = 0; i < kv.length; i++) kv[i] = (float) r.nextGaussian();
                for (int i = 0; i < rows; i++) w[i] = r.nextFloat();
                MemorySegment halves = arena.allocate(2L * kv.length);
                AttentionOps.floatsToHalves(kv, 0, kv.length, halves, 0);
                float[] a = new float[rows * n], b = new float[rows * n];
                for (int round = 0; round < 2; round++) { // cold, then after warming up
                    AttentionOps.halvesToFloats(halves, 0, rows * n, a, 0);
                    for (int i = 0; i < rows * n; i++) b[i] = Float.float16ToFloat(Float.floatToFloat16(kv[i]));
                    same("halvesToFloats n=" + n, a, b);
                    float[] s1 = new float[rows], s2 = new float[rows];
                    AttentionOps.scores(q, 0, a, 0, rows, n, 0.5f, s1, 0);
                    AttentionOps.scoresScalar(q, 0, a, 0, rows, n, 0.5f, s2, 0);
                    same("scores n=" + n, s1, s2);
                    float[] o1 = new float[n], o2 = new float[n];
                    AttentionOps.weightedSum(w, 0, a, 0, rows, n, o1, 0);
                    AttentionOps.weightedSumScalar(w, 0, a, 0, rows, n, o2, 0);
                    same("weightedSum n=" + n, o1, o2);
                    float[] x1 = s1.clone(), x2 = s1.clone();
                    AttentionOps.softmax(x1, 0, rows);
                    AttentionOps.softmaxScalar(x2, 0, rows);
                    same("softmax n=" + rows, x1, x2);
                    checks += 4;
                    if (round == 0 && n >= 64) warm(halves, q, w, a, n, rows); // head sizes the models use
                }
            }
        }
        return checks;
    }

    private static void same(String what, float[] x, float[] y) {
        if (!Arrays.equals(x, y)) throw new AssertionError(what + ": vector and scalar twins differ");
    }

    /**
     * Calls the kernels until a round of calls allocates nothing (C2 compiled them), at most 60 s (a
     * loaded machine can keep C2's queue busy for a while).
     */
    private static void warm(MemorySegment halves, float[] q, float[] w, float[] tile, int n, int rows) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] s = new float[rows], o = new float[n];
        long perCall = -1;
        // up to 60 s of this thread's CPU time, not of the wall clock: on a busy machine the JVM may
        // wait (or be stopped) for a minute before C2 has compiled the kernels
        for (long deadline = threads.getCurrentThreadCpuTime() + 60_000_000_000L; perCall != 0 && threads.getCurrentThreadCpuTime() < deadline; ) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2000; i++) {
                AttentionOps.halvesToFloats(halves, 0, rows * n, tile, 0);
                AttentionOps.scores(q, 0, tile, 0, rows, n, 0.5f, s, 0);
                AttentionOps.weightedSum(w, 0, tile, 0, rows, n, o, 0);
                AttentionOps.softmax(s, 0, rows);
            }
            perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 2000;
        }
        if (perCall != 0) throw new AssertionError("warm attention kernels allocate " + perCall + " bytes per round (n=" + n + ")");
    }
}
