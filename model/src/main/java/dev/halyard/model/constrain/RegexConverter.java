package dev.halyard.model.constrain;

/**
 * Translates a JSON Schema {@code pattern} (an ECMA-262 regular expression) into a GBNF expression
 * for the JSON text between a string's quotes. The regex matches the decoded string, so each
 * character class becomes its plain characters plus the JSON escapes of {@code "}, {@code \} and
 * control characters it contains. Unanchored ends match anything ({@code "b"} is {@code .*b.*}, as
 * JSON Schema searches). Supported: literals, {@code .}, classes with ranges and negation,
 * {@code \d \w \s \D \W \S}, escapes, groups ({@code (...)}, {@code (?:...)}, {@code (?<name>...)}),
 * {@code |}, {@code * + ? {n} {n,} {n,m}} (lazy forms too), {@code ^} first and {@code $} last.
 * Anything else (back-references, lookaround, word boundaries, Unicode properties) is a
 * {@link GrammarException} that names it.
 */
final class RegexConverter {
    static final int MAX_DEPTH = 100;

    private static final CharClass SPECIAL = CharClass.ofRanges(0, 0x1F, '"', '"', '\\', '\\', 0x7F, 0x7F);
    private static final CharClass DIGIT = CharClass.range('0', '9');
    private static final CharClass WORD = CharClass.ofRanges('a', 'z', 'A', 'Z', '0', '9', '_', '_');
    private static final CharClass SPACE = CharClass.ofRanges('\t', '\r', ' ', ' ', 0xA0, 0xA0, 0x1680, 0x1680, 0x2000, 0x200A,
            0x2028, 0x2029, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000, 0xFEFF, 0xFEFF);
    private static final CharClass DOT = CharClass.ofRanges('\n', '\n', '\r', '\r', 0x2028, 0x2029).complement();

    private final String re;
    private int pos;
    private int depth;

    private RegexConverter(String re) {
        this.re = re;
    }

    /** The GBNF expression for the string contents the pattern accepts. */
    static String toGbnf(String pattern) {
        RegexConverter c = new RegexConverter(pattern);
        boolean start = pattern.startsWith("^");
        if (start) c.pos = 1;
        String body = c.alternation();
        boolean end = c.pos < pattern.length() && pattern.charAt(c.pos) == '$' && c.pos == pattern.length() - 1;
        if (end) c.pos++;
        if (c.pos < pattern.length()) {
            char ch = pattern.charAt(c.pos);
            throw c.error(ch == ')' ? "unbalanced ')'" : ch == '$' || ch == '^'
                    ? "anchors are supported only at the start (^) and end ($) of the pattern" : "unexpected '" + ch + "'");
        }
        String any = jsonChars(CharClass.ANY) + "*";
        return (start ? "" : any + " ") + "(" + body + ")" + (end ? "" : " " + any);
    }

    private String alternation() {
        if (++depth > MAX_DEPTH) throw error("groups nested deeper than " + MAX_DEPTH);
        StringBuilder sb = new StringBuilder(sequence());
        while (pos < re.length() && re.charAt(pos) == '|') {
            pos++;
            sb.append(" | ").append(sequence());
        }
        depth--;
        return sb.toString();
    }

    private String sequence() {
        StringBuilder sb = new StringBuilder();
        while (pos < re.length()) {
            char c = re.charAt(pos);
            if (c == '|' || c == ')') break;
            if (c == '$' && pos == re.length() - 1) break;
            String atom = atom();
            sb.append(sb.isEmpty() ? "" : " ").append(atom).append(quantifier());
        }
        return sb.isEmpty() ? "\"\"" : sb.toString();
    }

    private String atom() {
        char c = re.charAt(pos);
        switch (c) {
            case '(' -> {
                int at = pos++;
                if (re.startsWith("?:", pos)) pos += 2;
                else if (re.startsWith("?<", pos) && !re.startsWith("?<=", pos) && !re.startsWith("?<!", pos)) {
                    int close = re.indexOf('>', pos);
                    if (close < 0) throw error("unterminated group name");
                    pos = close + 1;
                } else if (pos < re.length() && re.charAt(pos) == '?') throw error("lookaround and other (?...) groups are not supported");
                String inner = alternation();
                if (pos >= re.length() || re.charAt(pos) != ')') throw error(at, "unclosed '('");
                pos++;
                return "(" + inner + ")";
            }
            case '[' -> {
                pos++;
                return jsonChars(charClass());
            }
            case '.' -> {
                pos++;
                return jsonChars(DOT);
            }
            case '\\' -> {
                pos++;
                return jsonChars(escape(false));
            }
            case '*', '+', '?' -> throw error("nothing to repeat before '" + c + "'");
            case '^', '$' -> throw error("anchors are supported only at the start (^) and end ($) of the pattern");
            default -> {
                int cp = re.codePointAt(pos);
                pos += Character.charCount(cp);
                return jsonChars(CharClass.of(cp));
            }
        }
    }

    private String quantifier() {
        if (pos >= re.length()) return "";
        char c = re.charAt(pos);
        String q;
        if (c == '*' || c == '+' || c == '?') {
            pos++;
            q = String.valueOf(c);
        } else if (c == '{' && re.indexOf('}', pos) > 0 && re.substring(pos + 1, re.indexOf('}', pos)).matches("\\d+(,\\d*)?")) {
            String inner = re.substring(pos + 1, re.indexOf('}', pos));
            pos = re.indexOf('}', pos) + 1;
            String[] parts = inner.split(",", -1);
            long min = Long.parseLong(parts[0].length() > 9 ? "999999999" : parts[0]);
            long max = parts.length == 1 ? min : parts[1].isEmpty() ? -1 : Long.parseLong(parts[1].length() > 9 ? "999999999" : parts[1]);
            if (min > GrammarBuilder.MAX_REPEAT || max > GrammarBuilder.MAX_REPEAT)
                throw error("repetition {" + inner + "} exceeds " + GrammarBuilder.MAX_REPEAT);
            if (max >= 0 && max < min) throw error("repetition {" + inner + "} has max < min");
            q = "{" + inner + "}";
        } else return "";
        if (pos < re.length() && re.charAt(pos) == '?') pos++; // lazy: the same set of strings
        if (pos < re.length() && "*+?".indexOf(re.charAt(pos)) >= 0) throw error("nothing to repeat before '" + re.charAt(pos) + "'");
        return q;
    }

    private CharClass charClass() {
        int at = pos - 1;
        boolean negate = pos < re.length() && re.charAt(pos) == '^';
        if (negate) pos++;
        CharClass set = CharClass.EMPTY;
        while (true) {
            if (pos >= re.length()) throw error(at, "unterminated character class");
            if (re.charAt(pos) == ']') break;
            CharClass lo = classAtom();
            if (pos + 1 < re.length() && re.charAt(pos) == '-' && re.charAt(pos + 1) != ']') {
                pos++;
                CharClass hi = classAtom();
                int[] a = lo.ranges(), b = hi.ranges();
                if (a.length != 2 || a[0] != a[1] || b.length != 2 || b[0] != b[1]) throw error("a class like \\d cannot bound a range");
                if (b[0] < a[0]) throw error("range out of order in character class");
                set = set.union(CharClass.range(a[0], b[0]));
            } else set = set.union(lo);
        }
        pos++;
        return negate ? set.complement() : set;
    }

    private CharClass classAtom() {
        if (re.charAt(pos) == '\\') {
            pos++;
            return escape(true);
        }
        int cp = re.codePointAt(pos);
        pos += Character.charCount(cp);
        return CharClass.of(cp);
    }

    /** The set an escape (after the backslash) stands for. */
    private CharClass escape(boolean inClass) {
        if (pos >= re.length()) throw error("pattern ends with a lone backslash");
        char e = re.charAt(pos++);
        return switch (e) {
            case 'd' -> DIGIT;
            case 'D' -> DIGIT.complement();
            case 'w' -> WORD;
            case 'W' -> WORD.complement();
            case 's' -> SPACE;
            case 'S' -> SPACE.complement();
            case 't' -> CharClass.of('\t');
            case 'n' -> CharClass.of('\n');
            case 'r' -> CharClass.of('\r');
            case 'f' -> CharClass.of('\f');
            case 'v' -> CharClass.of(0x0B);
            case '0' -> CharClass.of(0);
            case 'x' -> CharClass.of(hex(2));
            case 'u' -> CharClass.of(hex(4));
            case 'b' -> {
                if (inClass) yield CharClass.of(8);
                throw error(pos - 2, "word boundaries (\\b) are not supported");
            }
            default -> {
                if (Character.isLetterOrDigit(e))
                    throw error(pos - 2, "escape '\\" + e + "' is not supported (back-references, \\p{..}, \\B, \\c..)");
                yield CharClass.of(e);
            }
        };
    }

    private int hex(int digits) {
        if (pos + digits > re.length()) throw error("escape needs " + digits + " hex digits");
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(re.charAt(pos + i), 16);
            if (d < 0) throw error("escape needs " + digits + " hex digits");
            v = v * 16 + d;
        }
        pos += digits;
        if (v >= 0xD800 && v <= 0xDFFF) throw error("surrogate escapes are not supported");
        return v;
    }

    /**
     * GBNF for one character of {@code set} written inside a JSON string: the plain characters as a
     * class, {@code "}, {@code \} and control characters as their escapes.
     */
    static String jsonChars(CharClass set) {
        CharClass plain = set.minus(SPECIAL);
        StringBuilder alts = new StringBuilder();
        if (!plain.isEmpty()) alts.append(plain.ranges().length == 2 && plain.ranges()[0] == plain.ranges()[1]
                ? JsonGrammarRules.literal(Character.toString(plain.ranges()[0])) : plain.toGbnf());
        boolean allControls = !set.intersects(0, 0x1F) ? false : CharClass.range(0, 0x1F).minus(set).isEmpty();
        for (int c : new int[] {'"', '\\', '\b', '\f', '\n', '\r', '\t', 0x7F}) {
            if (!set.contains(c)) continue;
            String esc = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\b' -> "\\b";
                case '\f' -> "\\f";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> "\\u007f";
            };
            alts.append(alts.isEmpty() ? "" : " | ").append(JsonGrammarRules.literal(esc));
        }
        if (allControls) alts.append(alts.isEmpty() ? "" : " | ").append("\"\\\\u00\" [01] [0-9a-fA-F]");
        else {
            for (int c = 0; c < 0x20; c++) {
                if (set.contains(c) && "\b\f\n\r\t".indexOf(c) < 0)
                    alts.append(alts.isEmpty() ? "" : " | ").append(JsonGrammarRules.literal(String.format("\\u%04x", c)));
            }
        }
        if (alts.isEmpty()) throw new GrammarException("pattern has a character class that matches nothing");
        return "(" + alts + ")";
    }

    private GrammarException error(String msg) {
        return error(pos, msg);
    }

    private GrammarException error(int at, String msg) {
        return new GrammarException("unsupported or invalid pattern /" + re + "/ at offset " + at + ": " + msg);
    }
}
