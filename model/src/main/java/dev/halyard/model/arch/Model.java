package dev.halyard.model.arch;

import dev.halyard.kernels.Parallel;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A loaded language model: its GGUF header, weights in off-heap memory owned by this object, and the
 * forward pass. Close it to free the memory and the worker threads.
 */
public final class Model implements AutoCloseable {
    private final GgufFile gguf;
    private final ModelConfig config;
    private final Arena arena;
    private final Parallel parallel;
    private final Transformer transformer;
    private final KvType kvType;

    private Model(GgufFile gguf, ModelConfig config, Arena arena, Parallel parallel, Transformer transformer, KvType kvType) {
        this.kvType = kvType;
        this.gguf = gguf;
        this.config = config;
        this.arena = arena;
        this.parallel = parallel;
        this.transformer = transformer;
    }

    public static Model load(Path path, ModelOptions options) throws IOException {
        return load(GgufFile.read(path), options);
    }

    public static Model load(GgufFile gguf, ModelOptions options) throws IOException {
        GgufTensorInfo emb = gguf.tensor("token_embd.weight");
        if (emb == null) {
            String arch = gguf.getString("general.architecture", "?");
            throw new UnsupportedModelException(gguf.tensors().isEmpty()
                    ? "'" + gguf.path() + "' holds no tensors (a vocabulary-only file?): it cannot generate"
                    : "tensor 'token_embd.weight' is missing (architecture " + arch + ")");
        }
        if (emb.ne().length < 2 || emb.ne()[1] > Integer.MAX_VALUE)
            throw new UnsupportedModelException("tensor 'token_embd.weight' has shape " + emb.shape() + ", expected [dim, vocab]");
        ModelConfig config = ModelConfig.fromGguf(gguf, (int) emb.ne()[1]);
        Arena arena = Arena.ofShared();
        Parallel parallel = null;
        try {
            MemorySegment data;
            // the kernels warm up while the read leaves a core idle, and stop before the repacking takes every core
            try (KernelWarmUp warmUp = KernelWarmUp.start(gguf, options.kernels(), options.loadMode())) {
                data = gguf.load(arena, options.loadMode(), Weights.tilingRoom(gguf, options.kernels()));
            }
            parallel = new Parallel(options.threads());
            Weights weights = new Weights(gguf, data, options.kernels(), config, parallel); // repacked on every thread
            return new Model(gguf, config, arena, parallel, new Transformer(config, weights, options.kernels(), parallel), options.kvType());
        } catch (IOException | RuntimeException e) {
            if (parallel != null) parallel.close();
            arena.close();
            throw e;
        }
    }

    public GgufFile gguf() { return gguf; }
    public ModelConfig config() { return config; }
    public Transformer transformer() { return transformer; }
    /** The thread pool the model's passes split their work on (a benchmark times products alone on the same threads). */
    public Parallel parallel() { return parallel; }

    /** How KV caches for this model store keys and values (from its {@link ModelOptions}). */
    public KvType kvType() { return kvType; }

    /** A flat cache of this model's {@link #kvType()}; close it to free its memory. */
    public FlatKvCache newKvCache(int slots, int maxPositions) {
        return new FlatKvCache(config, slots, maxPositions, kvType);
    }

    /** Runs one batch; see {@link Transformer#forward}. */
    public float[] forward(Batch batch, KvCache kv) {
        return transformer.forward(batch, kv);
    }

    /** Runs one batch, the logits into {@code into} when it is big enough; see {@link Transformer#forwardInto}. */
    public float[] forwardInto(Batch batch, KvCache kv, float[] into) {
        return transformer.forwardInto(batch, kv, into);
    }

    /** Final normalised hidden states of the flagged tokens; see {@link Transformer#hidden}. */
    public float[] hidden(Batch batch, KvCache kv) {
        return transformer.hidden(batch, kv);
    }

    /** Evaluates {@code tokens} from position 0 with a fresh cache; logits (V,) of the last position. */
    public float[] lastLogits(int[] tokens) {
        try (KvCache kv = newKvCache(1, tokens.length)) {
            return forward(Batch.ofSequence(0, 0, tokens), kv);
        }
    }

    /** Exactly {@code n} argmax tokens after {@code prompt} (no stop on end-of-generation). */
    public int[] greedy(int[] prompt, int n) {
        try (KvCache kv = newKvCache(1, prompt.length + n)) {
            int[] out = new int[n];
            float[] logits = forward(Batch.ofSequence(0, 0, prompt), kv);
            for (int i = 0; i < n; i++) {
                out[i] = argmax(logits);
                if (i + 1 < n) logits = forward(Batch.ofSequence(0, prompt.length + i, new int[] {out[i]}), kv);
            }
            return out;
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    @Override
    public void close() {
        parallel.close();
        arena.close();
    }
}
