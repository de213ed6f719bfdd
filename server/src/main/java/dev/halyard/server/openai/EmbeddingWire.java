package dev.halyard.server.openai;

import java.util.List;

/** The response of {@code /v1/embeddings}. */
public final class EmbeddingWire {
    private EmbeddingWire() {}

    public record EmbeddingList(String object, List<Embedding> data, String model, Usage usage) {
        public EmbeddingList(List<Embedding> data, String model, int promptTokens) {
            this("list", data, model, new Usage(promptTokens, promptTokens));
        }
    }

    /** {@code embedding} is a float array, or a base64 string of little-endian float32s. */
    public record Embedding(String object, int index, Object embedding) {
        public Embedding(int index, Object embedding) {
            this("embedding", index, embedding);
        }
    }

    public record Usage(int promptTokens, int totalTokens) {}
}
