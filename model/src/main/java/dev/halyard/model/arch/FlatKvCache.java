package dev.halyard.model.arch;

/**
 * A contiguous cache with a fixed number of sequence slots, each holding up to {@code maxPositions}
 * positions. Simple and fast for one conversation; memory is allocated per slot on first use.
 */
public final class FlatKvCache implements KvCache {
    private final int layers, slots, maxPositions, kvDim, kvDimV;
    private final float[][][] keys;   // [layer][seq] -> (maxPositions, kvDim)
    private final float[][][] values; // [layer][seq] -> (maxPositions, kvDimV)

    public FlatKvCache(ModelConfig c, int slots, int maxPositions) {
        if (slots < 1) throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        if (maxPositions < 1) throw new IllegalArgumentException("maxPositions must be >= 1, got " + maxPositions);
        this.layers = c.layers();
        this.slots = slots;
        this.maxPositions = maxPositions;
        this.kvDim = c.kvDim();
        this.kvDimV = c.kvDimV();
        this.keys = new float[layers][slots][];
        this.values = new float[layers][slots][];
    }

    @Override
    public float[] keys(int layer, int seq, int pos) {
        return keys[layer][seq];
    }

    @Override
    public float[] values(int layer, int seq, int pos) {
        return values[layer][seq];
    }

    @Override
    public int keyOffset(int seq, int pos) {
        return pos * kvDim;
    }

    @Override
    public int valueOffset(int seq, int pos) {
        return pos * kvDimV;
    }

    @Override
    public boolean reserve(int seq, int length) {
        if (seq < 0 || seq >= slots) throw new IllegalArgumentException("seq must be in [0, " + slots + "), got " + seq);
        if (length > maxPositions) return false;
        if (keys[0][seq] == null) {
            for (int l = 0; l < layers; l++) {
                keys[l][seq] = new float[maxPositions * kvDim];
                values[l][seq] = new float[maxPositions * kvDimV];
            }
        }
        return true;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    /** Bytes this cache holds once every slot is in use. */
    public long bytes() {
        return 4L * layers * slots * (long) maxPositions * (kvDim + kvDimV);
    }
}
