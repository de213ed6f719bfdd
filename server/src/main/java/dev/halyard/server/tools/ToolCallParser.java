package dev.halyard.server.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Finds function calls in generated text, in the formats real models are trained to write:
 * <ul>
 *   <li>Hermes / Qwen 2.5+: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, any number,
 *       after optional text (the content);</li>
 *   <li>Llama 3.1+: the whole reply is {@code {"name": ..., "parameters": {...}}} (optionally after
 *       {@code <|python_tag|>}, several separated by {@code ;});</li>
 *   <li>Mistral: {@code [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]};</li>
 *   <li>the generic form a template without tool support is told to use: the whole reply is
 *       {@code {"name": ..., "arguments": {...}}} (or a list of them), possibly in a {@code ```json} fence.</li>
 * </ul>
 * A call counts only when it names one of the offered functions and its arguments are a JSON object;
 * otherwise the text is plain content (as llama.cpp and vLLM fall back).
 */
public final class ToolCallParser {
    static final String HERMES_OPEN = "<tool_call>", HERMES_CLOSE = "</tool_call>";
    static final String PYTHON_TAG = "<|python_tag|>", MISTRAL = "[TOOL_CALLS]";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The calls and the text around them; {@code content} is null when there is none. */
    public record Parsed(String content, List<ParsedCall> calls) {
        public boolean hasCalls() {
            return !calls.isEmpty();
        }
    }

    private ToolCallParser() {}

    public static Parsed parse(String text, Set<String> functions) {
        Parsed none = new Parsed(text, List.of());
        int open = text.indexOf(HERMES_OPEN);
        if (open >= 0) return hermes(text, open, functions).orElse(none);
        String t = text.strip();
        if (t.startsWith(MISTRAL)) t = t.substring(MISTRAL.length()).strip();
        else if (t.startsWith(PYTHON_TAG)) t = t.substring(PYTHON_TAG.length()).strip();
        t = unfence(t);
        if (!t.startsWith("{") && !t.startsWith("[")) return none;
        List<ParsedCall> calls = new ArrayList<>();
        for (String part : splitTopLevel(t)) {
            JsonNode node = read(part);
            if (node == null) return none;
            if (node.isArray()) {
                for (JsonNode n : node) if (!addCall(n, functions, calls)) return none;
            } else if (!addCall(node, functions, calls)) {
                return none;
            }
        }
        return calls.isEmpty() ? none : new Parsed(null, calls);
    }

    private static java.util.Optional<Parsed> hermes(String text, int open, Set<String> functions) {
        List<ParsedCall> calls = new ArrayList<>();
        int at = open;
        while (at >= 0) {
            int start = at + HERMES_OPEN.length();
            int close = text.indexOf(HERMES_CLOSE, start);
            String body = close < 0 ? text.substring(start) : text.substring(start, close);
            JsonNode node = read(unfence(body.strip()));
            if (node == null || !addCall(node, functions, calls)) return java.util.Optional.empty();
            if (close < 0) break;
            at = text.indexOf(HERMES_OPEN, close + HERMES_CLOSE.length());
        }
        String content = text.substring(0, open).strip();
        return java.util.Optional.of(new Parsed(content.isEmpty() ? null : content, calls));
    }

    /** Adds {@code {"name", "arguments"|"parameters"}} when it is a call of an offered function. */
    private static boolean addCall(JsonNode n, Set<String> functions, List<ParsedCall> out) {
        if (!n.isObject()) return false;
        JsonNode fn = n.has("function") && n.get("function").isObject() ? n.get("function") : n; // {"type":"function","function":{...}}
        JsonNode name = fn.get("name");
        if (name == null || !name.isTextual() || !functions.contains(name.textValue())) return false;
        JsonNode args = fn.has("arguments") ? fn.get("arguments") : fn.get("parameters");
        if (args == null || args.isNull()) args = JSON.createObjectNode();
        if (args.isTextual()) args = read(args.textValue()); // some models write the arguments as a JSON string
        if (args == null || !args.isObject()) return false;
        out.add(new ParsedCall(name.textValue(), args.toString()));
        return true;
    }

    /** Splits {@code a; b} (Llama 3.1 parallel calls) at semicolons outside JSON strings and brackets. */
    private static List<String> splitTopLevel(String t) {
        List<String> parts = new ArrayList<>();
        int depth = 0, from = 0;
        boolean inString = false;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') inString = true;
            else if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') depth--;
            else if (c == ';' && depth == 0) {
                parts.add(t.substring(from, i).strip());
                from = i + 1;
            }
        }
        String last = t.substring(from).strip();
        if (!last.isEmpty()) parts.add(last);
        return parts;
    }

    /** The inside of a {@code ```json ... ```} fence, or the text itself. */
    static String unfence(String t) {
        if (!t.startsWith("```")) return t;
        int nl = t.indexOf('\n');
        int end = t.lastIndexOf("```");
        if (nl < 0 || end <= nl) return t;
        return t.substring(nl + 1, end).strip();
    }

    private static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }
}
