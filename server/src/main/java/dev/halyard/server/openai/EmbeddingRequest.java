package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;
import java.util.List;

/** A validated {@code POST /v1/embeddings} body. {@code dimensions} null: the model's width. */
public record EmbeddingRequest(String model, List<PromptInput> inputs, boolean base64, Integer dimensions) {

    public static EmbeddingRequest parse(JsonNode body, Limits limits) {
        JsonArgs a = JsonArgs.root(body, limits);
        String model = a.string("model");
        List<PromptInput> inputs = PromptInput.parse(a, "input");
        String format = a.string("encoding_format");
        if (format != null && !format.equals("float") && !format.equals("base64"))
            throw ApiException.invalid("encoding_format", "encoding_format must be 'float' or 'base64', got '" + format + "'");
        return new EmbeddingRequest(model, inputs, "base64".equals(format), a.intIn("dimensions", 1, 1 << 20));
    }
}
