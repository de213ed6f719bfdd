package dev.halyard.server.openai;

import java.util.List;
import java.util.Map;

/** The response shapes of {@code /v1/completions} ({@code object: "text_completion"}, streamed or not). */
public final class CompletionWire {
    private CompletionWire() {}

    public record Completion(String id, String object, long created, String model, String systemFingerprint,
                             List<Choice> choices, Usage usage) {
        public Completion(String id, long created, String model, List<Choice> choices, Usage usage) {
            this(id, "text_completion", created, model, ChatWire.FINGERPRINT, choices, usage);
        }
    }

    public record Choice(int index, String text, Logprobs logprobs, String finishReason) {}

    /**
     * The legacy logprobs format: parallel lists over tokens. With {@code echo} the prompt's first token
     * has a null logprob and null alternatives.
     *
     * @param topLogprobs per token, token text → logprob of the most likely alternatives
     * @param textOffset per token, the character offset of its text in the choice's text
     */
    public record Logprobs(List<String> tokens, List<Float> tokenLogprobs, List<Map<String, Float>> topLogprobs, List<Integer> textOffset) {}
}
