package dev.halyard.runtime;

/**
 * What a generation produced.
 *
 * @param promptIds the prompt's tokens
 * @param ids generated tokens (an end-of-generation token that stopped it is included, as llama.cpp does)
 * @param text generated text, cut before any stop string
 * @param finish why it ended
 * @param timings how long the prompt and the generation took
 */
public record GenerationResult(int[] promptIds, int[] ids, String text, FinishReason finish, Timings timings) {

    public enum FinishReason {
        /** an end-of-generation token or a stop string */
        STOP,
        /** max tokens or the context window */
        LENGTH
    }

    /** Wall-clock timings, nanoseconds. */
    public record Timings(int promptTokens, long promptNanos, int generatedTokens, long generationNanos) {
        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
        }

        /** Tokens per second of the decode steps (the first token comes from the prompt pass). */
        public double generationTokensPerSecond() {
            int steps = Math.max(0, generatedTokens - 1);
            return generationNanos == 0 ? 0 : steps * 1e9 / generationNanos;
        }
    }
}
