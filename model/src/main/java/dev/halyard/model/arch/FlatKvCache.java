package dev.halyard.model.arch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A cache with a fixed number of sequence slots, each holding up to {@code maxPositions} positions.
 * Simple and fast for one conversation. A slot's storage is allocated off-heap in chunks of
 * {@link #CHUNK} positions as the sequence grows, so a long context costs memory only once used;
 * {@link #close()} frees it all.
 *
 * <p>A chunk is one segment: for each layer, its keys (kvHeads, rows, headDim) then its values
 * (kvHeads, rows, headDimV), each row {@link KvType#rowBytes} bytes.
 */
public final class FlatKvCache implements KvCache {
    /** Positions per chunk (a multiple of every vector width, so tiles stay aligned). */
    public static final int CHUNK = 256;

    private final int layers, slots, maxPositions, kvHeads;
    private final long rowK, rowV;                // bytes of one head's key (value) at one position
    private final KvType type;
    private final Arena arena = Arena.ofShared(); // shared: attention reads from the worker threads
    private final MemorySegment[][] chunks;       // [seq][chunk], null until reserved

    /** An F16 cache. */
    public FlatKvCache(ModelConfig c, int slots, int maxPositions) {
        this(c, slots, maxPositions, KvType.F16);
    }

    public FlatKvCache(ModelConfig c, int slots, int maxPositions, KvType type) {
        if (slots < 1) throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        if (maxPositions < 1) throw new IllegalArgumentException("maxPositions must be >= 1, got " + maxPositions);
        this.layers = c.layers();
        this.slots = slots;
        this.maxPositions = maxPositions;
        this.kvHeads = c.kvHeads();
        this.rowK = type.rowBytes(c.headDim());
        this.rowV = type.rowBytes(c.headDimV());
        this.type = type;
        this.chunks = new MemorySegment[slots][(maxPositions + CHUNK - 1) / CHUNK];
    }

    @Override
    public KvType type() {
        return type;
    }

    @Override
    public MemorySegment keys(int layer, int seq, int pos) {
        return chunks[seq][pos / CHUNK];
    }

    @Override
    public MemorySegment values(int layer, int seq, int pos) {
        return chunks[seq][pos / CHUNK];
    }

    @Override
    public long keyOffset(int layer, int head, int seq, int pos) {
        long rows = rows(pos / CHUNK);
        return layer * rows * kvHeads * (rowK + rowV) + (head * rows + pos % CHUNK) * rowK;
    }

    @Override
    public long valueOffset(int layer, int head, int seq, int pos) {
        long rows = rows(pos / CHUNK);
        return layer * rows * kvHeads * (rowK + rowV) + rows * kvHeads * rowK + (head * rows + pos % CHUNK) * rowV;
    }

    @Override
    public int run(int seq, int pos) {
        return rows(pos / CHUNK) - pos % CHUNK;
    }

    /** Positions chunk {@code c} holds: CHUNK, or what is left of maxPositions. */
    private int rows(int c) {
        return Math.min(CHUNK, maxPositions - c * CHUNK);
    }

    @Override
    public boolean reserve(int seq, int length) {
        if (seq < 0 || seq >= slots) throw new IllegalArgumentException("seq must be in [0, " + slots + "), got " + seq);
        if (length > maxPositions) return false;
        MemorySegment[] slot = chunks[seq];
        for (int c = 0; c * CHUNK < length; c++)
            if (slot[c] == null) slot[c] = arena.allocate((long) layers * rows(c) * kvHeads * (rowK + rowV), 64);
        return true;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    /** Bytes this cache holds once every slot is in use. */
    public long bytes() {
        return (long) layers * slots * maxPositions * kvHeads * (rowK + rowV);
    }

    @Override
    public void close() {
        arena.close();
    }
}
