package dev.halyard.model.arch;

/**
 * Rotary position embedding, computed as ggml does: the angle of pair i at position p is
 * {@code p * base^(-2i/n) / factor[i] * freqScale}, with the per-pair base advanced by repeated float
 * multiplication so results match llama.cpp closely.
 */
public final class Rope {
    private final Architecture.RopeType type;
    private final int dims;          // dimensions rotated per head
    private final float thetaScale;  // base^(-2/dims)
    private final float freqScale;   // linear scaling
    private final float[] factors;   // (dims/2,) or null

    public Rope(ModelConfig c, float[] factors) {
        this.type = c.arch().ropeType;
        this.dims = c.ropeDims();
        this.thetaScale = (float) Math.pow(c.ropeTheta(), -2.0 / dims);
        this.freqScale = c.ropeFreqScale();
        this.factors = factors;
    }

    /** Fills cos/sin [co, co + dims/2) for one position (one token's part of a batch's). */
    public void angles(int pos, float[] cos, float[] sin, int co) {
        float theta = pos;
        for (int i = 0; i < dims / 2; i++) {
            float t = (factors == null ? theta : theta / factors[i]) * freqScale;
            cos[co + i] = (float) Math.cos(t);
            sin[co + i] = (float) Math.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates {@code heads} heads of width {@code headDim} stored at x[off ..] by the angles at {@code cos[co ..]}, {@code sin[co ..]}. */
    public void apply(float[] x, int off, int heads, int headDim, float[] cos, float[] sin, int co) {
        int half = dims / 2;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int a, b;
                if (type == Architecture.RopeType.NORMAL) {
                    a = base + 2 * i;
                    b = a + 1;
                } else {
                    a = base + i;
                    b = base + i + half;
                }
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos[co + i] - x1 * sin[co + i];
                x[b] = x0 * sin[co + i] + x1 * cos[co + i];
            }
        }
    }

    public int dims() {
        return dims;
    }
}
