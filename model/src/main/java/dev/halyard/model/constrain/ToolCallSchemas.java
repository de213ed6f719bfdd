package dev.halyard.model.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * JSON Schemas for tool calls, to constrain a model that must call one of the offered functions:
 * {@code {"name": "<function>", "arguments": {...}}} where the arguments follow that function's
 * parameter schema. Each tool's internal {@code $ref}s are rewritten to its new place.
 */
public final class ToolCallSchemas {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ToolCallSchemas() {}

    /** A function the model may call; {@code parameters} null means any object. */
    public record Tool(String name, JsonNode parameters) {
        public Tool {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("tool name must be a non-empty string, got " + name);
        }
    }

    /** One call of any of {@code tools}. */
    public static JsonNode anyOf(List<Tool> tools) {
        if (tools.isEmpty()) throw new IllegalArgumentException("tools must not be empty");
        return anyOfAt(tools, "#");
    }

    /** A JSON array of 1..{@code maxCalls} calls (parallel tool calls). */
    public static JsonNode array(List<Tool> tools, int maxCalls) {
        if (tools.isEmpty()) throw new IllegalArgumentException("tools must not be empty");
        if (maxCalls < 1) throw new IllegalArgumentException("maxCalls must be >= 1, got " + maxCalls);
        ObjectNode a = F.objectNode().put("type", "array").put("minItems", 1).put("maxItems", maxCalls);
        a.set("items", anyOfAt(tools, "#/items"));
        return a;
    }

    private static JsonNode anyOfAt(List<Tool> tools, String base) {
        ArrayNode alts = F.arrayNode();
        for (int i = 0; i < tools.size(); i++) {
            Tool t = tools.get(i);
            String path = (tools.size() == 1 ? base : base + "/anyOf/" + i) + "/properties/arguments";
            JsonNode params = t.parameters() == null ? F.objectNode().put("type", "object") : rebase(t.parameters(), path);
            ObjectNode call = F.objectNode().put("type", "object");
            ObjectNode props = call.putObject("properties");
            props.putObject("name").put("const", t.name());
            props.set("arguments", params);
            call.putArray("required").add("name").add("arguments");
            call.put("additionalProperties", false);
            alts.add(call);
        }
        if (alts.size() == 1) return alts.get(0);
        ObjectNode any = F.objectNode();
        any.set("anyOf", alts);
        return any;
    }

    /** A copy of {@code schema} with each local {@code $ref} ("#/...") moved under {@code path}. */
    private static JsonNode rebase(JsonNode schema, String path) {
        if (schema.isObject()) {
            ObjectNode out = F.objectNode();
            for (var e : schema.properties()) {
                JsonNode v = e.getValue();
                if (e.getKey().equals("$ref") && v.isTextual() && v.asText().startsWith("#")) out.put("$ref", path + v.asText().substring(1));
                else out.set(e.getKey(), rebase(v, path));
            }
            return out;
        }
        if (schema.isArray()) {
            ArrayNode out = F.arrayNode();
            for (JsonNode v : schema) out.add(rebase(v, path));
            return out;
        }
        return schema;
    }
}
