package dev.halyard.model.constrain;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON Schema to GBNF, after llama.cpp's json-schema-to-grammar. Supported: {@code type} (one or a
 * list; {@code nullable: true}), objects ({@code properties}, {@code required},
 * {@code additionalProperties} false / true / a schema), arrays ({@code items}, {@code prefixItems},
 * {@code minItems}, {@code maxItems}), strings ({@code minLength}, {@code maxLength}, {@code pattern},
 * {@code format} date / time / date-time / uuid), integers with {@code minimum}/{@code maximum}
 * (and the exclusive forms), numbers (only {@code minimum: 0} is enforced; other bounds are
 * accepted but not enforced), {@code enum}, {@code const}, {@code anyOf}, {@code oneOf} (as
 * anyOf), {@code allOf} of object schemas (merged), {@code $ref} into the document ({@code $defs},
 * {@code definitions}, recursion allowed). Annotations are ignored; any other keyword is a
 * {@link GrammarException} that lists them with the schema path.
 *
 * <p>Objects list their required properties first, then the optional ones, each group in schema
 * order (llama.cpp's order); optional properties may be left out, additional ones come last.
 */
final class JsonSchemaConverter {
    /** Deepest nesting of subschemas followed (recursion through $ref is by rule, not by nesting). */
    static final int MAX_DEPTH = 64;

    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema", "$id",
            "$comment", "deprecated", "readOnly", "writeOnly", "$anchor", "contentEncoding", "contentMediaType", "$defs", "definitions");
    private static final Set<String> SUPPORTED = Set.of("type", "nullable", "properties", "required", "additionalProperties",
            "items", "prefixItems", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "enum", "const", "anyOf", "oneOf", "allOf", "$ref");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode root;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Map<String, String> refRules = new HashMap<>(); // "$ref" value -> rule name

    private JsonSchemaConverter(JsonNode root) {
        this.root = root;
    }

    /** GBNF text whose {@code root} rule matches JSON text valid under {@code schema}. */
    static String toGbnf(JsonNode schema) {
        if (schema == null) throw new GrammarException("JSON schema is null");
        JsonSchemaConverter c = new JsonSchemaConverter(schema);
        c.visit(schema, "root", "#", 0);
        return c.text();
    }

    /** GBNF for any JSON object. */
    static String jsonObjectGbnf() {
        JsonSchemaConverter c = new JsonSchemaConverter(null);
        c.rules.put("root", c.primitive("object"));
        return c.text();
    }

    private String text() {
        StringBuilder sb = new StringBuilder();
        for (var e : rules.entrySet()) sb.append(e.getKey()).append(" ::= ").append(e.getValue()).append('\n');
        return sb.toString();
    }

    /** Adds a primitive rule and its dependencies; returns its name. */
    private String primitive(String name) {
        if (!rules.containsKey(name)) {
            JsonGrammarRules.Rule r = JsonGrammarRules.PRIMITIVES.get(name);
            rules.put(name, r.body());
            for (String d : r.deps()) primitive(d);
        }
        return name;
    }

    /** Defines {@code name ::= body} (renaming if taken by another body; reusing an equal one); returns the name. */
    private String add(String name, String body) {
        String n = name;
        for (int i = 1; rules.containsKey(n) && !rules.get(n).equals(body); i++) n = name + i;
        rules.put(n, body);
        return n;
    }

    /** Reserves a fresh rule name derived from {@code base} (its body is set later). */
    private String reserve(String base) {
        String n = base;
        for (int i = 1; rules.containsKey(n); i++) n = base + "_" + i;
        rules.put(n, "");
        return n;
    }

    /** Defines a rule for {@code schema} named after {@code name}; returns the rule's name. */
    private String visit(JsonNode schema, String name, String path, int depth) {
        if (depth > MAX_DEPTH) throw new GrammarException("JSON schema nested deeper than " + MAX_DEPTH + " at " + path);
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) throw new GrammarException("schema 'false' at " + path + " allows no value");
            return add(name, primitive("value"));
        }
        if (!schema.isObject()) throw new GrammarException("schema at " + path + " must be an object or a boolean, got " + schema.getNodeType());
        List<String> unsupported = new ArrayList<>();
        schema.fieldNames().forEachRemaining(k -> {
            if (!SUPPORTED.contains(k) && !ANNOTATIONS.contains(k)) unsupported.add(k);
        });
        if (!unsupported.isEmpty())
            throw new GrammarException("unsupported JSON Schema keywords at " + path + ": " + String.join(", ", unsupported)
                    + " (supported: " + String.join(", ", new TreeSet<>(SUPPORTED)) + ")");

        if (schema.has("$ref")) {
            requireAlone(schema, "$ref", path);
            return add(name, ref(schema.get("$ref"), path, depth));
        }
        if (schema.has("const")) return add(name, constant(schema.get("const")));
        if (schema.has("enum")) {
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) throw new GrammarException("'enum' at " + path + " must be a non-empty array");
            List<String> alts = new ArrayList<>();
            for (JsonNode v : values) alts.add(constant(v));
            return add(name, String.join(" | ", new LinkedHashSet<>(alts)));
        }
        for (String key : new String[] {"anyOf", "oneOf"}) {
            if (!schema.has(key)) continue;
            requireAlone(schema, key, path);
            JsonNode alts = schema.get(key);
            if (!alts.isArray() || alts.isEmpty()) throw new GrammarException("'" + key + "' at " + path + " must be a non-empty array");
            List<String> refs = new ArrayList<>();
            for (int i = 0; i < alts.size(); i++) refs.add(visit(alts.get(i), name + "-" + i, path + "/" + key + "/" + i, depth + 1));
            return add(name, String.join(" | ", refs));
        }
        if (schema.has("allOf")) return visit(mergeAllOf(schema, path), name, path, depth + 1);

        JsonNode type = schema.get("type");
        boolean nullable = schema.path("nullable").asBoolean(false);
        if (type != null && type.isArray() || nullable) {
            List<String> types = new ArrayList<>();
            if (type == null) types.add(inferType(schema));
            else if (type.isArray()) type.forEach(t -> types.add(t.asText()));
            else types.add(type.asText());
            if (nullable && !types.contains("null")) types.add("null");
            if (types.isEmpty()) throw new GrammarException("'type' at " + path + " must not be an empty list");
            List<String> refs = new ArrayList<>();
            for (String t : new LinkedHashSet<>(types)) refs.add(typed(schema, t, name + "-" + t, path, depth));
            return add(name, String.join(" | ", refs));
        }
        if (type != null && !type.isTextual()) throw new GrammarException("'type' at " + path + " must be a string or a list of strings");
        return typed(schema, type == null ? inferType(schema) : type.asText(), name, path, depth);
    }

    private static void requireAlone(JsonNode schema, String keyword, String path) {
        List<String> others = new ArrayList<>();
        schema.fieldNames().forEachRemaining(k -> {
            if (!k.equals(keyword) && !ANNOTATIONS.contains(k)) others.add(k);
        });
        if (!others.isEmpty())
            throw new GrammarException("keywords beside '" + keyword + "' at " + path + " are not supported: " + String.join(", ", others));
    }

    private static String inferType(JsonNode s) {
        if (s.has("properties") || s.has("additionalProperties") || s.has("required")) return "object";
        if (s.has("items") || s.has("prefixItems") || s.has("minItems") || s.has("maxItems")) return "array";
        if (s.has("minLength") || s.has("maxLength") || s.has("pattern") || s.has("format")) return "string";
        if (s.has("minimum") || s.has("maximum") || s.has("exclusiveMinimum") || s.has("exclusiveMaximum")) return "number";
        return "any";
    }

    private String typed(JsonNode s, String type, String name, String path, int depth) {
        return switch (type) {
            case "object" -> add(name, object(s, name, path, depth));
            case "array" -> add(name, array(s, name, path, depth));
            case "string" -> add(name, string(s, path));
            case "integer" -> add(name, integer(s, path));
            case "number" -> add(name, primitive(number(s, path)));
            case "boolean" -> add(name, primitive("boolean"));
            case "null" -> add(name, primitive("null"));
            case "any" -> add(name, primitive("value"));
            default -> throw new GrammarException("unknown type '" + type + "' at " + path
                    + " (expected object, array, string, integer, number, boolean or null)");
        };
    }

    private String ref(JsonNode refNode, String path, int depth) {
        String ref = refNode.asText("");
        String known = refRules.get(ref);
        if (known != null) return known;
        if (!ref.startsWith("#")) throw new GrammarException("$ref '" + ref + "' at " + path + ": only references into this schema (#/...) are supported");
        JsonNode target;
        try {
            target = ref.equals("#") ? root : root.at(JsonPointer.compile(ref.substring(1)));
        } catch (IllegalArgumentException e) {
            throw new GrammarException("$ref '" + ref + "' at " + path + " is not a valid JSON pointer: " + e.getMessage());
        }
        if (target.isMissingNode()) throw new GrammarException("$ref '" + ref + "' at " + path + " points to nothing");
        String last = ref.substring(ref.lastIndexOf('/') + 1);
        String name = reserve("ref-" + sanitize(last.isEmpty() ? "root" : last)); // held while the target, which may refer back, converts
        refRules.put(ref, name);
        String body = visit(target, name + "-body", ref, depth + 1);
        rules.put(name, body);
        return name;
    }

    private String constant(JsonNode v) {
        try {
            return JsonGrammarRules.literal(JSON.writeValueAsString(v)) + " " + primitive("space");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new GrammarException("cannot serialise constant " + v + ": " + e.getMessage());
        }
    }

    private JsonNode mergeAllOf(JsonNode schema, String path) {
        requireAlone(schema, "allOf", path);
        JsonNode parts = schema.get("allOf");
        if (!parts.isArray() || parts.isEmpty()) throw new GrammarException("'allOf' at " + path + " must be a non-empty array");
        if (parts.size() == 1) return parts.get(0);
        ObjectNode merged = JSON.createObjectNode();
        ObjectNode props = merged.putObject("properties");
        Set<String> required = new LinkedHashSet<>();
        merged.put("type", "object");
        for (int i = 0; i < parts.size(); i++) {
            JsonNode p = parts.get(i);
            for (int hops = 0; p.has("$ref") && hops < 32; hops++) {
                String ref = p.get("$ref").asText("");
                p = ref.startsWith("#") ? root.at(ref.equals("#") ? "" : ref.substring(1)) : p;
                if (p.isMissingNode()) throw new GrammarException("$ref '" + ref + "' in allOf at " + path + " points to nothing");
            }
            for (var it = p.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!Set.of("type", "properties", "required", "additionalProperties").contains(k) && !ANNOTATIONS.contains(k))
                    throw new GrammarException("allOf at " + path + " merges only object schemas; part " + i + " has '" + k + "'");
            }
            if (p.has("type") && !p.get("type").asText().equals("object"))
                throw new GrammarException("allOf at " + path + " merges only object schemas; part " + i + " has type " + p.get("type"));
            p.path("properties").properties().forEach(e -> props.putIfAbsent(e.getKey(), e.getValue()));
            p.path("required").forEach(r -> required.add(r.asText()));
            if (p.has("additionalProperties") && p.get("additionalProperties").isBoolean() && !p.get("additionalProperties").asBoolean())
                merged.put("additionalProperties", false);
        }
        merged.putArray("required").addAll(required.stream().map(JSON.getNodeFactory()::textNode).toList());
        return merged;
    }

    // ---- objects ---------------------------------------------------------------------------------

    private String object(JsonNode s, String name, String path, int depth) {
        JsonNode props = s.path("properties");
        JsonNode additional = s.get("additionalProperties");
        if (!props.isMissingNode() && !props.isObject()) throw new GrammarException("'properties' at " + path + " must be an object");
        if (props.isEmpty() && (additional == null || additional.isBoolean() && additional.asBoolean()) && !s.has("required"))
            return primitive("object");
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = s.path("required");
        if (!req.isMissingNode() && !req.isArray()) throw new GrammarException("'required' at " + path + " must be an array of names");
        for (JsonNode r : req) {
            if (!r.isTextual()) throw new GrammarException("'required' at " + path + " must list strings, got " + r);
            if (!props.has(r.asText())) throw new GrammarException("required property '" + r.asText() + "' at " + path + " is not in 'properties'");
            required.add(r.asText());
        }
        List<String> requiredKv = new ArrayList<>(), optionalKv = new ArrayList<>();
        for (var e : props.properties()) {
            String key = e.getKey();
            String value = visit(e.getValue(), name + "-" + sanitize(key), path + "/properties/" + key, depth + 1);
            String kv = add(name + "-" + sanitize(key) + "-kv", constant(JSON.getNodeFactory().textNode(key)) + " \":\" space " + value);
            (required.contains(key) ? requiredKv : optionalKv).add(kv);
        }
        String additionalKv = null;
        if (additional != null && !(additional.isBoolean() && !additional.asBoolean())) {
            String value = additional.isBoolean() ? primitive("value") : visit(additional, name + "-additional", path + "/additionalProperties", depth + 1);
            String key = props.isEmpty() ? primitive("string") : notStrings(props, name + "-additional-key");
            additionalKv = add(name + "-additional-kv", key + " \":\" space " + value);
        }
        primitive("space");
        StringBuilder body = new StringBuilder("\"{\" space ");
        String rest = optionalChoice(optionalKv, 0, additionalKv, name);
        if (!requiredKv.isEmpty()) {
            body.append(String.join(" \",\" space ", requiredKv));
            if (rest != null) body.append(" ( \",\" space ( ").append(rest).append(" ) )?");
        } else if (rest != null) body.append("( ").append(rest).append(" )?");
        return body.append(" \"}\" space").toString();
    }

    /**
     * A rule for "the next present one of optional[from..] and what may follow it", or null if none
     * can come: {@code choice_i ::= kv_i rest_i | choice_(i+1)} with {@code rest_i ::= ("," space
     * choice_(i+1))?}, built from the end so the grammar grows linearly with the property count.
     */
    private String optionalChoice(List<String> optional, int from, String additionalKv, String name) {
        String next = additionalKv == null ? null
                : add(name + "-additional-choice", additionalKv + " ( \",\" space " + additionalKv + " )*");
        for (int i = optional.size() - 1; i >= from; i--) {
            String kv = optional.get(i);
            String body = next == null ? kv : kv + " " + add(kv + "-rest", "( \",\" space " + next + " )?") + " | " + next;
            next = add(kv + "-choice", body);
        }
        return next;
    }

    /**
     * A JSON string key that is none of {@code props}' names: walks a trie of the names and leaves it
     * on the first character no name continues with (escapes are allowed only after that point).
     */
    private String notStrings(JsonNode props, String name) {
        Map<String, Set<Integer>> children = new LinkedHashMap<>(); // prefix -> next code points
        Set<String> complete = new java.util.HashSet<>();
        children.put("", new LinkedHashSet<>());
        for (var it = props.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            complete.add(key);
            int[] cps = key.codePoints().toArray();
            StringBuilder prefix = new StringBuilder();
            for (int cp : cps) {
                children.computeIfAbsent(prefix.toString(), k -> new LinkedHashSet<>()).add(cp);
                prefix.appendCodePoint(cp);
            }
        }
        primitive("char");
        primitive("space");
        Map<String, String> nodeNames = new HashMap<>();
        for (String prefix : children.keySet()) nodeNames.put(prefix, reserve(name + "-" + nodeNames.size()));
        for (String prefix : children.keySet()) {
            Set<Integer> next = children.get(prefix);
            List<String> alts = new ArrayList<>();
            CharClass used = CharClass.EMPTY;
            for (int cp : next) {
                used = used.union(CharClass.of(cp));
                String child = prefix + Character.toString(cp);
                String childRule = nodeNames.get(child);
                String lit = RegexConverter.jsonChars(CharClass.of(cp));
                // a leaf is a whole name: it must go on, and any further character diverges
                alts.add(childRule != null ? lit + " " + childRule : lit + " char+ \"\\\"\" space");
            }
            CharClass other = CharClass.ANY.minus(used).minus(CharClass.ofRanges(0, 0x1F, '"', '"', '\\', '\\', 0x7F, 0x7F));
            alts.add(other.toGbnf() + " char* \"\\\"\" space");
            if (!complete.contains(prefix)) alts.add("\"\\\"\" space");
            rules.put(nodeNames.get(prefix), String.join(" | ", alts));
        }
        return add(name, "\"\\\"\" " + nodeNames.get(""));
    }

    // ---- arrays, strings, numbers ----------------------------------------------------------------

    private String array(JsonNode s, String name, String path, int depth) {
        primitive("space");
        JsonNode tuple = s.has("prefixItems") ? s.get("prefixItems") : s.path("items").isArray() ? s.get("items") : null;
        if (tuple != null) {
            boolean closed = !s.has("prefixItems") || !s.has("items") || s.get("items").isBoolean() && !s.get("items").asBoolean();
            if (!closed || s.has("minItems") || s.has("maxItems"))
                throw new GrammarException("tuple arrays (prefixItems) at " + path + " support no items, minItems or maxItems beside them");
            List<String> items = new ArrayList<>();
            for (int i = 0; i < tuple.size(); i++) items.add(visit(tuple.get(i), name + "-" + i, path + "/prefixItems/" + i, depth + 1));
            return "\"[\" space " + (items.isEmpty() ? "" : String.join(" \",\" space ", items) + " ") + "\"]\" space";
        }
        String item = s.has("items") ? visit(s.get("items"), name + "-item", path + "/items", depth + 1) : primitive("value");
        int min = count(s, "minItems", 0, path);
        int max = count(s, "maxItems", -1, path);
        if (max >= 0 && max < min) throw new GrammarException("maxItems " + max + " < minItems " + min + " at " + path);
        if (max == 0) return "\"[\" space \"]\" space";
        String more = "( \",\" space " + item + " )" + repeat(Math.max(min - 1, 0), max < 0 ? -1 : max - 1);
        String items = item + " " + more;
        return "\"[\" space " + (min == 0 ? "( " + items + " )?" : items) + " \"]\" space";
    }

    private static String repeat(int min, int max) {
        if (max < 0) return min == 0 ? "*" : "{" + min + ",}";
        return "{" + min + "," + max + "}";
    }

    private static int count(JsonNode s, String key, int absent, String path) {
        JsonNode n = s.get(key);
        if (n == null) return absent;
        if (!n.canConvertToExactIntegral() || n.asLong() < 0 || n.asLong() > GrammarBuilder.MAX_REPEAT)
            throw new GrammarException("'" + key + "' at " + path + " must be an integer in [0, " + GrammarBuilder.MAX_REPEAT + "], got " + n);
        return n.asInt();
    }

    private String string(JsonNode s, String path) {
        primitive("space");
        boolean lengths = s.has("minLength") || s.has("maxLength");
        if (s.has("pattern")) {
            if (lengths) throw new GrammarException("'pattern' with minLength/maxLength at " + path + " is not supported");
            return "\"\\\"\" " + RegexConverter.toGbnf(s.get("pattern").asText()) + " \"\\\"\" space";
        }
        String format = s.path("format").asText(null);
        if (format != null && JsonGrammarRules.FORMATS.containsKey(format)) {
            if (lengths) throw new GrammarException("'format' with minLength/maxLength at " + path + " is not supported");
            return primitive(JsonGrammarRules.FORMATS.get(format));
        }
        int min = count(s, "minLength", 0, path);
        int max = count(s, "maxLength", -1, path);
        if (max >= 0 && max < min) throw new GrammarException("maxLength " + max + " < minLength " + min + " at " + path);
        primitive("char");
        String chars = max < 0 && min == 0 ? "char*" : max < 0 ? "char{" + min + ",}" : "char{" + min + "," + max + "}";
        return "\"\\\"\" " + chars + " \"\\\"\" space";
    }

    private static String number(JsonNode s, String path) {
        JsonNode min = s.get("minimum");
        return min != null && min.isNumber() && min.asDouble() == 0 && !s.has("exclusiveMinimum") ? "nonnegative-number" : "number";
    }

    private String integer(JsonNode s, String path) {
        String range = IntegerRange.forSchema(s, path);
        return range == null ? primitive("integer") : range + " " + primitive("space");
    }

    private static String sanitize(String s) {
        String r = s.replaceAll("[^A-Za-z0-9-]+", "-");
        return r.length() > 40 ? r.substring(0, 40) : r;
    }
}
