package dev.halyard.bench.jmh;

import dev.halyard.kernels.AttentionOps;
import dev.halyard.kernels.FloatOps;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The float kernels between the matrix products, Vector API against the scalar twin each is tested
 * against, on one thread: {@link FloatOps}' per-token steps on a 2048-float row (a Llama-3.2-1B hidden
 * state) and {@link AttentionOps}' attention of one query over 512 keys of a 64-float head: scores,
 * softmax, weighted sum of values; and the widening of one attention tile of cached rows into floats
 * (32 rows of 64, as {@code Transformer} widens them) from 8 bits ({@code widenQ8}; from F16,
 * {@code widenF16}, whose loop is its own twin and C2-vectorised: both rows read the same kernel). Inputs
 * stay in L1/L2: instructions, not memory. C2 vectorises the scalar twins of {@code add} and {@code axpy}
 * by itself (superword), so those two read about level.
 */
public class OpsBenchmark extends OneThreadBenchmark {

    @Param({"dot", "axpy", "add", "rmsnorm", "siluMul", "geluMul", "softcap", "softmax", "scores", "weightedSum", "widenQ8", "widenF16"})
    public String op;

    @Param({"vector", "scalar"})
    public String kernels;

    /** Floats of a row (the elementwise steps). */
    @Param({"2048"})
    public int n;

    /** Keys attended to, and floats per head (the attention steps). */
    static final int KEYS = 512, HEAD = 64;

    private boolean vector;
    private float[] a, b, c, w, out;
    private float[] keys, scores; // (KEYS, HEAD), (KEYS)
    private MemorySegment q8Tile, f16Tile; // TILE rows of HEAD, as the KV cache stores them
    static final int TILE = 32;

    @Setup(Level.Trial)
    public void setUp() {
        vector = kernels.equals("vector");
        SplittableRandom rnd = new SplittableRandom(3);
        a = gaussian(n, rnd);
        b = gaussian(n, rnd);
        c = gaussian(n, rnd);
        w = gaussian(n, rnd);
        out = new float[n];
        keys = gaussian(KEYS * HEAD, rnd);
        scores = gaussian(KEYS, rnd);
        q8Tile = Arena.ofAuto().allocate(TILE * AttentionOps.q8RowBytes(HEAD), 64);
        f16Tile = Arena.ofAuto().allocate(2L * TILE * HEAD, 64);
        for (int r = 0; r < TILE; r++) AttentionOps.floatsToQ8(keys, r * HEAD, HEAD, q8Tile, r * AttentionOps.q8RowBytes(HEAD));
        AttentionOps.floatsToHalves(keys, 0, TILE * HEAD, f16Tile, 0);
    }

    /** The last call's output row (for tests: the twins' rows agree). */
    float[] out() {
        return out;
    }

    private static float[] gaussian(int n, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((rnd.nextDouble() - 0.5) * 4);
        return v;
    }

    /** One call of the op; in-place ops run on {@code out}, refilled from {@code c} (its copy is part of both twins' time). */
    @Benchmark
    public float run() {
        switch (op) {
            case "dot" -> {
                return vector ? FloatOps.dot(a, 0, b, 0, n) : FloatOps.dotScalar(a, 0, b, 0, n);
            }
            case "axpy" -> {
                if (vector) FloatOps.axpy(0.5f, a, 0, out, 0, n);
                else FloatOps.axpyScalar(0.5f, a, 0, out, 0, n);
            }
            case "add" -> {
                if (vector) FloatOps.add(out, 0, a, 0, n);
                else FloatOps.addScalar(out, 0, a, 0, n);
            }
            case "rmsnorm" -> {
                if (vector) FloatOps.rmsnorm(out, 0, a, 0, w, n, 1e-5f);
                else FloatOps.rmsnormScalar(out, 0, a, 0, w, n, 1e-5f);
            }
            case "siluMul" -> {
                if (vector) FloatOps.siluMul(out, 0, a, 0, b, 0, n);
                else FloatOps.siluMulScalar(out, 0, a, 0, b, 0, n);
            }
            case "geluMul" -> {
                if (vector) FloatOps.geluMul(out, 0, a, 0, b, 0, n);
                else FloatOps.geluMulScalar(out, 0, a, 0, b, 0, n);
            }
            case "softcap" -> {
                System.arraycopy(c, 0, out, 0, n);
                if (vector) FloatOps.softcap(out, 0, n, 30f);
                else FloatOps.softcapScalar(out, 0, n, 30f);
            }
            case "softmax" -> {
                System.arraycopy(c, 0, out, 0, n);
                if (vector) AttentionOps.softmax(out, 0, n);
                else AttentionOps.softmaxScalar(out, 0, n);
            }
            case "scores" -> {
                if (vector) AttentionOps.scores(a, 0, keys, 0, KEYS, HEAD, 0.125f, out, 0);
                else AttentionOps.scoresScalar(a, 0, keys, 0, KEYS, HEAD, 0.125f, out, 0);
            }
            case "weightedSum" -> {
                java.util.Arrays.fill(out, 0, HEAD, 0f);
                if (vector) AttentionOps.weightedSum(scores, 0, keys, 0, KEYS, HEAD, out, 0);
                else AttentionOps.weightedSumScalar(scores, 0, keys, 0, KEYS, HEAD, out, 0);
            }
            case "widenQ8" -> {
                if (vector) AttentionOps.q8ToFloats(q8Tile, 0, TILE, HEAD, out, 0);
                else AttentionOps.q8ToFloatsScalar(q8Tile, 0, TILE, HEAD, out, 0);
            }
            case "widenF16" -> AttentionOps.halvesToFloats(f16Tile, 0, TILE * HEAD, out, 0);
            default -> throw new IllegalArgumentException("unknown op '" + op + "'");
        }
        return out[0];
    }
}
