package dev.halyard.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.server.store.ModelPuller.Check;
import dev.halyard.server.store.ModelPuller.Result;
import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls over real HTTP from a local server serving the real stories260K GGUF. */
class ModelPullerTest {
    static final String FILE = "/models/stories260K.gguf";

    @TempDir Path dir;
    FileServer server;
    byte[] gguf;
    String sha;
    ModelStore store;
    final StringWriter log = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        gguf = Files.readAllBytes(SharedData.require("models/stories260K/stories260K.gguf"));
        sha = sha256(gguf);
        server = new FileServer().file(FILE);
        server.content = gguf;
        server.etag = "v1-" + gguf.length; // an ordinary, non-checksum ETag
        store = new ModelStore(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    Result pull(String sha256) throws IOException {
        return pull(ModelSource.parse(server.uri(FILE).toString()), null, sha256, ModelPuller.Options.defaults().withHfToken(null));
    }

    Result pull(ModelSource source, String name, String sha256, ModelPuller.Options options) throws IOException {
        try (ModelPuller p = new ModelPuller(store, options, new ProgressBar(new PrintWriter(log, true), false))) {
            return p.pull(source, name, sha256, false);
        }
    }

    List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void a_download_is_verified_against_the_given_sha256_and_lands_under_its_file_name() throws Exception {
        List<Boolean> targetExistedMidway = new CopyOnWriteArrayList<>();
        server.midway = () -> targetExistedMidway.add(Files.exists(dir.resolve("stories260K.gguf")));

        Result r = pull(sha.toUpperCase());

        assertArrayEquals(gguf, Files.readAllBytes(dir.resolve("stories260K.gguf")));
        assertEquals("stories260K", r.model().name());
        assertEquals(gguf.length, r.model().sizeBytes());
        assertEquals(sha, r.sha256());
        assertEquals(Check.GIVEN, r.check());
        assertFalse(r.resumed());
        assertEquals(List.of("stories260K.gguf"), files(), "no partial or meta file is left");
        assertEquals(List.of(false), targetExistedMidway, "the target never exists while bytes are arriving");
        assertTrue(log.toString().contains("100%"), log.toString());
    }

    @Test
    void a_published_sha256_etag_is_checked_when_none_is_given() throws Exception {
        server.etag = sha;
        Result r = pull(null);
        assertEquals(Check.PUBLISHED, r.check());
        assertEquals("ETag header", r.checkedBy());
    }

    @Test
    void a_wrong_published_sha256_rejects_the_download() throws Exception {
        server.etag = "0".repeat(64);
        PullException e = assertThrows(PullException.class, () -> pull(null));
        assertTrue(e.getMessage().contains("from ETag header"), e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void without_any_checksum_the_computed_one_is_reported() throws Exception {
        Result r = pull(null);
        assertEquals(Check.NONE, r.check());
        assertEquals(sha, r.sha256());
    }

    @Test
    void a_wrong_sha256_is_rejected_and_nothing_is_left_behind() throws Exception {
        String wrong = "ab".repeat(32);
        PullException e = assertThrows(PullException.class, () -> pull(wrong));
        assertEquals("checksum mismatch for stories260K: expected sha256 " + wrong + " (from --sha256), got " + sha
                + "; the download was removed", e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void an_interrupted_download_resumes_with_a_range_request_and_matches_byte_for_byte() throws Exception {
        server.dropAfter = 400_000;
        PullException first = assertThrows(PullException.class, () -> pull(sha));
        assertTrue(first.getMessage().contains("run the same command again to resume"), first.getMessage());
        assertFalse(Files.exists(dir.resolve("stories260K.gguf")), "an interrupted pull leaves no model");
        // the server sent 400,000 bytes before dropping; what reached the file depends on the TCP stack
        // (an abrupt close can discard the last unread segment), so resume from whatever arrived
        long kept = Files.size(dir.resolve("stories260K.gguf.partial"));
        assertTrue(kept > 0 && kept <= 400_000, "partial holds " + kept + " bytes");

        Result r = pull(sha);

        FileServer.Seen resumed = server.seen.getLast();
        assertEquals("bytes=" + kept + "-", resumed.header("Range"));
        assertEquals("\"" + server.etag + "\"", resumed.header("If-Range"));
        assertTrue(r.resumed());
        assertEquals(gguf.length - kept, r.transferred());
        assertArrayEquals(gguf, Files.readAllBytes(dir.resolve("stories260K.gguf")));
        assertEquals(List.of("stories260K.gguf"), files());
    }

    @Test
    void a_server_that_ignores_range_makes_the_pull_start_over_cleanly() throws Exception {
        server.dropAfter = 300_000;
        assertThrows(PullException.class, () -> pull(sha));
        long kept = Files.size(dir.resolve("stories260K.gguf.partial")); // ≤ 300,000: see the resume test
        server.honourRange = false;

        Result r = pull(sha);

        assertEquals("bytes=" + kept + "-", server.seen.getLast().header("Range"));
        assertFalse(r.resumed());
        assertEquals(gguf.length, r.transferred());
        assertArrayEquals(gguf, Files.readAllBytes(dir.resolve("stories260K.gguf")));
        assertTrue(log.toString().contains("the server sent the whole file instead of resuming at ")
                && log.toString().contains("; starting over"), log.toString());
    }

    @Test
    void a_file_changed_on_the_server_is_never_mixed_with_the_old_partial() throws Exception {
        server.dropAfter = 300_000;
        assertThrows(PullException.class, () -> pull(null));
        byte[] v2 = gguf.clone();
        v2[v2.length - 1] ^= 0x55; // new version: last weight byte differs, still a valid GGUF
        server.content = v2;
        server.etag = "v2";

        Result r = pull(sha256(v2));

        assertEquals("\"v1-" + gguf.length + "\"", server.seen.getLast().header("If-Range"));
        assertFalse(r.resumed(), "If-Range did not match: the server sent the new file whole");
        assertArrayEquals(v2, Files.readAllBytes(dir.resolve("stories260K.gguf")));
    }

    @Test
    void a_partial_file_that_is_already_complete_is_finished_without_downloading_again() throws Exception {
        Files.write(dir.resolve("stories260K.gguf.partial"), gguf);
        Files.writeString(dir.resolve("stories260K.gguf.partial.meta"), "url=" + server.uri(FILE) + "\n");

        Result r = pull(sha);

        assertEquals("bytes=" + gguf.length + "-", server.seen.getLast().header("Range"), "the server answered 416");
        assertEquals(0, r.transferred());
        assertTrue(r.resumed());
        assertArrayEquals(gguf, Files.readAllBytes(dir.resolve("stories260K.gguf")));
    }

    @Test
    void content_that_is_not_gguf_is_rejected_and_removed() throws Exception {
        server.content = "<!DOCTYPE html><html><body>a model card</body></html>".repeat(100).getBytes(StandardCharsets.UTF_8);
        PullException e = assertThrows(PullException.class, () -> pull(null));
        assertEquals("the download from " + server.uri(FILE) + " is not a GGUF model file: it starts with '<!DO' (hex 3c21444f), "
                + "not 'GGUF'; it was removed", e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void a_truncated_gguf_is_rejected_by_its_header_check() throws Exception {
        server.content = java.util.Arrays.copyOf(gguf, gguf.length / 2);
        PullException e = assertThrows(PullException.class, () -> pull(null));
        assertTrue(e.getMessage().startsWith("the download from " + server.uri(FILE) + " is not a GGUF model file: "), e.getMessage());
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void a_missing_file_gives_a_404_message() throws Exception {
        server.status("/missing.gguf", 404);
        PullException e = assertThrows(PullException.class,
                () -> pull(ModelSource.parse(server.uri("/missing.gguf").toString()), null, null, ModelPuller.Options.defaults()));
        assertEquals("HTTP 404 Not Found for " + server.uri("/missing.gguf") + ": check the URL", e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void hf_shorthand_follows_the_redirect_checks_x_linked_etag_and_keeps_the_token_on_the_hub() throws Exception {
        try (FileServer hub = new FileServer()) {
            hub.redirect("/owner/repo/resolve/main/stories260K.gguf", 302, server.uri(FILE) + "?signature=xyz",
                    Map.of("X-Linked-Etag", "\"" + sha + "\"", "X-Linked-Size", Integer.toString(gguf.length)));
            String endpoint = hub.uri("").toString();
            ModelSource source = ModelSource.parse("hf:owner/repo/stories260K.gguf", endpoint);

            Result r = pull(source, null, null, ModelPuller.Options.defaults().withHfToken("hf_secret"));

            assertEquals(Check.PUBLISHED, r.check());
            assertEquals("X-Linked-Etag header", r.checkedBy());
            assertArrayEquals(gguf, Files.readAllBytes(dir.resolve("stories260K.gguf")));
            assertEquals("Bearer hf_secret", hub.seen.getFirst().header("Authorization"));
            assertNull(server.seen.getFirst().header("Authorization"), "the token never goes to the CDN's origin");
        }
    }

    @Test
    void a_url_on_another_host_never_gets_the_token() throws Exception {
        pull(ModelSource.parse(server.uri(FILE).toString(), "https://huggingface.co"), null, null,
                ModelPuller.Options.defaults().withHfToken("hf_secret"));
        assertNull(server.seen.getFirst().header("Authorization"));
    }

    @Test
    void a_gated_repository_says_so_and_mentions_hf_token() throws Exception {
        try (FileServer hub = new FileServer()) {
            hub.status("/meta-llama/gated/resolve/main/model.gguf", 401);
            ModelSource source = ModelSource.parse("hf:meta-llama/gated/model.gguf", hub.uri("").toString());
            PullException e = assertThrows(PullException.class, () -> pull(source, null, null, ModelPuller.Options.defaults().withHfToken(null)));
            assertTrue(e.getMessage().startsWith("HTTP 401 Unauthorized for " + source.uri() + ": the repository is gated or private"), e.getMessage());
            assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        }
    }

    @Test
    void a_redirect_loop_ends_with_a_clear_error() throws Exception {
        server.redirect("/loop", 302, "/loop", Map.of());
        PullException e = assertThrows(PullException.class,
                () -> pull(ModelSource.parse(server.uri("/loop").toString()), "x", null, ModelPuller.Options.defaults()));
        assertEquals("more than 10 redirects starting at " + server.uri("/loop"), e.getMessage());
    }

    @Test
    void a_stalled_transfer_times_out_and_can_be_resumed() throws Exception {
        server.stallAfter = 200_000;
        ModelPuller.Options quick = ModelPuller.Options.defaults().withHfToken(null).withReadTimeout(Duration.ofMillis(400));
        ModelSource source = ModelSource.parse(server.uri(FILE).toString());
        long t0 = System.nanoTime();
        PullException e = assertThrows(PullException.class, () -> pull(source, null, sha, quick));
        assertTrue(e.getMessage().startsWith("no data for 400 ms after 200 kB of 1.2 MB from 127.0.0.1"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "the watchdog ends the read promptly");
        server.release.countDown();

        Result r = pull(source, null, sha, quick);
        assertTrue(r.resumed());
        assertArrayEquals(gguf, Files.readAllBytes(dir.resolve("stories260K.gguf")));
    }

    @Test
    void an_existing_model_is_kept_unless_forced_and_checked_against_a_given_sha256() throws Exception {
        pull(sha);
        int requests = server.seen.size();

        Result again = pull(sha);
        assertTrue(again.alreadyPresent());
        assertEquals(requests, server.seen.size(), "no download when the model is there");
        PullException e = assertThrows(PullException.class, () -> pull("cd".repeat(32)));
        assertTrue(e.getMessage().contains("pass --force to download it again"), e.getMessage());
    }

    @Test
    void a_download_larger_than_the_free_space_is_refused_before_it_starts() throws Exception {
        PullException e = assertThrows(PullException.class, () -> ModelPuller.checkSpace(dir, 1_000_000, 5_000_000_000L));
        assertEquals("not enough disk space in " + dir + ": the download needs 5.0 GB more, 1.0 MB is free", e.getMessage());
    }

    @Test
    void a_bad_sha256_argument_is_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pull("xyz"));
        assertEquals("--sha256 must be 64 hexadecimal digits, got 'xyz'", e.getMessage());
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
