package dev.halyard.server.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.metrics.ServerMetrics;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.openai.EmbeddingRequest;
import dev.halyard.server.openai.EmbeddingWire;
import dev.halyard.server.openai.Limits;
import dev.halyard.server.openai.PromptInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code POST /v1/embeddings} for generative models: each input's final normalised hidden states,
 * mean-pooled and scaled to unit length. Inputs are tokenized with BOS as the model wants; each must
 * fit the context window.
 */
public final class EmbeddingServing {
    private final ModelManager models;
    private final ServerMetrics metrics;
    private final Limits limits;

    public EmbeddingServing(ModelManager models, ServerMetrics metrics, Limits limits) {
        this.models = models;
        this.metrics = metrics;
        this.limits = limits;
    }

    public Reply create(JsonNode body, Exchange ex) {
        EmbeddingRequest req = EmbeddingRequest.parse(body, limits);
        try (ModelManager.Lease lease = models.acquire(req.model())) {
            LoadedModel m = lease.model();
            ex.model(m.id());
            int dim = m.model().config().dim();
            if (req.dimensions() != null && req.dimensions() != dim)
                throw ApiException.unsupported("dimensions", "dimensions must be " + dim + " (the model's width) here, got " + req.dimensions());
            List<int[]> inputs = new ArrayList<>();
            for (int i = 0; i < req.inputs().size(); i++) inputs.add(tokens(m, req.inputs().get(i), req.inputs().size() == 1 ? "input" : "input[" + i + "]"));
            List<EmbeddingWire.Embedding> data = new ArrayList<>();
            int tokens = 0;
            for (int i = 0; i < inputs.size(); i++) {
                float[] v = SideRunner.embedding(m, inputs.get(i));
                data.add(new EmbeddingWire.Embedding(i, req.base64() ? base64(v) : v));
                tokens += inputs.get(i).length;
            }
            metrics.promptTokens(m.id(), tokens);
            ex.addPromptTokens(tokens);
            return Reply.Json.ok(new EmbeddingWire.EmbeddingList(data, m.id(), tokens));
        }
    }

    private static int[] tokens(LoadedModel m, PromptInput in, String param) {
        int[] ids = in.text() != null ? m.tokenizer().encode(in.text(), true, true) : in.ids();
        if (ids.length == 0) throw ApiException.invalid(param, param + " must not be empty (it has no tokens)");
        int vocab = m.model().config().vocabSize();
        for (int id : ids) if (id >= vocab) throw ApiException.invalid(param, "token id " + id + " is outside the vocabulary [0, " + vocab + ")");
        if (ids.length > m.contextLength())
            throw ApiException.contextLength(param, "This model's maximum context length is " + m.contextLength() + " tokens. However, "
                    + param + " has " + ids.length + " tokens. Please reduce the length of the input.");
        return ids;
    }

    /** Little-endian float32s, base64-encoded, as OpenAI's {@code encoding_format: "base64"}. */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
