package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;

/**
 * {@code response_format}: free text, any JSON object, or JSON that validates against a schema (both
 * enforced while decoding).
 *
 * @param schema the JSON Schema for {@link Kind#JSON_SCHEMA}, else null
 */
public record ResponseFormat(Kind kind, String name, JsonNode schema) {
    public enum Kind { TEXT, JSON_OBJECT, JSON_SCHEMA }

    public static final ResponseFormat TEXT = new ResponseFormat(Kind.TEXT, null, null);

    static ResponseFormat parse(JsonArgs a) {
        JsonArgs rf = a.object("response_format");
        if (rf == null) return TEXT;
        String type = rf.requireString("type");
        return switch (type) {
            case "text" -> TEXT;
            case "json_object" -> new ResponseFormat(Kind.JSON_OBJECT, null, null);
            case "json_schema" -> {
                JsonArgs js = rf.object("json_schema");
                if (js == null) throw ApiException.missing("response_format.json_schema");
                JsonNode schema = js.raw("schema");
                if (schema == null) throw ApiException.missing("response_format.json_schema.schema");
                if (!schema.isObject() && !schema.isBoolean())
                    throw ApiException.wrongType("response_format.json_schema.schema", "a JSON Schema object", JsonArgs.describe(schema));
                yield new ResponseFormat(Kind.JSON_SCHEMA, js.string("name"), schema);
            }
            default -> throw ApiException.invalid("response_format.type",
                    "response_format.type must be 'text', 'json_object' or 'json_schema', got '" + type + "'");
        };
    }
}
