package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I64;
import static dev.halyard.kernels.quant.Simd.B16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.L;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Tiled Q6_K ({@link Q6_KTileKernel}'s layout) times a quad of tokens: the batched decode kernel of small
 * batches (a decode step of a few sequences, a short prompt), on whole rows and on a slice-major
 * matrix's column slices. 16 lanes only.
 */
public final class Q6_KQuadKernel {
    private Q6_KQuadKernel() {}

    /**
     * {@link Q6_KTileKernel#dotTile4} for four tokens (x at {@code xi + t*xs}) on whole rows: {@code out[oi +
     * t*os + r]}; {@code s} holds the scales (n/2 floats) and then the accumulators (16L).
     */
    public static void dotTile4x4(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] out, int oi, int os, float[] s) {
        int ai = n / 2;
        java.util.Arrays.fill(s, ai, ai + 16 * L, 0f);
        dotTile4x4Acc(w, off, x, xi, xs, n, s, ai, s);
        Simd.fold16(s, ai, out, oi, os);
    }

    /**
     * {@link Q6_KTileKernel#dotTile4} for four tokens (x at {@code xi + t*xs}) over one column slice of a
     * slice-major tile ({@code WeightMatrix}), or over whole rows: the 16 accumulators are read from and
     * written back to {@code acc[ai ..]} (token t's row r at ai + (4t + r)L, zeros before the first
     * slice; {@code Simd.fold4} per token after the last), so the bits are those of {@code dotTile4}
     * for each token alone.
     *
     * <p>The activations are in the layout's positions ({@link Q6_KTileKernel#TRANSPOSED}: transposed, see
     * {@link Q6_KTileKernel#transpose}). All the tile's scales are decoded first into {@code s[0 .. n/2)}
     * (block b's row r: d * scale of group j at 128b + 16r + j, times 2^-6f in element order, -32 d *
     * scale at 128b + 64 + 16r + j, as {@code dotTile4} forms them); then one flat loop over the chunks:
     * each row's 16 six-bit fields out of its ints (transposed: shifted down and masked, the row's two
     * scale vectors loaded, lane j group j; element order: masked in place, the group's two scales
     * broadcast; chunk 15 gathered from their top bits), w = u * s - 32s with one FMA, and four FMAs, one
     * per token, so each weight is decoded once for the quad.
     * Written with the rows' ints held in registers across their five fields (one loop per 80
     * elements), the same kernel ran 110-112 GFLOP/s against this one's 172-176 on Llama-3.2-1B's
     * 2048 x 8192 down projection at 16 tokens (two threads), although it was the faster of the two on
     * whole rows (171 against 148).
     */
    public static void dotTile4x4Acc(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai, float[] s) {
        if (L != 16) throw new IllegalStateException("Q6_K four-token kernel needs 16 lanes, not " + L);
        scales(w, off, n, s);
        if (Q6_KTileKernel.TRANSPOSED) quadTransposed(w, off, x, xi, xs, n, acc, ai, s);
        else quadElements(w, off, x, xi, xs, n, acc, ai, s);
    }

    /**
     * The transposed layout's loop: each row's fields shifted down and masked, its two scale vectors
     * loaded (lane j is group j). The two orders are two methods: one method holding both loops (stop
     * 43) was past C1's register allocator again ("out of virtual registers in linear scan", its tier-3
     * compile skipped), and in a two-thread run of {@code bench prompt} it never left tier 2: 0-1
     * GFLOP/s at 4-7 tokens, where each loop alone reaches C2. The two loops share their accumulators,
     * chunk 15's gather and the FMAs, written out in each: chunk 15 as a method of its own called by
     * both (once per 16 chunks) ran 7.7-18 ms where these take 2.5-3.3 (8192 x 2048 and 2048 x 8192,
     * 4 tokens, two threads).
     */
    private static void quadTransposed(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai, float[] s) {
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
        for (int kk = 0; kk < n / 16; kk++) { // chunk k = kk % 16 of block kk / 16; lane j is group j
            int b = kk >>> 4, k = kk & 15, e = 16 * kk, si = 128 * b;
            long q = off + (long) b * 4 * Q6_KKernel.BYTES + 72;
            IntVector u0, u1, u2, u3;
            if (k < 15) { // field k % 5 of group k / 5, shifted down
                long g = q + 64 * (k / 5);
                int sh = 6 * (k % 5);
                u0 = IntVector.fromMemorySegment(I, w, g, ORDER).lanewise(LSHR, sh).and(63);
                u1 = IntVector.fromMemorySegment(I, w, g + 192, ORDER).lanewise(LSHR, sh).and(63);
                u2 = IntVector.fromMemorySegment(I, w, g + 384, ORDER).lanewise(LSHR, sh).and(63);
                u3 = IntVector.fromMemorySegment(I, w, g + 576, ORDER).lanewise(LSHR, sh).and(63);
            } else { // bits 2j, 2j + 1 from the top of group j
                u0 = IntVector.fromMemorySegment(I, w, q, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 64, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 128, ORDER).lanewise(LSHR, 26).and(0x30));
                u1 = IntVector.fromMemorySegment(I, w, q + 192, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 256, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 320, ORDER).lanewise(LSHR, 26).and(0x30));
                u2 = IntVector.fromMemorySegment(I, w, q + 384, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 448, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 512, ORDER).lanewise(LSHR, 26).and(0x30));
                u3 = IntVector.fromMemorySegment(I, w, q + 576, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 640, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 704, ORDER).lanewise(LSHR, 26).and(0x30));
            }
            // the rows' scale vectors, loaded
            FloatVector w0 = ((FloatVector) u0.convert(I2F, 0)).fma(FloatVector.fromArray(F, s, si), FloatVector.fromArray(F, s, si + 64));
            FloatVector w1 = ((FloatVector) u1.convert(I2F, 0)).fma(FloatVector.fromArray(F, s, si + 16), FloatVector.fromArray(F, s, si + 80));
            FloatVector w2 = ((FloatVector) u2.convert(I2F, 0)).fma(FloatVector.fromArray(F, s, si + 32), FloatVector.fromArray(F, s, si + 96));
            FloatVector w3 = ((FloatVector) u3.convert(I2F, 0)).fma(FloatVector.fromArray(F, s, si + 48), FloatVector.fromArray(F, s, si + 112));
            FloatVector xv = FloatVector.fromArray(F, x, xi + e);
            a00 = w0.fma(xv, a00); a10 = w1.fma(xv, a10); a20 = w2.fma(xv, a20); a30 = w3.fma(xv, a30);
            xv = FloatVector.fromArray(F, x, x1 + e);
            a01 = w0.fma(xv, a01); a11 = w1.fma(xv, a11); a21 = w2.fma(xv, a21); a31 = w3.fma(xv, a31);
            xv = FloatVector.fromArray(F, x, x2 + e);
            a02 = w0.fma(xv, a02); a12 = w1.fma(xv, a12); a22 = w2.fma(xv, a22); a32 = w3.fma(xv, a32);
            xv = FloatVector.fromArray(F, x, x3 + e);
            a03 = w0.fma(xv, a03); a13 = w1.fma(xv, a13); a23 = w2.fma(xv, a23); a33 = w3.fma(xv, a33);
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
    }

    /** The element order's loop: each row's fields masked in place, the group's two scales broadcast. */
    private static void quadElements(MemorySegment w, long off, float[] x, int xi, int xs, int n, float[] acc, int ai, float[] s) {
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
        for (int kk = 0; kk < n / 16; kk++) { // chunk k = kk % 16 of block kk / 16
            int b = kk >>> 4, k = kk & 15, e = 16 * kk, si = 128 * b + k;
            long q = off + (long) b * 4 * Q6_KKernel.BYTES + 72;
            IntVector u0, u1, u2, u3;
            if (k < 15) { // field k % 5 of group k / 5, in place
                long g = q + 64 * (k / 5);
                int m = 63 << (6 * (k % 5));
                u0 = IntVector.fromMemorySegment(I, w, g, ORDER).and(m);
                u1 = IntVector.fromMemorySegment(I, w, g + 192, ORDER).and(m);
                u2 = IntVector.fromMemorySegment(I, w, g + 384, ORDER).and(m);
                u3 = IntVector.fromMemorySegment(I, w, g + 576, ORDER).and(m);
            } else { // bits 2j, 2j + 1 from the top of group j
                u0 = IntVector.fromMemorySegment(I, w, q, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 64, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 128, ORDER).lanewise(LSHR, 26).and(0x30));
                u1 = IntVector.fromMemorySegment(I, w, q + 192, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 256, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 320, ORDER).lanewise(LSHR, 26).and(0x30));
                u2 = IntVector.fromMemorySegment(I, w, q + 384, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 448, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 512, ORDER).lanewise(LSHR, 26).and(0x30));
                u3 = IntVector.fromMemorySegment(I, w, q + 576, ORDER).lanewise(LSHR, 30)
                        .or(IntVector.fromMemorySegment(I, w, q + 640, ORDER).lanewise(LSHR, 28).and(0x0C))
                        .or(IntVector.fromMemorySegment(I, w, q + 704, ORDER).lanewise(LSHR, 26).and(0x30));
            }
            // group k's scales, broadcast
            FloatVector w0 = ((FloatVector) u0.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[si]), FloatVector.broadcast(F, s[si + 64]));
            FloatVector w1 = ((FloatVector) u1.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[si + 16]), FloatVector.broadcast(F, s[si + 80]));
            FloatVector w2 = ((FloatVector) u2.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[si + 32]), FloatVector.broadcast(F, s[si + 96]));
            FloatVector w3 = ((FloatVector) u3.convert(I2F, 0)).fma(FloatVector.broadcast(F, s[si + 48]), FloatVector.broadcast(F, s[si + 112]));
            FloatVector xv = FloatVector.fromArray(F, x, xi + e);
            a00 = w0.fma(xv, a00); a10 = w1.fma(xv, a10); a20 = w2.fma(xv, a20); a30 = w3.fma(xv, a30);
            xv = FloatVector.fromArray(F, x, x1 + e);
            a01 = w0.fma(xv, a01); a11 = w1.fma(xv, a11); a21 = w2.fma(xv, a21); a31 = w3.fma(xv, a31);
            xv = FloatVector.fromArray(F, x, x2 + e);
            a02 = w0.fma(xv, a02); a12 = w1.fma(xv, a12); a22 = w2.fma(xv, a22); a32 = w3.fma(xv, a32);
            xv = FloatVector.fromArray(F, x, x3 + e);
            a03 = w0.fma(xv, a03); a13 = w1.fma(xv, a13); a23 = w2.fma(xv, a23); a33 = w3.fma(xv, a33);
        }
        a00.intoArray(acc, ai); a10.intoArray(acc, ai + L); a20.intoArray(acc, ai + 2 * L); a30.intoArray(acc, ai + 3 * L);
        a01.intoArray(acc, ai + 4 * L); a11.intoArray(acc, ai + 5 * L); a21.intoArray(acc, ai + 6 * L); a31.intoArray(acc, ai + 7 * L);
        a02.intoArray(acc, ai + 8 * L); a12.intoArray(acc, ai + 9 * L); a22.intoArray(acc, ai + 10 * L); a32.intoArray(acc, ai + 11 * L);
        a03.intoArray(acc, ai + 12 * L); a13.intoArray(acc, ai + 13 * L); a23.intoArray(acc, ai + 14 * L); a33.intoArray(acc, ai + 15 * L);
    }

    /**
     * The tile's scales into {@code s[0 .. n/2)}, as {@code Q6_KTileKernel.dotTile4} forms them. A method of
     * its own: inside the kernel, C1's linear scan ran out of registers on the whole (tier 3 skipped), and
     * the kernel stayed in tier 2 at ~1 GFLOP/s, never reaching C2.
     */
    private static void scales(MemorySegment w, long off, int n, float[] s) {
        FloatVector f = FloatVector.fromArray(F, Q6_KTileKernel.FIELD_WEIGHT, 0);
        for (int b = 0; b < n / Q6_KKernel.QK; b++) {
            long col = off + (long) b * 4 * Q6_KKernel.BYTES;
            long ds = w.get(I64, col);
            float d0 = Float.float16ToFloat((short) ds), d1 = Float.float16ToFloat((short) (ds >>> 16));
            float d2 = Float.float16ToFloat((short) (ds >>> 32)), d3 = Float.float16ToFloat((short) (ds >>> 48));
            FloatVector v0 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 8, ORDER).convertShape(B2F, F, 0)).mul(d0);
            FloatVector v1 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 24, ORDER).convertShape(B2F, F, 0)).mul(d1);
            FloatVector v2 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 40, ORDER).convertShape(B2F, F, 0)).mul(d2);
            FloatVector v3 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, col + 56, ORDER).convertShape(B2F, F, 0)).mul(d3);
            int o = 128 * b;
            (Q6_KTileKernel.TRANSPOSED ? v0 : v0.mul(f)).intoArray(s, o); // element order: d * scale * 2^-6f, the fields masked in place
            (Q6_KTileKernel.TRANSPOSED ? v1 : v1.mul(f)).intoArray(s, o + 16);
            (Q6_KTileKernel.TRANSPOSED ? v2 : v2.mul(f)).intoArray(s, o + 32);
            (Q6_KTileKernel.TRANSPOSED ? v3 : v3.mul(f)).intoArray(s, o + 48);
            v0.mul(-32f).intoArray(s, o + 64);
            v1.mul(-32f).intoArray(s, o + 80);
            v2.mul(-32f).intoArray(s, o + 96);
            v3.mul(-32f).intoArray(s, o + 112);
        }
    }
}
