package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.sampling.SamplingParams;
import dev.halyard.server.errors.ApiException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What chat and completions requests share: how many choices, how long, where to stop, how to sample
 * (OpenAI's parameters plus the llama.cpp/vLLM extensions {@code top_k}, {@code min_p},
 * {@code repetition_penalty}, {@code ignore_eos}) and whether to stream. Unset sampling parameters take
 * OpenAI's defaults (temperature 1, top_p 1, no top_k/min_p), as vLLM does.
 *
 * @param maxTokens null: as many as the context window allows (chat) or 16 (completions)
 * @param logitBias token id → bias; OpenAI's -100 bans the token
 * @param seed null: a fresh random seed per choice
 */
public record GenerationArgs(int n, Integer maxTokens, List<String> stop, float temperature, float topP, int topK, float minP,
                             float repetitionPenalty, float presencePenalty, float frequencyPenalty, Map<Integer, Float> logitBias,
                             Long seed, boolean ignoreEos, boolean stream, boolean includeUsage) {
    /** llama.cpp's window for repetition, presence and frequency penalties. */
    public static final int PENALTY_LAST_N = 64;

    public GenerationArgs {
        stop = List.copyOf(stop);
        logitBias = Map.copyOf(logitBias);
    }

    /** Reads the shared parameters; {@code maxTokensKeys} in order of preference (chat: max_completion_tokens, max_tokens). */
    public static GenerationArgs parse(JsonArgs a, String... maxTokensKeys) {
        Limits l = a.limits();
        int n = orElse(a.intIn("n", 1, l.maxN()), 1);
        Integer maxTokens = null;
        for (String k : maxTokensKeys) {
            if (maxTokens == null) maxTokens = a.intIn(k, 1, Integer.MAX_VALUE);
        }
        boolean stream = a.bool("stream", false);
        boolean includeUsage = false;
        JsonArgs so = a.object("stream_options");
        if (so != null) {
            if (!stream) throw ApiException.invalid("stream_options", "stream_options is only allowed when stream is true");
            includeUsage = so.bool("include_usage", false);
        }
        Integer topK = a.intIn("top_k", -1, Integer.MAX_VALUE);
        return new GenerationArgs(n, maxTokens, stops(a),
                orElse(a.number("temperature", 0, 2, "[]"), 1f),
                orElse(a.number("top_p", 0, 1, "(]"), 1f),
                topK == null || topK < 0 ? 0 : topK,
                orElse(a.number("min_p", 0, 1, "[]"), 0f),
                orElse(a.number("repetition_penalty", 0, 10, "(]"), 1f),
                orElse(a.number("presence_penalty", -2, 2, "[]"), 0f),
                orElse(a.number("frequency_penalty", -2, 2, "[]"), 0f),
                logitBias(a), a.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE),
                a.bool("ignore_eos", false), stream, includeUsage);
    }

    /** The sampling chain for one choice, seeded with {@code seed}. */
    public SamplingParams sampling(long seed) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty,
                PENALTY_LAST_N, logitBias, seed);
    }

    /** The seed of choice {@code i}: consecutive seeds from the request's, or random ones. */
    public long seedOf(int i, java.util.random.RandomGenerator random) {
        return seed != null ? seed + i : random.nextLong();
    }

    private static List<String> stops(JsonArgs a) {
        JsonNode v = a.raw("stop");
        Limits l = a.limits();
        List<String> out = new ArrayList<>();
        if (v == null) return out;
        if (v.isTextual()) {
            out.add(stop(v, "stop", l));
            return out;
        }
        List<JsonNode> items = a.array("stop", l.maxStops());
        for (int i = 0; i < items.size(); i++) out.add(stop(items.get(i), "stop[" + i + "]", l));
        return out;
    }

    private static String stop(JsonNode v, String path, Limits l) {
        if (!v.isTextual()) throw ApiException.wrongType(path, "a string", JsonArgs.describe(v));
        String s = v.textValue();
        if (s.isEmpty()) throw ApiException.invalid(path, path + " must not be empty");
        if (s.length() > l.maxStopChars())
            throw ApiException.invalid(path, path + " must have at most " + l.maxStopChars() + " characters, got " + s.length());
        return s;
    }

    private static Map<Integer, Float> logitBias(JsonArgs a) {
        JsonArgs o = a.object("logit_bias");
        Map<Integer, Float> out = new HashMap<>();
        if (o == null) return out;
        JsonNode node = a.raw("logit_bias");
        if (node.size() > a.limits().maxLogitBias())
            throw ApiException.invalid("logit_bias", "logit_bias must have at most " + a.limits().maxLogitBias() + " entries, got " + node.size());
        for (var e : node.properties()) {
            String key = e.getKey();
            int id;
            try {
                id = Integer.parseInt(key.strip());
            } catch (NumberFormatException ex) {
                throw ApiException.invalid("logit_bias", "logit_bias keys must be token ids (integers), got '" + key + "'");
            }
            if (id < 0) throw ApiException.invalid("logit_bias", "logit_bias token ids must be >= 0, got " + id);
            float bias = o.number(key, -100, 100, "[]");
            out.put(id, bias <= -100 ? Float.NEGATIVE_INFINITY : bias);
        }
        return out;
    }

    private static <T> T orElse(T v, T fallback) {
        return v == null ? fallback : v;
    }
}
