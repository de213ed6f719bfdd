package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;
import java.util.List;

/**
 * A validated {@code POST /v1/completions} body.
 *
 * @param logprobs -1 for none; else the alternatives per token (legacy {@code logprobs: N})
 * @param responseFormat JSON output constraint (an extension here, as in vLLM)
 * @param grammar a llama.cpp GBNF grammar the output must follow (extension), or null
 */
public record CompletionRequest(String model, List<PromptInput> prompts, GenerationArgs gen, boolean echo, int logprobs,
                                ResponseFormat responseFormat, String grammar) {
    /** OpenAI's default {@code max_tokens} for completions. */
    public static final int DEFAULT_MAX_TOKENS = 16;

    public static CompletionRequest parse(JsonNode body, Limits limits) {
        JsonArgs a = JsonArgs.root(body, limits);
        String model = a.string("model");
        List<PromptInput> prompts = PromptInput.parse(a, "prompt");
        GenerationArgs gen = GenerationArgs.parse(a, "max_tokens");
        if ((long) prompts.size() * gen.n() > (long) limits.maxInputs())
            throw ApiException.invalid("n", "prompts × n must be at most " + limits.maxInputs() + ", got " + prompts.size() + " × " + gen.n());
        if (a.string("suffix") != null) throw ApiException.unsupported("suffix", "suffix is not supported");
        Integer bestOf = a.intIn("best_of", 1, limits.maxN());
        if (bestOf != null && bestOf != gen.n())
            throw ApiException.unsupported("best_of", "best_of must equal n (" + gen.n() + ") here, got " + bestOf);
        Integer lp = a.intIn("logprobs", 0, limits.maxTopLogprobs());
        ResponseFormat rf = ResponseFormat.parse(a);
        String grammar = a.string("grammar");
        if (grammar != null && rf.kind() != ResponseFormat.Kind.TEXT)
            throw ApiException.invalid("grammar", "grammar cannot be combined with response_format");
        return new CompletionRequest(model, prompts, gen, a.bool("echo", false), lp == null ? -1 : lp, rf, grammar);
    }
}
