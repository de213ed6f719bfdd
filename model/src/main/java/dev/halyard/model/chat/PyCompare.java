package dev.halyard.model.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Python's {@code ==} on template values: numbers by value across int/float/bool, lists and dicts by content. */
final class PyCompare {
    private PyCompare() {}

    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (a instanceof Double d && d.isNaN() || b instanceof Double e && e.isNaN()) return false;
        if (isNumeric(a) && isNumeric(b)) return toBig(a).compareTo(toBig(b)) == 0;
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            Iterator<?> i = x.iterator(), j = y.iterator();
            while (i.hasNext()) if (!eq(i.next(), j.next())) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (var e : x.entrySet()) if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) return false;
            return true;
        }
        return a.equals(b);
    }

    private static boolean isNumeric(Object o) {
        return o instanceof Number || o instanceof Boolean;
    }

    private static BigDecimal toBig(Object o) {
        return switch (o) {
            case Boolean b -> b ? BigDecimal.ONE : BigDecimal.ZERO;
            case BigInteger i -> new BigDecimal(i);
            case BigDecimal d -> d;
            case Double d -> Double.isFinite(d) ? new BigDecimal(d) : BigDecimal.valueOf(Double.MAX_VALUE).multiply(BigDecimal.valueOf(Math.signum(d)));
            case Float f -> new BigDecimal(f.doubleValue());
            case Number n -> BigDecimal.valueOf(n.longValue());
            default -> throw new IllegalArgumentException("not a number: " + o);
        };
    }
}
