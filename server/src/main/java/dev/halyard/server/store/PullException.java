package dev.halyard.server.store;

import java.io.IOException;

/** A download that could not be completed; the message says why and what to do, in one line. */
public class PullException extends IOException {
    public PullException(String message) {
        super(message);
    }

    public PullException(String message, Throwable cause) {
        super(message, cause);
    }
}
