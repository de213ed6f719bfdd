package dev.halyard.model.chat;

/**
 * One function call made by the assistant, as in OpenAI's {@code tool_calls}. Templates see it as
 * {@code {id, type: 'function', function: {name, arguments}}} with {@code arguments} parsed from JSON
 * into a dict (kept as the raw string when it is not valid JSON, as llama.cpp does).
 *
 * @param id the call id that the tool's answer refers to (may be null)
 * @param name the function's name
 * @param argumentsJson the arguments as a JSON object, e.g. {@code {"city": "Paris"}}
 */
public record ToolCall(String id, String name, String argumentsJson) {
    public ToolCall {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("tool call name must be a non-blank string, got " + (name == null ? "null" : "'" + name + "'"));
        if (argumentsJson == null) argumentsJson = "{}";
    }
}
