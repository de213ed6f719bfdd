package dev.halyard.server.serving;

import dev.halyard.runtime.engine.TokenLogprob;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.openai.PromptInput;
import java.util.List;

/**
 * One prompt of a completions request, tokenized: text gets BOS (as the model wants) and special
 * tokens parsed, as llama.cpp and vLLM do; token ids are used as given.
 *
 * @param text the prompt as text (decoded when it came as ids), for {@code echo}
 * @param logprobs per-token logprobs for {@code echo} with {@code logprobs}, else null
 */
record CompletionPrompt(int index, int[] ids, String text, List<TokenLogprob> logprobs) {

    /** Tokenizes; logprobs come later ({@link #scored}), once the prompt is known to fit the context. */
    static CompletionPrompt of(LoadedModel m, int index, PromptInput in) {
        int[] ids = in.text() != null ? m.tokenizer().encode(in.text(), true, true) : in.ids();
        String path = "prompt";
        if (ids.length == 0) throw ApiException.invalid(path, "the prompt must not be empty (it has no tokens)");
        int vocab = m.model().config().vocabSize();
        for (int id : ids) if (id >= vocab) throw ApiException.invalid(path, "token id " + id + " is outside the vocabulary [0, " + vocab + ")");
        String text = in.text() != null ? in.text() : m.tokenizer().decode(ids);
        return new CompletionPrompt(index, ids, text, null);
    }

    /** This prompt with its tokens' logprobs (for echo with logprobs). */
    CompletionPrompt scored(LoadedModel m, int topLogprobs) {
        return new CompletionPrompt(index, ids, text, SideRunner.promptLogprobs(m, ids, topLogprobs));
    }
}
