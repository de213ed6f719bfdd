package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;
import java.util.regex.Pattern;

/**
 * A function the model may call ({@code tools[i].function}).
 *
 * @param parameters its JSON Schema, or null for any object
 * @param raw the tool entry as the client sent it, for the chat template
 */
public record ToolSpec(String name, String description, JsonNode parameters, JsonNode raw) {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    static ToolSpec parse(JsonNode v, String path, Limits limits) {
        JsonArgs t = JsonArgs.at(v, path, limits);
        String type = t.string("type");
        if (type != null && !type.equals("function"))
            throw ApiException.invalid(t.path("type"), t.path("type") + " must be 'function', got '" + type + "'");
        JsonArgs f = t.object("function");
        if (f == null) throw ApiException.missing(t.path("function"));
        String name = f.requireString("name");
        if (!NAME.matcher(name).matches())
            throw ApiException.invalid(f.path("name"), f.path("name") + " must match [a-zA-Z0-9_.-]{1,64}, got '" + name + "'");
        JsonNode params = f.raw("parameters");
        if (params != null && !params.isObject()) throw ApiException.wrongType(f.path("parameters"), "a JSON Schema object", JsonArgs.describe(params));
        return new ToolSpec(name, f.string("description"), params, v);
    }

    /** {@code tool_choice}: none, auto, required, or one named function. */
    public record Choice(Mode mode, String name) {
        public enum Mode { NONE, AUTO, REQUIRED, NAMED }

        static Choice parse(JsonArgs a, boolean haveTools) {
            JsonNode v = a.raw("tool_choice");
            if (v == null) return new Choice(haveTools ? Mode.AUTO : Mode.NONE, null);
            if (v.isTextual()) {
                Mode m = switch (v.textValue()) {
                    case "none" -> Mode.NONE;
                    case "auto" -> Mode.AUTO;
                    case "required" -> Mode.REQUIRED;
                    default -> throw ApiException.invalid("tool_choice", "tool_choice must be 'none', 'auto', 'required' or {\"type\": \"function\", \"function\": {\"name\": ...}}, got '" + v.textValue() + "'");
                };
                if (m != Mode.NONE && !haveTools) throw ApiException.invalid("tool_choice", "tool_choice '" + v.textValue() + "' needs tools");
                return new Choice(m, null);
            }
            JsonArgs o = JsonArgs.at(v, "tool_choice", a.limits());
            JsonArgs f = o.object("function");
            if (f == null) throw ApiException.missing("tool_choice.function");
            if (!haveTools) throw ApiException.invalid("tool_choice", "tool_choice names a function but no tools were given");
            return new Choice(Mode.NAMED, f.requireString("name"));
        }
    }
}
