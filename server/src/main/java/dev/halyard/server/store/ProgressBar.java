package dev.halyard.server.store;

import java.io.PrintWriter;
import java.net.URI;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Download progress on stderr. On a terminal, one line redrawn in place at most ten times a second:
 * {@code name  [=====>    ]  52%  1.2 GB / 2.3 GB  34.1 MB/s  ETA 0:32}. Elsewhere (logs, CI) a plain line
 * at every 10% (every 100 MB when the size is unknown), so logs stay short.
 */
public final class ProgressBar implements PullListener {
    private static final int WIDTH = 24; // characters inside the brackets
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long UNKNOWN_TOTAL_STEP = 100_000_000L; // bytes between plain lines when the total is unknown

    private final PrintWriter err;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private String name = "";
    private long startNanos, startBytes; // when and from which byte this transfer began (rates exclude resumed bytes)
    private long lastDraw; // when the terminal line was last drawn (lastWidth > 0 once it has been)
    private long lastStep; // last 10% step (or 100 MB step) printed in plain mode
    private int lastWidth; // length of the line on screen, 0 when none

    public ProgressBar(PrintWriter err, boolean terminal) {
        this(err, terminal, System::nanoTime);
    }

    ProgressBar(PrintWriter err, boolean terminal, LongSupplier nanoTime) {
        this.err = err;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
    }

    @Override
    public void started(String name, URI uri, long offset, long total) {
        this.name = name;
        this.startNanos = nanoTime.getAsLong();
        this.startBytes = offset;
        this.lastStep = step(offset, total);
        String size = total >= 0 ? " (" + Sizes.bytes(total) + ")" : "";
        String resume = offset > 0 ? ", resuming at " + Sizes.bytes(offset) : "";
        err.println("pulling " + name + " from " + uri.getScheme() + "://" + uri.getAuthority() + size + resume);
        err.flush();
    }

    @Override
    public void progress(long done, long total) {
        long now = nanoTime.getAsLong();
        if (terminal) {
            if (lastWidth > 0 && now - lastDraw < REDRAW_NANOS && done != total) return;
            lastDraw = now;
            String line = line(done, total, now, true);
            err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
            err.flush();
        } else {
            long step = step(done, total);
            if (step <= lastStep) return;
            lastStep = step;
            err.println(line(done, total, now, false));
            err.flush();
        }
    }

    @Override
    public void finished(long done) {
        if (terminal && lastWidth > 0) err.println();
        lastWidth = 0;
        err.flush();
    }

    @Override
    public void note(String line) {
        if (terminal && lastWidth > 0) err.println();
        lastWidth = 0;
        err.println(line);
        err.flush();
    }

    private static long step(long done, long total) {
        return total > 0 ? done * 10 / total : done / UNKNOWN_TOTAL_STEP;
    }

    String line(long done, long total, long now, boolean bar) {
        double seconds = (now - startNanos) / 1e9;
        double rate = seconds > 0 ? (done - startBytes) / seconds : 0; // bytes per second this session
        StringBuilder s = new StringBuilder(name).append("  ");
        if (total > 0) {
            double f = Math.min(1, (double) done / total);
            if (bar) {
                int filled = (int) (f * WIDTH);
                s.append('[').append("=".repeat(filled)).append(filled < WIDTH ? ">" : "")
                        .append(" ".repeat(Math.max(0, WIDTH - filled - 1))).append("]  ");
            }
            s.append(String.format(Locale.ROOT, "%3d%%  %s / %s", (int) (f * 100), Sizes.bytes(done), Sizes.bytes(total)));
        } else {
            s.append(Sizes.bytes(done));
        }
        s.append(String.format(Locale.ROOT, "  %.1f MB/s", rate / 1e6));
        if (total > 0 && rate > 0) s.append("  ETA ").append(Sizes.duration((long) Math.ceil((total - done) / rate)));
        return s.toString();
    }
}
