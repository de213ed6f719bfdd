package dev.halyard.server.models;

import dev.halyard.model.arch.Model;
import dev.halyard.model.chat.ModelChatTemplate;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.engine.Engine;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A model in memory and the engine that serves it. Generation goes through the engine; work outside
 * it (embeddings, prompt logprobs) calls the model directly, one request at a time under
 * {@link #sideLock()}, beside the engine's steps (the forward pass keeps no state between calls).
 * Closing stops the engine, then frees the model.
 */
public final class LoadedModel implements AutoCloseable {
    private final ModelInfo info;
    private final Model model;
    private final Tokenizer tokenizer;
    private final Engine engine;
    private final ModelChatTemplate format;
    private final MemoryPlan plan;
    private final Instant loadedAt = Instant.now();
    private final ReentrantLock sideLock = new ReentrantLock();

    public LoadedModel(ModelInfo info, Model model, Tokenizer tokenizer, Engine engine, ModelChatTemplate format, MemoryPlan plan) {
        this.info = info;
        this.model = model;
        this.tokenizer = tokenizer;
        this.engine = engine;
        this.format = format;
        this.plan = plan;
    }

    public String id() { return info.id(); }
    public ModelInfo info() { return info; }
    public Model model() { return model; }
    public Tokenizer tokenizer() { return tokenizer; }
    public Engine engine() { return engine; }
    public ModelChatTemplate chatTemplate() { return format; }
    public MemoryPlan plan() { return plan; }
    public Instant loadedAt() { return loadedAt; }
    public ReentrantLock sideLock() { return sideLock; }

    /** Positions per sequence. */
    public int contextLength() {
        return engine.config().contextLength();
    }

    @Override
    public void close() {
        engine.close();
        model.close();
    }
}
