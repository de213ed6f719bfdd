package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code {% for x in xs [if cond] %}…{% else %}…{% endfor %}}, replacing the engine's for
 * tag, which differs from Jinja2 (it treats a string as one item, has no loop filter or else branch,
 * and unpacks loop targets through Java bean introspection). Every iteration counts against the
 * render's loop budget and checks its deadline.
 */
final class SandboxForTag implements Tag {

    @Override
    public String getName() {
        return "for";
    }

    @Override
    public String getEndTagName() {
        return "endfor";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interp) {
        RenderGuard guard = RenderGuard.current();
        Header h = Header.parse(tagNode.getHelpers(), tagNode.getLineNumber());
        List<Object> items = iterable(interp.resolveELExpression(h.iterable, tagNode.getLineNumber()));

        List<Node> body = new ArrayList<>(), orElse = new ArrayList<>();
        List<Node> target = body;
        for (Node n : tagNode.getChildren()) {
            if (target == body && n instanceof TagNode t && t.getTag() instanceof ElseTag) target = orElse;
            else target.add(n);
        }

        if (h.condition != null) { // the loop filter sees each item bound, before loop exists
            var kept = new ArrayList<Object>();
            for (Object item : items) {
                guard.countIteration();
                try (var scope = interp.enterScope()) {
                    bind(interp, h.targets, item);
                    if (PyValues.truthy(interp.resolveELExpression(h.condition, tagNode.getLineNumber()))) kept.add(item);
                }
            }
            items = kept;
        }

        var out = new StringBuilder();
        int limit = guard.limits.maxOutputChars();
        if (items.isEmpty()) {
            for (Node n : orElse) out.append(n.render(interp).getValue());
            return guard.checkString(out.toString());
        }
        PyLoop loop = new PyLoop(items);
        try (var scope = interp.enterScope()) {
            interp.getContext().put("loop", loop);
            while (loop.hasNext()) {
                guard.countIteration();
                bind(interp, h.targets, loop.next());
                for (Node n : body) {
                    out.append(n.render(interp).getValue());
                    if (out.length() > limit) throw new RenderGuard.Abort("output exceeds the limit of " + limit + " characters");
                    if (loop.isContinued()) break;
                }
            }
        }
        return out.toString();
    }

    /** The items Jinja2 iterates: a string's characters, a dict's keys, a list's elements; undefined is empty. */
    private static List<Object> iterable(Object v) {
        return switch (v) {
            case null -> List.of();
            case String s -> new ArrayList<>(s.codePoints().mapToObj(Character::toString).toList());
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case Collection<?> c -> new ArrayList<>(c);
            case Map.Entry<?, ?> e -> new ArrayList<>(java.util.Arrays.asList(e.getKey(), e.getValue()));
            default -> throw new RenderGuard.Abort("'" + PyMethods.typeName(v) + "' object is not iterable");
        };
    }

    /** Binds the loop targets; several targets unpack the item as Python does. */
    private static void bind(JinjavaInterpreter interp, List<String> targets, Object item) {
        if (targets.size() == 1) {
            interp.getContext().put(targets.get(0), item);
            return;
        }
        List<?> parts = switch (item) {
            case Map.Entry<?, ?> e -> java.util.Arrays.asList(e.getKey(), e.getValue());
            case List<?> l -> l;
            case String s -> s.codePoints().mapToObj(Character::toString).toList();
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case null, default -> throw new RenderGuard.Abort("cannot unpack non-iterable " + PyMethods.typeName(item) + " object");
        };
        if (parts.size() != targets.size())
            throw new RenderGuard.Abort((parts.size() > targets.size() ? "too many" : "not enough") + " values to unpack (expected " + targets.size() + ", got " + parts.size() + ")");
        for (int i = 0; i < targets.size(); i++) interp.getContext().put(targets.get(i), parts.get(i));
    }

    /** "a, b in expr if cond": targets, the iterable's expression and the optional filter. */
    record Header(List<String> targets, String iterable, String condition) {
        static Header parse(String helpers, int line) {
            String s = helpers.strip();
            int in = keyword(s, "in", 0);
            if (in < 0) throw new RenderGuard.Abort("template syntax error at line " + line + ": expected 'in' in for tag: " + s);
            var targets = new ArrayList<String>();
            for (String t : s.substring(0, in).replace("(", "").replace(")", "").split(",")) {
                String name = t.strip();
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new RenderGuard.Abort("template syntax error at line " + line + ": bad loop variable '" + name + "'");
                targets.add(name);
            }
            String rest = s.substring(in + 2);
            if (rest.strip().endsWith(" recursive") || rest.strip().equals("recursive"))
                throw new RenderGuard.Abort("template syntax error at line " + line + ": recursive loops are not supported");
            int cond = keyword(rest, "if", 0);
            return cond < 0 ? new Header(targets, rest.strip(), null)
                    : new Header(targets, rest.substring(0, cond).strip(), rest.substring(cond + 2).strip());
        }

        /** Position of {@code word} as a whole word outside strings and brackets, or -1. */
        static int keyword(String s, String word, int from) {
            int depth = 0;
            for (int i = from; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    i = ExpressionRewriter.skipString(s, i);
                    if (i < 0) return -1;
                } else if (c == '(' || c == '[' || c == '{') depth++;
                else if (c == ')' || c == ']' || c == '}') depth--;
                else if (depth == 0 && s.startsWith(word, i)
                        && (i == 0 || !Character.isJavaIdentifierPart(s.charAt(i - 1)))
                        && (i + word.length() >= s.length() || !Character.isJavaIdentifierPart(s.charAt(i + word.length())))) return i;
            }
            return -1;
        }
    }
}
