package dev.halyard.server.store;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on a free loopback port that serves one file as a static server would (ETag,
 * Range, If-Range, 416), and can misbehave on request: drop the connection midway, stall, ignore
 * ranges, redirect, answer with an error status. It records every request's headers.
 */
final class FileServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    /** One request as the server saw it. */
    record Seen(String path, Headers headers) {
        String header(String name) { return headers.getFirst(name); }
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    volatile byte[] content = new byte[0];
    volatile String etag; // unquoted; sent quoted when not null
    volatile boolean honourRange = true;
    volatile long dropAfter = -1; // next body: close the connection after this many bytes, once
    volatile long stallAfter = -1; // next body: stop sending after this many bytes until released, once
    final CountDownLatch release = new CountDownLatch(1);
    volatile Runnable midway = () -> {}; // runs when half of a body has been sent

    FileServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Serves {@link #content} at {@code path}. */
    FileServer file(String path) {
        server.createContext(path, ex -> {
            record(ex);
            serve(ex);
        });
        return this;
    }

    /** Answers {@code path} with a redirect to {@code location} carrying {@code headers}. */
    FileServer redirect(String path, int status, String location, Map<String, String> headers) {
        server.createContext(path, ex -> {
            record(ex);
            headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.getResponseHeaders().add("Location", location);
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        return this;
    }

    /** Answers {@code path} with {@code status} and a short text body. */
    FileServer status(String path, int status) {
        server.createContext(path, ex -> {
            record(ex);
            byte[] body = ("status " + status).getBytes();
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        return this;
    }

    private void record(HttpExchange ex) {
        Headers copy = new Headers();
        copy.putAll(ex.getRequestHeaders());
        seen.add(new Seen(ex.getRequestURI().getPath(), copy));
    }

    private void serve(HttpExchange ex) throws IOException {
        byte[] body = content;
        if (etag != null) ex.getResponseHeaders().add("ETag", "\"" + etag + "\"");
        long start = 0;
        int status = 200;
        Matcher m = RANGE.matcher(String.valueOf(ex.getRequestHeaders().getFirst("Range")));
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        boolean validatorMatches = ifRange == null || etag != null && ifRange.equals("\"" + etag + "\"");
        if (honourRange && m.matches() && validatorMatches) {
            start = Long.parseLong(m.group(1));
            if (start >= body.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            status = 206;
            ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
        }
        ex.sendResponseHeaders(status, body.length - start);
        OutputStream out = ex.getResponseBody();
        long drop = dropAfter, stall = stallAfter;
        dropAfter = -1;
        stallAfter = -1;
        long half = start + (body.length - start) / 2;
        try {
            for (long pos = start; pos < body.length; ) {
                int n = (int) Math.min(16_384, body.length - pos);
                if (pos < half && pos + n > half) n = (int) (half - pos);
                if (drop >= 0 && pos + n > start + drop) n = (int) (start + drop - pos);
                if (stall >= 0 && pos + n > start + stall) n = (int) (start + stall - pos);
                out.write(body, (int) pos, n);
                pos += n;
                if (pos == half) {
                    out.flush();
                    midway.run();
                }
                if (drop >= 0 && pos == start + drop) {
                    out.flush();
                    throw new Dropped(); // escapes the handler: the server closes the connection mid-body
                }
                if (stall >= 0 && pos == start + stall) {
                    out.flush();
                    release.await(30, TimeUnit.SECONDS);
                    stall = -1;
                }
            }
            out.close();
        } catch (IOException | InterruptedException e) {
            ex.close(); // the client went away
        }
    }

    /** Thrown out of a handler on purpose, so that the server drops the connection. */
    private static final class Dropped extends RuntimeException {
        Dropped() { super("connection dropped on purpose", null, false, false); }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
