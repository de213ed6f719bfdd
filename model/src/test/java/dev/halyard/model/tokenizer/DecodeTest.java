package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** decode(encode(s)) == s, and streaming decode never splits a character and adds up to decode(). */
class DecodeTest {

    /** The conformance inputs double as round-trip cases. */
    private static List<String> inputs(String vocab) throws IOException {
        return new ArrayList<>(VocabConformanceTest.readCases(TestVocabs.path(vocab)).keySet());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "deepseek-llm", "llama-spm", "phi-3"})
    void decode_inverts_encode_for_every_conformance_input(String vocab) throws IOException {
        Tokenizer t = TestVocabs.load(vocab);
        for (String s : inputs(vocab)) {
            assertEquals(s, t.decode(t.encode(s, false, false)), vocab + ": round trip of '" + s + "'");
            assertEquals(s, t.decode(t.encode(s, true, false)), vocab + ": round trip with BOS of '" + s + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "deepseek-llm", "llama-spm", "phi-3", "bert-bge"})
    void streaming_output_adds_up_to_decode_and_never_breaks_a_character(String vocab) throws IOException {
        Tokenizer t = TestVocabs.load(vocab);
        boolean spm = vocab.equals("llama-spm") || vocab.equals("phi-3");
        for (String s : inputs(vocab)) {
            int[] ids = t.encode(s, true, false);
            StreamingDecoder d = new StreamingDecoder(t, spm);
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                String piece = d.push(id);
                assertFalse(piece.contains("\uFFFD"), vocab + ": broken character streamed for '" + s + "': '" + piece + "'");
                assertEquals(piece, new String(piece.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
                streamed.append(piece);
            }
            streamed.append(d.flush());
            assertEquals(t.decode(ids), streamed.toString(), vocab + ": streamed text of '" + s + "'");
        }
    }

    @Test
    void an_emoji_split_over_byte_tokens_appears_only_when_complete() {
        Tokenizer t = TestVocabs.load("llama-spm");
        int[] ids = t.encode(" this is 🦙.cpp", false, false);
        // llama.cpp: 29871 445 338 29871 243 162 169 156 29889 8223 — the llama is four <0xXX> byte tokens
        assertArrayEquals(new int[] {29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223}, ids);
        StreamingDecoder d = new StreamingDecoder(t, true); // the first '▁' is the dummy prefix: dropped
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(d.push(id));
        assertEquals(List.of("", " this", " is", " ", "", "", "", "🦙", ".", "cpp"), pieces);
        assertEquals("", d.flush());
    }

    @Test
    void bpe_byte_level_tokens_of_cjk_and_emoji_stream_whole_characters() {
        Tokenizer t = TestVocabs.load("gpt-2");
        String s = "我想在apple工作😁🚀";
        int[] ids = t.encode(s, false, false);
        assertTrue(ids.length > s.codePointCount(0, s.length()), "some characters span several tokens");
        StreamingDecoder d = new StreamingDecoder(t, false);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String p = d.push(id);
            if (!p.isEmpty()) assertFalse(Character.isHighSurrogate(p.charAt(p.length() - 1)), "split surrogate pair");
            assertFalse(p.contains("\uFFFD"));
            out.append(p);
        }
        assertEquals(s, out + d.flush());
    }

    @Test
    void flush_turns_an_unfinished_character_into_a_replacement_character() {
        Tokenizer t = TestVocabs.load("llama-spm");
        StreamingDecoder d = new StreamingDecoder(t, false);
        assertEquals("", d.push(243)); // <0xF0>: first byte of a four-byte character
        assertEquals("", d.push(162)); // <0x9F>
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush());
    }

    @Test
    void incomplete_tail_counts_only_a_valid_unfinished_prefix() {
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {'a'}));
        assertEquals(1, StreamingDecoder.incompleteTail(new byte[] {'a', (byte) 0xE2}));
        assertEquals(2, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xE2, (byte) 0x82}));
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xE2, (byte) 0x82, (byte) 0xAC}));
        assertEquals(3, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}));
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80}));
        assertEquals(0, StreamingDecoder.incompleteTail(new byte[] {(byte) 0xC0}));
    }

    @Test
    void sentencepiece_decode_drops_only_the_dummy_prefix_space() {
        Tokenizer t = TestVocabs.load("llama-spm");
        assertArrayEquals(new int[] {1, 15043, 3186}, t.encode("Hello world", true, false));
        assertEquals("Hello world", t.decode(new int[] {1, 15043, 3186}));
        assertEquals("Hello world", t.decode(new int[] {15043, 3186}));
        assertEquals(" Hello world", t.decode(t.encode(" Hello world", true, false)));
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), t.tokenBytes(15043));
        assertEquals("▁Hello", t.tokenText(15043));
        assertEquals(0, t.tokenBytes(1).length, "BOS is a control token");
        assertArrayEquals(new byte[] {(byte) 0xF0}, t.tokenBytes(243), "<0xF0> byte token");
    }

    @Test
    void gpt2_token_bytes_undo_the_byte_level_map() {
        Tokenizer t = TestVocabs.load("gpt-2");
        int[] ids = t.encode(" world", false, false);
        assertEquals(1, ids.length);
        assertEquals("Ġworld", t.tokenText(ids[0]));
        assertArrayEquals(" world".getBytes(StandardCharsets.UTF_8), t.tokenBytes(ids[0]));
    }
}
