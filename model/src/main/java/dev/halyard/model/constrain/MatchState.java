package dev.halyard.model.constrain;

import java.util.HashMap;

/**
 * Where a {@link GrammarMatcher} stands after some bytes: the set of parse stacks that are still
 * alive, whether the input so far is a complete sentence, and any unfinished UTF-8 sequence. States
 * are interned by their matcher and cache their transitions per byte, so after a little use the
 * matcher runs as a lazily built DFA. Immutable apart from those caches; not thread-safe.
 */
public final class MatchState {
    final Frame[] stacks; // top frames, sorted by id; each on a character class
    final boolean accepting; // some stack is empty: the bytes so far form a sentence
    final int partial; // code point bits of an unfinished UTF-8 sequence
    final int need; // continuation bytes still expected (0: at a character boundary)
    final int length; // byte length of the unfinished sequence (2..4), 0 at a boundary
    final MatchState base; // the boundary state with the same stacks (this, at a boundary)
    final boolean dead; // no stacks and not accepting: the input was rejected
    MatchState[] next; // (256,) cached transitions, filled lazily; null until the first
    HashMap<Object, MatchState> partials; // on boundary states: interned partial-character states

    MatchState(Frame[] stacks, boolean accepting) {
        this.stacks = stacks;
        this.accepting = accepting;
        this.partial = 0;
        this.need = 0;
        this.length = 0;
        this.base = this;
        this.dead = stacks.length == 0 && !accepting;
    }

    MatchState(MatchState base, int partial, int need, int length) {
        this.stacks = base.stacks;
        this.accepting = false;
        this.partial = partial;
        this.need = need;
        this.length = length;
        this.base = base;
        this.dead = false;
    }

    /** No continuation of the input can be a sentence: the bytes were rejected. */
    public boolean isDead() {
        return dead;
    }

    /** The bytes so far form a complete sentence (generation may end here). */
    public boolean isComplete() {
        return accepting;
    }

    /** Some further characters can be accepted (false once a sentence is finished and nothing may follow). */
    public boolean canContinue() {
        return stacks.length > 0;
    }

    /** Number of alive parse stacks. */
    public int stackCount() {
        return stacks.length;
    }
}
