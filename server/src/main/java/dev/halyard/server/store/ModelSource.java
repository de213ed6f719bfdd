package dev.halyard.server.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a model comes from: an {@code http(s)://} URL, or the shorthand
 * {@code hf:owner/repo/path/file.gguf[@revision]} for Hugging Face's download ("resolve") URL
 * {@code ENDPOINT/owner/repo/resolve/REVISION/path/file.gguf} (revision default {@code main}).
 *
 * @param uri what to download
 * @param defaultName the model name when none is given: the file name without {@code .gguf}
 * @param huggingFace true when {@code uri} is on the Hugging Face endpoint (so HF_TOKEN may be sent to it)
 */
public record ModelSource(URI uri, String defaultName, boolean huggingFace) {
    public static final String HF_PREFIX = "hf:";
    public static final String DEFAULT_HF_ENDPOINT = "https://huggingface.co";
    /** Environment variable or system property overriding the Hugging Face endpoint (like huggingface_hub's HF_ENDPOINT). */
    public static final String HF_ENDPOINT_VAR = "HALYARD_HF_ENDPOINT";
    private static final Pattern NAME_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}"); // HF owner/repo names

    public ModelSource {
        if (uri == null) throw new IllegalArgumentException("uri must not be null");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null)
            throw new IllegalArgumentException("model URL must be http(s)://HOST/... or hf:owner/repo/file.gguf, got '" + uri + "'");
        if (defaultName == null) throw new IllegalArgumentException("defaultName must not be null");
    }

    /** Parses a URL or {@code hf:} reference, using the Hugging Face endpoint from the environment or system properties. */
    public static ModelSource parse(String source) {
        return parse(source, hfEndpoint(System.getenv()));
    }

    /** Parses a URL or {@code hf:} reference against the given Hugging Face endpoint. */
    public static ModelSource parse(String source, String hfEndpoint) {
        if (source == null || source.isBlank()) throw new IllegalArgumentException("model source must not be empty");
        URI endpoint = parseUri(hfEndpoint.endsWith("/") ? hfEndpoint.substring(0, hfEndpoint.length() - 1) : hfEndpoint, hfEndpoint);
        if (source.startsWith(HF_PREFIX)) {
            URI uri = parseUri(resolveUrl(source.substring(HF_PREFIX.length()), endpoint.toString()), source);
            return new ModelSource(uri, nameOf(uri), true);
        }
        URI uri = parseUri(source, source);
        return new ModelSource(uri, nameOf(uri), sameOrigin(uri, endpoint));
    }

    /** {@code owner/repo/path/file.gguf[@revision]} → {@code ENDPOINT/owner/repo/resolve/REVISION/path/file.gguf}. */
    static String resolveUrl(String ref, String endpoint) {
        String usage = "expected hf:OWNER/REPO/FILE.gguf or hf:OWNER/REPO/FILE.gguf@REVISION, got 'hf:" + ref + "'";
        String revision = "main";
        int at = ref.lastIndexOf('@');
        if (at >= 0) {
            revision = ref.substring(at + 1);
            ref = ref.substring(0, at);
            if (revision.isEmpty()) throw new IllegalArgumentException("empty revision: " + usage);
        }
        String[] parts = ref.split("/", -1);
        if (parts.length < 3) throw new IllegalArgumentException(usage);
        if (!NAME_PART.matcher(parts[0]).matches() || !NAME_PART.matcher(parts[1]).matches())
            throw new IllegalArgumentException("owner and repository must be letters, digits, '.', '_' or '-': " + usage);
        StringBuilder url = new StringBuilder(endpoint).append('/').append(parts[0]).append('/').append(parts[1])
                .append("/resolve/").append(encode(revision)); // a branch like refs/pr/1 becomes one segment, as HF expects
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].isEmpty() || parts[i].equals(".") || parts[i].equals(".."))
                throw new IllegalArgumentException("bad file path segment '" + parts[i] + "': " + usage);
            url.append('/').append(encode(parts[i]));
        }
        return url.toString();
    }

    /** The endpoint named by {@value #HF_ENDPOINT_VAR} (system property first, then environment), else huggingface.co. */
    static String hfEndpoint(Map<String, String> env) {
        String p = System.getProperty(HF_ENDPOINT_VAR);
        if (p != null && !p.isBlank()) return p;
        String e = env.get(HF_ENDPOINT_VAR);
        return e != null && !e.isBlank() ? e : DEFAULT_HF_ENDPOINT;
    }

    /** True when both URIs have the same scheme, host and port: credentials may go from one to the other. */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) return u.getPort();
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** The last path segment, decoded, without a {@code .gguf} extension. */
    static String nameOf(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        String file = URLDecoder.decode(last, StandardCharsets.UTF_8);
        return file.toLowerCase(Locale.ROOT).endsWith(ModelStore.EXTENSION) ? file.substring(0, file.length() - ModelStore.EXTENSION.length()) : file;
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static URI parseUri(String s, String original) {
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: '" + original + "' (" + e.getReason() + ")");
        }
    }
}
