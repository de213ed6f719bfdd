package dev.halyard.server.serving;

import dev.halyard.model.constrain.LogitsProcessor;
import dev.halyard.runtime.engine.EngineRequest;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.openai.GenerationArgs;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns one prompt and the request's generation arguments into the engine requests of its {@code n}
 * choices: checks the prompt and {@code max_tokens} against the context window and {@code logit_bias}
 * against the vocabulary, and gives choice i the seed {@code seed + i} (so a seeded request is
 * reproducible, alone or batched with others).
 */
final class Choices {
    private static final SecureRandom SEEDS = new SecureRandom();

    private Choices() {}

    /**
     * @param firstIndex index of the first choice (prompt p of a completions request starts at p × n)
     * @param defaultMaxTokens when the client gave none; null = what the context leaves
     * @param promptParam the parameter named in context errors ("messages" or "prompt")
     */
    static List<Generation.Choice> of(LoadedModel m, String requestId, int[] prompt, GenerationArgs gen, int topLogprobs,
                                      List<String> stops, Supplier<LogitsProcessor> processor, int firstIndex,
                                      Integer defaultMaxTokens, String promptParam) {
        int context = m.contextLength();
        int vocab = m.model().config().vocabSize();
        for (int id : prompt)
            if (id < 0 || id >= vocab) throw ApiException.invalid(promptParam, "token id " + id + " is outside the vocabulary [0, " + vocab + ")");
        for (int id : gen.logitBias().keySet())
            if (id >= vocab) throw ApiException.invalid("logit_bias", "logit_bias token id " + id + " is outside the vocabulary [0, " + vocab + ")");
        int maxTokens = maxTokens(prompt.length, gen.maxTokens(), defaultMaxTokens, context, promptParam);
        List<Generation.Choice> out = new ArrayList<>(gen.n());
        boolean atTextStart = prompt.length == 1 && prompt[0] == m.tokenizer().bosId();
        for (int i = 0; i < gen.n(); i++) {
            EngineRequest r = new EngineRequest(requestId + "-" + (firstIndex + i), prompt, maxTokens, gen.sampling(gen.seedOf(i, SEEDS)),
                    topLogprobs, gen.ignoreEos(), processor == null ? null : processor.get());
            out.add(new Generation.Choice(firstIndex + i, r, stops, atTextStart, i == 0));
        }
        return out;
    }

    /** The tokens a choice may generate; context_length_exceeded when they do not fit (as vLLM words it). */
    static int maxTokens(int promptTokens, Integer requested, Integer fallback, int context, String promptParam) {
        int room = context - promptTokens;
        if (room < 1)
            throw ApiException.contextLength(promptParam, "This model's maximum context length is " + context + " tokens. However, your "
                    + promptParam + " resulted in " + promptTokens + " tokens, leaving none to generate. Please reduce the length of the " + promptParam + ".");
        if (requested == null) return fallback == null ? room : Math.min(fallback, room);
        if ((long) promptTokens + requested > context)
            throw ApiException.contextLength(promptParam, "This model's maximum context length is " + context + " tokens. However, you requested "
                    + ((long) promptTokens + requested) + " tokens (" + promptTokens + " in the " + promptParam + ", " + requested
                    + " in the completion). Please reduce the length of the " + promptParam + " or completion.");
        return requested;
    }
}
