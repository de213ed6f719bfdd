package dev.halyard.model.constrain;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;

/** Random sentences of a grammar, drawn byte by byte from the matcher's live transitions. */
final class GrammarWalks {
    private GrammarWalks() {}

    /**
     * Bytes of a random complete sentence: each step picks uniformly among the bytes the matcher
     * accepts, and stops at a complete state with probability 1/10. Past {@code softLimit} bytes it
     * prefers closing characters ({@code " ] }}) so unbounded strings and arrays end; null if the
     * walk did not finish within four times that.
     */
    static byte[] randomSentence(GrammarMatcher m, SplittableRandom r, int softLimit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MatchState s = m.initial();
        int[] live = new int[256];
        for (int n = 0; n < softLimit * 4; n++) {
            if (s.isComplete() && (!s.canContinue() || n > softLimit || r.nextInt(10) == 0)) return out.toByteArray();
            int count = 0, closers = 0;
            int[] closing = new int[3];
            for (int b = 0; b < 256; b++) {
                if (m.step(s, b).isDead()) continue;
                live[count++] = b;
                if (b == '"' || b == ']' || b == '}') closing[closers++] = b;
            }
            if (count == 0) throw new AssertionError("a live state accepts no byte: " + out);
            int b = n > softLimit && closers > 0 ? closing[r.nextInt(closers)] : live[r.nextInt(count)];
            out.write(b);
            s = m.step(s, b);
        }
        return null;
    }
}
