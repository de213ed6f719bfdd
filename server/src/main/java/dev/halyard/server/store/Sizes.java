package dev.halyard.server.store;

import java.util.Locale;

/** Human-readable byte counts and durations, in decimal units as download tools show them (1 MB = 10^6 bytes). */
public final class Sizes {
    private Sizes() {}

    public static String bytes(long n) {
        if (n < 0) return "?";
        if (n < 1000) return n + " B";
        String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
        double v = n;
        int i = -1;
        while (v >= 999.95 && i < units.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[i]);
    }

    /** {@code 400 ms}, {@code 60 s}: a timeout as a person would write it. */
    public static String duration(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** {@code 0:07}, {@code 12:03}, {@code 1:02:03}. */
    public static String duration(long seconds) {
        if (seconds < 0) return "?";
        long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
