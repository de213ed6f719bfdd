package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.chat.ChatMessage;
import dev.halyard.model.chat.ToolCall;
import dev.halyard.server.errors.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated {@code POST /v1/chat/completions} body.
 *
 * @param grammar a llama.cpp GBNF grammar the output must follow (extension), or null
 * @param topLogprobs -1 unless {@code logprobs} is true; then the alternatives per token, [0, 20]
 */
public record ChatRequest(String model, List<ChatMessage> messages, GenerationArgs gen, List<ToolSpec> tools,
                          ToolSpec.Choice toolChoice, ResponseFormat responseFormat, String grammar, int topLogprobs) {

    public static ChatRequest parse(JsonNode body, Limits limits) {
        JsonArgs a = JsonArgs.root(body, limits);
        String model = a.string("model");
        List<JsonNode> raw = a.array("messages", limits.maxMessages());
        if (raw == null) throw ApiException.missing("messages");
        if (raw.isEmpty()) throw ApiException.invalid("messages", "messages must hold at least one message, got []");
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) messages.add(message(raw.get(i), "messages[" + i + "]", limits));

        List<ToolSpec> tools = new ArrayList<>();
        List<JsonNode> rawTools = a.array("tools", limits.maxTools());
        if (rawTools != null) for (int i = 0; i < rawTools.size(); i++) tools.add(ToolSpec.parse(rawTools.get(i), "tools[" + i + "]", limits));
        ToolSpec.Choice choice = ToolSpec.Choice.parse(a, !tools.isEmpty());
        if (choice.mode() == ToolSpec.Choice.Mode.NAMED && tools.stream().noneMatch(t -> t.name().equals(choice.name())))
            throw ApiException.invalid("tool_choice.function.name", "tool_choice names '" + choice.name() + "', which is not among the tools");

        ResponseFormat rf = ResponseFormat.parse(a);
        boolean forced = choice.mode() == ToolSpec.Choice.Mode.REQUIRED || choice.mode() == ToolSpec.Choice.Mode.NAMED;
        if (forced && rf.kind() != ResponseFormat.Kind.TEXT)
            throw ApiException.invalid("response_format", "response_format cannot be combined with tool_choice '" + (choice.name() != null ? choice.name() : "required") + "'");

        String grammar = a.string("grammar");
        if (grammar != null && (forced || rf.kind() != ResponseFormat.Kind.TEXT))
            throw ApiException.invalid("grammar", "grammar cannot be combined with response_format or a forced tool_choice");
        boolean logprobs = a.bool("logprobs", false);
        Integer top = a.intIn("top_logprobs", 0, limits.maxTopLogprobs());
        if (top != null && !logprobs) throw ApiException.invalid("top_logprobs", "top_logprobs requires logprobs to be true");
        GenerationArgs gen = GenerationArgs.parse(a, "max_completion_tokens", "max_tokens");
        return new ChatRequest(model, messages, gen, tools, choice, rf, grammar, logprobs ? (top == null ? 0 : top) : -1);
    }

    private static ChatMessage message(JsonNode v, String path, Limits limits) {
        JsonArgs m = JsonArgs.at(v, path, limits);
        String role = m.requireString("role");
        String name = m.string("name");
        return switch (role) {
            case "system", "developer" -> new ChatMessage("system", content(m, true), List.of(), null, name);
            case "user" -> new ChatMessage("user", content(m, true), List.of(), null, name);
            case "assistant" -> {
                List<ToolCall> calls = toolCalls(m);
                String content = content(m, calls.isEmpty());
                yield new ChatMessage("assistant", content, calls, null, name);
            }
            case "tool" -> new ChatMessage("tool", content(m, true), List.of(), m.string("tool_call_id"), name);
            default -> throw ApiException.invalid(m.path("role"),
                    m.path("role") + " must be 'system', 'developer', 'user', 'assistant' or 'tool', got '" + role + "'");
        };
    }

    /** A string, or an array of text parts joined by newlines (as vLLM joins them). */
    private static String content(JsonArgs m, boolean required) {
        JsonNode c = m.raw("content");
        String path = m.path("content");
        if (c == null) {
            if (required) throw ApiException.missing(path);
            return null;
        }
        if (c.isTextual()) return m.checkLength(path, c.textValue());
        if (!c.isArray()) throw ApiException.wrongType(path, "a string or an array of content parts", JsonArgs.describe(c));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            JsonArgs part = JsonArgs.at(c.get(i), path + "[" + i + "]", m.limits());
            String type = part.requireString("type");
            if (!type.equals("text"))
                throw ApiException.unsupported(part.path("type"), "content part type '" + type + "' is not supported (only 'text'); got it at " + part.path("type"));
            if (!text.isEmpty()) text.append('\n');
            text.append(part.requireString("text"));
        }
        return m.checkLength(path, text.toString());
    }

    private static List<ToolCall> toolCalls(JsonArgs m) {
        List<JsonNode> raw = m.array("tool_calls", m.limits().maxTools());
        List<ToolCall> out = new ArrayList<>();
        if (raw == null) return out;
        for (int i = 0; i < raw.size(); i++) {
            JsonArgs call = JsonArgs.at(raw.get(i), m.path("tool_calls") + "[" + i + "]", m.limits());
            JsonArgs f = call.object("function");
            if (f == null) throw ApiException.missing(call.path("function"));
            out.add(new ToolCall(call.string("id"), f.requireString("name"), f.string("arguments")));
        }
        return out;
    }
}
