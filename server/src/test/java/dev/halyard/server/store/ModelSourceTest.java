package dev.halyard.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ModelSourceTest {
    static final String HF = "https://huggingface.co";

    @Test
    void hf_shorthand_resolves_to_the_main_revision_download_url() {
        ModelSource s = ModelSource.parse("hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf", HF);
        assertEquals(URI.create("https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf"), s.uri());
        assertEquals("Llama-3.2-1B-Instruct-Q4_K_M", s.defaultName());
        assertTrue(s.huggingFace());
    }

    @Test
    void hf_shorthand_takes_a_revision_and_files_in_subfolders() {
        assertEquals("https://huggingface.co/o/r/resolve/v1.0/f.gguf", ModelSource.parse("hf:o/r/f.gguf@v1.0", HF).uri().toString());
        assertEquals("https://huggingface.co/o/r/resolve/refs%2Fpr%2F3/sub/dir/f.gguf", ModelSource.parse("hf:o/r/sub/dir/f.gguf@refs/pr/3", HF).uri().toString());
        assertEquals("https://huggingface.co/o/r/resolve/main/my%20model.gguf", ModelSource.parse("hf:o/r/my model.gguf", HF).uri().toString());
        assertEquals("my model", ModelSource.parse("hf:o/r/my model.gguf", HF).defaultName());
    }

    @Test
    void the_endpoint_can_point_elsewhere_like_hf_endpoint() {
        ModelSource s = ModelSource.parse("hf:o/r/f.gguf", "http://127.0.0.1:9999/");
        assertEquals("http://127.0.0.1:9999/o/r/resolve/main/f.gguf", s.uri().toString());
        System.setProperty(ModelSource.HF_ENDPOINT_VAR, "http://mirror.example:8080");
        try {
            assertEquals("http://mirror.example:8080/o/r/resolve/main/f.gguf", ModelSource.parse("hf:o/r/f.gguf").uri().toString());
        } finally {
            System.clearProperty(ModelSource.HF_ENDPOINT_VAR);
        }
    }

    @Test
    void malformed_hf_references_are_refused_with_the_expected_form() {
        for (String bad : new String[] {"hf:owner/file.gguf", "hf:o/r/f.gguf@", "hf:o/r/../f.gguf", "hf:o//f.gguf", "hf:o/r/", "hf:-o/r/f.gguf"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSource.parse(bad, HF), bad);
            assertTrue(e.getMessage().contains("expected hf:OWNER/REPO/FILE.gguf"), e.getMessage());
        }
    }

    @Test
    void plain_urls_must_be_http_or_https() {
        ModelSource s = ModelSource.parse("https://example.com/models/tiny.Q8_0.gguf?download=1", HF);
        assertEquals("tiny.Q8_0", s.defaultName());
        assertFalse(s.huggingFace());
        assertTrue(ModelSource.parse("https://huggingface.co/o/r/resolve/main/f.gguf", HF).huggingFace());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSource.parse("ftp://example.com/x.gguf", HF));
        assertEquals("model URL must be http(s)://HOST/... or hf:owner/repo/file.gguf, got 'ftp://example.com/x.gguf'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelSource.parse("/local/file.gguf", HF));
        assertThrows(IllegalArgumentException.class, () -> ModelSource.parse("http://bad host/x.gguf", HF));
    }

    @Test
    void origins_compare_scheme_host_and_port() {
        assertTrue(ModelSource.sameOrigin(URI.create("https://huggingface.co/a"), URI.create("https://HuggingFace.co:443/b")));
        assertFalse(ModelSource.sameOrigin(URI.create("https://huggingface.co/a"), URI.create("https://cdn-lfs.huggingface.co/a")));
        assertFalse(ModelSource.sameOrigin(URI.create("https://huggingface.co/a"), URI.create("http://huggingface.co/a")));
        assertFalse(ModelSource.sameOrigin(URI.create("http://127.0.0.1:1/a"), URI.create("http://127.0.0.1:2/a")));
    }

    @Test
    void etags_count_as_sha256_only_when_they_are_64_hex_digits() {
        String sha = "27dfbdfff8695f8efab922e5e3599eee72950f0784feb5e4dce781507f730ee1";
        assertEquals(sha, HttpFetcher.sha256("\"" + sha.toUpperCase() + "\""));
        assertEquals(sha, HttpFetcher.sha256("W/\"" + sha + "\""));
        assertEquals(null, HttpFetcher.sha256("\"0a1b2c3d4e5f60718293a4b5c6d7e8f901234567\"")); // a git blob sha1
        assertEquals(null, HttpFetcher.sha256(null));
    }
}
