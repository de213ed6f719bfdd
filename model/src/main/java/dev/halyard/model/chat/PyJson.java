package dev.halyard.model.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;

/**
 * Python's {@code json.dumps} as Hugging Face's {@code tojson} filter calls it ({@code ensure_ascii=False},
 * keys in insertion order, separators {@code ", "} and {@code ": "}, or {@code ","} and {@code ": "}
 * with an indent), and {@code json.loads} for tool-call arguments.
 */
final class PyJson {
    private PyJson() {}

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    /**
     * {@code json.dumps(value, indent=indent, separators=(itemSep, keySep), sort_keys=sortKeys,
     * ensure_ascii=ensureAscii)}; {@code indent} null for one line, else the string put per level.
     */
    static String dumps(Object value, String indent, String itemSep, String keySep, boolean sortKeys, boolean ensureAscii, int maxChars) {
        if (itemSep == null) itemSep = indent == null ? ", " : ",";
        if (keySep == null) keySep = ": ";
        var w = new Writer(indent, itemSep, keySep, sortKeys, ensureAscii, maxChars);
        w.write(value, 0);
        return w.sb.toString();
    }

    private record Writer(String indent, String itemSep, String keySep, boolean sortKeys, boolean ensureAscii, int maxChars, StringBuilder sb) {
        Writer(String indent, String itemSep, String keySep, boolean sortKeys, boolean ensureAscii, int maxChars) {
            this(indent, itemSep, keySep, sortKeys, ensureAscii, maxChars, new StringBuilder());
        }

        void write(Object v, int depth) {
            if (depth > 64) throw new RenderGuard.Abort("tojson: value nested deeper than 64 levels");
            if (sb.length() > maxChars) throw new RenderGuard.Abort("tojson output exceeds the limit of " + maxChars + " characters");
            switch (v) {
                case null -> sb.append("null");
                case Boolean b -> sb.append(b ? "true" : "false");
                case String s -> string(s);
                case Character c -> string(c.toString());
                case Double d -> floating(d);
                case Float f -> floating(f.doubleValue());
                case BigDecimal d -> floating(d.doubleValue());
                case Number n -> sb.append(n);
                case Map<?, ?> m -> object(m, depth);
                case Collection<?> c -> array(c, depth);
                case Map.Entry<?, ?> e -> array(java.util.List.of(e.getKey() == null ? "" : e.getKey(), e.getValue() == null ? "" : e.getValue()), depth);
                default -> throw new RenderGuard.Abort("tojson: object of this type is not JSON serializable");
            }
        }

        private void floating(double d) {
            if (Double.isNaN(d)) sb.append("NaN");
            else if (Double.isInfinite(d)) sb.append(d > 0 ? "Infinity" : "-Infinity");
            else sb.append(PyValues.floatRepr(d));
        }

        private void newline(int depth) {
            if (indent == null) return;
            sb.append('\n');
            sb.append(indent.repeat(depth));
        }

        private void array(Collection<?> c, int depth) {
            if (c.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) sb.append(itemSep);
                first = false;
                newline(depth + 1);
                write(o, depth + 1);
            }
            newline(depth);
            sb.append(']');
        }

        private void object(Map<?, ?> m, int depth) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            var entries = new ArrayList<Map.Entry<?, ?>>(m.entrySet());
            if (sortKeys) entries.sort((a, b) -> keyString(a.getKey()).compareTo(keyString(b.getKey())));
            sb.append('{');
            boolean first = true;
            for (var e : entries) {
                if (!first) sb.append(itemSep);
                first = false;
                newline(depth + 1);
                string(keyString(e.getKey()));
                sb.append(keySep);
                write(e.getValue(), depth + 1);
            }
            newline(depth);
            sb.append('}');
        }

        /** json.dumps turns None, bool and number keys into strings. */
        private static String keyString(Object k) {
            return switch (k) {
                case null -> "null";
                case Boolean b -> b ? "true" : "false";
                case Double d -> PyValues.floatRepr(d);
                default -> k.toString();
            };
        }

        private void string(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            sb.append('"');
        }
    }

    /**
     * {@code json.loads(text)} into template values (dicts keep key order, ints stay exact, floats are
     * doubles); null when the text is not valid JSON.
     */
    static Object loadsOrNull(String text) {
        try {
            Object parsed = MAPPER.readValue(text, Object.class);
            return TemplateValues.plain(parsed, "arguments", 0);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }
}
