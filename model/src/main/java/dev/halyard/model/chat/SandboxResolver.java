package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The only way a template reaches into a value: the engine's bean resolver (which can call any public
 * Java method) is replaced by this whitelist. Attribute and item access work on dicts, lists, strings
 * and {@code loop}; method calls go to {@link PyMethods}; the engine's own filter and test objects
 * may be invoked by name. Anything else reads as undefined or aborts the render, so templates cannot
 * reach classes, reflection, files or the network.
 */
final class SandboxResolver extends ELResolver {

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base == null) return null; // variables are looked up by the engine, not here
        context.setPropertyResolved(true);
        RenderGuard.current().checkTime();
        Number n = asIndex(property);
        return switch (base) {
            case Map<?, ?> m -> m.get(property);
            case List<?> l -> n != null ? index(l, n) : null;
            case String s -> n != null ? charAt(s, n) : null;
            case Map.Entry<?, ?> e -> n != null ? index(Arrays.asList(e.getKey(), e.getValue()), n) : null;
            case ForLoop loop -> property instanceof String name ? loopAttribute(loop, name) : null;
            default -> null;
        };
    }

    /** The engine hands subscripts over as text ("0", "-1"); an integer index, or null. */
    private static Number asIndex(Object property) {
        if (property instanceof Number n) return n;
        if (property instanceof String s && s.matches("-?\\d{1,18}")) return Long.parseLong(s);
        return null;
    }

    /** Python indexing: negative counts from the end; out of range is undefined (as Jinja2's subscript). */
    private static Object index(List<?> l, Number n) {
        if (n instanceof Double || n instanceof Float) return null;
        long i = n.longValue();
        if (i < 0) i += l.size();
        return i >= 0 && i < l.size() ? l.get((int) i) : null;
    }

    private static Object charAt(String s, Number n) {
        if (n instanceof Double || n instanceof Float) return null;
        long i = n.longValue();
        if (i < 0) i += s.length();
        return i >= 0 && i < s.length() ? String.valueOf(s.charAt((int) i)) : null;
    }

    /** Jinja2's loop attributes. */
    private static Object loopAttribute(ForLoop loop, String name) {
        return switch (name) {
            case "index" -> (long) loop.getIndex();
            case "index0" -> (long) loop.getIndex0();
            case "revindex" -> (long) loop.getRevindex();
            case "revindex0" -> (long) loop.getRevindex0();
            case "first" -> loop.isFirst();
            case "last" -> loop.isLast();
            case "length" -> (long) loop.getLength();
            case "depth" -> (long) loop.getDepth();
            case "depth0" -> (long) loop.getDepth0();
            case "previtem" -> loop instanceof PyLoop p ? p.previtem() : null;
            case "nextitem" -> loop instanceof PyLoop p ? p.nextitem() : null;
            default -> null;
        };
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null) return null;
        context.setPropertyResolved(true);
        RenderGuard guard = RenderGuard.current();
        guard.checkTime();
        String name = String.valueOf(method);
        if (base instanceof Filter f && name.equals("filter") && params != null && params.length == 4) {
            @SuppressWarnings("unchecked")
            Map<String, Object> kwargs = (Map<String, Object>) params[3];
            for (Object a : (Object[]) params[2]) checkSizeArgument(f, a, guard);
            for (Object a : kwargs.values()) checkSizeArgument(f, a, guard);
            Object result = f.filter(params[0], (JinjavaInterpreter) params[1], (Object[]) params[2], kwargs);
            return result instanceof String s ? guard.checkString(s) : result;
        }
        if (base instanceof ExpTest t && params != null && params.length >= 2 && (name.equals("evaluate") || name.equals("evaluateNegated"))) {
            Object[] args = Arrays.copyOfRange(params, 2, params.length);
            boolean r = t.evaluate(params[0], (JinjavaInterpreter) params[1], args);
            return name.equals("evaluate") == r;
        }
        return PyMethods.call(base, name, params);
    }

    /**
     * Several engine filters take a width or count (center, indent, batch …) and allocate that much
     * before anything can check the result; a number beyond the output limit is refused up front.
     */
    private static void checkSizeArgument(Filter f, Object arg, RenderGuard guard) {
        if (arg instanceof Number n && Math.abs(n.doubleValue()) > guard.limits.maxOutputChars())
            throw new RenderGuard.Abort("filter " + f.getName() + ": argument " + PyValues.str(n) + " exceeds the limit of " + guard.limits.maxOutputChars());
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        if (base != null) context.setPropertyResolved(true);
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        throw new RenderGuard.Abort("cannot assign to '" + property + "': template values are read-only (use namespace() for state)");
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        if (base != null) context.setPropertyResolved(true);
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return Collections.emptyIterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return base == null ? null : Object.class;
    }
}
