package dev.halyard.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.arch.Architecture;
import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelConfig;
import org.junit.jupiter.api.Test;

class EngineConfigTest {
    // stories260K's shape: 5 layers, 4 KV heads of 8 → 32 keys and 32 values per position and layer
    static final ModelConfig STORIES = new ModelConfig(Architecture.LLAMA, 64, 5, 8, 4, 8, 8, 172, 512, 512,
            1e-5f, 10000f, 8, 1f, 0f, 0f, (float) (1 / Math.sqrt(8)), 0);

    @Test
    void the_pool_is_sized_from_a_memory_budget() {
        long perBlock = 2L * 16 * 5 * (32 + 32); // F16
        assertEquals(perBlock, BlockPool.bytesPerBlock(16, 5, 4, 8, 8, KvType.F16));
        assertEquals(2 * perBlock, BlockPool.bytesPerBlock(16, 5, 4, 8, 8, KvType.F32));
        // 8 bits: a row of 8 is one short block, its float scale and 8 bytes; a row of 64, two blocks (72 bytes, F16's 128)
        assertEquals(16L * 5 * 4 * (12 + 12), BlockPool.bytesPerBlock(16, 5, 4, 8, 8, KvType.Q8_0));
        assertEquals(16L * 16 * 8 * (72 + 72), BlockPool.bytesPerBlock(16, 16, 8, 64, 64, KvType.Q8_0));
        assertEquals(100, EngineConfig.kvBlocksFor(STORIES, 100 * perBlock + perBlock - 1, 16, KvType.F16));
        EngineConfig c = EngineConfig.forModel(STORIES, 1 << 20);
        assertEquals((1 << 20) / perBlock, c.kvBlocks());
        assertEquals(512, c.contextLength());
        assertEquals(16, EngineConfig.forModel(STORIES, perBlock).contextLength(), "the context shrinks to what the pool holds");
        var e = assertThrows(IllegalArgumentException.class, () -> EngineConfig.forModel(STORIES, perBlock - 1));
        assertTrue(e.getMessage().contains("holds no KV block"), e.getMessage());
    }

    @Test
    void invalid_settings_are_refused_with_the_parameter_value_and_range() {
        var e = assertThrows(IllegalArgumentException.class, () -> new EngineConfig(7, 16, 512, 16, 64, 128));
        assertEquals("kvBlocks must be >= 8 (one context of 128 positions in blocks of 16), got 7", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EngineConfig(8, 16, 0, 16, 64, 128));
        assertEquals("tokenBudget must be in [1, 1048576], got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EngineConfig(8, 16, 512, 0, 64, 128));
        assertEquals("maxRunning must be in [1, 4096], got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EngineConfig(8, 16, 512, 16, 0, 128));
        assertEquals("maxWaiting must be >= 1, got 0", e.getMessage());
        EngineConfig ok = new EngineConfig(8, 16, 512, 16, 64, 128);
        assertEquals(java.time.Duration.ZERO, ok.maxQueueDelay(), "off unless asked for");
        e = assertThrows(IllegalArgumentException.class, () -> ok.withMaxQueueDelay(java.time.Duration.ofMillis(-1)));
        assertEquals("maxQueueDelay must be in [0, 60 s], got PT-0.001S", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ok.withMaxQueueDelay(java.time.Duration.ofSeconds(61)));
        assertEquals("maxQueueDelay must be in [0, 60 s], got PT1M1S", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EngineRequest.of("x", new int[] {1}, 0, dev.halyard.model.sampling.SamplingParams.greedy()));
        assertEquals("max_tokens must be >= 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EngineRequest.of("x", new int[] {1}, 4, dev.halyard.model.sampling.SamplingParams.greedy()).withTopLogprobs(21));
        assertEquals("top_logprobs must be in [0, 20] (or -1 for none), got 21", e.getMessage());
    }
}
