package dev.halyard.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.errors.ErrorMapper;
import dev.halyard.server.openai.Limits;
import dev.halyard.server.serving.Exchange;
import dev.halyard.server.serving.Reply;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Between Javalin and the serving objects: reads request bodies within the limits, checks the API key,
 * runs a handler, writes its {@link Reply} as JSON or server-sent events, maps every exception to
 * OpenAI's error JSON, and logs one line per request.
 */
public final class Http {
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final SecureRandom IDS = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final Json json;
    private final Limits limits;
    private final Duration keepAlive;
    private final byte[] apiKey; // null: no authentication

    public Http(Json json, Limits limits, Duration keepAlive, String apiKey) {
        this.json = json;
        this.limits = limits;
        this.keepAlive = keepAlive;
        this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs {@code handler} for this request and writes what it returns (or the error it throws). */
    public void serve(Context ctx, Function<Exchange, Reply> handler) {
        Exchange ex = new Exchange(requestId(ctx));
        ctx.header("X-Request-Id", ex.id());
        int status;
        boolean stream = false;
        try {
            authorize(ctx);
            Reply r = handler.apply(ex);
            switch (r) {
                case Reply.Json j -> {
                    write(ctx, j.status(), "application/json", json.write(j.body()));
                    status = j.status();
                }
                case Reply.Text t -> {
                    write(ctx, t.status(), t.contentType(), t.body().getBytes(StandardCharsets.UTF_8));
                    status = t.status();
                }
                case Reply.Stream s -> {
                    stream = true;
                    status = stream(ctx, s.source());
                }
            }
        } catch (Throwable e) {
            ApiException a = ErrorMapper.map(e);
            error(ctx, a);
            status = a.status();
        }
        RequestLog.line(ex, ctx.method().name(), ctx.path(), status, stream);
    }

    /** The JSON body: 415 when it is declared as something else, 413 beyond the size limit, 400 when not JSON. */
    public JsonNode body(Context ctx) {
        String type = ctx.req().getContentType();
        if (type != null && !isJsonLike(type)) throw ApiException.unsupportedMediaType(type);
        long declared = ctx.req().getContentLengthLong();
        if (declared > limits.maxBodyBytes()) throw ApiException.tooLarge(limits.maxBodyBytes());
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, 1 << 16)));
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (buf.size() + (long) n > limits.maxBodyBytes()) throw ApiException.tooLarge(limits.maxBodyBytes());
                buf.write(chunk, 0, n);
            }
            return json.parse(buf.toByteArray());
        } catch (IOException e) {
            throw ApiException.badJson("the body could not be read: " + e.getMessage());
        }
    }

    /** Writes an OpenAI error with its status (and Retry-After), unless the response is already under way. */
    public void error(Context ctx, ApiException a) {
        if (ctx.res().isCommitted()) return;
        if (a.retryAfter() != null) ctx.header("Retry-After", Long.toString(Math.max(1, a.retryAfter().toSeconds())));
        write(ctx, a.status(), "application/json", json.write(ErrorMapper.body(a)));
    }

    /** Writes the stream; returns the status to log (the error's status when it failed mid-stream, 499 when the client left). */
    private int stream(Context ctx, Reply.EventSource source) {
        try (source) {
            HttpServletResponse res = ctx.res();
            res.setStatus(200);
            res.setContentType("text/event-stream;charset=utf-8");
            res.setHeader("Cache-Control", "no-cache");
            res.setHeader("X-Accel-Buffering", "no");
            SseWriter sse;
            try {
                OutputStream out = res.getOutputStream();
                sse = new SseWriter(out, json, keepAlive);
            } catch (IOException e) {
                source.cancel();
                return 499;
            }
            try {
                source.run(sse);
                sse.done();
                return 200;
            } catch (IOException gone) {
                source.cancel(); // the client left: free its KV blocks now
                return 499;
            } catch (Throwable e) {
                source.cancel();
                ApiException a = ErrorMapper.map(e);
                try {
                    sse.data(ErrorMapper.body(a));
                    sse.done();
                } catch (IOException gone) {
                    return 499;
                }
                return a.status();
            }
        }
    }

    private void authorize(Context ctx) {
        if (apiKey == null) return;
        String auth = ctx.header("Authorization");
        String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
        if (given == null || !MessageDigest.isEqual(apiKey, given.getBytes(StandardCharsets.UTF_8))) throw ApiException.unauthorized();
    }

    private static void write(Context ctx, int status, String contentType, byte[] body) {
        ctx.status(status);
        ctx.contentType(contentType);
        ctx.result(body);
    }

    /** JSON, or what curl sends without -H (form encoding) and plain text: all parsed as JSON. */
    private static boolean isJsonLike(String type) {
        String t = type.toLowerCase(java.util.Locale.ROOT).split(";")[0].strip();
        return t.isEmpty() || t.equals("application/json") || t.endsWith("+json") || t.equals("text/plain")
                || t.equals("application/x-www-form-urlencoded") || t.equals("*/*");
    }

    private static String requestId(Context ctx) {
        String given = ctx.header("X-Request-Id");
        if (given != null && CLIENT_ID.matcher(given).matches()) return given;
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 24; i++) s.append(ALPHABET[IDS.nextInt(ALPHABET.length)]);
        return s.toString();
    }
}
