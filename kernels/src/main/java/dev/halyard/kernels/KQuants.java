package dev.halyard.kernels;

import static dev.halyard.kernels.Quantizer.nearestInt;
import static dev.halyard.kernels.Quantizer.putI16;
import static dev.halyard.kernels.Quantizer.putI32;

/**
 * ggml's K-quant reference quantisers (no importance matrix) for 256-element super-blocks.
 *
 * <pre>
 * Q4_K 144 B: d, dmin (halves), scales[12] (8 6-bit scales + 8 6-bit mins), qs[128] 4-bit
 *             sub-block j (32 el): x = d*sc[j]*q - dmin*m[j]
 * Q5_K 176 B: d, dmin, scales[12], qh[32] (5th bits), qs[128]; as Q4_K with q in 0..31
 * Q6_K 210 B: ql[128] low nibbles, qh[64] 2 high bits, scales[16] int8, d (half)
 *             sub-block j (16 el): x = d*scales[j]*(q-32)
 * Q8_K 292 B: d (f32), qs[256] int8, bsums[16] int16 (sums of 16 qs each)
 * </pre>
 * Element order in qs: Q4_K/Q5_K pack element l and l+32 of each 64-element chunk into one byte;
 * Q6_K packs elements l, l+32, l+64, l+96 of each 128-element half into ql (two bytes) and qh.
 */
final class KQuants {
    private KQuants() {}

    static final int QK = 256;
    private static final float GROUP_MAX_EPS = 1e-15f;

    // ---------------------------------------------------------------- Q4_K, Q5_K

    static void q4K(float[] x, int o, byte[] y, int p) {
        int[] L = new int[QK];
        scaledMinBlock(x, o, 15, -1f, 0.1f, 20, L, y, p);
        // qs: bytes [p+16, p+144): for each 64-chunk, 32 bytes of (el l) | (el l+32) << 4
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++)
                y[p + 16 + 32 * c + l] = (byte) (L[64 * c + l] | L[64 * c + 32 + l] << 4);
    }

    static void q5K(float[] x, int o, byte[] y, int p) {
        int[] L = new int[QK];
        scaledMinBlock(x, o, 31, -0.5f, 0.1f, 15, L, y, p);
        // qh: bytes [p+16, p+48), bit 2c / 2c+1 of byte l = 5th bit of el 64c+l / 64c+32+l
        // qs: bytes [p+48, p+176), low nibbles as in Q4_K
        for (int l = 0; l < 32; l++) y[p + 16 + l] = 0;
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int l1 = L[64 * c + l], l2 = L[64 * c + 32 + l];
                int h = y[p + 16 + l];
                if (l1 > 15) { l1 -= 16; h |= 1 << (2 * c); }
                if (l2 > 15) { l2 -= 16; h |= 2 << (2 * c); }
                y[p + 16 + l] = (byte) h;
                y[p + 48 + 32 * c + l] = (byte) (l1 | l2 << 4);
            }
        }
    }

    /**
     * The shared head of Q4_K and Q5_K: per 32-element sub-block a (scale, min) fit by
     * {@link #makeQkx2Quants}, both quantised to 6 bits against the block's largest, written as
     * d, dmin, scales[12]; then every element requantised to 0..nmax with the stored scales into L.
     */
    private static void scaledMinBlock(float[] x, int o, int nmax, float rmin, float rdelta, int nstep, int[] L, byte[] y, int p) {
        float[] scales = new float[8], mins = new float[8], weights = new float[32], theMin = new float[1];
        int[] aux = new int[32], sub = new int[32];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[o + 32 * j + l] * x[o + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[o + 32 * j + l]);
            scales[j] = makeQkx2Quants(32, nmax, x, o + 32 * j, weights, sub, theMin, aux, rmin, rdelta, nstep);
            System.arraycopy(sub, 0, L, 32 * j, 32);
            mins[j] = theMin[0];
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        byte[] sc = new byte[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                sc[j] = (byte) ls;
                sc[j + 4] = (byte) lm;
            } else {
                sc[j + 4] = (byte) ((ls & 0xf) | (lm & 0xf) << 4);
                sc[j - 4] |= (byte) ((ls >> 4) << 6);
                sc[j] |= (byte) ((lm >> 4) << 6);
            }
        }
        short dh = Float16.fromFloat(maxScale / 63.f), dminh = Float16.fromFloat(maxMin / 63.f);
        putI16(y, p, dh);
        putI16(y, p + 2, dminh);
        System.arraycopy(sc, 0, y, p + 4, 12);

        float d0 = Float16.toFloat(dh), dmin0 = Float16.toFloat(dminh);
        for (int j = 0; j < 8; j++) {
            float d = d0 * scaleK4(sc, j);
            if (d == 0) continue; // keeps the levels of the first fit, as ggml does
            float dm = dmin0 * minK4(sc, j);
            for (int l = 0; l < 32; l++) L[32 * j + l] = Math.max(0, Math.min(nmax, nearestInt((x[o + 32 * j + l] + dm) / d)));
        }
    }

    /** The 6-bit scale of sub-block j from the packed scales[12] (ggml's get_scale_min_k4). */
    static int scaleK4(byte[] q, int j) {
        return j < 4 ? q[j] & 63 : (q[j + 4] & 0xf) | ((q[j - 4] & 0xff) >> 6) << 4;
    }

    /** The 6-bit min of sub-block j from the packed scales[12]. */
    static int minK4(byte[] q, int j) {
        return j < 4 ? q[j + 4] & 63 : ((q[j + 4] & 0xff) >> 4) | ((q[j] & 0xff) >> 6) << 4;
    }

    /**
     * Fits x ≈ scale*L - min with L in [0, nmax] (min ≥ 0 returned through theMin), minimising the
     * weighted squared error over a small search of inverse scales (ggml's make_qkx2_quants).
     * Returns the scale; L holds the chosen levels.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int o, float[] w, int[] L, float[] theMin, int[] aux,
                                float rmin, float rdelta, int nstep) {
        float min = x[o], max = x[o];
        float sumW = w[0], sumX = sumW * x[o];
        for (int i = 1; i < n; i++) {
            min = Math.min(min, x[o + i]);
            max = Math.max(max, x[o + i]);
            sumW += w[i];
            sumX += w[i] * x[o + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[i] = 0;
            theMin[0] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[o + i] - min))));
            L[i] = l;
            float diff = scale * l + min - x[o + i];
            bestError += w[i] * diff * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[o + i] - min))));
                aux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[o + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float err = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[o + i];
                    err += w[i] * diff * diff;
                }
                if (err < bestError) {
                    System.arraycopy(aux, 0, L, 0, n);
                    bestError = err;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    // ---------------------------------------------------------------- Q6_K

    static void q6K(float[] x, int o, byte[] y, int p) {
        int[] L = new int[QK];
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        int[] sub = new int[16];
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, o + 16 * ib, sub);
            System.arraycopy(sub, 0, L, 16 * ib, 16);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int i = 0; i < 210; i++) y[p + i] = 0;
            return;
        }
        float iscale = -128.f / maxScale;
        short dh = Float16.fromFloat(1 / iscale);
        byte[] sc = new byte[16];
        for (int ib = 0; ib < 16; ib++) sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        float d0 = Float16.toFloat(dh);
        for (int j = 0; j < 16; j++) {
            float d = d0 * sc[j];
            if (d == 0) continue;
            for (int i = 0; i < 16; i++) L[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(x[o + 16 * j + i] / d))) + 32;
        }
        // ql: bytes [p, p+128); qh: [p+128, p+192); scales: [p+192, p+208); d: [p+208, p+210)
        for (int half = 0; half < 2; half++) {
            int ql = p + 64 * half, qh = p + 128 + 32 * half, e = 128 * half;
            for (int l = 0; l < 32; l++) {
                int q1 = L[e + l], q2 = L[e + l + 32], q3 = L[e + l + 64], q4 = L[e + l + 96];
                y[ql + l] = (byte) ((q1 & 0xf) | (q3 & 0xf) << 4);
                y[ql + l + 32] = (byte) ((q2 & 0xf) | (q4 & 0xf) << 4);
                y[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
        System.arraycopy(sc, 0, y, p + 192, 16);
        putI16(y, p + 208, dh);
    }

    /**
     * Fits x ≈ scale*(L-nmax) with L-nmax in [-nmax, nmax-1], weighting errors by x² and trying 18
     * perturbed scales around -nmax/max (ggml's make_qx_quants with rmse_type 1, no weights).
     * Returns the scale; L holds levels in [0, 2*nmax).
     */
    static float makeQxQuants(int n, int nmax, float[] x, int o, int[] L) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[o + i]);
            if (ax > amax) { amax = ax; max = x[o + i]; }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[o + i])));
            L[i] = l + nmax;
            float w = x[o + i] * x[o + i];
            sumLX += w * x[o + i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0.0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = sumL2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[o + i])));
                float w = x[o + i] * x[o + i];
                sumLX += w * x[o + i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) L[i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[o + i])));
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    // ---------------------------------------------------------------- Q8_K

    /** Symmetric 8-bit over 256 elements with an f32 scale and per-16 sums (the K-quants' dot partner). */
    static void q8K(float[] x, int o, byte[] y, int p) {
        float max = Quantizer.signedAbsMax(x, o, QK);
        if (max == 0) {
            for (int i = 0; i < 292; i++) y[p + i] = 0;
            return;
        }
        float iscale = -127.f / max;
        int[] q = new int[QK];
        for (int j = 0; j < QK; j++) {
            q[j] = Math.min(127, nearestInt(iscale * x[o + j]));
            y[p + 4 + j] = (byte) q[j];
        }
        for (int j = 0; j < 16; j++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += q[16 * j + i];
            putI16(y, p + 260 + 2 * j, (short) sum);
        }
        putI32(y, p, Float.floatToRawIntBits(1 / iscale));
    }
}
