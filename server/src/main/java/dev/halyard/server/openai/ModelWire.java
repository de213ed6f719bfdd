package dev.halyard.server.openai;

import java.util.List;

/** {@code /v1/models}, {@code /api/ps}, {@code /health}, {@code /tokenize} and {@code /detokenize} bodies. */
public final class ModelWire {
    private ModelWire() {}

    public record ModelList(String object, List<ModelCard> data) {
        public ModelList(List<ModelCard> data) {
            this("list", data);
        }
    }

    /** OpenAI's model object; {@code created} is the file's modification time (Unix seconds). */
    public record ModelCard(String id, String object, long created, String ownedBy) {
        public ModelCard(String id, long created) {
            this(id, "model", created, "halyard");
        }
    }

    /** {@code GET /api/ps}: the loaded models. */
    public record Running(List<RunningModel> models) {}

    /**
     * One loaded model.
     *
     * @param expiresAt when it unloads if it stays idle (ISO-8601), null for never
     * @param kvUsage fraction of KV blocks held by requests
     */
    public record RunningModel(String id, String path, long sizeBytes, String loadedAt, String expiresAt, int contextLength,
                               int running, int waiting, int kvBlocksUsed, int kvBlocksTotal, double kvUsage) {}

    /** {@code GET /health}: "ok", or "loading" with the models being loaded. */
    public record Health(String status, List<String> loading) {}

    public record Tokens(List<Object> tokens) {}

    /** A token with its text ({@code piece} is a string, or a byte list when not valid UTF-8). */
    public record Piece(int id, Object piece) {}

    public record Detokenized(String content) {}
}
