package dev.halyard.server.store;

import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufFormatException;
import dev.halyard.server.store.ModelStore.StoredModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;

/**
 * {@code halyard pull}: downloads a GGUF into the model store. The bytes accumulate in
 * {@code NAME.gguf.partial} (locked, so two pulls of one name cannot interleave); an interrupted pull
 * resumes with a Range request guarded by If-Range, and starts over cleanly when the server ignores the
 * range or the file changed. When the transfer is complete the file is synced, checked against the given
 * or published SHA-256, read as a GGUF header, renamed to {@code NAME.gguf} in one step and the directory
 * synced: the target never exists half-written. A download that fails a check is removed.
 */
public final class ModelPuller implements AutoCloseable {
    public static final String HF_TOKEN_ENV = "HF_TOKEN";
    private static final int CHUNK = 1 << 20;
    private static final int MAX_RESTARTS = 2;
    private static final byte[] GGUF_MAGIC = {'G', 'G', 'U', 'F'};

    /**
     * @param connectTimeout how long to wait for a connection
     * @param readTimeout how long to wait for response headers, and for the next bytes of a body
     * @param maxRedirects redirects followed before giving up
     * @param hfToken access token sent to the Hugging Face endpoint only (never to a redirect target), or null
     */
    public record Options(Duration connectTimeout, Duration readTimeout, int maxRedirects, String hfToken) {
        public Options {
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero())
                throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
            if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero())
                throw new IllegalArgumentException("readTimeout must be positive, got " + readTimeout);
            if (maxRedirects < 0 || maxRedirects > 50) throw new IllegalArgumentException("maxRedirects must be in [0, 50], got " + maxRedirects);
        }

        /** 30 s to connect, 60 s of silence allowed, 10 redirects, the token in {@code $HF_TOKEN}. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(30), Duration.ofSeconds(60), 10, System.getenv(HF_TOKEN_ENV));
        }

        public Options withReadTimeout(Duration d) { return new Options(connectTimeout, d, maxRedirects, hfToken); }

        public Options withHfToken(String token) { return new Options(connectTimeout, readTimeout, maxRedirects, token); }
    }

    /** What the checksum of the result was compared with. */
    public enum Check { GIVEN, PUBLISHED, NONE }

    /**
     * @param sha256 the file's checksum (null only for a model already present and not checked)
     * @param checkedBy where the expected checksum came from ("--sha256", "X-Linked-Etag header", ...), or null
     * @param transferred bytes received in this run (resumed bytes excluded)
     */
    public record Result(StoredModel model, String sha256, Check check, String checkedBy, boolean alreadyPresent,
                         boolean resumed, long transferred) {}

    /** A finished transfer: the size on disk, the computed checksum and what the server published. */
    private record Transfer(long size, String sha256, String published, String publishedBy, boolean resumed, long transferred) {}

    /** A failure after which the partial file is worthless and is removed. */
    private static final class Discard extends PullException {
        Discard(String message) { super(message); }
    }

    private final ModelStore store;
    private final PullListener listener;
    private final HttpFetcher fetcher;
    private final Duration readTimeout;

    public ModelPuller(ModelStore store, Options options, PullListener listener) {
        if (store == null) throw new IllegalArgumentException("store must not be null");
        this.store = store;
        this.listener = listener == null ? PullListener.SILENT : listener;
        this.readTimeout = options.readTimeout();
        this.fetcher = new HttpFetcher(options.connectTimeout(), options.readTimeout(), options.maxRedirects(), options.hfToken());
    }

    /**
     * Downloads {@code source} as model {@code name} (null: the source's file name). {@code sha256} (hex, may
     * be null) overrides the published checksum. An existing model is kept unless {@code force}.
     */
    public Result pull(ModelSource source, String name, String sha256, boolean force) throws IOException {
        String id = name != null ? name : source.defaultName();
        if (name != null) ModelStore.checkName(name);
        else if (!ModelStore.isValidName(id))
            throw new IllegalArgumentException("cannot derive a model name from " + source.uri() + " (got '" + id + "'); pass --name NAME");
        String expected = normalizeSha(sha256);
        Files.createDirectories(store.dir());
        Path target = store.path(id), partial = store.partialPath(id), meta = store.partialMetaPath(id);
        if (!force && Files.exists(target)) return existing(id, target, expected);

        Transfer t;
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock lock = lock(ch, id, partial)) {
            try {
                t = download(source, id, ch, meta);
                ch.force(true);
            } catch (Discard d) {
                discard(partial, meta);
                throw new PullException(d.getMessage());
            } catch (IOException | RuntimeException e) {
                if (ch.size() == 0) discard(partial, meta); // failed before the first byte: nothing worth keeping
                throw e;
            }
        }

        String want = expected != null ? expected : t.published();
        String by = expected != null ? "--sha256" : t.publishedBy();
        if (want != null && !want.equals(t.sha256())) {
            discard(partial, meta);
            throw new PullException("checksum mismatch for " + id + ": expected sha256 " + want + " (from " + by + "), got "
                    + t.sha256() + "; the download was removed");
        }
        try {
            GgufFile.read(partial);
        } catch (GgufFormatException | IOException e) {
            discard(partial, meta);
            throw new PullException(notGguf(source, e.getMessage()));
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(meta);
        syncDirectory(store.dir());
        StoredModel model = store.find(id).orElseThrow(() -> new NoSuchFileException(target.toString()));
        return new Result(model, t.sha256(), want == null ? Check.NONE : expected != null ? Check.GIVEN : Check.PUBLISHED, by,
                false, t.resumed(), t.transferred());
    }

    /** The model is already there: check it against a given checksum, or report it as is. */
    private Result existing(String id, Path target, String expected) throws IOException {
        StoredModel model = store.find(id).orElseThrow(() -> new PullException(target + " exists but is not a regular file"));
        if (expected == null) return new Result(model, null, Check.NONE, null, true, false, 0);
        String actual = sha256Of(target);
        if (!actual.equals(expected))
            throw new PullException(id + " already exists in " + store.dir() + " with sha256 " + actual + ", not the given "
                    + expected + "; pass --force to download it again");
        return new Result(model, actual, Check.GIVEN, "--sha256", true, false, 0);
    }

    private Transfer download(ModelSource source, String id, FileChannel ch, Path meta) throws IOException {
        String url = source.uri().toString();
        long offset = ch.size();
        Properties m = readMeta(meta);
        if (offset > 0 && (m == null || !url.equals(m.getProperty("url")))) {
            listener.note("discarding a partial download of " + id + " from another source");
            ch.truncate(0);
            offset = 0;
        }
        String ifRange = offset > 0 ? m.getProperty("validator") : null;
        for (int restarts = 0; ; restarts++) {
            HttpFetcher.Opened o = fetcher.open(source, offset, ifRange);
            try (InputStream body = o.response().body()) {
                long total;
                if (o.status() == 416) {
                    long size = ContentRange.totalOf416(o.header("Content-Range").orElse(null));
                    if (offset > 0 && size == offset) { // the previous run got every byte but stopped before the rename
                        listener.note("the partial download of " + id + " is already complete");
                        return new Transfer(offset, hex(hashPrefix(ch, offset, sha256())), o.publishedSha256(), o.publishedBy(), true, 0);
                    }
                    restartOrFail(restarts, "the server rejected the range request (HTTP 416)", ch, id);
                    offset = 0;
                    ifRange = null;
                    continue;
                } else if (o.status() == 206) {
                    ContentRange cr = ContentRange.parse(o.header("Content-Range").orElse(null));
                    if (cr == null || cr.start() != offset) {
                        restartOrFail(restarts, "the server answered the range request with other bytes ("
                                + o.header("Content-Range").orElse("no Content-Range") + ")", ch, id);
                        offset = 0;
                        ifRange = null;
                        continue;
                    }
                    total = cr.total();
                } else { // 200: the whole file
                    if (offset > 0) {
                        listener.note("the server sent the whole file instead of resuming at " + Sizes.bytes(offset) + "; starting over");
                        ch.truncate(0);
                        offset = 0;
                    }
                    total = o.response().headers().firstValueAsLong("Content-Length").orElse(-1);
                }
                writeMeta(meta, url, o.validator());
                if (total >= 0) checkSpace(store.dir(), Files.getFileStore(store.dir()).getUsableSpace(), total - offset);
                MessageDigest md = sha256();
                hashPrefix(ch, offset, md);
                listener.started(id, source.uri(), offset, total);
                long end = copy(body, ch, offset, total, md, source, o);
                listener.finished(end);
                if (total >= 0 && end != total)
                    throw new PullException("the server sent " + Sizes.bytes(end) + " of " + Sizes.bytes(total) + " and closed the connection; "
                            + "run the same command again to resume");
                return new Transfer(end, hex(md), o.publishedSha256(), o.publishedBy(), offset > 0, end - offset);
            }
        }
    }

    private void restartOrFail(int restarts, String why, FileChannel ch, String id) throws IOException {
        if (restarts >= MAX_RESTARTS) throw new Discard(why + " again after starting over; giving up on " + id);
        listener.note(why + "; starting over");
        ch.truncate(0);
    }

    /** Streams the body to the file from {@code offset}, hashing as it goes; a watchdog ends a stalled read. */
    private long copy(InputStream body, FileChannel ch, long offset, long total, MessageDigest md, ModelSource source,
                      HttpFetcher.Opened o) throws IOException {
        StallWatchdog dog = new StallWatchdog(body, readTimeout);
        byte[] buf = new byte[CHUNK];
        long pos = offset;
        boolean magicChecked = false;
        try (dog) {
            while (true) {
                int n;
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    String why = dog.fired() ? "no data for " + Sizes.duration(readTimeout) : "the connection failed (" + e.getMessage() + ")";
                    throw new PullException(why + " after " + Sizes.bytes(pos) + (total >= 0 ? " of " + Sizes.bytes(total) : "")
                            + " from " + o.uri().getHost() + "; run the same command again to resume", e);
                }
                if (n < 0) return pos;
                dog.alive();
                if (total >= 0 && pos + n > total)
                    throw new Discard("the server sent more than the " + total + " bytes it announced for " + source.uri());
                write(ch, ByteBuffer.wrap(buf, 0, n), pos);
                md.update(buf, 0, n);
                pos += n;
                if (!magicChecked && pos >= GGUF_MAGIC.length) {
                    ByteBuffer head = ByteBuffer.allocate(GGUF_MAGIC.length);
                    ch.read(head, 0);
                    if (!java.util.Arrays.equals(head.array(), GGUF_MAGIC))
                        throw new Discard(notGguf(source, "it starts with " + printable(head.array()) + ", not 'GGUF'"));
                    magicChecked = true;
                }
                listener.progress(pos, total);
            }
        }
    }

    private void write(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        try {
            while (b.hasRemaining()) pos += ch.write(b, pos);
        } catch (IOException e) {
            long usable = -1;
            try { usable = Files.getFileStore(store.dir()).getUsableSpace(); } catch (IOException ignored) { /* report the write error alone */ }
            boolean full = usable >= 0 && usable < CHUNK || String.valueOf(e.getMessage()).contains("No space");
            throw new PullException((full ? "disk full: " : "") + "cannot write to " + store.dir() + " (" + e.getMessage()
                    + "); the partial download is kept: " + (full ? "free some space, then " : "") + "run the same command again to resume", e);
        }
    }

    static void checkSpace(Path dir, long usable, long needed) throws PullException {
        if (needed > usable)
            throw new PullException("not enough disk space in " + dir + ": the download needs " + Sizes.bytes(needed)
                    + " more, " + Sizes.bytes(usable) + " is free");
    }

    private static FileLock lock(FileChannel ch, String id, Path partial) throws PullException {
        try {
            FileLock l = ch.tryLock();
            if (l != null) return l;
        } catch (OverlappingFileLockException | IOException e) {
            // held by this JVM, or locking unsupported: treated as busy
        }
        throw new PullException("another pull of " + id + " is in progress (" + partial + " is locked)");
    }

    private static String notGguf(ModelSource source, String detail) {
        String hint = source.uri().getPath() != null && source.uri().getPath().contains("/blob/")
                ? " (that looks like a web page: use /resolve/ instead of /blob/ in Hugging Face URLs)" : "";
        return "the download from " + source.uri() + " is not a GGUF model file: " + detail + hint + "; it was removed";
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("'");
        for (byte x : b) s.append(x >= 0x20 && x < 0x7f ? (char) x : '.');
        return s.append("' (hex ").append(HexFormat.of().formatHex(b)).append(')').toString();
    }

    /** Feeds the first {@code length} bytes of the file to {@code md}. */
    private static MessageDigest hashPrefix(FileChannel ch, long length, MessageDigest md) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(CHUNK);
        for (long pos = 0; pos < length; ) {
            b.clear().limit((int) Math.min(CHUNK, length - pos));
            int n = ch.read(b, pos);
            if (n < 0) throw new IOException("the partial file shrank while hashing it");
            md.update(b.array(), 0, n);
            pos += n;
        }
        return md;
    }

    static String sha256Of(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return hex(hashPrefix(ch, ch.size(), sha256()));
        }
    }

    private static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    /** Lower-case hex, or null; anything but 64 hex digits is refused. */
    static String normalizeSha(String sha) {
        if (sha == null) return null;
        String s = sha.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("sha256:")) s = s.substring("sha256:".length());
        if (!s.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("--sha256 must be 64 hexadecimal digits, got '" + sha + "'");
        return s;
    }

    private static Properties readMeta(Path meta) {
        try (Reader r = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
            Properties p = new Properties();
            p.load(r);
            return p;
        } catch (IOException | IllegalArgumentException e) {
            return null; // absent or unreadable: the partial file cannot be trusted
        }
    }

    private static void writeMeta(Path meta, String url, String validator) throws IOException {
        Properties p = new Properties();
        p.setProperty("url", url);
        if (validator != null) p.setProperty("validator", validator);
        try (Writer w = Files.newBufferedWriter(meta, StandardCharsets.UTF_8)) {
            p.store(w, "halyard pull: source of the .partial file beside this one");
        }
    }

    private static void discard(Path partial, Path meta) throws IOException {
        Files.deleteIfExists(partial);
        Files.deleteIfExists(meta);
    }

    /** Makes the rename durable; some platforms (Windows) cannot open a directory, and need not. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not supported here; the rename itself is still atomic
        }
    }

    @Override
    public void close() {
        fetcher.close();
    }
}
