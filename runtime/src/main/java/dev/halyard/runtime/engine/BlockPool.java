package dev.halyard.runtime.engine;

import dev.halyard.model.arch.KvType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A fixed number of KV blocks, each holding {@code blockSize} positions of every layer, with reference
 * counts and a prefix cache. Mechanism only: it hands out and takes back blocks and never decides who
 * gets them.
 *
 * <p>A block whose reference count drops to zero joins the free queue but keeps its contents and, when
 * it is full and hashed, stays findable in the prefix cache until it is reused: allocation takes the
 * least recently freed block first (LRU eviction). Running out answers -1, never an exception.
 *
 * <p>Block storage is off-heap, allocated on first use, so memory grows up to
 * {@code blocks × bytesPerBlock}; {@link #close()} frees it. A block is one segment: for each layer,
 * its keys (kvHeads, blockSize, headDim) then its values (kvHeads, blockSize, headDimV), each row
 * {@link KvType#rowBytes} bytes.
 * Not thread-safe: the engine thread owns it (attention's workers only read block contents).
 */
public final class BlockPool implements AutoCloseable {
    private final int blocks, blockSize, layers, kvHeads, headDim, headDimV;
    private final long rowK, rowV;                // bytes of one head's key (value) at one position
    private final KvType type;
    private final Arena arena = Arena.ofShared(); // shared: attention reads from the worker threads
    private final MemorySegment[] storage;        // [block], null until first use
    private final int[] refCount;     // [block] requests holding the block
    private final long[] hash;        // [block] chain hash while the block is in the prefix cache
    private final long[] parentHash;  // [block] hash of the block before it (for verification)
    private final int[][] blockTokens; // [block] token ids of a cached block, null when not cached
    private final Map<Long, Integer> cache = new HashMap<>(); // chain hash -> block id
    // free queue: a doubly linked list over block ids, head = next to hand out (least recently freed)
    private final int[] prev, next;
    private int head = -1, tail = -1, free;

    /** A pool of F16 blocks. */
    public BlockPool(int blocks, int blockSize, int layers, int kvHeads, int headDim, int headDimV) {
        this(blocks, blockSize, layers, kvHeads, headDim, headDimV, KvType.F16);
    }

    public BlockPool(int blocks, int blockSize, int layers, int kvHeads, int headDim, int headDimV, KvType type) {
        if (blocks < 1) throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
        if (blockSize < 1 || blockSize > 4096) throw new IllegalArgumentException("blockSize must be in [1, 4096], got " + blockSize);
        if (layers < 1) throw new IllegalArgumentException("layers must be >= 1, got " + layers);
        if (kvHeads < 1) throw new IllegalArgumentException("kvHeads must be >= 1, got " + kvHeads);
        if (headDim < 1 || headDimV < 1) throw new IllegalArgumentException("headDim and headDimV must be >= 1, got " + headDim + " and " + headDimV);
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.headDimV = headDimV;
        this.rowK = type.rowBytes(headDim);
        this.rowV = type.rowBytes(headDimV);
        this.type = type;
        this.storage = new MemorySegment[blocks];
        this.refCount = new int[blocks];
        this.hash = new long[blocks];
        this.parentHash = new long[blocks];
        this.blockTokens = new int[blocks][];
        this.prev = new int[blocks];
        this.next = new int[blocks];
        for (int b = 0; b < blocks; b++) pushTail(b);
    }

    /** Bytes one block takes once allocated. */
    public static long bytesPerBlock(int blockSize, int layers, int kvHeads, int headDim, int headDimV, KvType type) {
        return (long) blockSize * layers * kvHeads * (type.rowBytes(headDim) + type.rowBytes(headDimV));
    }

    public int blocks() { return blocks; }
    public int blockSize() { return blockSize; }

    /** Blocks held by at least one request. */
    public int used() { return blocks - free; }

    /** Blocks no request holds (some of them still cached). */
    public int free() { return free; }

    /** Blocks findable in the prefix cache (held or free). */
    public int cached() { return cache.size(); }

    public int refCount(int block) { return refCount[block]; }

    public KvType type() { return type; }

    /** The storage of this block (null until first allocated): keys and values of every layer. */
    public MemorySegment storage(int block) { return storage[block]; }

    /** Byte offset in a block's storage of KV head {@code head}'s key at row {@code row} in {@code layer}. */
    public long keyOffset(int layer, int head, int row) {
        return (long) layer * blockSize * kvHeads * (rowK + rowV) + ((long) head * blockSize + row) * rowK;
    }

    /** Byte offset in a block's storage of KV head {@code head}'s value at row {@code row} in {@code layer}. */
    public long valueOffset(int layer, int head, int row) {
        return (long) layer * blockSize * kvHeads * (rowK + rowV) + (long) blockSize * kvHeads * rowK + ((long) head * blockSize + row) * rowV;
    }

    /**
     * A fresh block with reference count 1, evicting the least recently freed block from the prefix
     * cache if it was cached; -1 when every block is held.
     */
    public int allocate() {
        if (head < 0) return -1;
        int b = head;
        unlink(b);
        uncache(b);
        refCount[b] = 1;
        if (storage[b] == null) storage[b] = arena.allocate(bytesPerBlock(blockSize, layers, kvHeads, headDim, headDimV, type), 64);
        return b;
    }

    /** One more holder of {@code block} (a prefix-cache hit); a free block leaves the free queue. */
    public void retain(int block) {
        if (refCount[block]++ == 0) unlink(block);
    }

    /** One holder fewer; at zero the block joins the tail of the free queue, keeping its cache entry. */
    public void release(int block) {
        if (refCount[block] <= 0) throw new IllegalStateException("block " + block + " released more often than held");
        if (--refCount[block] == 0) pushTail(block);
    }

    /**
     * The cached block with chain hash {@code h} whose parent hash and tokens
     * ({@code tokens[from, from + blockSize)}) match, or -1.
     */
    public int lookup(long h, long parent, int[] tokens, int from) {
        Integer b = cache.get(h);
        if (b == null || parentHash[b] != parent) return -1;
        return Arrays.equals(blockTokens[b], 0, blockSize, tokens, from, from + blockSize) ? b : -1;
    }

    /**
     * Enters a full, computed block into the prefix cache under chain hash {@code h}. Returns false
     * (and changes nothing) when another block already holds that hash or this one is already cached.
     */
    public boolean register(int block, long h, long parent, int[] tokens, int from) {
        if (blockTokens[block] != null || cache.containsKey(h)) return false;
        cache.put(h, block);
        hash[block] = h;
        parentHash[block] = parent;
        blockTokens[block] = Arrays.copyOfRange(tokens, from, from + blockSize);
        return true;
    }

    /** Drops every free block's prefix-cache entry (held blocks keep theirs); the blocks stay free. */
    public void forgetCached() {
        for (int b = 0; b < blocks; b++) if (refCount[b] == 0) uncache(b);
    }

    private void uncache(int b) {
        if (blockTokens[b] == null) return;
        cache.remove(hash[b]);
        blockTokens[b] = null;
    }

    private void pushTail(int b) {
        prev[b] = tail;
        next[b] = -1;
        if (tail >= 0) next[tail] = b;
        else head = b;
        tail = b;
        free++;
    }

    private void unlink(int b) {
        if (prev[b] >= 0) next[prev[b]] = next[b];
        else head = next[b];
        if (next[b] >= 0) prev[next[b]] = prev[b];
        else tail = prev[b];
        prev[b] = next[b] = -1;
        free--;
    }

    /** Frees every block's storage; the pool must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
