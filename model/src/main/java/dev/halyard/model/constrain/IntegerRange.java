package dev.halyard.model.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for the decimal integers in [lo, hi] without leading zeros or "-0": the classic split of a
 * range into digit-class sequences per length, e.g. [5, 123] is
 * {@code [5-9] | [1-9] [0-9] | "1" [0-1] [0-9] | "12" [0-3]}. Integers have at most 16 digits, as
 * the unbounded integer rule allows.
 */
final class IntegerRange {
    static final long LIMIT = 9_999_999_999_999_999L; // largest magnitude: 16 digits

    private IntegerRange() {}

    /**
     * GBNF for an integer schema's {@code minimum}/{@code maximum} (and the exclusive forms, draft 4
     * booleans or later numbers), or null when it has no bounds.
     */
    static String forSchema(JsonNode s, String path) {
        long lo = Math.max(-LIMIT, bound(s, "minimum", "exclusiveMinimum", true, path));
        long hi = Math.min(LIMIT, bound(s, "maximum", "exclusiveMaximum", false, path));
        if (lo > hi) throw new GrammarException("no integer satisfies the bounds at " + path + " (within ±" + LIMIT + ")");
        return lo == -LIMIT && hi == LIMIT ? null : gbnf(lo, hi);
    }

    /** The inclusive bound from {@code key} / {@code exclusiveKey}, clamped to ±LIMIT (±(LIMIT+1) when beyond it). */
    private static long bound(JsonNode s, String key, String exclusiveKey, boolean lower, String path) {
        long result = lower ? -LIMIT : LIMIT;
        JsonNode v = s.get(key), ex = s.get(exclusiveKey);
        if (v != null) {
            if (!v.isNumber()) throw new GrammarException("'" + key + "' at " + path + " must be a number, got " + v);
            result = round(v, lower, ex != null && ex.isBoolean() && ex.asBoolean());
        }
        if (ex != null && ex.isNumber()) {
            long e = round(ex, lower, true);
            result = lower ? Math.max(result, e) : Math.min(result, e);
        } else if (ex != null && !ex.isBoolean()) {
            throw new GrammarException("'" + exclusiveKey + "' at " + path + " must be a number or a boolean, got " + ex);
        }
        return result;
    }

    /** The least integer above (or greatest below) the number, clamped to ±(LIMIT+1). */
    private static long round(JsonNode n, boolean lower, boolean exclusive) {
        double d = n.asDouble();
        BigDecimal limit = BigDecimal.valueOf(LIMIT + 1);
        BigDecimal v = Double.isInfinite(d) ? (d > 0 ? limit : limit.negate()) : n.decimalValue();
        if (v.compareTo(limit) > 0) v = limit;
        if (v.compareTo(limit.negate()) < 0) v = limit.negate();
        BigDecimal r = v.setScale(0, lower ? RoundingMode.CEILING : RoundingMode.FLOOR);
        long b = r.longValueExact();
        if (exclusive && r.compareTo(v) == 0) b += lower ? 1 : -1;
        return b;
    }

    static String gbnf(long lo, long hi) {
        if (lo > hi) throw new IllegalArgumentException("empty integer range [" + lo + ", " + hi + "]");
        List<String> alts = new ArrayList<>();
        if (lo < 0) {
            long negHi = -lo, negLo = hi < 0 ? -hi : 1; // magnitudes of the negative part
            for (String a : nonNegative(negLo, negHi)) alts.add("\"-\" " + a);
        }
        if (hi >= 0) alts.addAll(nonNegative(Math.max(lo, 0), hi));
        return "(" + String.join(" | ", alts) + ")";
    }

    /** Alternatives for [a, b], 0 <= a <= b. */
    private static List<String> nonNegative(long a, long b) {
        List<String> out = new ArrayList<>();
        int la = Long.toString(a).length(), lb = Long.toString(b).length();
        for (int len = la; len <= lb; len++) {
            long first = len == 1 ? 0 : pow10(len - 1), last = pow10(len) - 1;
            long from = Math.max(a, first), to = Math.min(b, last);
            if (from <= to) sameLength(Long.toString(from), Long.toString(to), "", out);
        }
        return out;
    }

    /** Sequences for the numbers between equal-length digit strings lo and hi, after {@code prefix}. */
    private static void sameLength(String lo, String hi, String prefix, List<String> out) {
        int n = lo.length();
        if (lo.equals(hi)) {
            out.add(join(prefix, "\"" + lo + "\""));
            return;
        }
        if (lo.charAt(0) == hi.charAt(0)) {
            sameLength(lo.substring(1), hi.substring(1), join(prefix, "\"" + lo.charAt(0) + "\""), out);
            return;
        }
        String restLo = lo.substring(1), restHi = hi.substring(1);
        char start = lo.charAt(0), end = hi.charAt(0);
        if (!restLo.chars().allMatch(c -> c == '0')) {
            sameLength(restLo, "9".repeat(n - 1), join(prefix, "\"" + start + "\""), out);
            start++;
        }
        boolean hiFull = restHi.chars().allMatch(c -> c == '9');
        if (!hiFull) end--;
        if (start <= end) {
            String digit = start == end ? "\"" + start + "\"" : "[" + start + "-" + end + "]";
            out.add(join(prefix, digit + (n > 1 ? " [0-9]" + (n > 2 ? "{" + (n - 1) + "}" : "") : "")));
        }
        if (!hiFull) sameLength("0".repeat(n - 1), restHi, join(prefix, "\"" + hi.charAt(0) + "\""), out);
    }

    private static String join(String prefix, String s) {
        return prefix.isEmpty() ? s : prefix + " " + s;
    }

    private static long pow10(int k) {
        long r = 1;
        for (int i = 0; i < k; i++) r *= 10;
        return r;
    }
}
