package dev.halyard.model.constrain;

import dev.halyard.model.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Constrains one sequence's tokens to a {@link Grammar}: {@link #apply} sets the logit of every token
 * whose bytes cannot continue the grammar to -inf, and {@link #accept} advances the grammar by the
 * chosen token. End-of-generation tokens are allowed only once the output is a complete sentence
 * ({@link #isComplete()}). The allowed set comes from one walk of the tokenizer's {@link TokenTrie}
 * that skips every subtree whose prefix the grammar rejects; masks are cached for recent states
 * (inside a JSON string the state repeats). As llama.cpp, control tokens and tokens without bytes
 * are never allowed. One instance per sequence; not thread-safe.
 */
public final class GrammarConstraint implements LogitsProcessor {
    private static final int MASK_CACHE = 32;

    private final Tokenizer tokenizer;
    private final TokenTrie trie;
    private final GrammarMatcher matcher;
    private final MatchState[] walk; // (maxDepth+1,): state at each depth of the trie walk
    private final Map<MatchState, long[]> masks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<MatchState, long[]> e) {
            return size() > MASK_CACHE;
        }
    };
    private MatchState state;
    private boolean ended; // an end-of-generation token was accepted

    public GrammarConstraint(Grammar grammar, Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.trie = TokenTrie.of(tokenizer);
        this.matcher = new GrammarMatcher(grammar);
        this.walk = new MatchState[trie.maxDepth + 1];
        this.state = matcher.initial();
    }

    @Override
    public void apply(float[] logits) {
        long[] mask = allowedTokens();
        int n = logits.length;
        for (int w = 0; w * 64 < n; w++) {
            long bits = w < mask.length ? mask[w] : 0;
            if (bits == -1L) continue;
            for (int i = w * 64, e = Math.min(n, i + 64); i < e; i++) {
                if ((bits >>> (i & 63) & 1) == 0) logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    @Override
    public void accept(int token) {
        if (ended) throw new IllegalStateException("generation already ended with an end-of-generation token");
        if (token < 0 || token >= trie.vocabSize) throw new IllegalArgumentException("token must be in [0, " + trie.vocabSize + "), got " + token);
        if (tokenizer.isEndOfGeneration(token)) {
            if (!state.isComplete()) throw new IllegalArgumentException("end-of-generation token " + token + " before the grammar is complete");
            ended = true;
            return;
        }
        byte[] bytes = tokenizer.tokenBytes(token);
        MatchState next = bytes.length == 0 || tokenizer.isControl(token) ? GrammarMatcher.DEAD : matcher.advance(state, bytes);
        if (next.isDead())
            throw new IllegalArgumentException("token " + token + " " + quote(tokenizer.tokenText(token)) + " cannot continue the grammar here");
        state = next;
    }

    /** The output so far is a complete sentence of the grammar: end-of-generation is allowed. */
    public boolean isComplete() {
        return state.isComplete();
    }

    /** Some non-EOG token may still follow (false once the sentence is finished and nothing can extend it). */
    public boolean canContinue() {
        return !ended && state.canContinue();
    }

    /** Whether {@code token} may come next. */
    public boolean isAllowed(int token) {
        long[] mask = allowedTokens();
        return token >= 0 && token < trie.vocabSize && (mask[token >>> 6] >>> (token & 63) & 1) != 0;
    }

    /** The grammar state (for tests and diagnostics). */
    MatchState state() {
        return state;
    }

    GrammarMatcher matcher() {
        return matcher;
    }

    /** Bit i set: token i may come next. Shared with the cache: do not modify. */
    long[] allowedTokens() {
        if (ended) throw new IllegalStateException("generation already ended with an end-of-generation token");
        long[] mask = masks.get(state);
        if (mask == null) {
            mask = computeMask(state);
            masks.put(state, mask);
        }
        return mask;
    }

    /** Walks the trie in preorder from {@code s}, skipping subtrees whose prefix is rejected. */
    long[] computeMask(MatchState s) {
        long[] mask = new long[(trie.vocabSize + 63) >>> 6];
        byte[] label = trie.label;
        int[] depth = trie.depth, end = trie.end, start = trie.tokenStart, tokens = trie.tokens;
        MatchState[] at = walk;
        at[0] = s;
        int n = label.length;
        for (int i = 1; i < n; ) {
            MatchState parent = at[depth[i] - 1];
            int b = label[i] & 0xFF;
            MatchState[] next = parent.next;
            MatchState t = next != null ? next[b] : null;
            if (t == null) t = matcher.step(parent, b);
            if (t.dead) {
                i = end[i];
                continue;
            }
            at[depth[i]] = t;
            for (int j = start[i], e = start[i + 1]; j < e; j++) mask[tokens[j] >>> 6] |= 1L << (tokens[j] & 63);
            i++;
        }
        if (s.isComplete()) for (int id : trie.endOfGeneration) mask[id >>> 6] |= 1L << (id & 63);
        boolean any = false;
        for (long w : mask) any |= w != 0;
        if (!any) throw new IllegalStateException("no token of the vocabulary can continue the grammar here");
        return mask;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        s.codePoints().limit(40).forEach(c -> {
            if (c < 0x20) sb.append(String.format("\\x%02x", c));
            else sb.appendCodePoint(c);
        });
        return sb.append('\'').toString();
    }
}
