package dev.halyard.model.chat;

import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.util.ForLoop;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whitelist of methods a template may call, with Python's semantics: on strings
 * {@code strip split startswith replace title …}, on dicts {@code items keys values get}, on lists
 * {@code index count}, on {@code loop} {@code cycle}. Nothing else is callable, and nothing here
 * mutates its receiver (like Hugging Face's immutable sandbox). An unknown method aborts the render
 * with Python's message: {@code 'str' object has no attribute 'getClass'}.
 */
final class PyMethods {
    private PyMethods() {}

    static Object call(Object base, String name, Object[] args) {
        if (args == null) args = new Object[0];
        for (Object a : args)
            if (a instanceof NamedParameter p) throw new RenderGuard.Abort(typeName(base) + "." + name + "() got an unexpected keyword argument '" + p.getName() + "'");
        Object result = switch (base) {
            case String s -> string(s, name, args);
            case Map<?, ?> m -> dict(m, name, args);
            case List<?> l -> list(l, name, args);
            case ForLoop loop when name.equals("cycle") -> args.length == 0 ? null : args[loop.getIndex0() % args.length];
            default -> NO_SUCH_METHOD;
        };
        if (result == NO_SUCH_METHOD)
            throw new RenderGuard.Abort("'" + typeName(base) + "' object has no attribute '" + name + "'");
        if (result instanceof String s) RenderGuard.current().checkString(s);
        return result;
    }

    private static final Object NO_SUCH_METHOD = new Object();

    private static Object string(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> { arity(name, a, 0, 1); yield PyStrings.strip(s, charsArg(a), true, true); }
            case "lstrip" -> { arity(name, a, 0, 1); yield PyStrings.strip(s, charsArg(a), true, false); }
            case "rstrip" -> { arity(name, a, 0, 1); yield PyStrings.strip(s, charsArg(a), false, true); }
            case "split" -> { arity(name, a, 0, 2); yield PyStrings.split(s, a.length > 0 ? optString(name, a[0]) : null, a.length > 1 ? intArg(name, a[1]) : -1); }
            case "rsplit" -> { arity(name, a, 0, 2); yield PyStrings.rsplit(s, a.length > 0 ? optString(name, a[0]) : null, a.length > 1 ? intArg(name, a[1]) : -1); }
            case "splitlines" -> { arity(name, a, 0, 1); yield PyStrings.splitlines(s, a.length > 0 && PyValues.truthy(a[0])); }
            case "startswith" -> { arity(name, a, 1, 3); yield affix(s, a, true); }
            case "endswith" -> { arity(name, a, 1, 3); yield affix(s, a, false); }
            case "upper" -> { arity(name, a, 0, 0); yield s.toUpperCase(java.util.Locale.ROOT); }
            case "lower" -> { arity(name, a, 0, 0); yield s.toLowerCase(java.util.Locale.ROOT); }
            case "title" -> { arity(name, a, 0, 0); yield PyStrings.title(s); }
            case "capitalize" -> { arity(name, a, 0, 0); yield PyStrings.capitalize(s); }
            case "replace" -> { arity(name, a, 2, 3); yield PyStrings.replace(s, str(name, a[0]), str(name, a[1]), a.length > 2 ? intArg(name, a[2]) : -1); }
            case "find" -> { arity(name, a, 1, 1); yield (long) s.indexOf(str(name, a[0])); }
            case "rfind" -> { arity(name, a, 1, 1); yield (long) s.lastIndexOf(str(name, a[0])); }
            case "index" -> {
                arity(name, a, 1, 1);
                int i = s.indexOf(str(name, a[0]));
                if (i < 0) throw new RenderGuard.Abort("substring not found");
                yield (long) i;
            }
            case "count" -> { arity(name, a, 1, 1); yield PyStrings.count(s, str(name, a[0])); }
            case "join" -> { arity(name, a, 1, 1); yield join(s, a[0]); }
            case "removeprefix" -> { arity(name, a, 1, 1); String p = str(name, a[0]); yield s.startsWith(p) ? s.substring(p.length()) : s; }
            case "removesuffix" -> { arity(name, a, 1, 1); String p = str(name, a[0]); yield s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s; }
            case "isdigit", "isnumeric", "isdecimal" -> { arity(name, a, 0, 0); yield !s.isEmpty() && s.chars().allMatch(Character::isDigit); }
            case "isalpha" -> { arity(name, a, 0, 0); yield !s.isEmpty() && s.chars().allMatch(Character::isLetter); }
            case "isalnum" -> { arity(name, a, 0, 0); yield !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit); }
            case "isspace" -> { arity(name, a, 0, 0); yield !s.isEmpty() && s.chars().allMatch(c -> JinjaLexer.isSpace((char) c)); }
            case "isupper" -> { arity(name, a, 0, 0); yield s.chars().anyMatch(Character::isUpperCase) && s.chars().noneMatch(Character::isLowerCase); }
            case "islower" -> { arity(name, a, 0, 0); yield s.chars().anyMatch(Character::isLowerCase) && s.chars().noneMatch(Character::isUpperCase); }
            default -> NO_SUCH_METHOD;
        };
    }

    private static Object dict(Map<?, ?> m, String name, Object[] a) {
        return switch (name) {
            case "items" -> {
                arity(name, a, 0, 0);
                var out = new ArrayList<Object>(m.size());
                for (var e : m.entrySet()) out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
                yield out;
            }
            case "keys" -> { arity(name, a, 0, 0); yield new ArrayList<Object>(m.keySet()); }
            case "values" -> { arity(name, a, 0, 0); yield new ArrayList<Object>(m.values()); }
            case "get" -> { arity(name, a, 1, 2); yield m.containsKey(a[0]) ? m.get(a[0]) : a.length > 1 ? a[1] : null; }
            default -> NO_SUCH_METHOD;
        };
    }

    private static Object list(List<?> l, String name, Object[] a) {
        return switch (name) {
            case "index" -> {
                arity(name, a, 1, 1);
                for (int i = 0; i < l.size(); i++) if (PyCompare.eq(l.get(i), a[0])) yield (long) i;
                throw new RenderGuard.Abort(PyValues.repr(a[0]) + " is not in list");
            }
            case "count" -> { arity(name, a, 1, 1); yield l.stream().filter(x -> PyCompare.eq(x, a[0])).count(); }
            default -> NO_SUCH_METHOD;
        };
    }

    /** startswith / endswith with a string or a tuple of strings, and optional start/end. */
    private static boolean affix(String s, Object[] a, boolean start) {
        int from = a.length > 1 && a[1] != null ? PyStrings.clampIndex(intArg("startswith", a[1]), s.length()) : 0;
        int to = a.length > 2 && a[2] != null ? PyStrings.clampIndex(intArg("startswith", a[2]), s.length()) : s.length();
        if (from > to) return false;
        String region = s.substring(from, to);
        List<?> options = a[0] instanceof Collection<?> c ? List.copyOf(c) : List.of(Objects.requireNonNullElse(a[0], "\0none"));
        for (Object o : options) {
            if (!(o instanceof String p)) throw new RenderGuard.Abort((start ? "startswith" : "endswith") + " first arg must be str or a tuple of str, not " + typeName(o));
            if (start ? region.startsWith(p) : region.endsWith(p)) return true;
        }
        return false;
    }

    private static String join(String sep, Object items) {
        if (!(items instanceof Collection<?> c)) {
            if (items instanceof String s) return String.join(sep, s.codePoints().mapToObj(Character::toString).toList());
            throw new RenderGuard.Abort("can only join an iterable");
        }
        var sb = new StringBuilder();
        int i = 0;
        for (Object o : c) {
            if (!(o instanceof String s)) throw new RenderGuard.Abort("sequence item " + i + ": expected str instance, " + typeName(o) + " found");
            if (i++ > 0) sb.append(sep);
            sb.append(s);
            if (sb.length() > RenderGuard.current().limits.maxOutputChars()) RenderGuard.current().checkString(sb.toString());
        }
        return sb.toString();
    }

    private static void arity(String name, Object[] a, int min, int max) {
        if (a.length < min || a.length > max)
            throw new RenderGuard.Abort(name + "() takes " + (min == max ? "exactly " + min : min + " to " + max) + " arguments (" + a.length + " given)");
    }

    private static String charsArg(Object[] a) {
        return a.length == 0 || a[0] == null ? null : str("strip", a[0]);
    }

    private static String optString(String name, Object o) {
        return o == null ? null : str(name, o);
    }

    private static String str(String name, Object o) {
        if (o instanceof String s) return s;
        throw new RenderGuard.Abort(name + "() argument must be str, not " + typeName(o));
    }

    private static int intArg(String name, Object o) {
        if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n.longValue()));
        throw new RenderGuard.Abort(name + "() argument must be int, not " + typeName(o));
    }

    /** Python's name for the type of a template value. */
    static String typeName(Object o) {
        return switch (o) {
            case null -> "NoneType";
            case String s -> "str";
            case Boolean b -> "bool";
            case Double d -> "float";
            case Float f -> "float";
            case Number n -> "int";
            case Map<?, ?> m -> "dict";
            case Map.Entry<?, ?> e -> "tuple";
            case Collection<?> c -> "list";
            case ForLoop l -> "LoopContext";
            default -> "object";
        };
    }
}
