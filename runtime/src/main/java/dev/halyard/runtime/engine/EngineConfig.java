package dev.halyard.runtime.engine;

import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelConfig;
import java.time.Duration;

/**
 * How an {@link Engine} is sized.
 *
 * @param kvBlocks KV blocks in the pool (see {@link #kvBlocksFor}); at least one full context's worth,
 *     so that any admitted request can always finish once it runs alone
 * @param blockSize positions per KV block (16 as in vLLM)
 * @param tokenBudget prompt tokens per forward pass; each running sequence's decode token comes on top
 *     (a step holds at most tokenBudget + maxRunning tokens)
 * @param maxRunning sequences in the batch at most
 * @param maxWaiting submitted requests that may wait for their first admission (≥ 1); more are
 *     refused with {@link QueueFullException}
 * @param contextLength positions per sequence (prompt plus generated tokens)
 * @param kvType how the KV pool stores keys and values (F16 unless exact F32 is wanted)
 * @param maxQueueDelay how long an idle engine may hold its first arrivals for more to join their
 *     first step (as Triton's {@code max_queue_delay}): requests sent together by clients reach it
 *     milliseconds apart, and one that misses a prompt step waits the whole step. The wait ends early
 *     when the step is full ({@code tokenBudget} prompt tokens or {@code maxRunning} requests) and
 *     lasts at most a fifth of the first step's expected time (see {@link Engine}); zero turns it off
 */
public record EngineConfig(int kvBlocks, int blockSize, int tokenBudget, int maxRunning, int maxWaiting, int contextLength, KvType kvType,
                           Duration maxQueueDelay) {
    public static final int DEFAULT_BLOCK_SIZE = 16;
    /**
     * Off, as Triton's and vLLM's defaults: the prompt work is the same either way (a request that misses
     * the first step has its prompt in the next one), so 50 ms bought no measurable TTFT p99 or
     * throughput in the serving benchmark (see the README); what it gives is equal first-token times
     * for a burst, at the first request's expense.
     */
    public static final Duration DEFAULT_MAX_QUEUE_DELAY = Duration.ZERO;

    public EngineConfig {
        if (blockSize < 1 || blockSize > 1024) throw new IllegalArgumentException("blockSize must be in [1, 1024], got " + blockSize);
        if (contextLength < 2) throw new IllegalArgumentException("contextLength must be >= 2, got " + contextLength);
        int minBlocks = (contextLength + blockSize - 1) / blockSize;
        if (kvBlocks < minBlocks)
            throw new IllegalArgumentException("kvBlocks must be >= " + minBlocks + " (one context of " + contextLength
                    + " positions in blocks of " + blockSize + "), got " + kvBlocks);
        if (tokenBudget < 1 || tokenBudget > 1 << 20) throw new IllegalArgumentException("tokenBudget must be in [1, 1048576], got " + tokenBudget);
        if (maxRunning < 1 || maxRunning > 4096) throw new IllegalArgumentException("maxRunning must be in [1, 4096], got " + maxRunning);
        if (maxWaiting < 1) throw new IllegalArgumentException("maxWaiting must be >= 1, got " + maxWaiting);
        if (kvType == null) throw new IllegalArgumentException("kvType must not be null");
        if (maxQueueDelay == null || maxQueueDelay.isNegative() || maxQueueDelay.compareTo(Duration.ofSeconds(60)) > 0)
            throw new IllegalArgumentException("maxQueueDelay must be in [0, 60 s], got " + maxQueueDelay);
    }

    /** A configuration with the default queue delay. */
    public EngineConfig(int kvBlocks, int blockSize, int tokenBudget, int maxRunning, int maxWaiting, int contextLength, KvType kvType) {
        this(kvBlocks, blockSize, tokenBudget, maxRunning, maxWaiting, contextLength, kvType, DEFAULT_MAX_QUEUE_DELAY);
    }

    /** A configuration with an F16 KV pool. */
    public EngineConfig(int kvBlocks, int blockSize, int tokenBudget, int maxRunning, int maxWaiting, int contextLength) {
        this(kvBlocks, blockSize, tokenBudget, maxRunning, maxWaiting, contextLength, KvType.F16);
    }

    /**
     * A configuration for {@code model} whose F16 KV pool fits in {@code kvBytes}: blocks of 16, 512 tokens
     * per step, 16 running and 256 waiting requests, the model's trained context (capped by the pool).
     */
    public static EngineConfig forModel(ModelConfig model, long kvBytes) {
        int blocks = kvBlocksFor(model, kvBytes, DEFAULT_BLOCK_SIZE, KvType.F16);
        if (blocks < 1)
            throw new IllegalArgumentException("kvBytes = " + kvBytes + " holds no KV block of this model (one block takes "
                    + BlockPool.bytesPerBlock(DEFAULT_BLOCK_SIZE, model.layers(), model.kvHeads(), model.headDim(), model.headDimV(), KvType.F16) + " bytes)");
        int context = model.contextLength() > 0 ? model.contextLength() : 4096;
        context = (int) Math.min(context, (long) blocks * DEFAULT_BLOCK_SIZE);
        return new EngineConfig(blocks, DEFAULT_BLOCK_SIZE, 512, 16, 256, context);
    }

    /** Blocks of {@code blockSize} positions of {@code type} that fit in {@code kvBytes} for this model. */
    public static int kvBlocksFor(ModelConfig model, long kvBytes, int blockSize, KvType type) {
        if (kvBytes <= 0) throw new IllegalArgumentException("kvBytes must be > 0, got " + kvBytes);
        long per = BlockPool.bytesPerBlock(blockSize, model.layers(), model.kvHeads(), model.headDim(), model.headDimV(), type);
        return (int) Math.min(Integer.MAX_VALUE, kvBytes / per);
    }

    public EngineConfig withKvBlocks(int n) { return new EngineConfig(n, blockSize, tokenBudget, maxRunning, maxWaiting, contextLength, kvType, maxQueueDelay); }
    public EngineConfig withTokenBudget(int n) { return new EngineConfig(kvBlocks, blockSize, n, maxRunning, maxWaiting, contextLength, kvType, maxQueueDelay); }
    public EngineConfig withMaxRunning(int n) { return new EngineConfig(kvBlocks, blockSize, tokenBudget, n, maxWaiting, contextLength, kvType, maxQueueDelay); }
    public EngineConfig withMaxWaiting(int n) { return new EngineConfig(kvBlocks, blockSize, tokenBudget, maxRunning, n, contextLength, kvType, maxQueueDelay); }
    public EngineConfig withKvType(KvType t) { return new EngineConfig(kvBlocks, blockSize, tokenBudget, maxRunning, maxWaiting, contextLength, t, maxQueueDelay); }
    public EngineConfig withContextLength(int n) { return new EngineConfig(kvBlocks, blockSize, tokenBudget, maxRunning, maxWaiting, n, kvType, maxQueueDelay); }
    public EngineConfig withMaxQueueDelay(Duration d) { return new EngineConfig(kvBlocks, blockSize, tokenBudget, maxRunning, maxWaiting, contextLength, kvType, d); }
}
