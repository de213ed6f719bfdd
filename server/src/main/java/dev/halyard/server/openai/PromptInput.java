package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * One prompt (completions) or input (embeddings): text to tokenize, or token ids as given.
 *
 * @param text the text, or null when the client sent ids
 * @param ids the token ids, or null when the client sent text
 */
public record PromptInput(String text, int[] ids) {
    public PromptInput {
        if ((text == null) == (ids == null)) throw new IllegalArgumentException("a prompt is either text or token ids");
    }

    /**
     * Reads OpenAI's four shapes: a string, a list of strings, a list of token ids, a list of lists of
     * token ids. Token ids are only checked for range here (against the vocabulary later).
     */
    static List<PromptInput> parse(JsonArgs a, String key) {
        JsonNode v = a.raw(key);
        if (v == null) throw ApiException.missing(key);
        List<PromptInput> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(new PromptInput(a.checkLength(key, v.textValue()), null));
            return out;
        }
        List<JsonNode> items = a.array(key, Integer.MAX_VALUE);
        if (items.isEmpty()) throw ApiException.invalid(key, key + " must not be an empty list");
        if (items.getFirst().isNumber()) {
            out.add(new PromptInput(null, ids(v, key, a.limits())));
            return out;
        }
        if (items.size() > a.limits().maxInputs())
            throw ApiException.invalid(key, key + " must have at most " + a.limits().maxInputs() + " items, got " + items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String path = key + "[" + i + "]";
            if (item.isTextual()) out.add(new PromptInput(a.checkLength(path, item.textValue()), null));
            else if (item.isArray()) out.add(new PromptInput(null, ids(item, path, a.limits())));
            else throw ApiException.wrongType(path, "a string or an array of token ids", JsonArgs.describe(item));
        }
        return out;
    }

    private static int[] ids(JsonNode arr, String path, Limits limits) {
        if (arr.size() > limits.maxStringChars())
            throw ApiException.invalid(path, path + " must have at most " + limits.maxStringChars() + " tokens, got " + arr.size());
        if (arr.isEmpty()) throw ApiException.invalid(path, path + " must hold at least one token id");
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = (int) JsonArgs.integerValue(arr.get(i), path + "[" + i + "]", 0, Integer.MAX_VALUE);
        return ids;
    }
}
