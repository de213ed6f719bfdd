package dev.halyard.server.serving;

import java.io.IOException;
import java.time.Duration;

/**
 * What a serving object returns to its route: a JSON body, or a stream of server-sent events. (Errors
 * are thrown as {@link dev.halyard.server.errors.ApiException} and mapped in one place.)
 */
public sealed interface Reply {

    /** A JSON body with a status. */
    record Json(int status, Object body) implements Reply {
        public static Json ok(Object body) {
            return new Json(200, body);
        }
    }

    /** Plain text (metrics). */
    record Text(int status, String contentType, String body) implements Reply {}

    /** An SSE stream; the route writes {@code data: [DONE]} after it, or an error event then [DONE]. */
    record Stream(EventSource source) implements Reply {}

    /** Produces the events of a stream. */
    interface EventSource extends AutoCloseable {
        /** Writes every event; an {@link IOException} from the sink means the client is gone. */
        void run(EventSink sink) throws IOException;

        /** The client went away: stop generating at once. */
        void cancel();

        /** Frees what the stream held (called exactly once, after run). */
        @Override
        void close();
    }

    /** Where events go. */
    interface EventSink {
        /** One {@code data:} event with {@code payload} as JSON. */
        void data(Object payload) throws IOException;

        /** A comment line, to keep the connection alive and notice a client that left. */
        void keepAlive() throws IOException;

        /** How long a stream may stay silent before it sends {@link #keepAlive}. */
        Duration keepAliveInterval();
    }
}
