package dev.halyard.model.constrain;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token masks on Qwen3's 151k-token byte-level BPE vocabulary: exact, and how long they take (printed, not asserted). */
class Qwen3MaskTest {
    static Tokenizer qwen;

    @BeforeAll
    static void load() {
        qwen = Tokenizer.fromHuggingFace(SharedData.require("tokenizers/qwen3/tokenizer.json"));
    }

    @Test
    void masks_on_random_states_equal_a_token_by_token_check() {
        int checked = 0;
        checked += MaskChecks.walkAndCheck(GrammarConstraintTest.PERSON, qwen, 1, 30, true, 0, 1, 3, 7, 15, 29);
        checked += MaskChecks.walkAndCheck(Grammar.jsonObject(), qwen, 2, 20, true, 0, 2, 6, 19);
        checked += MaskChecks.walkAndCheck(JsonSchemaGrammarTest.g(JsonSchemaGrammarTest.WALK_SCHEMAS[1]), qwen, 3, 20, true, 1, 5, 12);
        assertTrue(checked >= 8, "states checked: " + checked);
    }

    @Test
    void mask_timing_on_151k_tokens() {
        TokenTrie trie = TokenTrie.of(qwen);
        System.out.printf("Qwen3 trie: %d tokens, %d nodes, depth %d%n", trie.tokenCount(), trie.nodeCount(), trie.maxDepth);
        for (Grammar g : new Grammar[] {GrammarConstraintTest.PERSON, Grammar.jsonObject()}) {
            GrammarConstraint c = new GrammarConstraint(g, qwen);
            SplittableRandom r = new SplittableRandom(8);
            List<Double> cold = new ArrayList<>(), warm = new ArrayList<>();
            for (int step = 0; step < 25; step++) {
                long t0 = System.nanoTime();
                c.computeMask(c.state()); // first visit: builds the DFA transitions it needs
                long t1 = System.nanoTime();
                c.computeMask(c.state()); // the same context again: transitions cached
                long t2 = System.nanoTime();
                cold.add((t1 - t0) / 1e6);
                warm.add((t2 - t1) / 1e6);
                int t = MaskChecks.randomAllowed(c, qwen, r);
                if (t < 0 || qwen.isEndOfGeneration(t)) break;
                c.accept(t);
            }
            System.out.printf("Qwen3 mask ms over %d states (%s): cold median %.2f max %.2f; warm median %.2f max %.2f; matcher states %d%n",
                    cold.size(), g == GrammarConstraintTest.PERSON ? "person schema" : "json_object",
                    median(cold), max(cold), median(warm), max(warm), c.matcher().cachedStates());
        }
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

}
