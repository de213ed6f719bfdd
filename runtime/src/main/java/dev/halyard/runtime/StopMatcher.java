package dev.halyard.runtime;

import java.util.List;

/**
 * Finds stop strings in streamed text and holds back the tail that could still become one, so a
 * client never sees part of a stop string (as llama.cpp's server does with partial matches).
 */
public final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder(); // everything generated so far
    private int emitted;                                    // chars of text already handed out
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        for (String s : stops) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
        this.stops = List.copyOf(stops);
    }

    /** Appends generated text; returns what may be shown now ("" while a stop string might be forming). */
    public String push(String piece) {
        if (stopped) return "";
        text.append(piece);
        int searchFrom = Math.max(0, emitted - longest());
        int cut = -1;
        for (String s : stops) {
            int at = text.indexOf(s, searchFrom);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0) {
            stopped = true;
            text.setLength(cut);
            return take(cut);
        }
        // hold back the longest suffix that is a prefix of some stop string
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, text.length() - emitted); k > hold; k--) {
                if (text.length() - k >= emitted && s.startsWith(text.substring(text.length() - k))) {
                    hold = k;
                    break;
                }
            }
        }
        return take(text.length() - hold);
    }

    /** The held-back remainder, at the end of generation. */
    public String flush() {
        return take(text.length());
    }

    public boolean stopped() {
        return stopped;
    }

    /** All text up to (excluding) the stop string. */
    public String text() {
        return text.toString();
    }

    private String take(int upTo) {
        if (upTo <= emitted) return "";
        String s = text.substring(emitted, upTo);
        emitted = upTo;
        return s;
    }

    private int longest() {
        int m = 0;
        for (String s : stops) m = Math.max(m, s.length());
        return m;
    }
}
