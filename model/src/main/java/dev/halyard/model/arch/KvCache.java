package dev.halyard.model.arch;

/**
 * Where attention keeps keys and values, behind an interface so that the server's paged cache and the
 * CLI's flat cache serve the same forward pass. Keys are stored after RoPE.
 *
 * <p>The key of (layer, seq, pos) is the {@code kvDim} floats of {@code keys(layer, seq, pos)} starting at
 * {@code offset(seq, pos)}; values likewise with {@code kvDimV} floats.
 */
public interface KvCache {

    /** The array holding the key of this position. */
    float[] keys(int layer, int seq, int pos);

    /** The array holding the value of this position. */
    float[] values(int layer, int seq, int pos);

    /** Offset (in floats) of this position's key in {@link #keys} and of its value in {@link #values}. */
    int keyOffset(int seq, int pos);

    int valueOffset(int seq, int pos);

    /**
     * Makes sure positions [0, length) of {@code seq} have storage. Returns false when the cache has
     * no room (the caller decides what to give up; nothing is changed then).
     */
    boolean reserve(int seq, int length);

    /** Positions a sequence can hold at most. */
    int maxPositions();
}
