package dev.halyard.model.chat;

import java.util.List;

/**
 * One conversation turn, as in OpenAI's chat API.
 *
 * @param role "system", "user", "assistant", "tool" (any non-blank role is passed to the template)
 * @param content the text; null means none (templates see an empty string)
 * @param toolCalls the assistant's function calls; empty when none
 * @param toolCallId for a tool message: the id of the call it answers (may be null)
 * @param name optional name of the speaker or the tool
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId, String name) {
    public ChatMessage {
        if (role == null || role.isBlank()) throw new IllegalArgumentException("role must be a non-blank string, got " + (role == null ? "null" : "'" + role + "'"));
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, List.of(), null, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, List.of(), null, null);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content, List.of(), null, null);
    }

    /** An assistant turn that calls tools; {@code content} may be null. */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, toolCalls, null, null);
    }

    /** A tool's answer to the call {@code toolCallId}. */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId, null);
    }

    /** A tool's answer to the call {@code toolCallId}, naming the tool. */
    public static ChatMessage tool(String toolCallId, String name, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId, name);
    }
}
