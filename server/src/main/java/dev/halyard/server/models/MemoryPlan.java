package dev.halyard.server.models;

import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelConfig;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.runtime.engine.BlockPool;
import dev.halyard.runtime.engine.EngineConfig;
import dev.halyard.server.errors.ApiException;

/**
 * What loading a model will cost, decided before anything is allocated, and the engine sized to fit:
 * the weights (off-heap, unless memory-mapped), the KV block pool (off-heap, grown on first use up
 * to its budget) and the per-step working memory on the heap (activations, logits rows, sampler
 * scratch).
 *
 * @param weightBytes off-heap bytes of the tensors (0 when memory-mapped)
 * @param kvBytes off-heap bytes of the KV pool once full
 * @param workBytes heap bytes of one step's activations and per-request scratch
 */
public record MemoryPlan(EngineConfig engine, long weightBytes, long kvBytes, long workBytes) {
    private static final long MIB = 1L << 20;
    private static final int DEFAULT_MAX_CONTEXT = 4096;
    /** The engine's token budget: the most prompt tokens of one forward pass, decode tokens on top (llama-server's default --batch is 512 too). */
    public static final int TOKEN_BUDGET = 512;

    public long heapBytes() {
        return workBytes;
    }

    /** Memory outside the heap: the weights and the KV pool. */
    public long nativeBytes() {
        return weightBytes + kvBytes;
    }

    public long totalBytes() {
        return nativeBytes() + heapBytes();
    }

    /**
     * Sizes the engine for {@code config} within the memory available, or fails with a 507 that says
     * what is needed and what there is.
     *
     * @param heapFree heap bytes not promised to other models
     * @param nativeFree physical memory available for off-heap weights and KV blocks
     */
    public static MemoryPlan of(String id, GgufFile gguf, ModelConfig config, ModelSettings s, boolean mmap, long heapFree, long nativeFree) {
        int context = s.contextSize() > 0 ? s.contextSize() : Math.min(config.contextLength() > 0 ? config.contextLength() : DEFAULT_MAX_CONTEXT, DEFAULT_MAX_CONTEXT);
        context = Math.max(2, context);
        int blockSize = EngineConfig.DEFAULT_BLOCK_SIZE;
        KvType kvType = s.options().kvType();
        long perBlock = BlockPool.bytesPerBlock(blockSize, config.layers(), config.kvHeads(), config.headDim(), config.headDimV(), kvType);
        int minBlocks = (context + blockSize - 1) / blockSize;
        int maxRunning = s.maxRunning();
        long weights = mmap ? 0 : Math.max(0, gguf.fileSize() - gguf.dataStart());
        long work = workBytes(config, context, maxRunning);

        if (weights > nativeFree)
            throw ApiException.insufficientMemory("model '" + id + "' needs " + weights / MIB + " MiB for its weights, but only "
                    + nativeFree / MIB + " MiB of memory is available (unload other models, lower --max-loaded, or use --mmap)");
        long nativeForKv = nativeFree - weights;
        long minKv = minBlocks * perBlock;
        if (nativeForKv < minKv)
            throw ApiException.insufficientMemory("model '" + id + "' needs " + (weights + minKv) / MIB + " MiB for its weights and one "
                    + context + "-token context (" + minKv / MIB + " MiB KV cache), but only " + Math.max(0, nativeFree) / MIB
                    + " MiB of memory is available (lower --ctx-size or --max-loaded, or use --mmap)");
        if (heapFree < work)
            throw ApiException.insufficientMemory("model '" + id + "' needs " + work / MIB + " MiB of heap for its working memory, but only "
                    + Math.max(0, heapFree) / MIB + " MiB is available (raise -Xmx, lower --ctx-size or --max-loaded)");
        // enough blocks for every running sequence to hold a full context, or half the free memory, whichever is less
        long wanted = (long) minBlocks * maxRunning;
        long affordable = Math.max(minBlocks, (nativeForKv / 2) / perBlock);
        int blocks = (int) Math.min(Integer.MAX_VALUE, Math.min(wanted, affordable));
        EngineConfig engine = new EngineConfig(blocks, blockSize, TOKEN_BUDGET, maxRunning, s.maxWaiting(), context, kvType, s.maxQueueDelay());
        return new MemoryPlan(engine, weights, blocks * perBlock, work);
    }

    /** Activations of a full step (the token budget and a decode token per sequence), attention scores, and logits / sampler scratch per running request. */
    static long workBytes(ModelConfig c, int context, int maxRunning) {
        long perToken = 6L * c.dim() + c.qDim() + 2L * c.kvDim() + (long) c.heads() * c.headDimV() + 2L * c.ffnDim();
        long activations = 4L * (TOKEN_BUDGET + maxRunning) * perToken; // prompt tokens, and a decode token per sequence
        long scores = 4L * Runtime.getRuntime().availableProcessors() * c.heads() * (long) context;
        long logits = (long) maxRunning * c.vocabSize() * (4 + 4 + 8); // logits row, logprobs copy, sampler order
        return 32 * MIB + activations + scores + logits;
    }
}
