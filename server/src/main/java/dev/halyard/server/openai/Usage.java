package dev.halyard.server.openai;

/** Token counts of a request: the prompt once per prompt, the completions of every choice. */
public record Usage(int promptTokens, int completionTokens, int totalTokens) {
    public static Usage of(int prompt, int completion) {
        return new Usage(prompt, completion, prompt + completion);
    }
}
