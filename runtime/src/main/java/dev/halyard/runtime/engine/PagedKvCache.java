package dev.halyard.runtime.engine;

import dev.halyard.model.arch.KvCache;
import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelConfig;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The forward pass's {@link KvCache} over a {@link BlockPool}: each sequence slot has a block table,
 * and position p of slot s lives in block {@code table[s][p / blockSize]} at row {@code p % blockSize}.
 *
 * <p>Full blocks are found again by a chain hash of (parent block's hash, the block's token ids), so
 * requests that share a prompt prefix share its blocks. The hash is seeded per cache, so prompts
 * cannot be crafted to collide with another client's, and a hit is confirmed against the stored
 * token ids and parent hash.
 *
 * <p>Not thread-safe: the engine thread owns it.
 */
public final class PagedKvCache implements KvCache {
    private static final int[] NO_BLOCKS = new int[0];

    private final BlockPool pool;
    private final int blockSize, maxPositions;
    private final long root;      // chain hash "before" the first block (the seed)
    private final int[][] tables; // [slot] -> block ids of positions [0, sizes[slot] * blockSize)
    private final int[] sizes;    // [slot] blocks in the table

    public PagedKvCache(ModelConfig model, int blocks, int blockSize, int slots, int maxPositions, KvType type) {
        this(new BlockPool(blocks, blockSize, model.layers(), model.kvHeads(), model.headDim(), model.headDimV(), type),
                slots, maxPositions, new SplittableRandom().nextLong());
    }

    PagedKvCache(BlockPool pool, int slots, int maxPositions, long seed) {
        if (slots < 1) throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        if (maxPositions < 1) throw new IllegalArgumentException("maxPositions must be >= 1, got " + maxPositions);
        this.pool = pool;
        this.blockSize = pool.blockSize();
        this.maxPositions = maxPositions;
        this.root = seed;
        this.tables = new int[slots][(maxPositions + blockSize - 1) / blockSize];
        this.sizes = new int[slots];
    }

    public BlockPool pool() { return pool; }
    public int blockSize() { return blockSize; }
    public int slots() { return tables.length; }

    /** Blocks in slot {@code slot}'s table. */
    public int blocksOf(int slot) { return sizes[slot]; }

    /** The block holding position {@code pos} of {@code slot}. */
    public int blockAt(int slot, int pos) { return tables[slot][pos / blockSize]; }

    @Override
    public KvType type() {
        return pool.type();
    }

    @Override
    public MemorySegment keys(int layer, int seq, int pos) {
        return pool.storage(tables[seq][pos / blockSize]);
    }

    @Override
    public MemorySegment values(int layer, int seq, int pos) {
        return pool.storage(tables[seq][pos / blockSize]);
    }

    @Override
    public long keyOffset(int layer, int head, int seq, int pos) {
        return pool.keyOffset(layer, head, pos % blockSize);
    }

    @Override
    public long valueOffset(int layer, int head, int seq, int pos) {
        return pool.valueOffset(layer, head, pos % blockSize);
    }

    @Override
    public int run(int seq, int pos) {
        return blockSize - pos % blockSize;
    }

    @Override
    public boolean reserve(int seq, int length) {
        checkSlot(seq);
        return allocate(seq, NO_BLOCKS, length);
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    /**
     * Cached blocks holding a prefix of {@code r}'s tokens, in order, without taking them. At most
     * {@code (numTokens - 1) / blockSize} blocks, so that the last token is always computed (its
     * logits are needed) and a shared block is never written.
     */
    int[] findCachedPrefix(RequestState r) {
        int limit = (r.numTokens() - 1) / blockSize;
        int[] hits = new int[limit];
        int n = 0;
        for (int i = 0; i < limit; i++) {
            int b = pool.lookup(blockHash(r, i), i == 0 ? root : blockHash(r, i - 1), r.tokens(), i * blockSize);
            if (b < 0) break;
            hits[n++] = b;
        }
        return Arrays.copyOf(hits, n);
    }

    /**
     * Grows {@code slot}'s table to cover positions [0, length), first with the cached blocks
     * {@code hits} (only into an empty table), then with fresh ones. Returns false and changes nothing
     * when the pool lacks the blocks or length exceeds {@link #maxPositions()}.
     */
    boolean allocate(int slot, int[] hits, int length) {
        if (hits.length > 0 && sizes[slot] != 0)
            throw new IllegalStateException("cached blocks can only start an empty table (slot " + slot + " holds " + sizes[slot] + ")");
        if (length > maxPositions) return false;
        int need = (length + blockSize - 1) / blockSize;
        int fresh = Math.max(0, need - sizes[slot] - hits.length);
        int revived = 0;
        for (int b : hits) if (pool.refCount(b) == 0) revived++;
        if (fresh + revived > pool.free()) return false;
        int[] table = tables[slot];
        for (int b : hits) {
            pool.retain(b);
            table[sizes[slot]++] = b;
        }
        for (int i = 0; i < fresh; i++) table[sizes[slot]++] = pool.allocate();
        return true;
    }

    /** Gives back every block of {@code slot}, last block first, so tails are evicted before shared heads. */
    void free(int slot) {
        for (int i = sizes[slot] - 1; i >= 0; i--) pool.release(tables[slot][i]);
        sizes[slot] = 0;
    }

    /** Enters {@code r}'s newly completed full blocks (of computed tokens) into the prefix cache. */
    void cacheComputedBlocks(int slot, RequestState r) {
        int full = Math.min(r.numComputed() / blockSize, sizes[slot]);
        for (int i = r.registeredBlocks(); i < full; i++)
            pool.register(tables[slot][i], blockHash(r, i), i == 0 ? root : blockHash(r, i - 1), r.tokens(), i * blockSize);
        r.registeredBlocks(Math.max(r.registeredBlocks(), full));
    }

    /** The chain hash of {@code r}'s full block {@code i}, computed once per request. */
    private long blockHash(RequestState r, int i) {
        while (r.hashedBlocks() <= i) {
            int j = r.hashedBlocks();
            long h = j == 0 ? root : r.blockHash(j - 1);
            int[] t = r.tokens();
            for (int k = j * blockSize, end = k + blockSize; k < end; k++) h = mix(h * 0x9E3779B97F4A7C15L + t[k]);
            r.addBlockHash(h);
        }
        return r.blockHash(i);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void checkSlot(int seq) {
        if (seq < 0 || seq >= tables.length) throw new IllegalArgumentException("seq must be in [0, " + tables.length + "), got " + seq);
    }

    /** Frees the pool's storage (the engine thread, once no step can run). */
    @Override
    public void close() {
        pool.close();
    }
}
