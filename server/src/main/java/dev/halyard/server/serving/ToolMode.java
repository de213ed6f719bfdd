package dev.halyard.server.serving;

import dev.halyard.server.openai.ChatRequest;
import dev.halyard.server.openai.ToolSpec;
import java.security.SecureRandom;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a chat request's output relates to its tools: none offered (or {@code tool_choice: none}),
 * {@code auto} (the reply is parsed for calls) or forced ({@code required} or a named function: the
 * reply is constrained to one call).
 */
enum ToolMode {
    NONE, AUTO, FORCED;

    private static final SecureRandom IDS = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    static ToolMode of(ChatRequest req) {
        if (req.tools().isEmpty()) return NONE;
        return switch (req.toolChoice().mode()) {
            case NONE -> NONE;
            case AUTO -> AUTO;
            case REQUIRED, NAMED -> FORCED;
        };
    }

    static Set<String> names(ChatRequest req) {
        return req.tools().stream().map(ToolSpec::name).collect(Collectors.toUnmodifiableSet());
    }

    /** A fresh call id in OpenAI's style ({@code call_} and 24 letters and digits). */
    static String callId() {
        StringBuilder s = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) s.append(ALPHABET[IDS.nextInt(ALPHABET.length)]);
        return s.toString();
    }
}
