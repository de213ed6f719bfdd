package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Tiled Q4_K ({@link Q4_KKernel}'s layout) times a quad of tokens: the batched decode kernel of
 * small batches (a decode step of several sequences, a short prompt), on whole rows and on a
 * slice-major matrix's column slices. 16 lanes only (Matmul takes the panel otherwise).
 */
public final class Q4_KQuadKernel {
    private Q4_KQuadKernel() {}

    /**
     * {@link Q4_KKernel#dotTile4} for four tokens (x at {@code xi + t*xs}) at 16 lanes: {@code out[oi + t*os + r]}.
     * Each sub-block's four rows are decoded in registers once for the four tokens (tables and lookups
     * as in {@code Q4_KKernel.dotTile4Lookup}). All the tile's scales are decoded first into {@code s[0 .. n/4)}
     * (the accumulators follow, to {@code n/4 + 16L});
     * then one flat loop over sub-blocks, as {@code Q4_0Kernel.dotTile4x4Lookup}'s over blocks. Same
     * canonical order, so each output is bit-identical to {@link Q4_KKernel#dotTile4} for that token.
     */
    public static void dotTile4x4(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os, float[] s) {
        // the accumulators go through s after the scales (16 vectors, a few hundred FMAs' worth of stores
        // and loads per tile): one kernel for whole rows and slices (two copies of it, or one with both
        // endings, C2 compiled far worse)
        int ai = n / 4;
        java.util.Arrays.fill(s, ai, ai + 16 * L, 0f);
        dotTile4x4Acc(w, off, x, xi, xs, n, s, ai, s);
        Simd.fold16(s, ai, out, oi, os);
    }

    /**
     * {@link #dotTile4x4} over one column slice of a slice-major tile ({@code WeightMatrix}), or over
     * whole rows: the 16 accumulators are read from and written back to {@code acc[ai ..]} (token t's
     * row r at ai + (4t + r)L, zeros before the first slice; {@code Simd.fold4} per token after the
     * last), so the bits are those of whole rows. {@code s[0 .. n/4)} is the scratch for the scales.
     */
    public static void dotTile4x4Acc(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai, float[] s) {
        if (L != 16) throw new IllegalStateException("Q4_K four-token kernel needs 16 lanes, not " + L);
        for (int b = 0; b < n / Q4_KKernel.QK; b++) {
            long col = off + (long) b * Q4_KKernel.TILE_COLUMN;
            FloatVector dm = FloatVector.fromMemorySegment(F, w, col, ORDER);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + Q4_KKernel.SCALES, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(Q4_KKernel.ROW0)).intoArray(s, 64 * b);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + Q4_KKernel.SCALES + 16, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(Q4_KKernel.ROW1)).intoArray(s, 64 * b + 16);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + Q4_KKernel.SCALES + 32, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(Q4_KKernel.ROW2)).intoArray(s, 64 * b + 32);
            ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + Q4_KKernel.SCALES + 48, ORDER).convertShape(B2F, F, 0)).mul(dm.rearrange(Q4_KKernel.ROW3)).intoArray(s, 64 * b + 48);
        }
        // a<row><token>, carried on from the previous column slice (zeros before the first)
        FloatVector a00 = FloatVector.fromArray(F, acc, ai), a10 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ai + 2 * L), a30 = FloatVector.fromArray(F, acc, ai + 3 * L);
        FloatVector a01 = FloatVector.fromArray(F, acc, ai + 4 * L), a11 = FloatVector.fromArray(F, acc, ai + 5 * L);
        FloatVector a21 = FloatVector.fromArray(F, acc, ai + 6 * L), a31 = FloatVector.fromArray(F, acc, ai + 7 * L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ai + 8 * L), a12 = FloatVector.fromArray(F, acc, ai + 9 * L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ai + 10 * L), a32 = FloatVector.fromArray(F, acc, ai + 11 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ai + 12 * L), a13 = FloatVector.fromArray(F, acc, ai + 13 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ai + 14 * L), a33 = FloatVector.fromArray(F, acc, ai + 15 * L);
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int sb = 0; sb < n / 32; sb++) { // sub-block j = sb % 8 of block sb / 8
            int b = sb >>> 3, j = sb & 7, si = 64 * b + j, sh = 8 * (j & 3), e = 32 * sb;
            long q = off + (long) b * Q4_KKernel.TILE_COLUMN + Q4_KKernel.QUANTS + 64 * (j >>> 2);
            IntVector q0 = IntVector.fromMemorySegment(I, w, q, ORDER).lanewise(LSHR, sh);
            IntVector t0 = Q4_KKernel.NIBBLE.fma(FloatVector.broadcast(F, s[si]), FloatVector.broadcast(F, s[si + 8])).reinterpretAsInts();
            FloatVector v0 = q0.selectFrom(t0).reinterpretAsFloats(), u0 = q0.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats();
            IntVector q1 = IntVector.fromMemorySegment(I, w, q + 128, ORDER).lanewise(LSHR, sh);
            IntVector t1 = Q4_KKernel.NIBBLE.fma(FloatVector.broadcast(F, s[si + 16]), FloatVector.broadcast(F, s[si + 24])).reinterpretAsInts();
            FloatVector v1 = q1.selectFrom(t1).reinterpretAsFloats(), u1 = q1.lanewise(LSHR, 4).selectFrom(t1).reinterpretAsFloats();
            IntVector q2 = IntVector.fromMemorySegment(I, w, q + 256, ORDER).lanewise(LSHR, sh);
            IntVector t2 = Q4_KKernel.NIBBLE.fma(FloatVector.broadcast(F, s[si + 32]), FloatVector.broadcast(F, s[si + 40])).reinterpretAsInts();
            FloatVector v2 = q2.selectFrom(t2).reinterpretAsFloats(), u2 = q2.lanewise(LSHR, 4).selectFrom(t2).reinterpretAsFloats();
            IntVector q3 = IntVector.fromMemorySegment(I, w, q + 384, ORDER).lanewise(LSHR, sh);
            IntVector t3 = Q4_KKernel.NIBBLE.fma(FloatVector.broadcast(F, s[si + 48]), FloatVector.broadcast(F, s[si + 56])).reinterpretAsInts();
            FloatVector v3 = q3.selectFrom(t3).reinterpretAsFloats(), u3 = q3.lanewise(LSHR, 4).selectFrom(t3).reinterpretAsFloats();
            FloatVector xa = FloatVector.fromArray(F, x, xi + e), xb = FloatVector.fromArray(F, x, xi + e + 16);
            a00 = u0.fma(xb, v0.fma(xa, a00)); a10 = u1.fma(xb, v1.fma(xa, a10)); a20 = u2.fma(xb, v2.fma(xa, a20)); a30 = u3.fma(xb, v3.fma(xa, a30));
            xa = FloatVector.fromArray(F, x, x1 + e); xb = FloatVector.fromArray(F, x, x1 + e + 16);
            a01 = u0.fma(xb, v0.fma(xa, a01)); a11 = u1.fma(xb, v1.fma(xa, a11)); a21 = u2.fma(xb, v2.fma(xa, a21)); a31 = u3.fma(xb, v3.fma(xa, a31));
            xa = FloatVector.fromArray(F, x, x2 + e); xb = FloatVector.fromArray(F, x, x2 + e + 16);
            a02 = u0.fma(xb, v0.fma(xa, a02)); a12 = u1.fma(xb, v1.fma(xa, a12)); a22 = u2.fma(xb, v2.fma(xa, a22)); a32 = u3.fma(xb, v3.fma(xa, a32));
            xa = FloatVector.fromArray(F, x, x3 + e); xb = FloatVector.fromArray(F, x, x3 + e + 16);
            a03 = u0.fma(xb, v0.fma(xa, a03)); a13 = u1.fma(xb, v1.fma(xa, a13)); a23 = u2.fma(xb, v2.fma(xa, a23)); a33 = u3.fma(xb, v3.fma(xa, a33));
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
    }
}
