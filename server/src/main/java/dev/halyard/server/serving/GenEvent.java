package dev.halyard.server.serving;

import dev.halyard.runtime.engine.TokenLogprob;

/** What a {@link Generation} reports from the engine thread, in order per choice. */
sealed interface GenEvent {
    int choice();

    /**
     * A generated token and the text that became visible with it ("" while a UTF-8 character or a
     * possible stop string is incomplete). {@code lp} is null unless logprobs were asked for.
     */
    record Token(int choice, int token, TokenLogprob lp, String text) implements GenEvent {}

    /**
     * The choice ended: {@code tail} is text held back until now, {@code reason} is OpenAI's
     * finish_reason ("stop", "length", or "abort" when cancelled).
     */
    record Done(int choice, String reason, String tail, int promptTokens, int completionTokens) implements GenEvent {}

    /** The choice failed inside the engine. */
    record Failed(int choice, Throwable error) implements GenEvent {}
}
