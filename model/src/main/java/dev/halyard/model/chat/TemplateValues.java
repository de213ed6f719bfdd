package dev.halyard.model.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the variables a template sees, the way Hugging Face passes them: {@code messages} as dicts
 * ({@code role}, {@code content}, and only when present {@code tool_calls}, {@code tool_call_id},
 * {@code name}), {@code tools} as given, and caller extras. Everything is copied into plain data
 * (str, int, float, bool, None, list, dict) so that templates never hold a Java object of ours.
 */
final class TemplateValues {
    private TemplateValues() {}

    static final int MAX_DEPTH = 64; // deepest nesting accepted in tools, extras and tool-call arguments

    static List<Object> messages(List<ChatMessage> messages) {
        if (messages == null) throw new IllegalArgumentException("messages must not be null");
        var out = new ArrayList<Object>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m == null) throw new IllegalArgumentException("messages[" + i + "] must not be null");
            var d = new LinkedHashMap<String, Object>();
            d.put("role", m.role());
            d.put("content", m.content() == null ? "" : m.content());
            if (!m.toolCalls().isEmpty()) d.put("tool_calls", toolCalls(m.toolCalls()));
            if (m.toolCallId() != null) d.put("tool_call_id", m.toolCallId());
            if (m.name() != null) d.put("name", m.name());
            out.add(d);
        }
        return out;
    }

    /** {@code [{id, type: 'function', function: {name, arguments}}]}, arguments parsed from JSON. */
    private static List<Object> toolCalls(List<ToolCall> calls) {
        var out = new ArrayList<Object>(calls.size());
        for (ToolCall c : calls) {
            var fn = new LinkedHashMap<String, Object>();
            fn.put("name", c.name());
            Object args = PyJson.loadsOrNull(c.argumentsJson());
            fn.put("arguments", args != null ? args : c.argumentsJson());
            var call = new LinkedHashMap<String, Object>();
            if (c.id() != null) call.put("id", c.id());
            call.put("type", "function");
            call.put("function", fn);
            out.add(call);
        }
        return out;
    }

    /**
     * A deep copy of {@code v} made of String, Long, BigInteger, Double, Boolean, null, ArrayList and
     * LinkedHashMap with string keys; {@code path} names the value in error messages.
     */
    static Object plain(Object v, String path, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException(path + " is nested deeper than " + MAX_DEPTH + " levels");
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Character c -> c.toString();
            case Integer i -> i.longValue();
            case Long l -> l;
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger i -> i.bitLength() < 64 ? (Object) i.longValue() : i;
            case Double d -> d;
            case Float f -> f.doubleValue();
            case BigDecimal d -> d.doubleValue();
            case Map<?, ?> m -> {
                var out = new LinkedHashMap<String, Object>();
                for (var e : m.entrySet()) {
                    if (!(e.getKey() instanceof String k)) throw new IllegalArgumentException(path + " has a key that is not a string: " + e.getKey());
                    out.put(k, plain(e.getValue(), path + "." + k, depth + 1));
                }
                yield out;
            }
            case Collection<?> c -> {
                var out = new ArrayList<Object>(c.size());
                int i = 0;
                for (Object o : c) out.add(plain(o, path + "[" + i++ + "]", depth + 1));
                yield out;
            }
            case Object[] a -> plain(java.util.Arrays.asList(a), path, depth);
            default -> throw new IllegalArgumentException(path + " has a value of unsupported type " + v.getClass().getSimpleName()
                    + " (allowed: string, number, boolean, null, list, map)");
        };
    }
}
