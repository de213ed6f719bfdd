package dev.halyard.model.arch;

import java.lang.foreign.MemorySegment;

/**
 * Where attention keeps keys and values, behind an interface so that the server's paged cache and the
 * CLI's flat cache serve the same forward pass. Keys are stored after RoPE, as {@link #type()}
 * elements in off-heap memory that {@link #close()} frees.
 *
 * <p>The key of KV head h at (layer, seq, pos) is the {@code headDim} elements at byte offset
 * {@code keyOffset(layer, h, seq, pos)} of {@code keys(layer, seq, pos)}; values likewise with
 * {@code headDimV} elements. Storage is head-major: the keys of one head at the {@link #run} positions
 * from {@code pos} on lie back to back in the same segment, so attention reads them as one
 * contiguous tile.
 */
public interface KvCache extends AutoCloseable {

    /** How elements are stored. */
    KvType type();

    /** The segment holding the key of this position. */
    MemorySegment keys(int layer, int seq, int pos);

    /** The segment holding the value of this position. */
    MemorySegment values(int layer, int seq, int pos);

    /** Byte offset in {@link #keys} of KV head {@code head}'s key at this position. */
    long keyOffset(int layer, int head, int seq, int pos);

    /** Byte offset in {@link #values} of KV head {@code head}'s value at this position. */
    long valueOffset(int layer, int head, int seq, int pos);

    /**
     * Positions pos, pos+1, ... whose keys (and values) follow pos's, head by head, in the same segment:
     * at least 1; the positions must be reserved.
     */
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
