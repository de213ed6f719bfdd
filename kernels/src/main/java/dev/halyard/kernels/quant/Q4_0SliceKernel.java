package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.PARTS;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * The slice-major twins of {@link Q4_0Kernel#dotTile4} and {@link Q4_0Kernel#dotTile4x4}, for tiled
 * matrices wider than one 2048-column slice ({@code WeightMatrix.slices}): the same decoding, but
 * each row's accumulators start from {@code acc} and are stored back there unfolded, so they carry
 * one accumulator per row through all the slices ({@link Simd#fold4} folds them after the last): the
 * bits of the whole-row kernels. Separate copies on purpose: one kernel doing both kept extra values
 * live and made C2's whole-row loop ~10% slower.
 */
public final class Q4_0SliceKernel {
    private Q4_0SliceKernel() {}

    /** {@link Q4_0Kernel#dotTile4} over one column slice: the four rows' accumulators at acc[ai + r*L ..]. */
    public static void dotTile4Acc(MemorySegment w, long off, float[] x, int xi, int n, float[] acc, int ai) {
        if (L == 16) dotTile4LookupAcc(w, off, x, xi, n, acc, ai);
        else dotTile4ConvertAcc(w, off, x, xi, n, acc, ai);
    }

    /** Q4_0Kernel's {@code dotTile4Lookup} with the accumulators carried in acc (see {@link #dotTile4Acc}). */
    private static void dotTile4LookupAcc(MemorySegment w, long off, float[] x, int xi, int n, float[] acc, int ai) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ai), a1 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, ai + 2 * L), a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        for (int b = 0; b < n / Q4_0Kernel.QK; b++) {
            // two offsets computed apart (see dotTile4Lookup)
            long scales = off + (long) b * Q4_0Kernel.TILE_COLUMN, quants = off + (long) b * Q4_0Kernel.TILE_COLUMN + Q4_0Kernel.QUANTS;
            int e = xi + b * Q4_0Kernel.QK;
            IntVector q = IntVector.fromMemorySegment(I, w, quants, ORDER); // first, as in dotTile4Lookup
            IntVector t0 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales)).reinterpretAsInts();
            IntVector t1 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 4)).reinterpretAsInts();
            IntVector t2 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 8)).reinterpretAsInts();
            IntVector t3 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 12)).reinterpretAsInts();
            FloatVector xa = FloatVector.fromArray(F, x, e), xb = FloatVector.fromArray(F, x, e + 16);
            // selectFrom uses each lane's low 4 bits as the table index
            a0 = q.selectFrom(t0).reinterpretAsFloats().fma(xa, a0);
            a0 = q.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats().fma(xb, a0);
            a1 = q.lanewise(LSHR, 8).selectFrom(t1).reinterpretAsFloats().fma(xa, a1);
            a1 = q.lanewise(LSHR, 12).selectFrom(t1).reinterpretAsFloats().fma(xb, a1);
            a2 = q.lanewise(LSHR, 16).selectFrom(t2).reinterpretAsFloats().fma(xa, a2);
            a2 = q.lanewise(LSHR, 20).selectFrom(t2).reinterpretAsFloats().fma(xb, a2);
            a3 = q.lanewise(LSHR, 24).selectFrom(t3).reinterpretAsFloats().fma(xa, a3);
            a3 = q.lanewise(LSHR, 28).selectFrom(t3).reinterpretAsFloats().fma(xb, a3);
        }
        a0.intoArray(acc, ai);
        a1.intoArray(acc, ai + L);
        a2.intoArray(acc, ai + 2 * L);
        a3.intoArray(acc, ai + 3 * L);
    }

    /** Q4_0Kernel's {@code dotTile4Convert} with the accumulators carried in acc (see {@link #dotTile4Acc}). */
    private static void dotTile4ConvertAcc(MemorySegment w, long off, float[] x, int xi, int n, float[] acc, int ai) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ai), a1 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, ai + 2 * L), a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        for (int b = 0; b < n / Q4_0Kernel.QK; b++) {
            long col = off + (long) b * Q4_0Kernel.TILE_COLUMN;
            int e = xi + b * Q4_0Kernel.QK;
            FloatVector d0 = FloatVector.broadcast(F, w.get(Bytes.F32, col)), d1 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 4));
            FloatVector d2 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 8)), d3 = FloatVector.broadcast(F, w.get(Bytes.F32, col + 12));
            for (int p = 0; p < PARTS; p++) {
                IntVector q = IntVector.fromMemorySegment(I, w, col + Q4_0Kernel.QUANTS + 4L * L * p, ORDER);
                FloatVector xa = FloatVector.fromArray(F, x, e + 2 * L * p), xb = FloatVector.fromArray(F, x, e + 2 * L * p + L);
                a0 = ((FloatVector) q.lanewise(LSHL, 28).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0).fma(xa, a0);
                a0 = ((FloatVector) q.lanewise(LSHL, 24).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0).fma(xb, a0);
                a1 = ((FloatVector) q.lanewise(LSHL, 20).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1).fma(xa, a1);
                a1 = ((FloatVector) q.lanewise(LSHL, 16).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1).fma(xb, a1);
                a2 = ((FloatVector) q.lanewise(LSHL, 12).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2).fma(xa, a2);
                a2 = ((FloatVector) q.lanewise(LSHL, 8).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2).fma(xb, a2);
                a3 = ((FloatVector) q.lanewise(LSHL, 4).lanewise(ASHR, 28).convert(I2F, 0)).mul(d3).fma(xa, a3);
                a3 = ((FloatVector) q.lanewise(ASHR, 28).convert(I2F, 0)).mul(d3).fma(xb, a3);
            }
        }
        a0.intoArray(acc, ai);
        a1.intoArray(acc, ai + L);
        a2.intoArray(acc, ai + 2 * L);
        a3.intoArray(acc, ai + 3 * L);
    }

    /**
     * {@link Q4_0Kernel#dotTile4x4} over one column slice, the 16 accumulators carried in acc (token t, row r at
     * {@code ai + (4t + r) L}; see {@link #dotTile4Acc}).
     */
    public static void dotTile4x4Acc(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai) {
        if (L == 16) dotTile4x4LookupAcc(w, off, x, xi, xs, n, acc, ai);
        else dotTile4x4ConvertAcc(w, off, x, xi, xs, n, acc, ai);
    }

    /** Q4_0Kernel's {@code dotTile4x4Lookup} with the accumulators carried in acc (see {@link #dotTile4x4Acc}). */
    private static void dotTile4x4LookupAcc(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ai), a10 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ai + 2 * L), a30 = FloatVector.fromArray(F, acc, ai + 3 * L);
        FloatVector a01 = FloatVector.fromArray(F, acc, ai + 4 * L), a11 = FloatVector.fromArray(F, acc, ai + 5 * L);
        FloatVector a21 = FloatVector.fromArray(F, acc, ai + 6 * L), a31 = FloatVector.fromArray(F, acc, ai + 7 * L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ai + 8 * L), a12 = FloatVector.fromArray(F, acc, ai + 9 * L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ai + 10 * L), a32 = FloatVector.fromArray(F, acc, ai + 11 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ai + 12 * L), a13 = FloatVector.fromArray(F, acc, ai + 13 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ai + 14 * L), a33 = FloatVector.fromArray(F, acc, ai + 15 * L);
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int b = 0; b < n / Q4_0Kernel.QK; b++) {
            long scales = off + (long) b * Q4_0Kernel.TILE_COLUMN, quants = off + (long) b * Q4_0Kernel.TILE_COLUMN + Q4_0Kernel.QUANTS; // as in dotTile4Lookup
            int e = b * Q4_0Kernel.QK;
            IntVector q = IntVector.fromMemorySegment(I, w, quants, ORDER);
            IntVector t0 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales)).reinterpretAsInts();
            IntVector t1 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 4)).reinterpretAsInts();
            IntVector t2 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 8)).reinterpretAsInts();
            IntVector t3 = Q4_0Kernel.SIGNED_NIBBLE.mul(w.get(Bytes.F32, scales + 12)).reinterpretAsInts();
            // all eight weight vectors first (v: row r's elements e..e+15, u: e+16..e+31), then per token
            // two activation loads and eight FMAs: each activation is loaded once for four rows (a
            // row-by-row order loaded it four times and was load-bound, 75 instead of 120 GFLOP/s)
            FloatVector v0 = q.selectFrom(t0).reinterpretAsFloats(), u0 = q.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats();
            FloatVector v1 = q.lanewise(LSHR, 8).selectFrom(t1).reinterpretAsFloats(), u1 = q.lanewise(LSHR, 12).selectFrom(t1).reinterpretAsFloats();
            FloatVector v2 = q.lanewise(LSHR, 16).selectFrom(t2).reinterpretAsFloats(), u2 = q.lanewise(LSHR, 20).selectFrom(t2).reinterpretAsFloats();
            FloatVector v3 = q.lanewise(LSHR, 24).selectFrom(t3).reinterpretAsFloats(), u3 = q.lanewise(LSHR, 28).selectFrom(t3).reinterpretAsFloats();
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

    /** Q4_0Kernel's {@code dotTile4x4Convert} with the accumulators carried in acc (see {@link #dotTile4x4Acc}). */
    private static void dotTile4x4ConvertAcc(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ai), a10 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ai + 2 * L), a30 = FloatVector.fromArray(F, acc, ai + 3 * L);
        FloatVector a01 = FloatVector.fromArray(F, acc, ai + 4 * L), a11 = FloatVector.fromArray(F, acc, ai + 5 * L);
        FloatVector a21 = FloatVector.fromArray(F, acc, ai + 6 * L), a31 = FloatVector.fromArray(F, acc, ai + 7 * L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ai + 8 * L), a12 = FloatVector.fromArray(F, acc, ai + 9 * L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ai + 10 * L), a32 = FloatVector.fromArray(F, acc, ai + 11 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ai + 12 * L), a13 = FloatVector.fromArray(F, acc, ai + 13 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ai + 14 * L), a33 = FloatVector.fromArray(F, acc, ai + 15 * L);
        int x1 = xi + xs, x2 = xi + 2 * xs, x3 = xi + 3 * xs;
        for (int b = 0; b < n / Q4_0Kernel.QK; b++) {
            long col = off + (long) b * Q4_0Kernel.TILE_COLUMN;
            float d0 = w.get(Bytes.F32, col), d1 = w.get(Bytes.F32, col + 4), d2 = w.get(Bytes.F32, col + 8), d3 = w.get(Bytes.F32, col + 12);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = IntVector.fromMemorySegment(I, w, col + Q4_0Kernel.QUANTS + 4L * L * p, ORDER);
                // nibbles 2r + h: row r's elements 2Lp + hL ..; four weight vectors at a time, each
                // activation loaded once for them (AVX2 has 16 registers, so the 16 accumulators spill
                // there, as in Q8_0's dotTile4x4; not measured: this machine's AVX-512 has 32)
                for (int h = 0; h < 2; h++) {
                    FloatVector v0 = ((FloatVector) q.lanewise(LSHL, 28 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d0);
                    FloatVector v1 = ((FloatVector) q.lanewise(LSHL, 20 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d1);
                    FloatVector v2 = ((FloatVector) q.lanewise(LSHL, 12 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d2);
                    FloatVector v3 = ((FloatVector) q.lanewise(LSHL, 4 - 4 * h).lanewise(ASHR, 28).convert(I2F, 0)).mul(d3);
                    int i = b * Q4_0Kernel.QK + 2 * L * p + L * h;
                    FloatVector t = FloatVector.fromArray(F, x, xi + i);
                    a00 = v0.fma(t, a00); a10 = v1.fma(t, a10); a20 = v2.fma(t, a20); a30 = v3.fma(t, a30);
                    t = FloatVector.fromArray(F, x, x1 + i);
                    a01 = v0.fma(t, a01); a11 = v1.fma(t, a11); a21 = v2.fma(t, a21); a31 = v3.fma(t, a31);
                    t = FloatVector.fromArray(F, x, x2 + i);
                    a02 = v0.fma(t, a02); a12 = v1.fma(t, a12); a22 = v2.fma(t, a22); a32 = v3.fma(t, a32);
                    t = FloatVector.fromArray(F, x, x3 + i);
                    a03 = v0.fma(t, a03); a13 = v1.fma(t, a13); a23 = v2.fma(t, a23); a33 = v3.fma(t, a33);
                }
            }
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
    }
}
