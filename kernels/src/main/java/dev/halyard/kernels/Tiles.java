package dev.halyard.kernels;

import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.FOLD1;
import static dev.halyard.kernels.quant.Simd.FOLD2;
import static dev.halyard.kernels.quant.Simd.FOLD4;
import static dev.halyard.kernels.quant.Simd.FOLD8;
import static dev.halyard.kernels.quant.Simd.HI1;
import static dev.halyard.kernels.quant.Simd.HI2;
import static dev.halyard.kernels.quant.Simd.HI4;
import static dev.halyard.kernels.quant.Simd.HI8;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.QUAD0;
import static dev.halyard.kernels.quant.Simd.QUAD1;
import static dev.halyard.kernels.quant.Simd.QUAD2;
import static dev.halyard.kernels.quant.Simd.QUAD3;

import dev.halyard.kernels.quant.Simd;
import jdk.incubator.vector.FloatVector;

/**
 * F32 register tiles of the matrix multiplication, over weights already dequantised into a float
 * panel. Every output (row r, token t) is computed in the <em>canonical order</em> shared by all of
 * Halyard's matmul kernels, fused or not:
 *
 * <pre>
 *   acc = 0;  for each chunk c of L consecutive elements, in order:  acc = W[r, c] * x[t, c] + acc  (one FMA per lane)
 *   result = fold(acc)   (lanes summed pairwise with Simd.FOLD8/4/2/1)
 * </pre>
 *
 * where W holds exactly the floats {@link VectorKernels#dequantize} produces. A fused kernel that
 * decodes blocks in registers (e.g. {@code Q8_0Kernel.dotRows4}) follows the same order, so a token's
 * results are bit-identical whichever kernel a batch size picks, and whatever else is in the batch.
 * The tiles differ only in how many (row, token) accumulators share each load: 4x4 reads each weight
 * and activation vector once for four FMAs; and in where they find their operands: row by row, or
 * four rows (tokens) interleaved chunk by chunk ({@link #tile4x4Packed}). {@link #dotScalar} is the
 * plain twin of the order.
 *
 * <p>{@code n} must be a multiple of {@link dev.halyard.kernels.quant.Simd#L}.
 */
public final class Tiles {
    private Tiles() {}


    /** One row times one token: {@code sum_i w[wi+i] * x[xi+i]} in the canonical order. */
    public static float dot(float[] w, int wi, float[] x, int xi, int n) {
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) a = FloatVector.fromArray(F, w, wi + i).fma(FloatVector.fromArray(F, x, xi + i), a);
        if (L == 16) a = a.add(a.rearrange(FOLD8));
        if (L >= 8) a = a.add(a.rearrange(FOLD4));
        a = a.add(a.rearrange(FOLD2));
        a = a.add(a.rearrange(FOLD1));
        return a.lane(0);
    }

    /**
     * Four rows (w at {@code wi + r*ws}) times one token: {@code out[oi + r]} for r = 0..3. Four
     * independent FMA chains share each activation load.
     */
    public static void tile4x1(float[] w, int wi, int ws, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int w0 = wi, w1 = wi + ws, w2 = wi + 2 * ws, w3 = wi + 3 * ws;
        for (int i = 0; i < n; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xi + i);
            a0 = FloatVector.fromArray(F, w, w0 + i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + i).fma(xv, a3);
        }
        if (L == 16) {
            a0 = a0.add(a0.rearrange(FOLD8));
            a1 = a1.add(a1.rearrange(FOLD8));
            a2 = a2.add(a2.rearrange(FOLD8));
            a3 = a3.add(a3.rearrange(FOLD8));
        }
        if (L >= 8) {
            a0 = a0.add(a0.rearrange(FOLD4));
            a1 = a1.add(a1.rearrange(FOLD4));
            a2 = a2.add(a2.rearrange(FOLD4));
            a3 = a3.add(a3.rearrange(FOLD4));
        }
        a0 = a0.add(a0.rearrange(FOLD2));
        a1 = a1.add(a1.rearrange(FOLD2));
        a2 = a2.add(a2.rearrange(FOLD2));
        a3 = a3.add(a3.rearrange(FOLD2));
        out[oi] = a0.add(a0.rearrange(FOLD1)).lane(0);
        out[oi + 1] = a1.add(a1.rearrange(FOLD1)).lane(0);
        out[oi + 2] = a2.add(a2.rearrange(FOLD1)).lane(0);
        out[oi + 3] = a3.add(a3.rearrange(FOLD1)).lane(0);
    }

    /**
     * Four rows (w at {@code wi + r*ws}) times four tokens (x at {@code xi + t*xs}):
     * {@code out[oi + t*os + r]}. 16 accumulators; each step loads 4 weight and 4 activation vectors
     * for 16 FMAs, so the FMA units, not the loads, set the pace.
     */
    public static void tile4x4(float[] w, int wi, int ws, float[] x, int xi, int xs, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z; // a<row><token>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int w0 = wi, w1 = wi + ws, w2 = wi + 2 * ws, w3 = wi + 3 * ws;
        int x0 = xi, x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int i = 0; i < n; i += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, w0 + i);
            FloatVector r1 = FloatVector.fromArray(F, w, w1 + i);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + i);
            FloatVector r3 = FloatVector.fromArray(F, w, w3 + i);
            FloatVector t = FloatVector.fromArray(F, x, x0 + i);
            a00 = r0.fma(t, a00);
            a10 = r1.fma(t, a10);
            a20 = r2.fma(t, a20);
            a30 = r3.fma(t, a30);
            t = FloatVector.fromArray(F, x, x1 + i);
            a01 = r0.fma(t, a01);
            a11 = r1.fma(t, a11);
            a21 = r2.fma(t, a21);
            a31 = r3.fma(t, a31);
            t = FloatVector.fromArray(F, x, x2 + i);
            a02 = r0.fma(t, a02);
            a12 = r1.fma(t, a12);
            a22 = r2.fma(t, a22);
            a32 = r3.fma(t, a32);
            t = FloatVector.fromArray(F, x, x3 + i);
            a03 = r0.fma(t, a03);
            a13 = r1.fma(t, a13);
            a23 = r2.fma(t, a23);
            a33 = r3.fma(t, a33);
        }
        if (L == 16) {
            // all 16 folds at once (see Simd.HI8): accumulator i = 4*token + row ends in lane i, with the
            // very sums of dot()'s fold (a butterfly leaves the same bits in every lane)
            FloatVector c0 = a00.blend(a02, HI8).add(a02.blend(a00, HI8).rearrange(FOLD8));
            FloatVector c1 = a10.blend(a12, HI8).add(a12.blend(a10, HI8).rearrange(FOLD8));
            FloatVector c2 = a20.blend(a22, HI8).add(a22.blend(a20, HI8).rearrange(FOLD8));
            FloatVector c3 = a30.blend(a32, HI8).add(a32.blend(a30, HI8).rearrange(FOLD8));
            FloatVector c4 = a01.blend(a03, HI8).add(a03.blend(a01, HI8).rearrange(FOLD8));
            FloatVector c5 = a11.blend(a13, HI8).add(a13.blend(a11, HI8).rearrange(FOLD8));
            FloatVector c6 = a21.blend(a23, HI8).add(a23.blend(a21, HI8).rearrange(FOLD8));
            FloatVector c7 = a31.blend(a33, HI8).add(a33.blend(a31, HI8).rearrange(FOLD8));
            c0 = c0.blend(c4, HI4).add(c4.blend(c0, HI4).rearrange(FOLD4));
            c1 = c1.blend(c5, HI4).add(c5.blend(c1, HI4).rearrange(FOLD4));
            c2 = c2.blend(c6, HI4).add(c6.blend(c2, HI4).rearrange(FOLD4));
            c3 = c3.blend(c7, HI4).add(c7.blend(c3, HI4).rearrange(FOLD4));
            c0 = c0.blend(c2, HI2).add(c2.blend(c0, HI2).rearrange(FOLD2));
            c1 = c1.blend(c3, HI2).add(c3.blend(c1, HI2).rearrange(FOLD2));
            c0 = c0.blend(c1, HI1).add(c1.blend(c0, HI1).rearrange(FOLD1));
            // lanes 4t..4t+3 are token t's four rows
            c0.intoArray(out, oi, QUAD0);
            c0.intoArray(out, oi + os - 4, QUAD1);
            c0.intoArray(out, oi + 2 * os - 8, QUAD2);
            c0.intoArray(out, oi + 3 * os - 12, QUAD3);
            return;
        }
        // fewer lanes: the same pairwise lane sums as dot(), written out per accumulator
        if (L >= 8) {
            a00 = a00.add(a00.rearrange(FOLD4)); a10 = a10.add(a10.rearrange(FOLD4)); a20 = a20.add(a20.rearrange(FOLD4)); a30 = a30.add(a30.rearrange(FOLD4));
            a01 = a01.add(a01.rearrange(FOLD4)); a11 = a11.add(a11.rearrange(FOLD4)); a21 = a21.add(a21.rearrange(FOLD4)); a31 = a31.add(a31.rearrange(FOLD4));
            a02 = a02.add(a02.rearrange(FOLD4)); a12 = a12.add(a12.rearrange(FOLD4)); a22 = a22.add(a22.rearrange(FOLD4)); a32 = a32.add(a32.rearrange(FOLD4));
            a03 = a03.add(a03.rearrange(FOLD4)); a13 = a13.add(a13.rearrange(FOLD4)); a23 = a23.add(a23.rearrange(FOLD4)); a33 = a33.add(a33.rearrange(FOLD4));
        }
        a00 = a00.add(a00.rearrange(FOLD2)); a10 = a10.add(a10.rearrange(FOLD2)); a20 = a20.add(a20.rearrange(FOLD2)); a30 = a30.add(a30.rearrange(FOLD2));
        a01 = a01.add(a01.rearrange(FOLD2)); a11 = a11.add(a11.rearrange(FOLD2)); a21 = a21.add(a21.rearrange(FOLD2)); a31 = a31.add(a31.rearrange(FOLD2));
        a02 = a02.add(a02.rearrange(FOLD2)); a12 = a12.add(a12.rearrange(FOLD2)); a22 = a22.add(a22.rearrange(FOLD2)); a32 = a32.add(a32.rearrange(FOLD2));
        a03 = a03.add(a03.rearrange(FOLD2)); a13 = a13.add(a13.rearrange(FOLD2)); a23 = a23.add(a23.rearrange(FOLD2)); a33 = a33.add(a33.rearrange(FOLD2));
        int o0 = oi, o1 = oi + os, o2 = oi + 2 * os, o3 = oi + 3 * os;
        out[o0] = a00.add(a00.rearrange(FOLD1)).lane(0); out[o0 + 1] = a10.add(a10.rearrange(FOLD1)).lane(0);
        out[o0 + 2] = a20.add(a20.rearrange(FOLD1)).lane(0); out[o0 + 3] = a30.add(a30.rearrange(FOLD1)).lane(0);
        out[o1] = a01.add(a01.rearrange(FOLD1)).lane(0); out[o1 + 1] = a11.add(a11.rearrange(FOLD1)).lane(0);
        out[o1 + 2] = a21.add(a21.rearrange(FOLD1)).lane(0); out[o1 + 3] = a31.add(a31.rearrange(FOLD1)).lane(0);
        out[o2] = a02.add(a02.rearrange(FOLD1)).lane(0); out[o2 + 1] = a12.add(a12.rearrange(FOLD1)).lane(0);
        out[o2 + 2] = a22.add(a22.rearrange(FOLD1)).lane(0); out[o2 + 3] = a32.add(a32.rearrange(FOLD1)).lane(0);
        out[o3] = a03.add(a03.rearrange(FOLD1)).lane(0); out[o3 + 1] = a13.add(a13.rearrange(FOLD1)).lane(0);
        out[o3 + 2] = a23.add(a23.rearrange(FOLD1)).lane(0); out[o3 + 3] = a33.add(a33.rearrange(FOLD1)).lane(0);
    }

    /**
     * {@link #tile4x4} on interleaved operands: the 4 rows' chunk c at {@code w[wi + 4cL + rL]} and the
     * 4 tokens' chunk c at {@code x[xi + 4cL + tL]} (as {@link #pack4} lays them out), so the tile
     * reads two ascending streams instead of eight; the same FMAs in the same order, so the same bits
     * (the fold is tile4x4's, written out again: a helper taking the accumulators would box them, see
     * {@code Simd}). What it gains: {@code Matmul.packedPanelTimesBatch}.
     */
    public static void tile4x4Packed(float[] w, int wi, float[] x, int xi, int n, float[] out, int oi, int os) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z; // a<row><token>
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        for (int i = 0; i < 4 * n; i += 4 * L) {
            FloatVector r0 = FloatVector.fromArray(F, w, wi + i);
            FloatVector r1 = FloatVector.fromArray(F, w, wi + i + L);
            FloatVector r2 = FloatVector.fromArray(F, w, wi + i + 2 * L);
            FloatVector r3 = FloatVector.fromArray(F, w, wi + i + 3 * L);
            FloatVector t = FloatVector.fromArray(F, x, xi + i);
            a00 = r0.fma(t, a00);
            a10 = r1.fma(t, a10);
            a20 = r2.fma(t, a20);
            a30 = r3.fma(t, a30);
            t = FloatVector.fromArray(F, x, xi + i + L);
            a01 = r0.fma(t, a01);
            a11 = r1.fma(t, a11);
            a21 = r2.fma(t, a21);
            a31 = r3.fma(t, a31);
            t = FloatVector.fromArray(F, x, xi + i + 2 * L);
            a02 = r0.fma(t, a02);
            a12 = r1.fma(t, a12);
            a22 = r2.fma(t, a22);
            a32 = r3.fma(t, a32);
            t = FloatVector.fromArray(F, x, xi + i + 3 * L);
            a03 = r0.fma(t, a03);
            a13 = r1.fma(t, a13);
            a23 = r2.fma(t, a23);
            a33 = r3.fma(t, a33);
        }
        if (L == 16) {
            // all 16 folds at once (see Simd.HI8): accumulator i = 4*token + row ends in lane i, with the
            // very sums of dot()'s fold (a butterfly leaves the same bits in every lane)
            FloatVector c0 = a00.blend(a02, HI8).add(a02.blend(a00, HI8).rearrange(FOLD8));
            FloatVector c1 = a10.blend(a12, HI8).add(a12.blend(a10, HI8).rearrange(FOLD8));
            FloatVector c2 = a20.blend(a22, HI8).add(a22.blend(a20, HI8).rearrange(FOLD8));
            FloatVector c3 = a30.blend(a32, HI8).add(a32.blend(a30, HI8).rearrange(FOLD8));
            FloatVector c4 = a01.blend(a03, HI8).add(a03.blend(a01, HI8).rearrange(FOLD8));
            FloatVector c5 = a11.blend(a13, HI8).add(a13.blend(a11, HI8).rearrange(FOLD8));
            FloatVector c6 = a21.blend(a23, HI8).add(a23.blend(a21, HI8).rearrange(FOLD8));
            FloatVector c7 = a31.blend(a33, HI8).add(a33.blend(a31, HI8).rearrange(FOLD8));
            c0 = c0.blend(c4, HI4).add(c4.blend(c0, HI4).rearrange(FOLD4));
            c1 = c1.blend(c5, HI4).add(c5.blend(c1, HI4).rearrange(FOLD4));
            c2 = c2.blend(c6, HI4).add(c6.blend(c2, HI4).rearrange(FOLD4));
            c3 = c3.blend(c7, HI4).add(c7.blend(c3, HI4).rearrange(FOLD4));
            c0 = c0.blend(c2, HI2).add(c2.blend(c0, HI2).rearrange(FOLD2));
            c1 = c1.blend(c3, HI2).add(c3.blend(c1, HI2).rearrange(FOLD2));
            c0 = c0.blend(c1, HI1).add(c1.blend(c0, HI1).rearrange(FOLD1));
            // lanes 4t..4t+3 are token t's four rows
            c0.intoArray(out, oi, QUAD0);
            c0.intoArray(out, oi + os - 4, QUAD1);
            c0.intoArray(out, oi + 2 * os - 8, QUAD2);
            c0.intoArray(out, oi + 3 * os - 12, QUAD3);
            return;
        }
        // fewer lanes: the same pairwise lane sums as dot(), written out per accumulator
        if (L >= 8) {
            a00 = a00.add(a00.rearrange(FOLD4)); a10 = a10.add(a10.rearrange(FOLD4)); a20 = a20.add(a20.rearrange(FOLD4)); a30 = a30.add(a30.rearrange(FOLD4));
            a01 = a01.add(a01.rearrange(FOLD4)); a11 = a11.add(a11.rearrange(FOLD4)); a21 = a21.add(a21.rearrange(FOLD4)); a31 = a31.add(a31.rearrange(FOLD4));
            a02 = a02.add(a02.rearrange(FOLD4)); a12 = a12.add(a12.rearrange(FOLD4)); a22 = a22.add(a22.rearrange(FOLD4)); a32 = a32.add(a32.rearrange(FOLD4));
            a03 = a03.add(a03.rearrange(FOLD4)); a13 = a13.add(a13.rearrange(FOLD4)); a23 = a23.add(a23.rearrange(FOLD4)); a33 = a33.add(a33.rearrange(FOLD4));
        }
        a00 = a00.add(a00.rearrange(FOLD2)); a10 = a10.add(a10.rearrange(FOLD2)); a20 = a20.add(a20.rearrange(FOLD2)); a30 = a30.add(a30.rearrange(FOLD2));
        a01 = a01.add(a01.rearrange(FOLD2)); a11 = a11.add(a11.rearrange(FOLD2)); a21 = a21.add(a21.rearrange(FOLD2)); a31 = a31.add(a31.rearrange(FOLD2));
        a02 = a02.add(a02.rearrange(FOLD2)); a12 = a12.add(a12.rearrange(FOLD2)); a22 = a22.add(a22.rearrange(FOLD2)); a32 = a32.add(a32.rearrange(FOLD2));
        a03 = a03.add(a03.rearrange(FOLD2)); a13 = a13.add(a13.rearrange(FOLD2)); a23 = a23.add(a23.rearrange(FOLD2)); a33 = a33.add(a33.rearrange(FOLD2));
        int o0 = oi, o1 = oi + os, o2 = oi + 2 * os, o3 = oi + 3 * os;
        out[o0] = a00.add(a00.rearrange(FOLD1)).lane(0); out[o0 + 1] = a10.add(a10.rearrange(FOLD1)).lane(0);
        out[o0 + 2] = a20.add(a20.rearrange(FOLD1)).lane(0); out[o0 + 3] = a30.add(a30.rearrange(FOLD1)).lane(0);
        out[o1] = a01.add(a01.rearrange(FOLD1)).lane(0); out[o1 + 1] = a11.add(a11.rearrange(FOLD1)).lane(0);
        out[o1 + 2] = a21.add(a21.rearrange(FOLD1)).lane(0); out[o1 + 3] = a31.add(a31.rearrange(FOLD1)).lane(0);
        out[o2] = a02.add(a02.rearrange(FOLD1)).lane(0); out[o2 + 1] = a12.add(a12.rearrange(FOLD1)).lane(0);
        out[o2 + 2] = a22.add(a22.rearrange(FOLD1)).lane(0); out[o2 + 3] = a32.add(a32.rearrange(FOLD1)).lane(0);
        out[o3] = a03.add(a03.rearrange(FOLD1)).lane(0); out[o3 + 1] = a13.add(a13.rearrange(FOLD1)).lane(0);
        out[o3 + 2] = a23.add(a23.rearrange(FOLD1)).lane(0); out[o3 + 3] = a33.add(a33.rearrange(FOLD1)).lane(0);
    }

    /**
     * {@link #tile4x4Packed} over n columns of a longer row, its 16 accumulators carried in {@code
     * acc[ai ..]} (token t's four rows at {@code ai + (4t + r) * L}, zeroed before the first columns):
     * loaded, advanced by the same FMAs in the same order, stored back. After the last columns,
     * {@link Simd#fold4} at {@code ai + 4t * L} gives token t's four outputs with tile4x4Packed's bits
     * (its blended fold sums the same lanes in the same order). For rows whose 4-row tile and quad of
     * tokens do not fit L1 together: {@code Panels}' slice-major panels. The loop advances two
     * indices: written as tile4x4Packed's (one index, three offsets from it) C2 compiled the same 32
     * instructions, yet it ran 113-121 GFLOP/s against the plain tile's 143-155 on the same operands
     * (one thread, in L2), this way 147-149.
     */
    public static void tile4x4PackedAcc(float[] w, int wi, float[] x, int xi, int n, float[] acc, int ai) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ai), a10 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ai + 2 * L), a30 = FloatVector.fromArray(F, acc, ai + 3 * L);
        FloatVector a01 = FloatVector.fromArray(F, acc, ai + 4 * L), a11 = FloatVector.fromArray(F, acc, ai + 5 * L);
        FloatVector a21 = FloatVector.fromArray(F, acc, ai + 6 * L), a31 = FloatVector.fromArray(F, acc, ai + 7 * L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ai + 8 * L), a12 = FloatVector.fromArray(F, acc, ai + 9 * L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ai + 10 * L), a32 = FloatVector.fromArray(F, acc, ai + 11 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ai + 12 * L), a13 = FloatVector.fromArray(F, acc, ai + 13 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ai + 14 * L), a33 = FloatVector.fromArray(F, acc, ai + 15 * L);
        int end = wi + 4 * n;
        for (int k = wi, j = xi; k < end; k += 4 * L, j += 4 * L) {
            FloatVector r0 = FloatVector.fromArray(F, w, k);
            FloatVector r1 = FloatVector.fromArray(F, w, k + L);
            FloatVector r2 = FloatVector.fromArray(F, w, k + 2 * L);
            FloatVector r3 = FloatVector.fromArray(F, w, k + 3 * L);
            FloatVector t = FloatVector.fromArray(F, x, j);
            a00 = r0.fma(t, a00);
            a10 = r1.fma(t, a10);
            a20 = r2.fma(t, a20);
            a30 = r3.fma(t, a30);
            t = FloatVector.fromArray(F, x, j + L);
            a01 = r0.fma(t, a01);
            a11 = r1.fma(t, a11);
            a21 = r2.fma(t, a21);
            a31 = r3.fma(t, a31);
            t = FloatVector.fromArray(F, x, j + 2 * L);
            a02 = r0.fma(t, a02);
            a12 = r1.fma(t, a12);
            a22 = r2.fma(t, a22);
            a32 = r3.fma(t, a32);
            t = FloatVector.fromArray(F, x, j + 3 * L);
            a03 = r0.fma(t, a03);
            a13 = r1.fma(t, a13);
            a23 = r2.fma(t, a23);
            a33 = r3.fma(t, a33);
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
    }

    /**
     * {@link #tile4x4PackedAcc} as the first columns of the rows: the accumulators start at zero (no
     * zeroing pass before) and are stored to {@code acc[ai ..]} for the next columns. A method of its
     * own, as {@link #tile4x4PackedLast}: one method taking both as flags ran its loop 3-20% slower
     * (one thread, in L1 and from L2), and a 4 x 6 tile written so lost all of its gain.
     */
    public static void tile4x4PackedFirst(float[] w, int wi, float[] x, int xi, int n, float[] acc, int ai) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a10 = z, a20 = z, a30 = z, a01 = z, a11 = z, a21 = z, a31 = z;
        FloatVector a02 = z, a12 = z, a22 = z, a32 = z, a03 = z, a13 = z, a23 = z, a33 = z;
        int end = wi + 4 * n;
        for (int k = wi, j = xi; k < end; k += 4 * L, j += 4 * L) {
            FloatVector r0 = FloatVector.fromArray(F, w, k);
            FloatVector r1 = FloatVector.fromArray(F, w, k + L);
            FloatVector r2 = FloatVector.fromArray(F, w, k + 2 * L);
            FloatVector r3 = FloatVector.fromArray(F, w, k + 3 * L);
            FloatVector t = FloatVector.fromArray(F, x, j);
            a00 = r0.fma(t, a00);
            a10 = r1.fma(t, a10);
            a20 = r2.fma(t, a20);
            a30 = r3.fma(t, a30);
            t = FloatVector.fromArray(F, x, j + L);
            a01 = r0.fma(t, a01);
            a11 = r1.fma(t, a11);
            a21 = r2.fma(t, a21);
            a31 = r3.fma(t, a31);
            t = FloatVector.fromArray(F, x, j + 2 * L);
            a02 = r0.fma(t, a02);
            a12 = r1.fma(t, a12);
            a22 = r2.fma(t, a22);
            a32 = r3.fma(t, a32);
            t = FloatVector.fromArray(F, x, j + 3 * L);
            a03 = r0.fma(t, a03);
            a13 = r1.fma(t, a13);
            a23 = r2.fma(t, a23);
            a33 = r3.fma(t, a33);
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
    }

    /**
     * {@link #tile4x4PackedAcc} as the last columns of the rows: the accumulators loaded from {@code
     * acc[ai ..]}, advanced, then folded in registers, token t's four outputs into {@code out[oi +
     * t*os ..]} with {@link Simd#fold16}'s bits (no store, reload and separate fold after). Fewer
     * lanes than 16: stored and folded by {@link Simd#fold4} per token.
     */
    public static void tile4x4PackedLast(float[] w, int wi, float[] x, int xi, int n, float[] acc, int ai, float[] out, int oi, int os) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ai), a10 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ai + 2 * L), a30 = FloatVector.fromArray(F, acc, ai + 3 * L);
        FloatVector a01 = FloatVector.fromArray(F, acc, ai + 4 * L), a11 = FloatVector.fromArray(F, acc, ai + 5 * L);
        FloatVector a21 = FloatVector.fromArray(F, acc, ai + 6 * L), a31 = FloatVector.fromArray(F, acc, ai + 7 * L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ai + 8 * L), a12 = FloatVector.fromArray(F, acc, ai + 9 * L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ai + 10 * L), a32 = FloatVector.fromArray(F, acc, ai + 11 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ai + 12 * L), a13 = FloatVector.fromArray(F, acc, ai + 13 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ai + 14 * L), a33 = FloatVector.fromArray(F, acc, ai + 15 * L);
        int end = wi + 4 * n;
        for (int k = wi, j = xi; k < end; k += 4 * L, j += 4 * L) {
            FloatVector r0 = FloatVector.fromArray(F, w, k);
            FloatVector r1 = FloatVector.fromArray(F, w, k + L);
            FloatVector r2 = FloatVector.fromArray(F, w, k + 2 * L);
            FloatVector r3 = FloatVector.fromArray(F, w, k + 3 * L);
            FloatVector t = FloatVector.fromArray(F, x, j);
            a00 = r0.fma(t, a00);
            a10 = r1.fma(t, a10);
            a20 = r2.fma(t, a20);
            a30 = r3.fma(t, a30);
            t = FloatVector.fromArray(F, x, j + L);
            a01 = r0.fma(t, a01);
            a11 = r1.fma(t, a11);
            a21 = r2.fma(t, a21);
            a31 = r3.fma(t, a31);
            t = FloatVector.fromArray(F, x, j + 2 * L);
            a02 = r0.fma(t, a02);
            a12 = r1.fma(t, a12);
            a22 = r2.fma(t, a22);
            a32 = r3.fma(t, a32);
            t = FloatVector.fromArray(F, x, j + 3 * L);
            a03 = r0.fma(t, a03);
            a13 = r1.fma(t, a13);
            a23 = r2.fma(t, a23);
            a33 = r3.fma(t, a33);
        }
        if (L == 16) { // Simd.fold16's blended fold, in registers
            FloatVector c0 = a00.blend(a02, HI8).add(a02.blend(a00, HI8).rearrange(FOLD8));
            FloatVector c1 = a10.blend(a12, HI8).add(a12.blend(a10, HI8).rearrange(FOLD8));
            FloatVector c2 = a20.blend(a22, HI8).add(a22.blend(a20, HI8).rearrange(FOLD8));
            FloatVector c3 = a30.blend(a32, HI8).add(a32.blend(a30, HI8).rearrange(FOLD8));
            FloatVector c4 = a01.blend(a03, HI8).add(a03.blend(a01, HI8).rearrange(FOLD8));
            FloatVector c5 = a11.blend(a13, HI8).add(a13.blend(a11, HI8).rearrange(FOLD8));
            FloatVector c6 = a21.blend(a23, HI8).add(a23.blend(a21, HI8).rearrange(FOLD8));
            FloatVector c7 = a31.blend(a33, HI8).add(a33.blend(a31, HI8).rearrange(FOLD8));
            c0 = c0.blend(c4, HI4).add(c4.blend(c0, HI4).rearrange(FOLD4));
            c1 = c1.blend(c5, HI4).add(c5.blend(c1, HI4).rearrange(FOLD4));
            c2 = c2.blend(c6, HI4).add(c6.blend(c2, HI4).rearrange(FOLD4));
            c3 = c3.blend(c7, HI4).add(c7.blend(c3, HI4).rearrange(FOLD4));
            c0 = c0.blend(c2, HI2).add(c2.blend(c0, HI2).rearrange(FOLD2));
            c1 = c1.blend(c3, HI2).add(c3.blend(c1, HI2).rearrange(FOLD2));
            c0 = c0.blend(c1, HI1).add(c1.blend(c0, HI1).rearrange(FOLD1));
            c0.intoArray(out, oi, QUAD0);
            c0.intoArray(out, oi + os - 4, QUAD1);
            c0.intoArray(out, oi + 2 * os - 8, QUAD2);
            c0.intoArray(out, oi + 3 * os - 12, QUAD3);
            return;
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
        for (int t = 0; t < 4; t++) Simd.fold4(acc, ai + 4 * t * L, out, oi + t * os);
    }

    /** {@link #tile4x1Packed} over n columns of a longer row, its four accumulators carried in {@code acc[ai + r * L ..]} as in {@link #tile4x4PackedAcc}. */
    public static void tile4x1PackedAcc(float[] w, int wi, float[] x, int xi, int n, float[] acc, int ai) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ai), a1 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, ai + 2 * L), a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        for (int i = 0, k = wi; i < n; i += L, k += 4 * L) {
            FloatVector xv = FloatVector.fromArray(F, x, xi + i);
            a0 = FloatVector.fromArray(F, w, k).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, k + L).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, k + 2 * L).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, k + 3 * L).fma(xv, a3);
        }
        a0.intoArray(acc, ai); a1.intoArray(acc, ai + L); a2.intoArray(acc, ai + 2 * L); a3.intoArray(acc, ai + 3 * L);
    }

    /** {@link #tile4x1} with the rows interleaved as in {@link #tile4x4Packed} and one token's plain activations. */
    public static void tile4x1Packed(float[] w, int wi, float[] x, int xi, int n, float[] out, int oi) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0, k = wi; i < n; i += L, k += 4 * L) {
            FloatVector xv = FloatVector.fromArray(F, x, xi + i);
            a0 = FloatVector.fromArray(F, w, k).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, k + L).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, k + 2 * L).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, k + 3 * L).fma(xv, a3);
        }
        if (L == 16) {
            a0 = a0.add(a0.rearrange(FOLD8));
            a1 = a1.add(a1.rearrange(FOLD8));
            a2 = a2.add(a2.rearrange(FOLD8));
            a3 = a3.add(a3.rearrange(FOLD8));
        }
        if (L >= 8) {
            a0 = a0.add(a0.rearrange(FOLD4));
            a1 = a1.add(a1.rearrange(FOLD4));
            a2 = a2.add(a2.rearrange(FOLD4));
            a3 = a3.add(a3.rearrange(FOLD4));
        }
        a0 = a0.add(a0.rearrange(FOLD2));
        a1 = a1.add(a1.rearrange(FOLD2));
        a2 = a2.add(a2.rearrange(FOLD2));
        a3 = a3.add(a3.rearrange(FOLD2));
        out[oi] = a0.add(a0.rearrange(FOLD1)).lane(0);
        out[oi + 1] = a1.add(a1.rearrange(FOLD1)).lane(0);
        out[oi + 2] = a2.add(a2.rearrange(FOLD1)).lane(0);
        out[oi + 3] = a3.add(a3.rearrange(FOLD1)).lane(0);
    }

    /**
     * Interleaves four rows of n floats (row r at {@code src[si + r*ss]}) chunk by chunk into
     * {@code dst[di .. di + 4n)}: chunk c of row r to {@code dst[di + 4cL + rL]}, the layout of
     * {@link #tile4x4Packed}'s operands (a panel's 4-row tile, or a quad of tokens).
     */
    public static void pack4(float[] src, int si, int ss, int n, float[] dst, int di) {
        for (int i = 0, k = di; i < n; i += L, k += 4 * L) {
            FloatVector.fromArray(F, src, si + i).intoArray(dst, k);
            FloatVector.fromArray(F, src, si + ss + i).intoArray(dst, k + L);
            FloatVector.fromArray(F, src, si + 2 * ss + i).intoArray(dst, k + 2 * L);
            FloatVector.fromArray(F, src, si + 3 * ss + i).intoArray(dst, k + 3 * L);
        }
    }

    /**
     * The scalar twin of the canonical order for {@code lanes} lanes: lane j accumulates elements
     * j, j+lanes, j+2*lanes, ... with fused multiply-adds, then lanes are summed pairwise as the folds
     * do. Bit-identical to {@link #dot} when {@code lanes == Simd.L}.
     */
    public static float dotScalar(float[] w, int wi, float[] x, int xi, int n, int lanes) {
        float[] acc = new float[lanes];
        for (int i = 0; i < n; i += lanes)
            for (int j = 0; j < lanes; j++) acc[j] = Math.fma(w[wi + i + j], x[xi + i + j], acc[j]);
        for (int step = lanes / 2; step >= 1; step /= 2)
            for (int j = 0; j < lanes; j++) if ((j & step) == 0) acc[j] = acc[j] + acc[j ^ step];
        return acc[0];
    }
}
