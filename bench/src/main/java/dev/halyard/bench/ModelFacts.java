package dev.halyard.bench;

import dev.halyard.model.arch.FlatKvCache;
import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelConfig;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the benchmark needs to know about a GGUF file, from its header alone.
 *
 * @param fileBytes size of the file
 * @param weightBytesPerToken bytes of weights one generated token reads: every tensor once, except that
 *     an untied token_embd contributes one row (the looked-up embedding), not the whole matrix. KV-cache
 *     reads are left out (they grow with the context; weights are the floor).
 * @param vocab rows of token_embd
 * @param promptFlopsPerToken FLOPs of the matrix multiplications one prompt token costs: 2 per element of
 *     every 2-D weight except token_embd (looked up) and the output matrix (a prompt needs the logits of
 *     its last token only). Attention's own FLOPs are left out, so a FLOP rate computed from it
 *     understates the matmul's.
 * @param config the model's shape as Halyard reads it (null: an architecture Halyard does not run), for
 *     the size of its KV cache
 */
public record ModelFacts(long fileBytes, long weightBytesPerToken, int vocab, long promptFlopsPerToken, ModelConfig config) {

    public ModelFacts(long fileBytes, long weightBytesPerToken, int vocab, long promptFlopsPerToken) {
        this(fileBytes, weightBytesPerToken, vocab, promptFlopsPerToken, null);
    }

    /**
     * Bytes of Halyard's one-sequence KV cache for {@code positions} in {@code type} (what {@link
     * FlatKvCache#bytes} reports for the cache the probe runs with; it allocates nothing), or -1 when the
     * architecture is not one Halyard runs.
     */
    public long kvCacheBytes(int positions, KvType type) {
        if (config == null) return -1;
        try (FlatKvCache kv = new FlatKvCache(config, 1, positions, type)) {
            return kv.bytes();
        }
    }

    public static ModelFacts of(Path path) throws IOException {
        return of(GgufFile.read(path));
    }

    public static ModelFacts of(GgufFile g) {
        GgufTensorInfo emb = g.tensor("token_embd.weight");
        if (emb == null || emb.ne().length < 2) throw new IllegalArgumentException(g.path() + " has no 2-D token_embd.weight");
        boolean tied = g.tensor("output.weight") == null;
        long bytes = 0, flops = 0;
        for (GgufTensorInfo t : g.tensors()) {
            if (t == emb && !tied) bytes += t.byteSize() / emb.ne()[1]; // one row
            else bytes += t.byteSize();
            if (t.ne().length == 2 && t != emb && !t.name().equals("output.weight")) flops += 2 * t.ne()[0] * t.ne()[1];
        }
        ModelConfig config;
        try {
            config = ModelConfig.fromGguf(g, Math.toIntExact(emb.ne()[1]));
        } catch (RuntimeException e) { // not an architecture Halyard runs: the rest still holds
            config = null;
        }
        return new ModelFacts(g.fileSize(), bytes, Math.toIntExact(emb.ne()[1]), flops, config);
    }
}
