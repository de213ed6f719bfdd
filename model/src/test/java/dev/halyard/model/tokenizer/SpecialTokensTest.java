package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** BOS/EOS rules, special-token parsing and end-of-generation marking on the shared GGUF vocabularies. */
class SpecialTokensTest {

    @Test
    void sentencepiece_adds_bos_and_parses_control_tokens_only_when_asked() {
        Tokenizer t = TestVocabs.load("llama-spm");
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertTrue(t.addBos());
        assertFalse(t.addEos());
        assertArrayEquals(new int[] {1, 15043, 2}, t.encode("<s>Hello</s>", false, true), "'▁' is prefixed after a special token");
        assertArrayEquals(new int[] {529, 29879, 29958, 10994, 829, 29879, 29958}, t.encode("<s>Hello</s>", false, false));
        assertArrayEquals(new int[] {1}, t.encode("", true, false));
        assertTrue(t.isEndOfGeneration(2));
        assertFalse(t.isEndOfGeneration(1));
        assertTrue(t.isControl(1) && t.isControl(2));
        assertEquals(32000, t.vocabSize());
        assertNull(t.chatTemplate());
    }

    @Test
    void phi3_end_tokens_end_generation_and_swallow_the_following_newline() {
        Tokenizer t = TestVocabs.load("phi-3");
        assertEquals(32000, t.eosId());
        assertTrue(t.isEndOfGeneration(32000), "<|endoftext|>");
        assertTrue(t.isEndOfGeneration(32007), "<|end|>");
        assertFalse(t.isEndOfGeneration(32010), "<|user|>");
        // llama.cpp gives Phi-3's special tokens RSTRIP: the '\n' after <|user|> and <|end|> disappears
        assertArrayEquals(new int[] {1, 32010, 6324, 32007, 32001}, t.encode("<|user|>\nHi<|end|>\n<|assistant|>", true, true));
        assertNotNull(t.chatTemplate());
        assertTrue(t.chatTemplate().contains("<|user|>"));
    }

    @Test
    void bert_wraps_text_in_cls_and_sep_and_normalizes() {
        Tokenizer t = TestVocabs.load("bert-bge");
        int[] ids = t.encode("Hello, World! Ça va?", true, false);
        assertArrayEquals(new int[] {101, 7592, 1010, 2088, 999, 6187, 12436, 1029, 102}, ids);
        assertEquals("▁hello", t.tokenText(7592));
        assertEquals(" hello , world ! ca va ?", t.decode(ids), "WordPiece pieces keep their word-start space");
        assertEquals(101, t.bosId());
        assertEquals(-1, t.eosId());
        assertArrayEquals(new int[] {100}, t.encode("\u2603\u2604\u2605\uD83D\uDE00", false, false), "an unknown word is one [UNK]");
    }

    @Test
    void gpt2_has_one_end_of_text_token_for_bos_and_eos() {
        Tokenizer t = TestVocabs.load("gpt-2");
        assertEquals(50256, t.bosId());
        assertEquals(50256, t.eosId());
        assertFalse(t.addBos(), "gpt-2 pre-tokenizer: llama.cpp adds no BOS");
        assertTrue(t.isEndOfGeneration(50256));
        assertArrayEquals(new int[] {50256}, t.encode("<|endoftext|>", false, true));
        assertTrue(t.encode("<|endoftext|>", false, false).length > 1);
    }

    @Test
    void deepseek_adds_its_bos_and_stops_at_end_of_sentence() {
        Tokenizer t = TestVocabs.load("deepseek-llm");
        assertTrue(t.addBos());
        assertEquals(100000, t.encode("Hi", true, false)[0]);
        assertTrue(t.isEndOfGeneration(100001));
    }

    @Test
    void ids_outside_the_vocabulary_are_rejected_with_the_range() {
        Tokenizer t = TestVocabs.load("gpt-2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {50257}));
        assertTrue(e.getMessage().contains("50257") && e.getMessage().contains("50257)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(-1));
        assertFalse(t.isEndOfGeneration(-1));
    }
}
