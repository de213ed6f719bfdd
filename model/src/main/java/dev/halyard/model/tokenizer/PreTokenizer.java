package dev.halyard.model.tokenizer;

import dev.halyard.model.tokenizer.VocabTokenizer.IntList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before BPE, with a sequence of regexes where each one splits the pieces the
 * previous one left (a match and the text between matches both become pieces), as llama.cpp's
 * {@code unicode_regex_split}. Three ways to run a regex:
 * <ul>
 * <li>GPT-2's and Llama 3's regexes run as hand-written scanners over Unicode categories (llama.cpp's
 *     custom splitters, reproduced decision by decision);</li>
 * <li>other llama.cpp regexes that use {@code \p{..}} run on a "collapsed" text where every non-ASCII
 *     code point stands for its category (letter 0xD2, number 0xD1, ...; whitespace 0x0B), with the
 *     classes rewritten to match, so {@code \s}, {@code \w} stay ASCII as in C++ std::regex;</li>
 * <li>regexes read from a tokenizer.json run on the text itself with Unicode classes, as Hugging Face does.</li>
 * </ul>
 */
final class PreTokenizer {

    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String LLAMA3_REGEX_HF = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** How a regex sees the text. */
    private enum Mode { GPT2, LLAMA3, COLLAPSED, WIDE, UNICODE }

    private record Step(Mode mode, Pattern pattern) {}

    private final List<Step> steps;

    private PreTokenizer(List<Step> steps) {
        this.steps = steps;
    }

    /** llama.cpp's semantics for its pre-tokenizer regexes (see {@link LlamaCppPreTypes}). */
    static PreTokenizer llamaCpp(List<String> regexes) {
        List<Step> steps = new ArrayList<>();
        for (String r : regexes) {
            if (r.equals(GPT2_REGEX)) steps.add(new Step(Mode.GPT2, null));
            else if (r.equals(LLAMA3_REGEX) || r.equals(LLAMA3_REGEX_HF)) steps.add(new Step(Mode.LLAMA3, null));
            else if (usesCategories(r)) steps.add(new Step(Mode.COLLAPSED, Pattern.compile(flattenLookaheadClasses(collapseRegex(r)))));
            else steps.add(new Step(Mode.WIDE, Pattern.compile(r)));
        }
        return new PreTokenizer(List.copyOf(steps));
    }

    /** Regexes with Unicode classes ({@code \s} is White_Space, {@code \p{L}} any letter), as tokenizer.json's Split. */
    static PreTokenizer unicode(List<String> regexes) {
        List<Step> steps = new ArrayList<>();
        for (String r : regexes) steps.add(new Step(Mode.UNICODE, Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)));
        return new PreTokenizer(List.copyOf(steps));
    }

    /** The words of {@code text}, in order; together they are exactly the text. */
    List<String> split(String text) {
        int[] cps = Unicode.codePoints(text);
        IntList lengths = new IntList(4); // word lengths in code points
        if (cps.length > 0) lengths.add(cps.length);
        Views views = new Views(cps);
        for (Step step : steps) {
            IntList next = new IntList(lengths.size() * 2 + 4);
            Matcher m = switch (step.mode) { // one matcher per step, moved from piece to piece
                case COLLAPSED -> step.pattern.matcher(views.collapsed());
                case WIDE -> step.pattern.matcher(views.wide());
                case UNICODE -> step.pattern.matcher(views.original());
                default -> null;
            };
            int[] charOffsets = step.mode == Mode.WIDE || step.mode == Mode.UNICODE ? views.charOffsets() : null;
            for (int i = 0, start = 0; i < lengths.size(); start += lengths.get(i), i++) {
                int end = start + lengths.get(i);
                switch (step.mode) {
                    case GPT2 -> splitGpt2(cps, start, end, next);
                    case LLAMA3 -> splitLlama3(cps, start, end, next);
                    default -> splitRegex(m, charOffsets, start, end, next);
                }
            }
            lengths = next;
        }
        List<String> words = new ArrayList<>(lengths.size());
        for (int i = 0, start = 0; i < lengths.size(); start += lengths.get(i), i++) {
            words.add(new String(cps, start, lengths.get(i)));
        }
        return words;
    }

    // ---------------------------------------------------------------- std::regex emulation

    /**
     * Matches and the gaps between them, over code points [start, end) of the text {@code m} reads;
     * {@code charOffsets}: char index of each code point, or null when there is one char per code point.
     */
    private static void splitRegex(Matcher m, int[] charOffsets, int start, int end, IntList out) {
        int from = charOffsets == null ? start : charOffsets[start];
        int to = charOffsets == null ? end : charOffsets[end];
        m.region(from, to); // opaque, anchoring bounds: the piece is the whole input, as std::regex_iterator sees it
        int prev = from;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > prev) out.add(cpCount(m, charOffsets, prev, m.start()));
            out.add(cpCount(m, charOffsets, m.start(), m.end()));
            prev = m.end();
        }
        if (prev < to) out.add(cpCount(m, charOffsets, prev, to));
    }

    /** Code points between two char positions (both at code point boundaries). */
    private static int cpCount(Matcher m, int[] charOffsets, int from, int to) {
        if (charOffsets == null) return to - from;
        return java.util.Arrays.binarySearch(charOffsets, to) - java.util.Arrays.binarySearch(charOffsets, from);
    }

    private static final Map<String, Character> CATEGORY_CHAR = Map.ofEntries(
            Map.entry("\\p{N}", '\u00D1'), Map.entry("\\p{L}", '\u00D2'), Map.entry("\\p{P}", '\u00D3'),
            Map.entry("\\p{M}", '\u00D4'), Map.entry("\\p{S}", '\u00D5'), Map.entry("\\p{Lu}", '\u00D2'),
            Map.entry("\\p{Ll}", '\u00D2'), Map.entry("\\p{Lt}", '\u00D2'), Map.entry("\\p{Lm}", '\u00D2'),
            Map.entry("\\p{Lo}", '\u00D2'));
    // the ASCII members of each category, as llama.cpp lists them (it leaves '~' out of \p{S})
    private static final Map<Character, String> CATEGORY_ASCII = Map.of(
            '\u00D1', "0-9", '\u00D2', "A-Za-z", '\u00D3', "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}", '\u00D4', "",
            '\u00D5', "\\$\\+<->\\^`\\|");

    private static boolean usesCategories(String regex) {
        for (String c : CATEGORY_CHAR.keySet()) if (regex.contains(c)) return true;
        return false;
    }

    /** Rewrites {@code \p{X}} to the collapsed category char plus its ASCII members, as llama.cpp. */
    static String collapseRegex(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false; // inside [...]
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c >= 128) throw new IllegalArgumentException("regex mixes Unicode categories and non-ASCII characters: " + regex);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && regex.startsWith("\\p{", i)) {
                int close = regex.indexOf('}', i + 3);
                Character cat = close < 0 ? null : CATEGORY_CHAR.get(regex.substring(i, close + 1));
                if (cat != null) {
                    out.append(inside ? "" : "[").append(cat.charValue()).append(CATEGORY_ASCII.get(cat)).append(inside ? "" : "]");
                    i = close;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    private static final Pattern LOOKAHEAD_CLASS = Pattern.compile("\\(\\(\\?=\\[([^\\]]*)\\]\\)\\(\\[\\^([^\\]]*)\\]\\)\\)");

    /**
     * Rewrites {@code ((?=[X])([^Y]))} (one char in X but not in Y, as GPT-4o's and Tekken's regexes
     * say "a letter that is not lower case") to the class {@code [X&&[^Y]]}: the same match, but a
     * repeated class runs in a loop where Java would recurse once per character of a long word.
     */
    static String flattenLookaheadClasses(String regex) {
        return LOOKAHEAD_CLASS.matcher(regex).replaceAll(m -> Matcher.quoteReplacement("[" + m.group(1) + "&&[^" + m.group(2) + "]]"));
    }

    /** The text as each mode sees it, built on first use. */
    private static final class Views {
        private final int[] cps;
        private String collapsed, wide, original;
        private int[] charOffsets; // [n + 1] char index of each code point

        Views(int[] cps) {
            this.cps = cps;
        }

        String collapsed() {
            if (collapsed == null) {
                char[] c = new char[cps.length];
                for (int i = 0; i < cps.length; i++) {
                    int cp = cps[i];
                    c[i] = cp < 128 ? (char) cp : Unicode.isWhitespace(cp) ? '\u000B' : switch (Unicode.category(cp)) {
                        case Unicode.NUMBER -> '\u00D1';
                        case Unicode.LETTER -> '\u00D2';
                        case Unicode.PUNCTUATION -> '\u00D3';
                        case Unicode.MARK -> '\u00D4';
                        case Unicode.SYMBOL -> '\u00D5';
                        default -> '\u00D0';
                    };
                }
                collapsed = new String(c);
            }
            return collapsed;
        }

        /** std::wregex's view: the text, non-ASCII whitespace replaced by 0x0B (its {@code \s} is ASCII). */
        String wide() {
            if (wide == null) {
                StringBuilder sb = new StringBuilder(cps.length);
                for (int cp : cps) sb.appendCodePoint(cp > 0x7F && Unicode.isWhitespace(cp) ? 0x0B : cp);
                wide = sb.toString();
            }
            return wide;
        }

        String original() {
            if (original == null) original = new String(cps, 0, cps.length);
            return original;
        }

        int[] charOffsets() {
            if (charOffsets == null) {
                charOffsets = new int[cps.length + 1];
                for (int i = 0; i < cps.length; i++) charOffsets[i + 1] = charOffsets[i] + Character.charCount(cps[i]);
            }
            return charOffsets;
        }
    }

    // ---------------------------------------------------------------- llama.cpp's custom splitters

    /** Scans code points [ini, end) of one piece; positions outside it have no category. */
    private record Piece(int[] cps, int ini, int end) {
        boolean in(int pos) { return pos >= ini && pos < end; }
        int cp(int pos) { return in(pos) ? cps[pos] : -1; }
        boolean letter(int pos) { return in(pos) && Unicode.isLetter(cps[pos]); }
        boolean number(int pos) { return in(pos) && Unicode.isNumber(cps[pos]); }
        boolean space(int pos) { return in(pos) && Unicode.isWhitespace(cps[pos]); }
        /** [^\s\p{L}\p{N}] */
        boolean other(int pos) { return in(pos) && !space(pos) && !letter(pos) && !number(pos); }
        int lower(int pos) { return in(pos) ? Unicode.toLower(cps[pos]) : -1; }
    }

    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} */
    private static void splitGpt2(int[] cps, int ini, int end, IntList out) {
        Piece t = new Piece(cps, ini, end);
        int pos = ini, prevEnd = ini;
        while (pos < end) {
            int c = cps[pos];
            int next = -1; // end of the word found at pos
            if (c == '\'' && pos + 1 < end) {
                int c1 = t.cp(pos + 1), c2 = t.cp(pos + 2);
                if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') next = pos + 2;
                else if (pos + 2 < end && ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))) next = pos + 3;
            }
            int p2 = c == ' ' ? pos + 1 : pos; // after the optional space
            if (next < 0 && t.letter(p2)) {
                next = p2;
                while (t.letter(next)) next++;
            } else if (next < 0 && t.number(p2)) {
                next = p2;
                while (t.number(next)) next++;
            } else if (next < 0 && t.other(p2)) {
                next = p2;
                while (t.other(next)) next++;
            } else if (next < 0) {
                int spaces = 0;
                while (t.space(pos + spaces)) spaces++;
                if (spaces > 1 && t.in(pos + spaces)) next = pos + spaces - 1; // \s+(?!\S)
                else if (spaces > 0) next = pos + spaces;
                else next = pos + 1; // no match: one code point
            }
            out.add(next - prevEnd);
            prevEnd = pos = next;
        }
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+} */
    private static void splitLlama3(int[] cps, int ini, int end, IntList out) {
        Piece t = new Piece(cps, ini, end);
        int pos = ini, prevEnd = ini;
        while (pos < end) {
            int c = cps[pos];
            if (c == '\'' && pos + 1 < end) {
                int c1 = t.lower(pos + 1), c2 = t.lower(pos + 2);
                int next = -1;
                if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') next = pos + 2;
                else if (pos + 2 < end && ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))) next = pos + 3;
                if (next >= 0) {
                    out.add(next - prevEnd);
                    prevEnd = pos = next;
                    continue;
                }
            }
            if (!(c == '\r' || c == '\n' || t.number(pos)) && (t.letter(pos) || t.letter(pos + 1))) { // [^\r\n\p{L}\p{N}]?\p{L}+
                pos++;
                while (t.letter(pos)) pos++;
            } else if (t.number(pos)) { // \p{N}{1,3}
                int groupStart = pos;
                while (t.number(pos)) {
                    if (++pos - groupStart >= 3) {
                        out.add(pos - prevEnd);
                        prevEnd = groupStart = pos;
                    }
                }
            } else if (!(t.space(c == ' ' ? pos + 1 : pos) || t.letter(c == ' ' ? pos + 1 : pos) || t.number(c == ' ' ? pos + 1 : pos))) {
                // " ?[^\s\p{L}\p{N}]+[\r\n]*" (llama.cpp enters even when only the space is left)
                if (c == ' ') pos++;
                while (t.other(pos)) pos++;
                while (t.cp(pos) == '\r' || t.cp(pos) == '\n') pos++;
            } else {
                int spaces = 0, lastNewline = -1;
                while (t.space(pos + spaces)) {
                    int w = cps[pos + spaces];
                    if (w == '\r' || w == '\n') lastNewline = pos + spaces + 1;
                    spaces++;
                }
                if (lastNewline >= 0) pos = lastNewline;                        // \s*[\r\n]+
                else if (spaces > 1 && t.in(pos + spaces)) pos += spaces - 1;   // \s+(?!\S)
                else if (spaces > 0) pos += spaces;                             // \s+
                else pos++;                                                     // no match
            }
            if (pos > prevEnd) out.add(pos - prevEnd);
            prevEnd = pos;
        }
    }
}
