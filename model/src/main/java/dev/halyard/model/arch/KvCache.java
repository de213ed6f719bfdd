package dev.halyard.model.arch;

import java.lang.foreign.MemorySegment;

/**
 * Where attention keeps keys and values, behind an interface so that the server's paged cache and the
 * CLI's flat cache serve the same forward pass. Keys are stored after RoPE, as {@link #type()}
 * elements in off-heap memory that {@link #close()} frees.
 *
 * <p>The key of (layer, seq, pos) is the {@code kvDim} elements at byte offset
 * {@code keyOffset(layer, seq, pos)} of {@code keys(layer, seq, pos)}; values likewise with
 * {@code kvDimV} elements. The {@link #run} positions from {@code pos} on lie back to back in the same
 * segment (one row of kvDim, resp. kvDimV, elements each), so attention can read them as one tile.
 */
public interface KvCache extends AutoCloseable {

    /** How elements are stored. */
    KvType type();

    /** The segment holding the key of this position. */
    MemorySegment keys(int layer, int seq, int pos);

    /** The segment holding the value of this position. */
    MemorySegment values(int layer, int seq, int pos);

    /** Byte offset of this position's key in {@link #keys}. */
    long keyOffset(int layer, int seq, int pos);

    /** Byte offset of this position's value in {@link #values}. */
    long valueOffset(int layer, int seq, int pos);

    /** Positions pos, pos+1, ... stored contiguously with pos (at least 1; positions must be reserved). */
    int run(int seq, int pos);

    /**
     * Makes sure positions [0, length) of {@code seq} have storage. Returns false when the cache has
     * no room (the caller decides what to give up; nothing is changed then).
     */
    boolean reserve(int seq, int length);

    /** Positions a sequence can hold at most. */
    int maxPositions();

    /** Frees the storage; the cache must not be used afterwards. */
    @Override
    void close();
}
