package dev.halyard.server.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Opens a GET for a model file: follows redirects itself (so credentials never reach another origin and
 * every hop's headers can be read), asks for a byte range when resuming, and turns failures into one
 * clear {@link PullException}. Hugging Face answers a resolve URL with a redirect to its CDN that carries
 * the file's SHA-256 in {@code X-Linked-Etag}; that, or a 64-hex {@code ETag} on the first hop, is the
 * published checksum.
 */
final class HttpFetcher implements AutoCloseable {
    static final String USER_AGENT = "halyard/0.1 (model pull)";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /**
     * An open response with a body to read.
     *
     * @param uri the URI that answered (after redirects)
     * @param publishedSha256 the checksum the server published, or null
     * @param publishedBy the header it came from, for messages
     */
    record Opened(HttpResponse<InputStream> response, URI uri, String publishedSha256, String publishedBy) {
        int status() { return response.statusCode(); }

        Optional<String> header(String name) { return response.headers().firstValue(name); }

        /** A validator for If-Range: a strong ETag, else Last-Modified, else null (weak ETags are not allowed there). */
        String validator() {
            Optional<String> etag = header("ETag").filter(e -> !e.startsWith("W/"));
            return etag.or(() -> header("Last-Modified")).orElse(null);
        }
    }

    private final HttpClient client;
    private final Duration responseTimeout;
    private final int maxRedirects;
    private final String token; // bearer token for the Hugging Face origin only, or null

    HttpFetcher(Duration connectTimeout, Duration responseTimeout, int maxRedirects, String token) {
        this.client = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).build();
        this.responseTimeout = responseTimeout;
        this.maxRedirects = maxRedirects;
        this.token = token == null || token.isBlank() ? null : token.strip();
    }

    /**
     * GETs {@code source}, from byte {@code offset} when positive (with {@code If-Range: ifRange} when not
     * null). Returns a 200, 206 or 416 response; any other final status becomes a PullException.
     */
    Opened open(ModelSource source, long offset, String ifRange) throws IOException {
        URI current = source.uri();
        String published = null, publishedBy = null;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(responseTimeout).GET()
                    .header("User-Agent", USER_AGENT).header("Accept-Encoding", "identity");
            if (offset > 0) {
                b.header("Range", "bytes=" + offset + "-");
                if (ifRange != null) b.header("If-Range", ifRange);
            }
            boolean authorized = token != null && source.huggingFace() && ModelSource.sameOrigin(current, source.uri());
            if (authorized) b.header("Authorization", "Bearer " + token);
            HttpResponse<InputStream> r = send(b.build());
            String linked = sha256(r.headers().firstValue("X-Linked-Etag").orElse(null));
            String etag = hop == 0 ? sha256(r.headers().firstValue("ETag").orElse(null)) : null;
            if (published == null && linked != null) { published = linked; publishedBy = "X-Linked-Etag header"; }
            if (published == null && etag != null) { published = etag; publishedBy = "ETag header"; }
            int status = r.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                r.body().close();
                String location = r.headers().firstValue("Location")
                        .orElseThrow(() -> new PullException("HTTP " + status + " redirect without a Location header from " + r.uri()));
                if (hop >= maxRedirects) throw new PullException("more than " + maxRedirects + " redirects starting at " + source.uri());
                current = resolve(current, location);
                continue;
            }
            if (status == 200 || status == 206 || status == 416) return new Opened(r, current, published, publishedBy);
            r.body().close();
            throw failure(status, source, current, authorized);
        }
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        String where = request.uri().getScheme() + "://" + request.uri().getAuthority();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new PullException("cannot connect to " + where + ": no answer within the connect timeout", e);
        } catch (HttpTimeoutException e) {
            throw new PullException("no response from " + where + " within " + Sizes.duration(responseTimeout), e);
        } catch (ConnectException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getCause() != null ? e.getCause().toString() : "connection refused";
            throw new PullException("cannot connect to " + where + ": " + why, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while contacting " + where);
        }
    }

    private PullException failure(int status, ModelSource source, URI at, boolean authorized) {
        String url = source.uri().toString();
        String via = at.equals(source.uri()) ? "" : " (redirected to " + at.getScheme() + "://" + at.getAuthority() + ")";
        return switch (status) {
            case 401, 403 -> new PullException("HTTP " + status + (status == 401 ? " Unauthorized" : " Forbidden") + " for " + url + via + ": "
                    + (source.huggingFace()
                            ? (authorized ? "the token in HF_TOKEN was not accepted; the repository is gated or private: request access on its page and use a token that has it"
                                          : "the repository is gated or private (or does not exist): request access on its Hugging Face page and set HF_TOKEN to an access token")
                            : "the server requires authentication"));
            case 404 -> new PullException("HTTP 404 Not Found for " + url + via + ": check the "
                    + (source.huggingFace() ? "owner, repository, file name and revision" : "URL"));
            case 429 -> new PullException("HTTP 429 Too Many Requests from " + url + via + ": the server is rate-limiting; try again later");
            default -> new PullException("HTTP " + status + " for " + url + via);
        };
    }

    private static URI resolve(URI base, String location) throws PullException {
        try {
            URI next = base.resolve(location.strip());
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https"))
                throw new PullException("redirect to an unsupported location: " + location);
            return next;
        } catch (IllegalArgumentException e) {
            throw new PullException("redirect to an invalid location: " + location, e);
        }
    }

    /** The header value as a SHA-256 (lower-case hex) when it is one, quotes and {@code W/} removed; else null. */
    static String sha256(String etag) {
        if (etag == null) return null;
        String e = etag.strip();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        e = e.toLowerCase(Locale.ROOT);
        return SHA256.matcher(e).matches() ? e : null;
    }

    @Override
    public void close() {
        client.close();
    }
}
