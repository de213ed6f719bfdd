package dev.halyard.model.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The byte-level incremental matcher: stacks, completion, UTF-8 handling and the transition cache. */
class GrammarMatcherTest {

    static MatchState run(GrammarMatcher m, byte... bytes) {
        return m.advance(m.initial(), bytes);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void prefixes_of_sentences_stay_alive_and_others_die() {
        GrammarMatcher m = new GrammarMatcher(Grammar.parse("root ::= \"cat\" | \"car\" \"s\"?"));
        assertFalse(run(m, utf8("ca")).isDead());
        assertFalse(run(m, utf8("ca")).isComplete());
        assertTrue(run(m, utf8("cat")).isComplete());
        assertFalse(run(m, utf8("cat")).canContinue(), "nothing may follow cat");
        assertTrue(run(m, utf8("car")).isComplete());
        assertTrue(run(m, utf8("car")).canContinue(), "s may follow car");
        assertTrue(run(m, utf8("cars")).isComplete());
        assertTrue(run(m, utf8("cb")).isDead());
        assertTrue(run(m, utf8("catt")).isDead());
        assertTrue(m.initial().canContinue());
    }

    @Test
    void the_same_input_reaches_the_same_interned_state() {
        GrammarMatcher m = new GrammarMatcher(Grammar.parse("root ::= \"\\\"\" [^\"]* \"\\\"\""));
        MatchState a = run(m, utf8("\"abc"));
        MatchState b = run(m, utf8("\"xy"));
        assertSame(a, b, "inside the string the state repeats");
        assertSame(a, m.step(a, 'q'));
    }

    @Test
    void multibyte_characters_are_matched_byte_by_byte() {
        GrammarMatcher m = new GrammarMatcher(Grammar.parse("root ::= [α-ω]+ \"€\""));
        byte[] alpha = utf8("α"); // CE B1
        MatchState mid = m.step(m.initial(), alpha[0] & 0xFF);
        assertFalse(mid.isDead(), "a lead byte that can begin a Greek letter is kept");
        assertFalse(mid.isComplete());
        assertFalse(run(m, alpha).isDead());
        assertTrue(run(m, utf8("αβγ€")).isComplete());
        assertTrue(m.step(m.initial(), 0xE4).isDead(), "no 3-byte character can start here");
        assertTrue(m.step(m.initial(), 'a').isDead());
        MatchState euroStart = m.step(run(m, alpha), 0xE2);
        assertFalse(euroStart.isDead(), "E2 can begin €");
        assertTrue(m.step(euroStart, 0x80).isDead(), "E2 80 begins U+2000..U+203F, which holds no € (U+20AC)");
        assertTrue(m.step(m.step(euroStart, 0x82), 0x82).isDead(), "E2 82 82 is ₂, not €");
        assertTrue(m.step(m.step(euroStart, 0x82), 0xAC).isComplete(), "E2 82 AC is €");
    }

    @Test
    void malformed_utf8_is_rejected() {
        GrammarMatcher m = new GrammarMatcher(Grammar.parse("root ::= .*"));
        assertTrue(run(m, (byte) 0x80).isDead(), "a continuation byte without a lead");
        assertTrue(run(m, (byte) 0xC0, (byte) 0x80).isDead(), "overlong form of NUL");
        assertTrue(run(m, (byte) 0xE0, (byte) 0x80, (byte) 0x80).isDead(), "overlong 3-byte form");
        assertTrue(run(m, (byte) 0xED, (byte) 0xA0, (byte) 0x80).isDead(), "a UTF-16 surrogate");
        assertTrue(run(m, (byte) 0xF5).isDead(), "beyond U+10FFFF");
        assertTrue(run(m, (byte) 0xC3, (byte) 0x41).isDead(), "a lead byte followed by ASCII");
        assertTrue(run(m, utf8("ok é 😀")).isComplete());
        assertFalse(run(m, (byte) 0xF0, (byte) 0x9F).isComplete(), "inside a character is never complete");
    }

    @Test
    void a_grammar_ambiguous_beyond_the_stack_limit_is_refused() {
        GrammarMatcher m = new GrammarMatcher(Grammar.parse("root ::= x\nx ::= \"a\" x \"p\" | \"a\" x \"q\" | \"\""));
        GrammarException e = assertThrows(GrammarException.class, () -> run(m, utf8("a".repeat(40))));
        assertTrue(e.getMessage().contains("too ambiguous"));
    }

    @Test
    void cached_and_uncached_matchers_agree_on_random_input() {
        Grammar g = Grammar.parse("""
                root ::= item ("," " "? item)*
                item ::= [a-c]+ | "\\"" [^"\\\\]* "\\"" | "[" root? "]" | [é-ë]{1,2}
                """);
        GrammarMatcher cached = new GrammarMatcher(g), slow = new GrammarMatcher(g, false);
        String alphabet = "abc,\" []\\é€ë";
        SplittableRandom r = new SplittableRandom(3);
        int complete = 0, alive = 0;
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + r.nextInt(12);
            for (int j = 0; j < len; j++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            byte[] b = utf8(sb.toString());
            MatchState a = cached.initial(), s = slow.initial();
            for (byte x : b) {
                a = cached.step(a, x & 0xFF);
                s = slow.step(s, x & 0xFF);
                assertEquals(s.isDead(), a.isDead(), sb.toString());
                assertEquals(s.isComplete(), a.isComplete(), sb.toString());
                assertEquals(s.stackCount(), a.stackCount(), sb.toString());
                if (a.isDead()) break;
            }
            if (a.isComplete()) complete++;
            if (!a.isDead()) alive++;
        }
        assertTrue(complete > 50 && alive > complete, "the random inputs exercise both outcomes: " + complete + " / " + alive);
    }

    @Test
    void dropping_the_caches_keeps_matching_correct() {
        Grammar g = Grammar.parse("root ::= (\"[\" root \"]\")?");
        GrammarMatcher m = new GrammarMatcher(g);
        int depth = GrammarMatcher.MAX_CACHED_STATES + 500; // every depth is a new state
        MatchState s = m.initial();
        for (int i = 0; i < depth; i++) s = m.step(s, '[');
        assertTrue(m.cachedStates() < GrammarMatcher.MAX_CACHED_STATES);
        for (int i = 0; i < depth; i++) {
            assertFalse(s.isComplete());
            s = m.step(s, ']');
        }
        assertTrue(s.isComplete());
        assertTrue(m.step(s, ']').isDead());
    }
}
