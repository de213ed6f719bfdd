package dev.halyard.model.constrain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of Unicode code points, as sorted, disjoint, non-adjacent inclusive ranges. The
 * terminal of a grammar: a literal character, a class {@code [a-z]}, a negated class {@code [^"]} or
 * {@code .} (any character). Code points below 128 are also kept in a bitmap for the common case.
 */
public final class CharClass {
    public static final int MAX_CODE_POINT = 0x10FFFF;
    public static final CharClass EMPTY = new CharClass(new int[0]);
    public static final CharClass ANY = range(0, MAX_CODE_POINT);

    private final int[] ranges; // (2n,): lo0, hi0, lo1, hi1, ... sorted, disjoint, non-adjacent
    private final long ascii0, ascii1; // bit c set: code point c (0..63 / 64..127) is a member

    private CharClass(int[] normalized) {
        this.ranges = normalized;
        long a0 = 0, a1 = 0;
        for (int i = 0; i < normalized.length; i += 2) {
            for (int c = normalized[i]; c <= Math.min(normalized[i + 1], 127); c++) {
                if (c < 64) a0 |= 1L << c;
                else a1 |= 1L << (c - 64);
            }
        }
        this.ascii0 = a0;
        this.ascii1 = a1;
    }

    public static CharClass of(int codePoint) {
        return range(codePoint, codePoint);
    }

    public static CharClass range(int lo, int hi) {
        check(lo);
        check(hi);
        if (lo > hi) throw new IllegalArgumentException("character range must have lo <= hi, got " + hex(lo) + "-" + hex(hi));
        return new CharClass(new int[] {lo, hi});
    }

    /** The union of the inclusive ranges {@code lo0, hi0, lo1, hi1, ...} (any order, overlaps allowed). */
    public static CharClass ofRanges(int... pairs) {
        if (pairs.length % 2 != 0) throw new IllegalArgumentException("ranges must come in lo, hi pairs, got " + pairs.length + " values");
        long[] sorted = new long[pairs.length / 2];
        for (int i = 0; i < sorted.length; i++) {
            int lo = pairs[2 * i], hi = pairs[2 * i + 1];
            check(lo);
            check(hi);
            if (lo > hi) throw new IllegalArgumentException("character range must have lo <= hi, got " + hex(lo) + "-" + hex(hi));
            sorted[i] = ((long) lo << 32) | hi;
        }
        Arrays.sort(sorted);
        int[] out = new int[pairs.length];
        int n = 0;
        for (long r : sorted) {
            int lo = (int) (r >>> 32), hi = (int) r;
            if (n > 0 && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
            else {
                out[n++] = lo;
                out[n++] = hi;
            }
        }
        return new CharClass(Arrays.copyOf(out, n));
    }

    private static void check(int cp) {
        if (cp < 0 || cp > MAX_CODE_POINT) throw new IllegalArgumentException("code point must be in [0, 0x10FFFF], got " + cp);
    }

    public boolean contains(int cp) {
        if (cp < 64) return cp >= 0 && (ascii0 >>> cp & 1) != 0;
        if (cp < 128) return (ascii1 >>> (cp - 64) & 1) != 0;
        int lo = 0, hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < ranges[2 * mid]) hi = mid - 1;
            else if (cp > ranges[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /** Whether some code point in [lo, hi] is a member. */
    public boolean intersects(int lo, int hi) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > hi) return false;
            if (ranges[i + 1] >= lo) return true;
        }
        return false;
    }

    /** Whether every code point in [lo, hi] is a member. */
    public boolean containsAll(int lo, int hi) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > lo) return false;
            if (ranges[i + 1] >= lo) return ranges[i + 1] >= hi;
        }
        return false;
    }

    public CharClass union(CharClass o) {
        int[] all = Arrays.copyOf(ranges, ranges.length + o.ranges.length);
        System.arraycopy(o.ranges, 0, all, ranges.length, o.ranges.length);
        return all.length == 0 ? EMPTY : ofRanges(all);
    }

    public CharClass complement() {
        List<Integer> out = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                out.add(next);
                out.add(ranges[i] - 1);
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX_CODE_POINT) {
            out.add(next);
            out.add(MAX_CODE_POINT);
        }
        return new CharClass(out.stream().mapToInt(Integer::intValue).toArray());
    }

    public CharClass intersect(CharClass o) {
        return complement().union(o.complement()).complement();
    }

    public CharClass minus(CharClass o) {
        return intersect(o.complement());
    }

    public boolean isEmpty() {
        return ranges.length == 0;
    }

    /** The ranges, as lo, hi pairs (a copy). */
    public int[] ranges() {
        return ranges.clone();
    }

    /** GBNF text for this class: {@code [a-z0-9]}, or {@code [^"\\]} when the complement is shorter. */
    public String toGbnf() {
        CharClass c = complement();
        boolean negate = c.ranges.length < ranges.length && c.ranges.length > 0;
        StringBuilder sb = new StringBuilder(negate ? "[^" : "[");
        int[] r = negate ? c.ranges : ranges;
        for (int i = 0; i < r.length; i += 2) {
            sb.append(gbnfChar(r[i]));
            if (r[i + 1] != r[i]) sb.append('-').append(gbnfChar(r[i + 1]));
        }
        return sb.append(']').toString();
    }

    /** A code point as GBNF writes it inside a class or literal: itself when printable ASCII, else an escape. */
    static String gbnfChar(int cp) {
        if (cp >= 0x20 && cp < 0x7F && "\\\"[]^-".indexOf(cp) < 0) return String.valueOf((char) cp);
        if (cp == '\\' || cp == '"' || cp == '[' || cp == ']') return "\\" + (char) cp;
        if (cp == '\n') return "\\n";
        if (cp == '\t') return "\\t";
        if (cp == '\r') return "\\r";
        if (cp <= 0xFF) return String.format("\\x%02X", cp);
        if (cp <= 0xFFFF) return String.format("\\u%04X", cp);
        return String.format("\\U%08X", cp);
    }

    static String hex(int cp) {
        return String.format("U+%04X", cp);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CharClass c && Arrays.equals(ranges, c.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ranges);
    }

    @Override
    public String toString() {
        return toGbnf();
    }
}
