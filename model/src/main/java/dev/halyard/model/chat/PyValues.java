package dev.halyard.model.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} for the values templates handle (None, bool, int, float,
 * str, list, dict), so that what a template prints matches Jinja2: {@code True}, {@code 1.0},
 * {@code 1e-05}, {@code ['a', 1]}, {@code {'k': None}}. Anything else prints as {@code <object>}:
 * the sandbox never calls {@code toString()} on a foreign object.
 */
final class PyValues {
    private PyValues() {}

    /** What {@code {{ value }}} prints. Null (None or undefined, which the engine does not tell apart) prints nothing. */
    static String str(Object v) {
        if (v == null) return "";
        if (v instanceof String s) return s;
        if (v instanceof Character c) return c.toString();
        return repr(v);
    }

    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb, 0);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb, int depth) {
        if (depth > 64) throw new RenderGuard.Abort("value nested deeper than 64 levels");
        switch (v) {
            case null -> sb.append("None");
            case Boolean b -> sb.append(b ? "True" : "False");
            case String s -> quote(s, sb);
            case Character c -> quote(c.toString(), sb);
            case Double d -> sb.append(floatRepr(d));
            case Float f -> sb.append(floatRepr(f.doubleValue()));
            case BigDecimal d -> sb.append(floatRepr(d.doubleValue()));
            case Number n -> sb.append(n);
            case Map.Entry<?, ?> e -> {
                sb.append('(');
                repr(e.getKey(), sb, depth + 1);
                sb.append(", ");
                repr(e.getValue(), sb, depth + 1);
                sb.append(')');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    repr(e.getKey(), sb, depth + 1);
                    sb.append(": ");
                    repr(e.getValue(), sb, depth + 1);
                }
                sb.append('}');
            }
            case Collection<?> c -> {
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) sb.append(", ");
                    first = false;
                    repr(o, sb, depth + 1);
                }
                sb.append(']');
            }
            default -> sb.append("<object>");
        }
    }

    /** Python's string repr: single quotes unless the text has ' and no ", backslash escapes. */
    private static void quote(String s, StringBuilder sb) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c == q) sb.append('\\').append(c);
                    else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append(q);
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that round-trip (which Java's
     * {@link Double#toString} also finds), positional when the decimal exponent is in [-4, 16),
     * else scientific with a two-digit exponent: 1.0, 0.0001, 1e-05, 1e+16, 1.5e+300, inf, nan.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        String sign = d < 0 ? "-" : "";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale(); // value = 0.digits × 10^decpt
        StringBuilder sb = new StringBuilder(sign);
        if (decpt <= -4 || decpt > 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            if (Math.abs(exp) < 10) sb.append('0');
            sb.append(Math.abs(exp));
        } else if (decpt <= 0) {
            sb.append("0.").append("0".repeat(-decpt)).append(digits);
        } else if (decpt >= digits.length()) {
            sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        }
        return sb.toString();
    }

    /** Python truthiness: None, False, 0, 0.0, '' and empty collections are false. */
    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case String s -> !s.isEmpty();
            case BigInteger i -> i.signum() != 0;
            case Number n -> n.doubleValue() != 0;
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }
}
