package dev.halyard.server.tools;

import java.util.List;
import java.util.Set;

/**
 * Streams a reply's content while holding back whatever might be a function call, so a client sees
 * either content deltas or tool-call deltas, never the raw call text. Text before a Hermes
 * {@code <tool_call>} streams as it comes (less any tail that could start the tag); a reply whose
 * first non-blank text opens JSON, a fence or a call marker is held whole. At the end, {@link #finish}
 * parses everything: calls, or the held text as content after all.
 */
public final class ToolStreamFilter {
    private static final List<String> LEADING = List.of("{", "[", "```", ToolCallParser.PYTHON_TAG, ToolCallParser.MISTRAL);

    private final Set<String> functions;
    private final StringBuilder text = new StringBuilder();
    private int emitted;       // chars of text streamed as content
    private boolean holdAll;   // a call may be under way: stream nothing more

    public ToolStreamFilter(Set<String> functions) {
        this.functions = Set.copyOf(functions);
    }

    /** Adds generated text; returns the content that may be streamed now. */
    public String push(String piece) {
        text.append(piece);
        if (holdAll) return "";
        String t = text.toString();
        if (emitted == 0) {
            String lead = t.stripLeading();
            if (lead.isEmpty()) return "";
            for (String m : LEADING) {
                if (lead.startsWith(m)) {
                    holdAll = true;
                    return "";
                }
                if (m.startsWith(lead)) return ""; // could still become a marker
            }
        }
        int open = t.indexOf(ToolCallParser.HERMES_OPEN, emitted);
        int safe;
        if (open >= 0) {
            safe = open;
            holdAll = true;
        } else {
            safe = t.length() - partialSuffix(t, ToolCallParser.HERMES_OPEN);
        }
        return take(t, safe);
    }

    /** What remains when generation ends: more content to stream (may be "") and the calls found. */
    public record End(String content, List<ParsedCall> calls) {}

    public End finish() {
        String t = text.toString();
        ToolCallParser.Parsed p = ToolCallParser.parse(t, functions);
        if (!p.hasCalls()) return new End(take(t, t.length()), List.of());
        int open = t.indexOf(ToolCallParser.HERMES_OPEN);
        String before = open >= 0 ? take(t, open) : "";
        return new End(before.isBlank() ? "" : before, p.calls());
    }

    /** Everything not yet streamed, as content (a reply cut short by max_tokens is not a call). */
    public String drain() {
        holdAll = true;
        return take(text.toString(), text.length());
    }

    private String take(String t, int upTo) {
        if (upTo <= emitted) return "";
        String s = t.substring(emitted, upTo);
        emitted = upTo;
        return s;
    }

    /** Length of the longest suffix of {@code t} that is a proper prefix of {@code marker}. */
    private static int partialSuffix(String t, String marker) {
        for (int k = Math.min(marker.length() - 1, t.length()); k > 0; k--) {
            if (marker.startsWith(t.substring(t.length() - k))) return k;
        }
        return 0;
    }
}
