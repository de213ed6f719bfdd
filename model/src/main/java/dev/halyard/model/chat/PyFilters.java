package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Filters whose engine versions differ from Jinja2 / Hugging Face, and the ones the engine lacks:
 * {@code tojson} (Python's json.dumps, key order kept, indent), {@code items}, {@code string},
 * {@code trim}, {@code length}, {@code join}, {@code list}, {@code title}, {@code capitalize}, and
 * {@code py_slice} (what {@link ExpressionRewriter} turns {@code x[a:b:c]} into).
 */
final class PyFilters {
    private PyFilters() {}

    /** A filter's body, taking positional and keyword arguments as Jinja2 passes them. */
    @FunctionalInterface
    interface Body {
        Object apply(Object value, List<Object> args, Map<String, Object> kwargs);
    }

    private static Filter named(String name, Body body) {
        return new Filter() {
            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
                Map<String, Object> kw = kwargs == null ? Map.of() : kwargs;
                for (String k : kw.keySet())
                    if (!allowedKwargs(name).contains(k)) throw new RenderGuard.Abort("filter " + name + "() got an unexpected keyword argument '" + k + "'");
                return body.apply(var, args == null ? List.of() : java.util.Arrays.asList(args), kw);
            }

            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
                return filter(var, interpreter, (Object[]) args, Map.of());
            }

            @Override
            public String getName() {
                return name;
            }
        };
    }

    private static List<String> allowedKwargs(String filter) {
        return switch (filter) {
            case "tojson" -> List.of("indent", "ensure_ascii", "separators", "sort_keys");
            case "trim" -> List.of("chars");
            case "join" -> List.of("d", "attribute");
            default -> List.of();
        };
    }

    static List<Filter> all() {
        return List.of(
                named("tojson", PyFilters::tojson),
                named("items", (v, a, k) -> items(v)),
                named("string", (v, a, k) -> PyValues.str(v)),
                named("trim", (v, a, k) -> PyStrings.strip(PyValues.str(v), arg(a, k, 0, "chars") instanceof String c ? c : null, true, true)),
                named("length", (v, a, k) -> length(v)),
                named("count", (v, a, k) -> length(v)),
                named("join", PyFilters::join),
                named("list", (v, a, k) -> list(v)),
                named("title", (v, a, k) -> PyStrings.title(PyValues.str(v))),
                named("capitalize", (v, a, k) -> PyStrings.capitalize(PyValues.str(v))),
                named("py_slice", PyFilters::slice));
    }

    private static Object arg(List<Object> args, Map<String, Object> kwargs, int position, String name) {
        if (kwargs.containsKey(name)) return kwargs.get(name);
        return position < args.size() ? args.get(position) : null;
    }

    /** Hugging Face's tojson: json.dumps(x, ensure_ascii=False, indent=…, separators=…, sort_keys=False). */
    private static Object tojson(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object indent = arg(args, kwargs, 0, "indent");
        String indentStr = switch (indent) {
            case null -> null;
            case String s -> s;
            case Number n when !(n instanceof Double) -> " ".repeat((int) Math.max(0, Math.min(64, n.longValue())));
            default -> throw new RenderGuard.Abort("tojson: indent must be an int or a string");
        };
        String itemSep = null, keySep = null;
        if (kwargs.get("separators") instanceof List<?> seps) {
            if (seps.size() != 2 || !(seps.get(0) instanceof String a) || !(seps.get(1) instanceof String b))
                throw new RenderGuard.Abort("tojson: separators must be a pair of strings");
            itemSep = a;
            keySep = b;
        }
        boolean sortKeys = PyValues.truthy(kwargs.get("sort_keys"));
        boolean ensureAscii = PyValues.truthy(kwargs.get("ensure_ascii"));
        return PyJson.dumps(value, indentStr, itemSep, keySep, sortKeys, ensureAscii, RenderGuard.current().limits.maxOutputChars());
    }

    /** dict → list of (key, value) pairs; undefined → empty, as Jinja2's items filter. */
    private static Object items(Object v) {
        if (v == null) return new ArrayList<>();
        if (!(v instanceof Map<?, ?> m)) throw new RenderGuard.Abort("items filter: can only get item pairs from a mapping, not " + PyMethods.typeName(v));
        var out = new ArrayList<Object>(m.size());
        for (var e : m.entrySet()) out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
        return out;
    }

    /** len(): code points for strings (as Python counts), entries for collections. */
    private static Object length(Object v) {
        return switch (v) {
            case null -> 0L;
            case String s -> (long) s.codePointCount(0, s.length());
            case Collection<?> c -> (long) c.size();
            case Map<?, ?> m -> (long) m.size();
            default -> throw new RenderGuard.Abort("object of type '" + PyMethods.typeName(v) + "' has no len()");
        };
    }

    /** Jinja2's join(d='', attribute=None): str() of each item, joined. */
    private static Object join(Object v, List<Object> args, Map<String, Object> kwargs) {
        Object sep = arg(args, kwargs, 0, "d");
        Object attribute = arg(args, kwargs, 1, "attribute");
        var sb = new StringBuilder();
        boolean first = true;
        for (Object o : (List<?>) list(v)) {
            if (!first) sb.append(sep == null ? "" : PyValues.str(sep));
            first = false;
            sb.append(PyValues.str(attribute != null && o instanceof Map<?, ?> m ? m.get(attribute) : o));
            if (sb.length() > RenderGuard.current().limits.maxOutputChars()) RenderGuard.current().checkString(sb.toString());
        }
        return sb.toString();
    }

    /** list(): characters of a string, keys of a dict, items of a list. */
    private static Object list(Object v) {
        return switch (v) {
            case null -> new ArrayList<>();
            case String s -> new ArrayList<Object>(s.codePoints().mapToObj(Character::toString).toList());
            case Map<?, ?> m -> new ArrayList<Object>(m.keySet());
            case Collection<?> c -> new ArrayList<Object>(c);
            default -> throw new RenderGuard.Abort("'" + PyMethods.typeName(v) + "' object is not iterable");
        };
    }

    /** Python's seq[start:stop:step] on a list or string. */
    private static Object slice(Object v, List<Object> args, Map<String, Object> kwargs) {
        Object step = args.size() > 2 ? args.get(2) : null;
        long st = step == null ? 1 : step instanceof Number n && !(n instanceof Double) ? n.longValue() : 0;
        if (st == 0) throw new RenderGuard.Abort("slice step cannot be zero");
        List<?> items;
        if (v instanceof String s) items = s.codePoints().mapToObj(Character::toString).toList();
        else if (v instanceof List<?> l) items = l;
        else throw new RenderGuard.Abort("'" + PyMethods.typeName(v) + "' object is not subscriptable");
        int len = items.size();
        long start = bound(args.size() > 0 ? args.get(0) : null, len, st, true);
        long stop = bound(args.size() > 1 ? args.get(1) : null, len, st, false);
        var out = new ArrayList<Object>();
        for (long i = start; st > 0 ? i < stop : i > stop; i += st) out.add(items.get((int) i));
        if (v instanceof String) return String.join("", out.stream().map(o -> (String) o).toList());
        return out;
    }

    /** CPython's slice index adjustment. */
    private static long bound(Object o, int len, long step, boolean isStart) {
        if (o == null) return step > 0 ? (isStart ? 0 : len) : (isStart ? len - 1 : -1);
        if (!(o instanceof Number n) || o instanceof Double) throw new RenderGuard.Abort("slice indices must be integers or None");
        long i = n.longValue();
        if (i < 0) {
            i += len;
            if (i < 0) i = step < 0 ? -1 : 0;
        } else if (i >= len) {
            i = step < 0 ? len - 1 : len;
        }
        return i;
    }
}
