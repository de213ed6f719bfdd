package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vocabularies with broken metadata fail with an IllegalArgumentException that names the key. */
class MalformedVocabularyTest {
    @TempDir Path dir;

    private static final String[] BPE_TOKENS = {"a", "b", "ab", "Ġ", "Ġab"};

    private GgufTestWriter bpe() {
        return new GgufTestWriter().string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", "gpt-2");
    }

    private Tokenizer load(GgufTestWriter w) throws IOException {
        return Tokenizer.fromGguf(GgufFile.read(w.write(dir.resolve("vocab.gguf"))));
    }

    private void assertRejected(GgufTestWriter w, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(w));
        for (String s : mustMention) assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' should mention " + s);
    }

    @Test
    void a_well_formed_tiny_bpe_vocabulary_loads_and_merges() throws IOException {
        Tokenizer t = load(bpe().strings("tokenizer.ggml.tokens", BPE_TOKENS).strings("tokenizer.ggml.merges", "a b", "Ġ ab"));
        assertArrayEquals(new int[] {2, 4}, t.encode("ab ab", false, false));
        assertEquals("ab ab", t.decode(new int[] {2, 4}));
    }

    @Test
    void missing_token_list_names_the_key() {
        assertRejected(bpe().strings("tokenizer.ggml.merges", "a b"), "tokenizer.ggml.tokens");
    }

    @Test
    void token_list_of_the_wrong_type_names_the_key() {
        assertRejected(bpe().ints("tokenizer.ggml.tokens", 1, 2, 3), "tokenizer.ggml.tokens");
    }

    @Test
    void missing_model_names_the_key() {
        assertRejected(new GgufTestWriter().strings("tokenizer.ggml.tokens", BPE_TOKENS), "tokenizer.ggml.model");
    }

    @Test
    void unknown_model_lists_the_supported_ones() {
        assertRejected(new GgufTestWriter().string("tokenizer.ggml.model", "t5").strings("tokenizer.ggml.tokens", BPE_TOKENS),
                "tokenizer.ggml.model", "'t5'", "llama", "gpt2", "bert");
    }

    @Test
    void unknown_pre_tokenizer_lists_the_supported_ones() {
        assertRejected(new GgufTestWriter().string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", "klingon")
                .strings("tokenizer.ggml.tokens", BPE_TOKENS).strings("tokenizer.ggml.merges", "a b"),
                "tokenizer.ggml.pre", "klingon", "llama-bpe", "qwen2", "deepseek-llm");
    }

    @Test
    void scores_shorter_than_tokens_name_the_key() {
        assertRejected(new GgufTestWriter().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>", "▁a").floats("tokenizer.ggml.scores", 0f, 0f),
                "tokenizer.ggml.scores", "2", "4");
    }

    @Test
    void token_types_shorter_than_tokens_name_the_key() {
        assertRejected(new GgufTestWriter().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>", "▁a").ints("tokenizer.ggml.token_type", 2, 3),
                "tokenizer.ggml.token_type");
    }

    @Test
    void merges_referencing_an_unknown_token_name_the_key_and_token() {
        assertRejected(bpe().strings("tokenizer.ggml.tokens", BPE_TOKENS).strings("tokenizer.ggml.merges", "a b", "x y"),
                "tokenizer.ggml.merges[1]", "'x'");
    }

    @Test
    void a_merge_without_a_space_names_the_key() {
        assertRejected(bpe().strings("tokenizer.ggml.tokens", BPE_TOKENS).strings("tokenizer.ggml.merges", "ab"),
                "tokenizer.ggml.merges[0]");
    }

    @Test
    void missing_merges_name_the_key() {
        assertRejected(bpe().strings("tokenizer.ggml.tokens", BPE_TOKENS), "tokenizer.ggml.merges");
    }

    @Test
    void duplicate_tokens_are_rejected() {
        assertRejected(bpe().strings("tokenizer.ggml.tokens", "a", "b", "a").strings("tokenizer.ggml.merges", "a b"),
                "duplicate token 'a'", "0", "2");
    }

    @Test
    void add_bos_without_a_bos_token_is_rejected() {
        assertRejected(bpe().strings("tokenizer.ggml.tokens", BPE_TOKENS).strings("tokenizer.ggml.merges", "a b")
                .bool("tokenizer.ggml.add_bos_token", true), "add_bos_token");
    }

    @Test
    void malformed_tokenizer_json_names_the_field() throws IOException {
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, """
                {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "a c"]},
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}}""");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromHuggingFace(json));
        assertTrue(e.getMessage().contains("model.merges[1]") && e.getMessage().contains("'c'"), e.getMessage());

        Files.writeString(json, """
                {"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}""");
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromHuggingFace(json));
        assertTrue(e.getMessage().contains("model.type") && e.getMessage().contains("Unigram"), e.getMessage());

        Files.writeString(json, "{\"model\": ");
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromHuggingFace(json));
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
    }
}
