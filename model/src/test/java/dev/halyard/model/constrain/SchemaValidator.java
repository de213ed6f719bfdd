package dev.halyard.model.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A small JSON Schema validator for the keywords the grammar converter supports, written
 * independently of it so tests can check generated output: {@link #errors} lists every violation
 * with its instance path (empty when valid).
 */
final class SchemaValidator {
    private final JsonNode root;

    SchemaValidator(JsonNode root) {
        this.root = root;
    }

    List<String> errors(JsonNode instance) {
        List<String> out = new ArrayList<>();
        check(root, instance, "$", out, 0);
        return out;
    }

    private void check(JsonNode s, JsonNode v, String at, List<String> out, int depth) {
        if (depth > 200) throw new IllegalStateException("schema recursion too deep at " + at);
        if (s.isBoolean()) {
            if (!s.asBoolean()) out.add(at + ": schema false");
            return;
        }
        if (s.has("$ref")) {
            String ref = s.get("$ref").asText();
            check(ref.equals("#") ? root : root.at(ref.substring(1)), v, at, out, depth + 1);
            return;
        }
        if (s.has("const") && !s.get("const").equals(v)) out.add(at + ": not the const " + s.get("const"));
        if (s.has("enum")) {
            boolean found = false;
            for (JsonNode e : s.get("enum")) found |= e.equals(v) || e.isNumber() && v.isNumber() && e.decimalValue().compareTo(v.decimalValue()) == 0;
            if (!found) out.add(at + ": not in enum " + s.get("enum"));
        }
        if (s.has("anyOf") || s.has("oneOf")) {
            String key = s.has("anyOf") ? "anyOf" : "oneOf";
            int matching = 0;
            for (JsonNode alt : s.get(key)) {
                List<String> sub = new ArrayList<>();
                check(alt, v, at, sub, depth + 1);
                if (sub.isEmpty()) matching++;
            }
            if (matching == 0 || key.equals("oneOf") && matching > 1) out.add(at + ": " + matching + " alternatives of " + key + " match");
        }
        if (s.has("allOf")) for (JsonNode part : s.get("allOf")) check(part, v, at, out, depth + 1);
        if (s.has("type") || s.path("nullable").asBoolean(false)) {
            Set<String> types = new HashSet<>();
            if (s.has("type") && s.get("type").isArray()) s.get("type").forEach(t -> types.add(t.asText()));
            else if (s.has("type")) types.add(s.get("type").asText());
            if (s.path("nullable").asBoolean(false)) types.add("null");
            if (!types.contains(typeOf(v)) && !(types.contains("number") && typeOf(v).equals("integer")))
                out.add(at + ": type " + typeOf(v) + " is not " + types);
        }
        if (v.isObject()) object(s, v, at, out, depth);
        if (v.isArray()) array(s, v, at, out, depth);
        if (v.isTextual()) string(s, v.asText(), at, out);
        if (v.isNumber()) number(s, v, at, out);
    }

    private void object(JsonNode s, JsonNode v, String at, List<String> out, int depth) {
        JsonNode props = s.path("properties");
        for (JsonNode r : s.path("required")) if (!v.has(r.asText())) out.add(at + ": missing required " + r.asText());
        for (var e : v.properties()) {
            String key = e.getKey();
            if (props.has(key)) check(props.get(key), e.getValue(), at + "." + key, out, depth + 1);
            else if (s.has("additionalProperties")) check(s.get("additionalProperties"), e.getValue(), at + "." + key, out, depth + 1);
        }
    }

    private void array(JsonNode s, JsonNode v, String at, List<String> out, int depth) {
        int n = v.size();
        if (s.has("minItems") && n < s.get("minItems").asInt()) out.add(at + ": fewer than minItems");
        if (s.has("maxItems") && n > s.get("maxItems").asInt()) out.add(at + ": more than maxItems");
        JsonNode prefix = s.path("prefixItems");
        for (int i = 0; i < n; i++) {
            if (i < prefix.size()) check(prefix.get(i), v.get(i), at + "[" + i + "]", out, depth + 1);
            else if (s.has("items")) check(s.get("items"), v.get(i), at + "[" + i + "]", out, depth + 1);
        }
        if (prefix.size() > 0 && s.has("items") && s.get("items").isBoolean() && n > prefix.size()) out.add(at + ": more items than prefixItems");
        if (prefix.size() > 0 && n < prefix.size()) out.add(at + ": fewer items than prefixItems");
    }

    private static void string(JsonNode s, String v, String at, List<String> out) {
        long len = v.codePoints().count();
        if (s.has("minLength") && len < s.get("minLength").asLong()) out.add(at + ": shorter than minLength");
        if (s.has("maxLength") && len > s.get("maxLength").asLong()) out.add(at + ": longer than maxLength");
        if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(v).find()) out.add(at + ": does not match " + s.get("pattern"));
        String format = s.path("format").asText("");
        String re = switch (format) {
            case "date" -> "\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])";
            case "uuid" -> "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
            case "time" -> "([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d+)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)";
            default -> null;
        };
        if (re != null && !v.matches(re)) out.add(at + ": not a " + format);
    }

    private static void number(JsonNode s, JsonNode v, String at, List<String> out) {
        var x = v.decimalValue();
        if (s.has("minimum") && x.compareTo(s.get("minimum").decimalValue()) < 0) out.add(at + ": below minimum");
        if (s.has("maximum") && x.compareTo(s.get("maximum").decimalValue()) > 0) out.add(at + ": above maximum");
        if (s.path("exclusiveMinimum").isNumber() && x.compareTo(s.get("exclusiveMinimum").decimalValue()) <= 0) out.add(at + ": not above exclusiveMinimum");
        if (s.path("exclusiveMaximum").isNumber() && x.compareTo(s.get("exclusiveMaximum").decimalValue()) >= 0) out.add(at + ": not below exclusiveMaximum");
    }

    static String typeOf(JsonNode v) {
        if (v.isObject()) return "object";
        if (v.isArray()) return "array";
        if (v.isTextual()) return "string";
        if (v.isBoolean()) return "boolean";
        if (v.isNull()) return "null";
        if (v.isIntegralNumber() || v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0) return "integer";
        return "number";
    }
}
