package dev.halyard.model.constrain;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses llama.cpp's GBNF grammar text: {@code name ::= alternatives} rules, one per line (a rule
 * continues over newlines only inside parentheses or after {@code |}); string literals
 * {@code "..."}, classes {@code [a-z]} and {@code [^...]}, {@code .}, groups, rule references,
 * postfix {@code * + ? {m} {m,} {m,n}} and {@code #} comments. Escapes: {@code \x}HH, backslash-u
 * HHHH, backslash-U HHHHHHHH, {@code \t \r \n \\ \" \[ \] \- \^}. Input is untrusted: every error is a {@link GrammarException} naming
 * line and column, nesting is limited to {@link #MAX_DEPTH}, and size to {@link GrammarBuilder}'s limits.
 */
final class GbnfParser {
    /** Deepest nesting of parentheses accepted. */
    static final int MAX_DEPTH = 100;

    private final String src;
    private int pos;
    private int depth;
    private final GrammarBuilder b = new GrammarBuilder();

    private GbnfParser(String src) {
        this.src = src;
    }

    static Grammar parse(String text, String root) {
        if (text == null) throw new GrammarException("grammar text is null");
        GbnfParser p = new GbnfParser(text);
        p.skipSpace(true);
        while (p.pos < p.src.length()) p.rule();
        return p.b.build(root, p::where);
    }

    private void rule() {
        int start = pos;
        String name = name();
        if (name.isEmpty()) throw error("expected a rule name");
        skipSpace(false);
        if (!src.startsWith("::=", pos)) throw error("expected '::=' after rule name '" + name + "'");
        pos += 3;
        skipSpace(true);
        if (b.isDefined(name)) throw error(start, "rule '" + name + "' is defined twice");
        int id = b.rule(name, -1);
        b.define(id, alternatives(name, false));
        if (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\r') pos += src.startsWith("\r\n", pos) ? 2 : 1;
            else if (c == '\n') pos++;
            else throw error("expected a newline or the end of the grammar, found " + describe(c));
        }
        skipSpace(true);
    }

    private List<int[]> alternatives(String ruleName, boolean nested) {
        List<int[]> alts = new ArrayList<>();
        alts.add(sequence(ruleName, nested));
        while (pos < src.length() && src.charAt(pos) == '|') {
            pos++;
            skipSpace(true);
            alts.add(sequence(ruleName, nested));
        }
        return alts;
    }

    private int[] sequence(String ruleName, boolean nested) {
        List<Integer> seq = new ArrayList<>();
        int lastStart = -1; // where the last item (the operand of a postfix operator) begins in seq
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '"') {
                pos++;
                lastStart = seq.size();
                while (true) {
                    if (pos >= src.length()) throw error("unterminated string literal");
                    if (src.charAt(pos) == '"') break;
                    seq.add(b.charClass(CharClass.of(character())));
                }
                pos++;
            } else if (c == '[') {
                pos++;
                lastStart = seq.size();
                seq.add(b.charClass(charClass()));
            } else if (isNameChar(c)) {
                int at = pos;
                String name = name();
                lastStart = seq.size();
                seq.add(b.rule(name, at));
            } else if (c == '(') {
                int at = pos;
                pos++;
                if (++depth > MAX_DEPTH) throw error(at, "parentheses nested deeper than " + MAX_DEPTH);
                skipSpace(true);
                List<int[]> inner = alternatives(ruleName, true);
                if (pos >= src.length() || src.charAt(pos) != ')') throw error(at, "unclosed '('");
                pos++;
                depth--;
                int group = b.helper(ruleName);
                b.define(group, inner);
                lastStart = seq.size();
                seq.add(group);
            } else if (c == '.') {
                pos++;
                lastStart = seq.size();
                seq.add(b.charClass(CharClass.ANY));
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                if (lastStart < 0) throw error("'" + c + "' must follow an item to repeat");
                int[] atom = seq.subList(lastStart, seq.size()).stream().mapToInt(Integer::intValue).toArray();
                seq.subList(lastStart, seq.size()).clear();
                pos++;
                int min, max;
                if (c == '*') { min = 0; max = -1; }
                else if (c == '+') { min = 1; max = -1; }
                else if (c == '?') { min = 0; max = 1; }
                else {
                    skipSpace(true);
                    min = integer();
                    max = min;
                    skipSpace(true);
                    if (pos < src.length() && src.charAt(pos) == ',') {
                        pos++;
                        skipSpace(true);
                        max = pos < src.length() && Character.isDigit(src.charAt(pos)) ? integer() : -1;
                        skipSpace(true);
                    }
                    if (pos >= src.length() || src.charAt(pos) != '}') throw error("expected '}' to close the repetition");
                    pos++;
                    if (max >= 0 && max < min) throw error("repetition {" + min + "," + max + "} has max < min");
                }
                int at = seq.size();
                b.repeat(seq, atom, min, max, ruleName);
                lastStart = at;
            } else if (c == '<') {
                throw error("token references (<...>) are not supported");
            } else {
                break;
            }
            skipSpace(nested);
        }
        return seq.stream().mapToInt(Integer::intValue).toArray();
    }

    private CharClass charClass() {
        int at = pos - 1;
        boolean negate = pos < src.length() && src.charAt(pos) == '^';
        if (negate) pos++;
        List<Integer> ranges = new ArrayList<>();
        while (true) {
            if (pos >= src.length()) throw error(at, "unterminated character class");
            if (src.charAt(pos) == ']') break;
            int lo = character();
            int hi = lo;
            if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']') {
                pos++;
                hi = character();
                if (hi < lo) throw error("character range " + CharClass.hex(lo) + "-" + CharClass.hex(hi) + " is reversed");
            }
            ranges.add(lo);
            ranges.add(hi);
        }
        pos++;
        if (ranges.isEmpty() && !negate) throw error(at, "empty character class []");
        CharClass set = ranges.isEmpty() ? CharClass.EMPTY : CharClass.ofRanges(ranges.stream().mapToInt(Integer::intValue).toArray());
        return negate ? set.complement() : set;
    }

    /** One character of a literal or class, with escapes; returns its code point. */
    private int character() {
        if (pos >= src.length()) throw error("unexpected end of grammar");
        int cp = src.codePointAt(pos);
        if (cp != '\\') {
            pos += Character.charCount(cp);
            return cp;
        }
        if (pos + 1 >= src.length()) throw error("unfinished escape at the end of the grammar");
        char e = src.charAt(pos + 1);
        pos += 2;
        return switch (e) {
            case 'x' -> hex(2);
            case 'u' -> hex(4);
            case 'U' -> hex(8);
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'n' -> '\n';
            case '\\', '"', '[', ']', '-', '^', '\'' -> e;
            default -> throw error(pos - 2, "unknown escape '\\" + e + "'");
        };
    }

    private int hex(int digits) {
        int start = pos - 2;
        if (pos + digits > src.length()) throw error(start, "escape needs " + digits + " hex digits");
        long v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(src.charAt(pos + i), 16);
            if (d < 0) throw error(start, "escape needs " + digits + " hex digits, found " + describe(src.charAt(pos + i)));
            v = v * 16 + d;
        }
        pos += digits;
        if (v > CharClass.MAX_CODE_POINT || (v >= 0xD800 && v <= 0xDFFF))
            throw error(start, "escape " + src.substring(start, pos) + " is not a Unicode scalar value");
        return (int) v;
    }

    private int integer() {
        int start = pos;
        long v = 0;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            v = v * 10 + (src.charAt(pos++) - '0');
            if (v > GrammarBuilder.MAX_REPEAT) throw error(start, "repetition count exceeds " + GrammarBuilder.MAX_REPEAT);
        }
        if (pos == start) throw error("expected a number in the repetition");
        return (int) v;
    }

    private String name() {
        int start = pos;
        while (pos < src.length() && isNameChar(src.charAt(pos))) pos++;
        return src.substring(start, pos);
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private void skipSpace(boolean newlines) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t') pos++;
            else if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') pos++;
            } else if (newlines && (c == '\n' || c == '\r')) pos++;
            else break;
        }
    }

    private static String describe(char c) {
        return c < 0x20 || c == 0x7F ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    private String where(int at) {
        int line = 1, col = 1;
        for (int i = 0; i < at && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                line++;
                col = 1;
            } else col++;
        }
        return "line " + line + ", column " + col;
    }

    private GrammarException error(String msg) {
        return error(pos, msg);
    }

    private GrammarException error(int at, String msg) {
        return new GrammarException("GBNF parse error at " + where(at) + ": " + msg);
    }
}
