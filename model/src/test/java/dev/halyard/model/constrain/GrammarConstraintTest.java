package dev.halyard.model.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.testing.SharedData;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Token masks on real vocabularies (SentencePiece and byte-level BPE) against a token-by-token reference. */
class GrammarConstraintTest {
    static final Grammar PERSON = JsonSchemaGrammarTest.g("{'type':'object','properties':{'name':{'type':'string','maxLength':12},"
            + "'age':{'type':'integer'},'tags':{'type':'array','items':{'enum':['a','b c','é']},'maxItems':4}},'required':['name','age']}");

    static Tokenizer vocab(String name) throws Exception {
        return Tokenizer.fromGguf(GgufFile.read(SharedData.require("vocab/ggml-vocab-" + name + ".gguf")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "phi-3", "deepseek-llm"})
    void masks_equal_a_token_by_token_check(String name) throws Exception {
        Tokenizer tok = vocab(name);
        int checked = 0;
        for (long seed = 1; seed <= 2; seed++) {
            checked += MaskChecks.walkAndCheck(PERSON, tok, seed, 40, false, 0, 1, 2, 4, 8, 16, 39);
            checked += MaskChecks.walkAndCheck(Grammar.jsonObject(), tok, seed, 30, false, 0, 3, 9, 29);
        }
        assertTrue(checked >= 8, "states checked: " + checked);
    }

    @Test
    void end_of_generation_is_allowed_only_once_the_grammar_is_complete() throws Exception {
        Tokenizer tok = vocab("gpt-2");
        GrammarConstraint c = new GrammarConstraint(Grammar.parse("root ::= \"ab\" \"c\"?"), tok);
        int eos = tok.eosId();
        assertFalse(c.isAllowed(eos));
        assertThrows(IllegalArgumentException.class, () -> c.accept(eos));
        int[] ab = tok.encode("ab", false, false);
        for (int t : ab) c.accept(t);
        assertTrue(c.isComplete());
        assertTrue(c.isAllowed(eos));
        assertTrue(c.canContinue(), "c may still follow");
        int cTok = tok.encode("c", false, false)[0];
        c.accept(cTok);
        assertFalse(c.canContinue());
        long allowed = 0;
        for (int id = 0; id < tok.vocabSize(); id++) if (c.isAllowed(id)) allowed++;
        assertEquals(1, allowed, "only end-of-generation remains");
        c.accept(eos);
        assertThrows(IllegalStateException.class, () -> c.apply(new float[tok.vocabSize()]));
    }

    @Test
    void a_disallowed_token_is_refused_with_its_text() throws Exception {
        Tokenizer tok = vocab("llama-spm");
        GrammarConstraint c = new GrammarConstraint(Grammar.jsonObject(), tok);
        int hello = tok.encode("hello", false, false)[0];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.accept(hello));
        assertTrue(e.getMessage().contains("cannot continue the grammar"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.accept(tok.bosId()), "control tokens never fit");
        assertFalse(c.isAllowed(tok.bosId()));
        assertThrows(IllegalArgumentException.class, () -> c.accept(-1));
    }

    @Test
    void apply_bans_exactly_the_disallowed_tokens_and_keeps_the_others() throws Exception {
        Tokenizer tok = vocab("llama-spm");
        GrammarConstraint c = new GrammarConstraint(Grammar.parse("root ::= [0-9]+"), tok);
        float[] logits = new float[tok.vocabSize() + 7]; // models may pad their vocabulary
        for (int i = 0; i < logits.length; i++) logits[i] = i * 0.001f;
        c.apply(logits);
        int kept = 0;
        for (int i = 0; i < logits.length; i++) {
            boolean allowed = i < tok.vocabSize() && c.isAllowed(i);
            if (allowed) {
                kept++;
                assertEquals(i * 0.001f, logits[i]);
                assertTrue(new String(tok.tokenBytes(i)).matches("[0-9]+"), tok.tokenText(i));
            } else assertEquals(Float.NEGATIVE_INFINITY, logits[i], "token " + i);
        }
        assertTrue(kept >= 10, "the digits: " + kept);
    }

    @Test
    void tokens_ending_inside_a_character_are_allowed_only_if_it_can_complete() throws Exception {
        Tokenizer tok = vocab("llama-spm");
        int byteE2 = -1, byteCE = -1;
        for (int id = 0; id < tok.vocabSize(); id++) {
            byte[] b = tok.tokenBytes(id);
            if (b.length == 1 && (b[0] & 0xFF) == 0xE2) byteE2 = id;
            if (b.length == 1 && (b[0] & 0xFF) == 0xCE) byteCE = id;
        }
        GrammarConstraint c = new GrammarConstraint(Grammar.parse("root ::= [α-ω]+"), tok);
        assertTrue(c.isAllowed(byteCE), "CE begins Greek letters");
        assertFalse(c.isAllowed(byteE2), "E2 begins no Greek letter");
        c.accept(byteCE);
        assertFalse(c.isComplete());
        for (int id = 0; id < tok.vocabSize(); id++) {
            if (!c.isAllowed(id)) continue;
            int first = tok.tokenBytes(id)[0] & 0xFF;
            assertTrue(first >= 0xB1 && first <= 0xBF || first == 0x80 || first == 0x81 || first == 0x82 || first == 0x83
                    || first == 0x84 || first == 0x85 || first == 0x86 || first == 0x87 || first == 0x88 || first == 0x89,
                    "continuation byte of α..ω: " + Integer.toHexString(first));
        }
    }

    @Test
    void the_trie_is_built_once_per_tokenizer() throws Exception {
        Tokenizer tok = vocab("gpt-2");
        TokenTrie t = TokenTrie.of(tok);
        assertSame(t, TokenTrie.of(tok));
        assertTrue(t.tokenCount() > 50_000 - 10 && t.tokenCount() <= tok.vocabSize());
        assertTrue(t.nodeCount() > t.tokenCount() / 2);
        int[] sorted = t.tokens.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) assertTrue(sorted[i] != sorted[i - 1], "each token once");
    }
}
