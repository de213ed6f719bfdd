package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;
import java.util.List;

/** llama-server's {@code POST /tokenize} and {@code POST /detokenize} bodies (with an optional {@code model}). */
public final class TokenizeRequest {
    private TokenizeRequest() {}

    /** {@code {content, add_special = false, parse_special = true, with_pieces = false}}. */
    public record Encode(String model, String content, boolean addSpecial, boolean parseSpecial, boolean withPieces) {
        public static Encode parse(JsonNode body, Limits limits) {
            JsonArgs a = JsonArgs.root(body, limits);
            return new Encode(a.string("model"), a.requireString("content"), a.bool("add_special", false),
                    a.bool("parse_special", true), a.bool("with_pieces", false));
        }
    }

    /** {@code {tokens: [ids]}}. */
    public record Decode(String model, int[] tokens) {
        public static Decode parse(JsonNode body, Limits limits) {
            JsonArgs a = JsonArgs.root(body, limits);
            List<JsonNode> raw = a.array("tokens", limits.maxStringChars());
            if (raw == null) throw ApiException.missing("tokens");
            int[] ids = new int[raw.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = (int) JsonArgs.integerValue(raw.get(i), "tokens[" + i + "]", 0, Integer.MAX_VALUE);
            return new Decode(a.string("model"), ids);
        }
    }
}
