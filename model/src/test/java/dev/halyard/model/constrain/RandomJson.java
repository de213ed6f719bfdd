package dev.halyard.model.constrain;

import java.util.SplittableRandom;

/**
 * Random JSON text in the shape the JSON grammars accept: any value, numbers of at most 16 integer
 * and fraction digits, strings with escapes and non-ASCII characters, and bounded whitespace
 * (none, a space, or a newline and indentation) after every token.
 */
final class RandomJson {
    private final SplittableRandom r;

    RandomJson(long seed) {
        r = new SplittableRandom(seed);
    }

    String object(int depth) {
        StringBuilder sb = new StringBuilder();
        object(sb, depth);
        return sb.toString();
    }

    void value(StringBuilder sb, int depth) {
        int k = r.nextInt(depth > 0 ? 8 : 6);
        switch (k) {
            case 0 -> string(sb);
            case 1 -> number(sb);
            case 2 -> sb.append(r.nextBoolean() ? "true" : "false");
            case 3 -> sb.append("null");
            case 4 -> sb.append(r.nextInt(1000) - 500);
            case 5 -> string(sb);
            case 6 -> object(sb, depth - 1);
            default -> array(sb, depth - 1);
        }
        ws(sb);
    }

    void object(StringBuilder sb, int depth) {
        sb.append('{');
        ws(sb);
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
                ws(sb);
            }
            string(sb);
            ws(sb);
            sb.append(':');
            ws(sb);
            value(sb, depth);
        }
        sb.append('}');
    }

    void array(StringBuilder sb, int depth) {
        sb.append('[');
        ws(sb);
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
                ws(sb);
            }
            value(sb, depth);
        }
        sb.append(']');
    }

    void string(StringBuilder sb) {
        sb.append('"');
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(8)) {
                case 0 -> sb.append("\\").append("\"\\/bfnrt".charAt(r.nextInt(8)));
                case 1 -> sb.append(String.format("\\u%04x", r.nextInt(0xD800)));
                case 2 -> sb.appendCodePoint(0x80 + r.nextInt(0x700)); // 2-byte UTF-8
                case 3 -> sb.appendCodePoint(0x4E00 + r.nextInt(0x500)); // 3-byte UTF-8
                case 4 -> sb.appendCodePoint(0x1F600 + r.nextInt(0x40)); // 4-byte UTF-8
                default -> sb.append(plain());
            }
        }
        sb.append('"');
    }

    private char plain() {
        char c;
        do c = (char) (' ' + r.nextInt(95)); while (c == '"' || c == '\\');
        return c;
    }

    void number(StringBuilder sb) {
        if (r.nextBoolean()) sb.append('-');
        sb.append(digits(1 + r.nextInt(16), false));
        if (r.nextBoolean()) sb.append('.').append(digits(1 + r.nextInt(16), true));
        if (r.nextInt(3) == 0) sb.append(r.nextBoolean() ? 'e' : 'E').append(r.nextBoolean() ? "" : r.nextBoolean() ? "+" : "-").append(digits(1 + r.nextInt(3), false));
    }

    private String digits(int n, boolean leadingZeroOk) {
        StringBuilder sb = new StringBuilder();
        if (!leadingZeroOk && n > 1) sb.append((char) ('1' + r.nextInt(9)));
        else sb.append((char) ('0' + r.nextInt(10)));
        for (int i = 1; i < n; i++) sb.append((char) ('0' + r.nextInt(10)));
        return sb.toString();
    }

    void ws(StringBuilder sb) {
        switch (r.nextInt(4)) {
            case 0 -> sb.append(' ');
            case 1 -> sb.append('\n').append(" ".repeat(r.nextInt(5)));
            default -> { }
        }
    }

    /** {@code s} with one random edit: a character deleted, replaced or inserted. */
    String mutate(String s) {
        String alphabet = "{}[],:\"\\ 0123456789-+.eEtfnul\n\u0001é";
        int i = r.nextInt(s.length() + 1);
        char c = alphabet.charAt(r.nextInt(alphabet.length()));
        return switch (r.nextInt(3)) {
            case 0 -> i < s.length() ? s.substring(0, i) + s.substring(i + 1) : s + c;
            case 1 -> i < s.length() ? s.substring(0, i) + c + s.substring(i + 1) : s + c;
            default -> s.substring(0, i) + c + s.substring(i);
        };
    }
}
