package dev.halyard.model.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Python's str methods that differ from Java's: strip with chars, split(None), title, replace with count. */
final class PyStrings {
    private PyStrings() {}

    /** str.strip / lstrip / rstrip: {@code chars} null strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int b = 0, e = s.length();
        if (left) while (b < e && stripped(s.charAt(b), chars)) b++;
        if (right) while (e > b && stripped(s.charAt(e - 1), chars)) e--;
        return s.substring(b, e);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? JinjaLexer.isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** str.split(sep, maxsplit): sep null splits on runs of whitespace and drops empty ends. */
    static List<Object> split(String s, String sep, int maxsplit) {
        var out = new ArrayList<Object>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && JinjaLexer.isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !JinjaLexer.isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new RenderGuard.Abort("empty separator");
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, from);
            if (k < 0) break;
            out.add(s.substring(from, k));
            from = k + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** str.rsplit(sep, maxsplit): like split, counting splits from the right. */
    static List<Object> rsplit(String s, String sep, int maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        if (sep == null) {
            var out = new ArrayList<Object>();
            int j = s.length();
            while (true) {
                while (j > 0 && JinjaLexer.isSpace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (out.size() == maxsplit) {
                    out.add(strip(s.substring(0, j), null, true, false));
                    break;
                }
                int i = j;
                while (i > 0 && !JinjaLexer.isSpace(s.charAt(i - 1))) i--;
                out.add(s.substring(i, j));
                j = i;
            }
            Collections.reverse(out);
            return out;
        }
        if (sep.isEmpty()) throw new RenderGuard.Abort("empty separator");
        var out = new ArrayList<Object>();
        int to = s.length();
        while (out.size() < maxsplit) {
            int k = s.lastIndexOf(sep, to - sep.length());
            if (k < 0) break;
            out.add(s.substring(k + sep.length(), to));
            to = k;
        }
        out.add(s.substring(0, to));
        Collections.reverse(out);
        return out;
    }

    /** str.splitlines(keepends) on Python's line boundaries. */
    static List<Object> splitlines(String s, boolean keepends) {
        var out = new ArrayList<Object>();
        int start = 0, i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int brk = switch (c) {
                case '\r' -> i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
                case '\n', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029' -> 1;
                default -> 0;
            };
            if (brk == 0) {
                i++;
                continue;
            }
            out.add(s.substring(start, keepends ? i + brk : i));
            i += brk;
            start = i;
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    /** str.title: the first cased letter after a non-letter is upper case, the others lower. */
    static String title(String s) {
        var sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean cased = Character.isLetter(c);
            sb.append(cased ? (prevCased ? Character.toLowerCase(c) : Character.toTitleCase(c)) : c);
            prevCased = cased;
        }
        return sb.toString();
    }

    /** str.capitalize: first character upper case, the rest lower. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        return Character.toTitleCase(s.charAt(0)) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    /** str.replace(old, new, count): count < 0 replaces all; an empty {@code old} inserts between characters. */
    static String replace(String s, String old, String rep, int count) {
        int limit = RenderGuard.current().limits.maxOutputChars();
        var sb = new StringBuilder();
        int n = 0;
        if (old.isEmpty()) {
            for (int i = 0; i <= s.length(); i++) {
                if (count < 0 || n < count) {
                    sb.append(rep);
                    n++;
                }
                if (i < s.length()) sb.append(s.charAt(i));
                if (sb.length() > limit) break;
            }
            return sb.toString();
        }
        int from = 0;
        while (count < 0 || n < count) {
            int k = s.indexOf(old, from);
            if (k < 0) break;
            sb.append(s, from, k).append(rep);
            from = k + old.length();
            n++;
            if (sb.length() > limit) return sb.toString();
        }
        return sb.append(s, from, s.length()).toString();
    }

    /** str.count(sub): non-overlapping occurrences. */
    static long count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1L;
        long n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) n++;
        return n;
    }

    /** A Python slice bound: negative counts from the end; clamped to [0, len]. */
    static int clampIndex(int i, int len) {
        if (i < 0) i += len;
        return Math.max(0, Math.min(len, i));
    }
}
