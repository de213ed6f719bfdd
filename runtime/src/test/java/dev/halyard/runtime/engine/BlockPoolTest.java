package dev.halyard.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.arch.KvType;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The block pool and the paged cache on plain data (tiny blocks, no model). */
class BlockPoolTest {

    static PagedKvCache cache(int blocks, int blockSize, int slots, int maxPositions) {
        return new PagedKvCache(new BlockPool(blocks, blockSize, 2, 1, 3, 3), slots, maxPositions, 42);
    }

    static RequestState request(String id, int... prompt) {
        return new RequestState(id, prompt, 8);
    }

    @Test
    void an_exhausted_pool_answers_minus_one_instead_of_throwing() {
        BlockPool pool = new BlockPool(3, 4, 1, 1, 2, 2);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 3; i++) got.add(pool.allocate());
        assertEquals(Set.of(0, 1, 2), got);
        assertEquals(-1, pool.allocate());
        assertEquals(3, pool.used());
        pool.release(1);
        assertEquals(1, pool.allocate());
        assertThrows(IllegalStateException.class, () -> {
            BlockPool p = new BlockPool(1, 4, 1, 1, 2, 2);
            p.release(0);
        });
    }

    @Test
    void forgetting_the_cache_drops_free_blocks_entries_and_keeps_held_ones() {
        try (BlockPool pool = new BlockPool(3, 2, 1, 1, 2, 2)) {
            int[] tokens = {5, 6, 7, 8};
            int a = pool.allocate(), b = pool.allocate();
            assertTrue(pool.register(a, 11, 0, tokens, 0));
            assertTrue(pool.register(b, 12, 11, tokens, 2));
            pool.release(a); // free, still cached
            assertEquals(2, pool.cached());
            pool.forgetCached();
            assertEquals(-1, pool.lookup(11, 0, tokens, 0), "the free block's entry is gone");
            assertEquals(b, pool.lookup(12, 11, tokens, 2), "the held block keeps its entry");
            assertEquals(1, pool.cached());
            assertEquals(2, pool.free(), "the forgotten block stays free");
        }
    }

    @Test
    void each_block_has_its_own_storage_holding_every_layers_keys_then_values_head_by_head() {
        // 2 layers, 2 KV heads with keys of 3 and values of 5, blocks of 4 rows
        try (BlockPool pool = new BlockPool(2, 4, 2, 2, 3, 5)) {
            int a = pool.allocate(), b = pool.allocate();
            assertEquals(2L * 2 * 4 * (6 + 10), pool.storage(a).byteSize(), "F16: 2 layers of (4 rows of 2x3 keys + 4 rows of 2x5 values)");
            assertNotEquals(pool.storage(a).address(), pool.storage(b).address());
            assertEquals(2L * 3, pool.keyOffset(0, 0, 1));
            assertEquals(2L * (4 * 3 + 3), pool.keyOffset(0, 1, 1), "head 1's rows follow head 0's");
            assertEquals(2L * (4 * 6 + 2 * 5), pool.valueOffset(0, 0, 2));
            assertEquals(2L * (4 * 16 + 4 * 6 + 4 * 5), pool.valueOffset(1, 1, 0));
        }
        try (BlockPool f32 = new BlockPool(1, 4, 2, 2, 3, 5, KvType.F32)) {
            assertEquals(4L * 2 * 4 * (6 + 10), f32.storage(f32.allocate()).byteSize());
        }
    }

    @Test
    void positions_map_to_block_rows_through_the_table() {
        PagedKvCache kv = cache(8, 4, 2, 32);
        assertTrue(kv.reserve(1, 6));
        assertEquals(2, kv.blocksOf(1));
        assertSame(kv.keys(0, 1, 4), kv.pool().storage(kv.blockAt(1, 5)));
        assertEquals(kv.pool().keyOffset(1, 0, 1), kv.keyOffset(1, 0, 1, 5));
        assertEquals(kv.pool().valueOffset(0, 0, 3), kv.valueOffset(0, 0, 1, 7));
        assertEquals(3, kv.run(1, 5), "rows 1..3 of the block follow position 5");
        assertFalse(kv.reserve(0, 33), "past maxPositions");
    }

    @Test
    void allocation_that_does_not_fit_changes_nothing() {
        PagedKvCache kv = cache(4, 4, 2, 32);
        assertTrue(kv.allocate(0, new int[0], 12));
        assertFalse(kv.allocate(1, new int[0], 8));
        assertEquals(0, kv.blocksOf(1));
        assertEquals(3, kv.pool().used());
        assertTrue(kv.allocate(1, new int[0], 4));
    }

    @Test
    void full_computed_blocks_are_found_again_by_a_request_with_the_same_prefix() {
        PagedKvCache kv = cache(16, 4, 2, 64);
        RequestState a = request("a", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertTrue(kv.allocate(0, new int[0], 10));
        a.admit(0, 0);
        a.addComputed(10);
        kv.cacheComputedBlocks(0, a);
        assertEquals(2, kv.pool().cached(), "two full blocks; the partial third is not cached");

        RequestState same = request("b", 1, 2, 3, 4, 5, 6, 7, 8, 11);
        int[] hits = kv.findCachedPrefix(same);
        assertArrayEquals(new int[] {kv.blockAt(0, 0), kv.blockAt(0, 4)}, hits);
        RequestState differentSecondBlock = request("c", 1, 2, 3, 4, 5, 6, 0, 8, 9);
        assertEquals(1, kv.findCachedPrefix(differentSecondBlock).length);
        RequestState differentFirstBlock = request("d", 9, 2, 3, 4, 5, 6, 7, 8, 9);
        assertEquals(0, kv.findCachedPrefix(differentFirstBlock).length, "a block matches only after the same parent");
        RequestState exactlyTwoBlocks = request("e", 1, 2, 3, 4, 5, 6, 7, 8);
        assertEquals(1, kv.findCachedPrefix(exactlyTwoBlocks).length, "the last token is always left to compute");

        assertTrue(kv.allocate(1, hits, 9));
        assertEquals(2, kv.pool().refCount(hits[0]));
        assertEquals(3 + 1, kv.pool().used(), "shared blocks are counted once");
    }

    @Test
    void freed_blocks_stay_cached_until_reused_least_recently_freed_first() {
        PagedKvCache kv = cache(4, 2, 2, 8);
        RequestState a = request("a", 1, 2, 3, 4, 5);
        assertTrue(kv.allocate(0, new int[0], 4));
        a.admit(0, 0);
        a.addComputed(4);
        kv.cacheComputedBlocks(0, a);
        int first = kv.blockAt(0, 0), second = kv.blockAt(0, 2);
        kv.free(0);
        assertEquals(0, kv.pool().used());
        assertEquals(2, kv.pool().cached());
        assertEquals(2, kv.findCachedPrefix(a).length, "still findable while free");

        // two never-used blocks go first, then the tail block (freed first), then the head block
        assertTrue(kv.allocate(1, new int[0], 6));
        assertEquals(1, kv.pool().cached());
        assertArrayEquals(new int[] {first}, kv.findCachedPrefix(a));
        assertEquals(second, kv.blockAt(1, 4));
    }
}
