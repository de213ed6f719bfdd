package dev.halyard.model.chat;

/**
 * Jinja2's lexer front end, run once per template: it applies Jinja2's whitespace rules exactly as
 * Hugging Face configures them ({@code trim_blocks=True}, {@code lstrip_blocks=True},
 * {@code keep_trailing_newline=False}, the {@code -} and {@code +} modifiers) and hands the engine a
 * template whose text is final, so none of the engine's own (different) whitespace handling applies.
 * Tag bodies go through {@link ExpressionRewriter} (Python string escapes, {@code True/None},
 * slices with a step). Comments are dropped; raw blocks stay raw.
 */
final class JinjaLexer {
    private final String src;
    private final StringBuilder out = new StringBuilder();
    private int pos;
    private boolean lineStarting = true; // the previous tag's match ended with a newline (or we are at the start)

    private JinjaLexer(String src) {
        this.src = src;
    }

    /** The engine-ready equivalent of Jinja2 source {@code source}. */
    static String translate(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1); // keep_trailing_newline=False
        var lexer = new JinjaLexer(s);
        lexer.run();
        return lexer.out.toString();
    }

    private void run() {
        while (true) {
            int start = nextTagStart(pos);
            if (start < 0) {
                emitText(src.substring(pos));
                return;
            }
            char kind = src.charAt(start + 1); // '{' variable, '%' block, '#' comment
            int p = start + 2;
            char leftMod = 0;
            if (p < src.length() && (src.charAt(p) == '-' || src.charAt(p) == '+')) leftMod = src.charAt(p++);
            String text = leftStrip(src.substring(pos, start), leftMod, kind != '{');
            emitText(text);
            if (kind == '#') {
                int end = src.indexOf("#}", p);
                if (end < 0) throw error(start, "unclosed comment (missing '#}')");
                char rightMod = end > p && (src.charAt(end - 1) == '-' || src.charAt(end - 1) == '+') ? src.charAt(end - 1) : 0;
                pos = end + 2;
                rightStrip(rightMod, true);
                continue;
            }
            int end = findTagEnd(p, kind, start);
            char rightMod = src.charAt(end) == '-' || src.charAt(end) == '+' ? src.charAt(end) : 0;
            String body = src.substring(p, end).strip();
            pos = end + (rightMod != 0 ? 3 : 2);
            if (kind == '%' && body.equals("raw")) {
                raw(rightMod, start);
                continue;
            }
            if (kind == '{' && rightMod == '+') throw error(start, "'+}}' is not valid Jinja");
            if (body.isEmpty()) throw error(start, kind == '{' ? "expected an expression in '{{ }}'" : "expected a tag name in '{% %}'");
            String rewritten = ExpressionRewriter.rewrite(body, lineOf(start));
            out.append(kind == '{' ? "{{ " : "{% ").append(rewritten).append(kind == '{' ? " }}" : " %}");
            rightStrip(rightMod, kind == '%');
        }
    }

    /** Index of the next "{{", "{%" or "{#" at or after {@code from}, or -1. */
    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /**
     * The text before a tag after whitespace control: {@code -} strips all trailing whitespace;
     * otherwise, for block and comment tags, lstrip_blocks removes the spaces and tabs between the
     * start of the line and the tag when nothing else is on that line before it.
     */
    private String leftStrip(String text, char leftMod, boolean blockOrComment) {
        if (leftMod == '-') return stripEnd(text);
        if (leftMod == '+' || !blockOrComment) return text;
        int lpos = text.lastIndexOf('\n') + 1;
        if (lpos > 0 || lineStarting) {
            for (int i = lpos; i < text.length(); i++) if (text.charAt(i) != ' ' && text.charAt(i) != '\t') return text;
            return text.substring(0, lpos);
        }
        return text;
    }

    /** After a tag: {@code -} eats all following whitespace; trim_blocks eats one newline after a block or comment. */
    private void rightStrip(char rightMod, boolean blockOrComment) {
        if (rightMod == '-') {
            while (pos < src.length() && isSpace(src.charAt(pos))) pos++;
        } else if (rightMod != '+' && blockOrComment && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        lineStarting = pos > 0 && src.charAt(pos - 1) == '\n';
    }

    /**
     * Position of the closing delimiter (or of its {@code -}/{@code +} modifier) of the tag whose body
     * starts at {@code p}. Like Jinja2, delimiters inside string literals or open brackets do not
     * close the tag.
     */
    private int findTagEnd(int p, char kind, int start) {
        String close = kind == '{' ? "}}" : "%}";
        int balance = 0;
        for (int i = p; i < src.length(); i++) {
            char c = src.charAt(i);
            if (c == '\'' || c == '"') {
                i = ExpressionRewriter.skipString(src, i);
                if (i < 0) throw error(start, "unclosed string literal in tag");
                continue;
            }
            if (balance == 0) {
                if ((c == '-' || c == '+') && src.startsWith(close, i + 1)) return i;
                if (src.startsWith(close, i)) return i;
            }
            if (c == '(' || c == '[' || c == '{') balance++;
            else if (c == ')' || c == ']' || c == '}') {
                if (--balance < 0) throw error(start, "unexpected '" + c + "'");
            }
        }
        throw error(start, "unclosed tag (missing '" + close + "')");
    }

    /** {% raw %}…{% endraw %}: the content is text, with the same whitespace control around it. */
    private void raw(char rawRightMod, int start) {
        if (rawRightMod == '-') while (pos < src.length() && isSpace(src.charAt(pos))) pos++;
        lineStarting = pos > 0 && src.charAt(pos - 1) == '\n';
        var m = java.util.regex.Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}").matcher(src);
        if (!m.find(pos)) throw error(start, "missing {% endraw %}");
        String text = leftStrip(src.substring(pos, m.start()), m.group(1).isEmpty() ? 0 : m.group(1).charAt(0), true);
        if (!text.isEmpty()) out.append("{% raw %}").append(text).append("{% endraw %}");
        pos = m.end();
        rightStrip(m.group(2).isEmpty() ? 0 : m.group(2).charAt(0), true);
    }

    /** Appends literal text; a trailing '{' goes out as an expression so it cannot join the next tag's delimiter. */
    private void emitText(String text) {
        if (text.endsWith("{")) out.append(text, 0, text.length() - 1).append("{{ '{' }}");
        else out.append(text);
    }

    private static String stripEnd(String s) {
        int e = s.length();
        while (e > 0 && isSpace(s.charAt(e - 1))) e--;
        return s.substring(0, e);
    }

    /** Python's whitespace (str.isspace / regex \s). */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u001c' || c == '\u001d' || c == '\u001e' || c == '\u001f' || c == '\u0085';
    }

    private int lineOf(int index) {
        int line = 1;
        for (int i = 0; i < index; i++) if (src.charAt(i) == '\n') line++;
        return line;
    }

    private ChatTemplateException error(int at, String what) {
        return new ChatTemplateException("template syntax error at line " + lineOf(at) + ": " + what);
    }
}
