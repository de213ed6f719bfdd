package dev.halyard.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits text around special tokens before it is tokenized, as llama.cpp's
 * {@code tokenizer_st_partition}: special tokens are tried longest text first, and every occurrence
 * of one in the text that is still raw becomes that token. User-defined tokens are always split out;
 * control and unknown tokens only when {@code parseSpecial}. A token with LSTRIP/RSTRIP also
 * swallows the ASCII whitespace before/after it.
 */
final class SpecialTokenSplitter {
    private SpecialTokenSplitter() {}

    /** A token ({@code token >= 0}) or the raw text {@code [start, end)} of the input. */
    record Fragment(int token, int start, int end) {
        static Fragment text(int start, int end) {
            return new Fragment(-1, start, end);
        }

        boolean isText() {
            return token < 0;
        }
    }

    static List<Fragment> split(Vocab vocab, String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) return fragments;
        fragments.add(Fragment.text(0, text.length()));
        for (int id : vocab.specialTokens) {
            if (!parseSpecial && vocab.has(id, Vocab.ATTR_CONTROL | Vocab.ATTR_UNKNOWN)) continue;
            String special = vocab.texts[id];
            boolean lstrip = vocab.has(id, Vocab.ATTR_LSTRIP);
            boolean rstrip = vocab.has(id, Vocab.ATTR_RSTRIP);
            List<Fragment> next = null; // allocated on the first match
            Finder finder = new Finder(text, special);
            for (int f = 0; f < fragments.size(); f++) {
                Fragment frag = fragments.get(f);
                int at = frag.isText() ? finder.find(frag.start, frag.end) : -1;
                if (at < 0) {
                    if (next != null) next.add(frag);
                    continue;
                }
                if (next == null) next = new ArrayList<>(fragments.subList(0, f));
                int start = frag.start;
                while (at >= 0) {
                    int leftEnd = at;
                    if (lstrip) while (leftEnd > start && isSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > start) next.add(Fragment.text(start, leftEnd));
                    next.add(new Fragment(id, at, at + special.length()));
                    start = at + special.length();
                    if (rstrip) while (start < frag.end && isSpace(text.charAt(start))) start++;
                    at = finder.find(start, frag.end);
                }
                if (start < frag.end) next.add(Fragment.text(start, frag.end));
            }
            if (next != null) fragments = next;
        }
        return fragments;
    }

    /** Finds occurrences of one string at increasing offsets, scanning the text once overall. */
    private static final class Finder {
        private final String text, s;
        private int from = Integer.MAX_VALUE; // offset of the last search
        private int found = -1;               // its result: first occurrence at or after from, or -1

        Finder(String text, String s) {
            this.text = text;
            this.s = s;
        }

        /** The first occurrence inside [from, to), or -1. */
        int find(int from, int to) {
            if (from < this.from || (found >= 0 && found < from)) {
                this.from = from;
                found = text.indexOf(s, from);
            }
            return found >= 0 && found + s.length() <= to ? found : -1;
        }
    }

    /** C's isspace in the "C" locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
