package dev.halyard.server.store;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Content-Range: bytes START-END/TOTAL} header (RFC 9110 §14.4); TOTAL is -1 when the server
 * sent {@code *}.
 */
record ContentRange(long start, long end, long total) {
    private static final Pattern RANGE = Pattern.compile("bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern UNSATISFIED = Pattern.compile("bytes\\s+\\*/(\\d{1,18})", Pattern.CASE_INSENSITIVE);

    ContentRange {
        if (start < 0 || end < start) throw new IllegalArgumentException("range must satisfy 0 <= start <= end, got " + start + "-" + end);
        if (total >= 0 && end >= total) throw new IllegalArgumentException("range end " + end + " must be below the total " + total);
    }

    /** The parsed header, or null when absent or malformed. */
    static ContentRange parse(String header) {
        if (header == null) return null;
        Matcher m = RANGE.matcher(header.strip());
        if (!m.matches()) return null;
        long start = Long.parseLong(m.group(1)), end = Long.parseLong(m.group(2));
        long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        if (end < start || total >= 0 && end >= total) return null;
        return new ContentRange(start, end, total);
    }

    /** The total in a 416 answer's {@code bytes *}{@code /TOTAL}, or -1. */
    static long totalOf416(String header) {
        if (header == null) return -1;
        Matcher m = UNSATISFIED.matcher(header.strip());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
