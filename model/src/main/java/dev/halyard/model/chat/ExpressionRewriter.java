package dev.halyard.model.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites the body of one Jinja tag into the engine's dialect where the two differ:
 * <ul>
 * <li>string literals: Python escapes ({@code \n}, {@code \t}, {@code \xhh}, {@code \u2028}, …) are
 *     decoded and the string re-quoted with only {@code \\} and {@code \'} escapes, which the engine reads;
 * <li>{@code True}, {@code False}, {@code None} become {@code true}, {@code false}, {@code none};
 * <li>a slice with a step, {@code x[a:b:c]}, becomes the filter {@code x|py_slice(a, b, c)};
 * <li>adjacent braces get a space, so that {@code {'a': {'b': 1}}} cannot close the tag early;
 * <li>precedence where the engine binds tighter than Jinja2: the operand of a unary {@code not} is
 *     parenthesised up to the next {@code and}/{@code or}/{@code if}/{@code else}/comma, so that
 *     {@code not x|length == 1} and {@code not x is defined} negate the whole comparison, and keyword
 *     argument values are parenthesised, so that {@code f(n=xs|length - 1)} passes the difference.
 * </ul>
 */
final class ExpressionRewriter {
    private ExpressionRewriter() {}

    private enum Kind { STRING, NAME, NUMBER, OP, SPACE }

    private record Tok(Kind kind, String text) {}

    static String rewrite(String body, int line) {
        List<Tok> toks = tokenize(body, line);
        var sb = new StringBuilder();
        boolean signature = !toks.isEmpty() && (toks.get(0).text.equals("macro") || toks.get(0).text.equals("call"));
        emit(toks, 0, toks.size(), sb, line, !signature);
        return sb.toString();
    }

    /** Index just past the closing quote of the string literal opening at {@code i}, minus one; -1 if unclosed. */
    static int skipString(String s, int i) {
        char q = s.charAt(i);
        for (int j = i + 1; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') j++;
            else if (c == q) return j;
        }
        return -1;
    }

    private static List<Tok> tokenize(String s, int line) {
        var toks = new ArrayList<Tok>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int j;
            if (JinjaLexer.isSpace(c)) {
                j = i;
                while (j < s.length() && JinjaLexer.isSpace(s.charAt(j))) j++;
                toks.add(new Tok(Kind.SPACE, " "));
            } else if (c == '\'' || c == '"') {
                int end = skipString(s, i);
                if (end < 0) throw new ChatTemplateException("template syntax error at line " + line + ": unclosed string literal");
                toks.add(new Tok(Kind.STRING, unescape(s.substring(i + 1, end), line)));
                j = end + 1;
            } else if (Character.isLetter(c) || c == '_') {
                j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
                toks.add(new Tok(Kind.NAME, s.substring(i, j)));
            } else if (Character.isDigit(c)) {
                j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '.' || s.charAt(j) == '_')) j++;
                toks.add(new Tok(Kind.NUMBER, s.substring(i, j).replace("_", "")));
            } else {
                j = i + 1;
                toks.add(new Tok(Kind.OP, String.valueOf(c)));
            }
            i = j;
        }
        return toks;
    }

    /** Writes tokens [from, to) to {@code sb}, rewriting as the class comment says. */
    private static void emit(List<Tok> toks, int from, int to, StringBuilder sb, int line, boolean wrapKeywords) {
        for (int i = from; i < to; i++) {
            Tok t = toks.get(i);
            switch (t.kind) {
                case STRING -> quote(t.text, sb);
                case NAME -> {
                    if (t.text.equals("not") && isUnaryPosition(toks, i, from)) {
                        int end = notOperandEnd(toks, i + 1, to);
                        sb.append("not (");
                        emit(toks, i + 1, end, sb, line, wrapKeywords);
                        sb.append(')');
                        i = end - 1;
                        continue;
                    }
                    boolean attribute = prevSignificant(toks, i, from) instanceof Tok p && p.kind == Kind.OP && p.text.equals(".");
                    sb.append(attribute ? t.text : switch (t.text) {
                        case "True" -> "true";
                        case "False" -> "false";
                        case "None" -> "none";
                        default -> t.text;
                    });
                }
                case OP -> {
                    if (t.text.equals("(") && wrapKeywords) {
                        int close = matching(toks, i, to, line);
                        arguments(toks, i + 1, close, sb, line);
                        i = close;
                        continue;
                    }
                    if (t.text.equals("[") && isSubscript(toks, i, from)) {
                        int close = matching(toks, i, to, line);
                        List<Integer> colons = topLevel(toks, i + 1, close, ":");
                        if (colons.size() == 2) {
                            Tok after = nextSignificant(toks, close, to);
                            if (after != null && after.kind == Kind.OP && (after.text.equals(".") || after.text.equals("[") || after.text.equals("(")))
                                throw new ChatTemplateException("template syntax error at line " + line
                                        + ": a slice with a step may not be followed by '" + after.text + "' (assign it to a variable first)");
                            sb.append("|py_slice(");
                            part(toks, i + 1, colons.get(0), sb, line, wrapKeywords);
                            sb.append(", ");
                            part(toks, colons.get(0) + 1, colons.get(1), sb, line, wrapKeywords);
                            sb.append(", ");
                            part(toks, colons.get(1) + 1, close, sb, line, wrapKeywords);
                            sb.append(')');
                            i = close;
                            continue;
                        }
                        if (colons.size() > 2) throw new ChatTemplateException("template syntax error at line " + line + ": too many ':' in a slice");
                    }
                    sb.append(t.text);
                    if (t.text.equals("{") || t.text.equals("}")) sb.append(' ');
                }
                default -> sb.append(t.text);
            }
        }
    }

    /** "(a, k=v)" with each keyword value parenthesised; [from, to) is what lies between the parentheses. */
    private static void arguments(List<Tok> toks, int from, int to, StringBuilder sb, int line) {
        sb.append('(');
        int start = from;
        List<Integer> commas = topLevel(toks, from, to, ",");
        commas.add(to);
        for (int c : commas) {
            int k = start;
            while (k < c && toks.get(k).kind == Kind.SPACE) k++;
            int eq = k + 1;
            while (eq < c && toks.get(eq).kind == Kind.SPACE) eq++;
            boolean keyword = k < c && toks.get(k).kind == Kind.NAME && eq < c && toks.get(eq).kind == Kind.OP && toks.get(eq).text.equals("=")
                    && !(eq + 1 < c && toks.get(eq + 1).kind == Kind.OP && toks.get(eq + 1).text.equals("="));
            if (keyword) {
                sb.append(toks.get(k).text).append("=(");
                emit(toks, eq + 1, c, sb, line, true);
                sb.append(')');
            } else {
                emit(toks, start, c, sb, line, true);
            }
            if (c < to) sb.append(',');
            start = c + 1;
        }
        sb.append(')');
    }

    private static final java.util.Set<String> KEYWORDS = java.util.Set.of(
            "and", "or", "not", "if", "elif", "else", "in", "is", "for", "set", "print", "do", "return", "with");

    /** A "not" that starts an operand (rather than "x not in y" or "x is not none"). */
    private static boolean isUnaryPosition(List<Tok> toks, int i, int from) {
        Tok p = prevSignificant(toks, i, from);
        if (p == null) return true;
        return switch (p.kind) {
            case STRING, NUMBER -> false;
            case NAME -> KEYWORDS.contains(p.text) && !p.text.equals("is");
            case OP -> !(p.text.equals(")") || p.text.equals("]") || p.text.equals("}"));
            case SPACE -> true;
        };
    }

    /** Where a "not" operand ends: the next and/or/if/else, comma or colon at its depth, or a closing bracket. */
    private static int notOperandEnd(List<Tok> toks, int from, int to) {
        int depth = 0;
        for (int i = from; i < to; i++) {
            Tok t = toks.get(i);
            if (t.kind == Kind.OP) {
                if ("([{".contains(t.text)) depth++;
                else if (")]}".contains(t.text) && --depth < 0) return i;
                else if (depth == 0 && (t.text.equals(",") || t.text.equals(":"))) return i;
            } else if (depth == 0 && t.kind == Kind.NAME && (t.text.equals("and") || t.text.equals("or") || t.text.equals("if") || t.text.equals("else"))) {
                if (prevSignificant(toks, i, from) instanceof Tok p && p.kind == Kind.OP && p.text.equals(".")) continue;
                return i;
            }
        }
        return to;
    }

    /** One slice bound: the expression, or {@code none} when empty. */
    private static void part(List<Tok> toks, int from, int to, StringBuilder sb, int line, boolean wrapKeywords) {
        if (nextSignificant(toks, from - 1, to) == null) sb.append("none");
        else emit(toks, from, to, sb, line, wrapKeywords);
    }

    /** A '[' right after a value (name, string, ')' or ']') indexes it; elsewhere it opens a list. */
    private static boolean isSubscript(List<Tok> toks, int i, int from) {
        if (i > from && toks.get(i - 1).kind == Kind.SPACE) return false; // Jinja allows "x [0]", but slices there are unheard of
        Tok p = i > from ? toks.get(i - 1) : null;
        return p != null && (p.kind == Kind.NAME || p.kind == Kind.STRING
                || (p.kind == Kind.OP && (p.text.equals(")") || p.text.equals("]"))));
    }

    private static int matching(List<Tok> toks, int open, int to, int line) {
        int depth = 0;
        for (int i = open; i < to; i++) {
            Tok t = toks.get(i);
            if (t.kind != Kind.OP) continue;
            if ("([{".contains(t.text)) depth++;
            else if (")]}".contains(t.text) && --depth == 0) return i;
        }
        throw new ChatTemplateException("template syntax error at line " + line + ": unclosed '['");
    }

    /** Positions of {@code op} at bracket depth 0 within [from, to). */
    private static List<Integer> topLevel(List<Tok> toks, int from, int to, String op) {
        var out = new ArrayList<Integer>();
        int depth = 0;
        for (int i = from; i < to; i++) {
            Tok t = toks.get(i);
            if (t.kind != Kind.OP) continue;
            if ("([{".contains(t.text)) depth++;
            else if (")]}".contains(t.text)) depth--;
            else if (depth == 0 && t.text.equals(op)) out.add(i);
        }
        return out;
    }

    private static Tok prevSignificant(List<Tok> toks, int i, int from) {
        for (int k = i - 1; k >= from; k--) if (toks.get(k).kind != Kind.SPACE) return toks.get(k);
        return null;
    }

    private static Tok nextSignificant(List<Tok> toks, int i, int to) {
        for (int k = i + 1; k < to; k++) if (toks.get(k).kind != Kind.SPACE) return toks.get(k);
        return null;
    }

    /** A single-quoted literal the engine reads back as {@code value}. */
    private static void quote(String value, StringBuilder sb) {
        sb.append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '\'') sb.append('\\');
            sb.append(c);
        }
        sb.append('\'');
    }

    /** Python's escapes in a string literal; an unknown escape keeps its backslash, as Python does. */
    static String unescape(String s, int line) {
        if (s.indexOf('\\') < 0) return s;
        var sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case '\n' -> { } // line continuation
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (!isHex(s, i + 1, n))
                        throw new ChatTemplateException("template syntax error at line " + line + ": truncated \\" + e + " escape in a string literal");
                    int cp = Integer.parseUnsignedInt(s.substring(i + 1, i + 1 + n), 16);
                    if (!Character.isValidCodePoint(cp)) throw new ChatTemplateException("template syntax error at line " + line + ": \\U escape out of range");
                    sb.appendCodePoint(cp);
                    i += n;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int j = i, v = 0;
                        while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') v = v * 8 + (s.charAt(j++) - '0');
                        sb.append((char) v);
                        i = j - 1;
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static boolean isHex(String s, int from, int n) {
        if (from + n > s.length()) return false;
        for (int i = from; i < from + n; i++) if (Character.digit(s.charAt(i), 16) < 0) return false;
        return true;
    }
}
