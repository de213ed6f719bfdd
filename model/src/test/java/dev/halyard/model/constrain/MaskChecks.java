package dev.halyard.model.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Checks a {@link GrammarConstraint}'s token mask against a token-by-token reference: a separate
 * matcher that follows the same output bytes and tries every token's bytes on its own.
 */
final class MaskChecks {
    private MaskChecks() {}

    /**
     * A random walk of up to {@code steps} allowed tokens, checking the whole mask at each of
     * {@code checkAt} steps. The reference matcher is a separate instance, caching transitions or not.
     */
    static int walkAndCheck(Grammar grammar, Tokenizer tok, long seed, int steps, boolean cachedReference, int... checkAt) {
        GrammarConstraint c = new GrammarConstraint(grammar, tok);
        GrammarMatcher ref = new GrammarMatcher(grammar, cachedReference);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SplittableRandom r = new SplittableRandom(seed);
        int checked = 0;
        for (int step = 0; step < steps; step++) {
            for (int k : checkAt) {
                if (k == step) {
                    assertMaskExact(c, tok, ref, ref.advance(ref.initial(), out.toByteArray()), "step " + step + " after '" + out + "'");
                    checked++;
                }
            }
            int t = randomAllowed(c, tok, r);
            if (t < 0 || tok.isEndOfGeneration(t)) break;
            c.accept(t);
            out.writeBytes(tok.tokenBytes(t));
        }
        return checked;
    }

    /** A uniformly random allowed token that is not end-of-generation (EOG only when nothing else is), or -1. */
    static int randomAllowed(GrammarConstraint c, Tokenizer tok, SplittableRandom r) {
        List<Integer> allowed = new ArrayList<>();
        int eog = -1;
        for (int id = 0; id < tok.vocabSize(); id++) {
            if (!c.isAllowed(id)) continue;
            if (tok.isEndOfGeneration(id)) eog = id;
            else allowed.add(id);
        }
        return allowed.isEmpty() ? eog : allowed.get(r.nextInt(allowed.size()));
    }

    static void assertMaskExact(GrammarConstraint c, Tokenizer tok, GrammarMatcher ref, MatchState refState, String where) {
        List<String> wrong = new ArrayList<>();
        int allowed = 0;
        for (int id = 0; id < tok.vocabSize(); id++) {
            boolean expect;
            if (tok.isEndOfGeneration(id)) expect = refState.isComplete();
            else {
                byte[] b = tok.tokenBytes(id);
                expect = b.length > 0 && !tok.isControl(id) && !ref.advance(refState, b).isDead();
            }
            boolean got = c.isAllowed(id);
            if (got) allowed++;
            if (got != expect && wrong.size() < 10) wrong.add(id + " '" + tok.tokenText(id) + "' expected " + expect);
        }
        assertEquals(List.of(), wrong, where);
        assertTrue(allowed > 0, "some token is allowed at " + where);
    }
}
