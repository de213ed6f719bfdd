package dev.halyard.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halyard.server.errors.ApiException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, checked access to one JSON object of a request. Absent and {@code null} are the same (the
 * SDKs send either for "unset"). Every failure is an {@link ApiException} whose {@code param} is the
 * full path ({@code messages[2].content}) and whose message names the value and what was expected.
 */
public final class JsonArgs {
    private final ObjectNode node;
    private final String prefix; // "" at the root, "messages[2]." below
    private final Limits limits;

    private JsonArgs(ObjectNode node, String prefix, Limits limits) {
        this.node = node;
        this.prefix = prefix;
        this.limits = limits;
    }

    /** The request body, which must be an object. */
    public static JsonArgs root(JsonNode body, Limits limits) {
        if (!(body instanceof ObjectNode o)) throw ApiException.badJson("the body must be a JSON object, got " + describe(body));
        return new JsonArgs(o, "", limits);
    }

    /** {@code value}, which must be an object, found at {@code path}. */
    public static JsonArgs at(JsonNode value, String path, Limits limits) {
        if (!(value instanceof ObjectNode o)) throw ApiException.wrongType(path, "an object", describe(value));
        return new JsonArgs(o, path + ".", limits);
    }

    public Limits limits() { return limits; }

    /** The full name of a key of this object, for messages. */
    public String path(String key) {
        return prefix + key;
    }

    public boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    /** The raw value, or null when absent or null. */
    public JsonNode raw(String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    public String string(String key) {
        JsonNode v = raw(key);
        if (v == null) return null;
        if (!v.isTextual()) throw ApiException.wrongType(path(key), "a string", describe(v));
        return checkLength(path(key), v.textValue());
    }

    public String requireString(String key) {
        String s = string(key);
        if (s == null) throw ApiException.missing(path(key));
        return s;
    }

    public Boolean bool(String key) {
        JsonNode v = raw(key);
        if (v == null) return null;
        if (!v.isBoolean()) throw ApiException.wrongType(path(key), "a boolean", describe(v));
        return v.booleanValue();
    }

    public boolean bool(String key, boolean fallback) {
        Boolean b = bool(key);
        return b == null ? fallback : b;
    }

    /** A number in the interval {@code lo..hi}; {@code open} says which ends are excluded ("()" "(]" "[)" "[]"). */
    public Float number(String key, double lo, double hi, String ends) {
        JsonNode v = raw(key);
        if (v == null) return null;
        if (!v.isNumber()) throw ApiException.wrongType(path(key), "a number", describe(v));
        double d = v.doubleValue();
        boolean loOk = ends.charAt(0) == '(' ? d > lo : d >= lo;
        boolean hiOk = ends.charAt(1) == ')' ? d < hi : d <= hi;
        if (!(loOk && hiOk) || Double.isNaN(d))
            throw ApiException.invalid(path(key), path(key) + " must be in " + ends.charAt(0) + fmt(lo) + ", " + fmt(hi) + ends.charAt(1) + ", got " + v.asText());
        return (float) d;
    }

    /** An integer in [lo, hi]; 2.0 counts as 2, 2.5 does not. */
    public Long integer(String key, long lo, long hi) {
        JsonNode v = raw(key);
        if (v == null) return null;
        return integerValue(v, path(key), lo, hi);
    }

    public Integer intIn(String key, int lo, int hi) {
        Long l = integer(key, lo, hi);
        return l == null ? null : l.intValue();
    }

    /** An array (or null when absent); checks its length against {@code maxItems}. */
    public List<JsonNode> array(String key, int maxItems) {
        JsonNode v = raw(key);
        if (v == null) return null;
        if (!v.isArray()) throw ApiException.wrongType(path(key), "an array", describe(v));
        if (v.size() > maxItems) throw ApiException.invalid(path(key), path(key) + " must have at most " + maxItems + " items, got " + v.size());
        List<JsonNode> out = new ArrayList<>(v.size());
        v.forEach(out::add);
        return out;
    }

    /** A nested object, or null when absent. */
    public JsonArgs object(String key) {
        JsonNode v = raw(key);
        return v == null ? null : at(v, path(key), limits);
    }

    public String checkLength(String path, String s) {
        if (s.length() > limits.maxStringChars())
            throw ApiException.invalid(path, path + " must have at most " + limits.maxStringChars() + " characters, got " + s.length());
        return s;
    }

    // ------------------------------------------------------------------ helpers shared by the parsers

    static long integerValue(JsonNode v, String path, long lo, long hi) {
        if (!v.isNumber()) throw ApiException.wrongType(path, "an integer", describe(v));
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue()))
            throw ApiException.invalid(path, path + " must be in [" + lo + ", " + hi + "], got " + v.asText());
        BigDecimal d = v.decimalValue();
        if (d.stripTrailingZeros().scale() > 0) throw ApiException.wrongType(path, "an integer", "number " + v.asText());
        if (d.compareTo(BigDecimal.valueOf(lo)) < 0 || d.compareTo(BigDecimal.valueOf(hi)) > 0)
            throw ApiException.invalid(path, path + " must be in [" + lo + ", " + hi + "], got " + v.asText());
        return d.longValueExact();
    }

    /** A short description of a JSON value for messages: "string 'ab…'", "number 3", "array", "null". */
    public static String describe(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return "null";
        if (v.isTextual()) {
            String s = v.textValue();
            return "string '" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
        }
        if (v.isNumber()) return "number " + v.asText();
        if (v.isBoolean()) return "boolean " + v.asText();
        if (v.isArray()) return "an array";
        return "an object";
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
