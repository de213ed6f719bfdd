package dev.halyard.server.store;

import java.net.URI;

/** What a pull reports while it runs (a progress bar, a log). Totals are -1 when the server does not say. */
public interface PullListener {
    /** The body starts arriving: {@code offset} bytes are already on disk (a resumed download) of {@code total}. */
    void started(String name, URI uri, long offset, long total);

    /** {@code done} bytes of {@code total} are on disk. */
    void progress(long done, long total);

    /** The transfer ended with {@code done} bytes on disk. */
    void finished(long done);

    /** A one-line note worth showing, e.g. that the server ignored a range request. */
    void note(String line);

    /** A listener that shows nothing. */
    PullListener SILENT = new PullListener() {
        @Override public void started(String name, URI uri, long offset, long total) {}
        @Override public void progress(long done, long total) {}
        @Override public void finished(long done) {}
        @Override public void note(String line) {}
    };
}
