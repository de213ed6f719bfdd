package dev.halyard.model.constrain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;

/**
 * Matches UTF-8 bytes against a {@link Grammar}, one byte at a time, the way llama.cpp's grammar
 * engine does: a state is the set of parse stacks still alive; a character advances every stack
 * whose top class contains it, and each advanced stack is expanded (rule references pushed,
 * finished alternatives popped) until its top is a character class again. A stack that empties
 * means the input so far is a sentence. Multi-byte characters are followed byte by byte: a state
 * inside a character is kept only while some stack could accept a character with those leading
 * bytes, so tokens that end mid-character are judged exactly.
 *
 * <p>Frames and states are interned and transitions cached on the states, so repeated contexts
 * (the body of a JSON string, say) cost one array load per byte. The caches are bounded: past
 * {@link #MAX_CACHED_STATES} transition tables (or many more interned states and frames) they are
 * dropped and rebuilt on demand; states already handed out stay valid. One matcher per sequence; not
 * thread-safe.
 */
public final class GrammarMatcher {
    /** States whose transitions are cached before the caches are dropped. */
    static final int MAX_CACHED_STATES = 8192;
    /** Most parse stacks one state may hold: an ambiguous grammar beyond this is refused. */
    static final int MAX_STACKS = 65_536;

    static final MatchState DEAD = new MatchState(new Frame[0], false);

    private final Grammar g;
    private final boolean cacheTransitions;
    private final HashMap<Long, Frame> frames = new HashMap<>(); // (pos, parent id) -> frame
    private final HashMap<StackKey, MatchState> states = new HashMap<>();
    private final List<MatchState> cached = new ArrayList<>(); // states holding a transition table
    private final MatchState initial;
    private int nextFrameId;

    public GrammarMatcher(Grammar grammar) {
        this(grammar, true);
    }

    /** {@code cacheTransitions} false recomputes every step (a slow reference for tests). */
    GrammarMatcher(Grammar grammar, boolean cacheTransitions) {
        this.g = grammar;
        this.cacheTransitions = cacheTransitions;
        Expansion out = new Expansion();
        for (int alt : g.alternatives[g.root]) expand(alt, null, out);
        this.initial = out.state();
    }

    public Grammar grammar() {
        return g;
    }

    /** The state before any input. */
    public MatchState initial() {
        return initial;
    }

    /** The state after {@code bytes} from {@code s}; {@link MatchState#isDead()} once they are rejected. */
    public MatchState advance(MatchState s, byte[] bytes) {
        for (int i = 0; i < bytes.length && !s.isDead(); i++) s = step(s, bytes[i] & 0xFF);
        return s;
    }

    /** The state after one byte ({@code 0..255}). */
    public MatchState step(MatchState s, int b) {
        MatchState[] next = s.next;
        if (next != null && next[b] != null) return next[b];
        if (s.isDead()) return DEAD;
        MatchState t = compute(s, b);
        if (cacheTransitions) {
            if (cached.size() >= MAX_CACHED_STATES || states.size() >= 8 * MAX_CACHED_STATES || frames.size() >= 32 * MAX_CACHED_STATES)
                dropCaches();
            if (s.next == null) {
                s.next = new MatchState[256];
                cached.add(s);
            }
            s.next[b] = t;
        }
        return t;
    }

    /** Number of states currently caching transitions (for diagnostics). */
    public int cachedStates() {
        return cached.size();
    }

    private void dropCaches() {
        for (MatchState s : cached) {
            s.next = null;
            s.partials = null;
        }
        cached.clear();
        states.clear();
        frames.clear(); // old frames stay valid; new ones get fresh ids
    }

    private MatchState compute(MatchState s, int b) {
        if (s.need == 0) {
            if (b < 0x80) return advanceChar(s, b);
            if (b >= 0xC2 && b <= 0xDF) return partial(s, b & 0x1F, 1, 2);
            if (b >= 0xE0 && b <= 0xEF) return partial(s, b & 0x0F, 2, 3);
            if (b >= 0xF0 && b <= 0xF4) return partial(s, b & 0x07, 3, 4);
            return DEAD; // continuation byte without a lead, or a byte UTF-8 never uses
        }
        if ((b & 0xC0) != 0x80) return DEAD;
        int v = s.partial << 6 | (b & 0x3F);
        if (s.need > 1) return partial(s.base, v, s.need - 1, s.length);
        if (v < minCodePoint(s.length) || (v >= 0xD800 && v <= 0xDFFF) || v > CharClass.MAX_CODE_POINT) return DEAD;
        return advanceChar(s.base, v);
    }

    private static int minCodePoint(int length) {
        return length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    }

    /**
     * The state inside a character, if some stack accepts a character beginning with these bits.
     * Partial states are shared where the exact bits cannot matter: when every code point the
     * remaining bytes can reach is valid and each stack's class takes all of them or none, the
     * result is the same whichever code point it becomes, so the state is keyed by that all-or-none
     * pattern (and keeps the first bits seen as its representative) rather than by the bits.
     */
    private MatchState partial(MatchState base, int v, int need, int length) {
        int rangeLo = v << (6 * need), rangeHi = ((v + 1) << (6 * need)) - 1;
        int lo = Math.max(rangeLo, minCodePoint(length));
        int hi = Math.min(rangeHi, CharClass.MAX_CODE_POINT);
        if (lo > hi || lo >= 0xD800 && hi <= 0xDFFF) return DEAD;
        boolean allValid = lo == rangeLo && hi == rangeHi && (hi < 0xD800 || lo > 0xDFFF);
        long[] pattern = allValid ? new long[(base.stacks.length + 63) >>> 6] : null;
        boolean possible = false;
        for (int i = 0; i < base.stacks.length; i++) {
            CharClass c = g.classes[g.arg[base.stacks[i].pos]];
            if (!c.intersects(lo, hi)) continue;
            possible = true;
            if (pattern == null) continue;
            if (c.containsAll(lo, hi)) pattern[i >>> 6] |= 1L << i;
            else pattern = null; // this class splits the range: the exact bits matter
        }
        if (!possible) return DEAD;
        if (!cacheTransitions) return new MatchState(base, v, need, length);
        if (base.partials == null) base.partials = new HashMap<>();
        Object key = pattern != null ? new PartialKey(need, length, pattern) : (Integer) (v | need << 21 | length << 23);
        return base.partials.computeIfAbsent(key, k -> new MatchState(base, v, need, length));
    }

    /** All-or-none pattern of the stacks over the code points a partial character can still become. */
    private record PartialKey(int need, int length, long[] pattern) {
        @Override
        public boolean equals(Object o) {
            return o instanceof PartialKey k && need == k.need && length == k.length && Arrays.equals(pattern, k.pattern);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(pattern) * 31 + need * 7 + length;
        }
    }

    /** Advances every stack whose top accepts code point {@code c}. */
    private MatchState advanceChar(MatchState s, int c) {
        Expansion out = new Expansion();
        for (Frame f : s.stacks) {
            if (g.classes[g.arg[f.pos]].contains(c)) expand(f.pos + 1, f.parent, out);
        }
        return out.state();
    }

    /**
     * Adds to {@code out} every stack reachable from "continue at {@code pos} over {@code parent}"
     * without consuming input: rule references are replaced by their alternatives (the rest of the
     * sequence pushed below, unless it is empty), ended alternatives pop to the parent.
     */
    private void expand(int pos0, Frame parent0, Expansion out) {
        List<Frame> todoParent = new ArrayList<>();
        int[] todoPos = new int[16];
        int n = 0;
        todoPos[n++] = pos0;
        todoParent.add(parent0);
        HashSet<Long> seen = new HashSet<>();
        while (n > 0) {
            int pos = todoPos[--n];
            Frame parent = todoParent.remove(n);
            if (!seen.add((long) pos << 32 | (parent == null ? 0xFFFFFFFFL : parent.id))) continue;
            switch (g.kind[pos]) {
                case Grammar.END -> {
                    if (parent == null) out.accepting = true;
                    else {
                        if (n == todoPos.length) todoPos = Arrays.copyOf(todoPos, n * 2);
                        todoPos[n++] = parent.pos;
                        todoParent.add(parent.parent);
                    }
                }
                case Grammar.REF -> {
                    Frame cont = g.kind[pos + 1] == Grammar.END ? parent : frame(pos + 1, parent);
                    for (int alt : g.alternatives[g.arg[pos]]) {
                        if (n == todoPos.length) todoPos = Arrays.copyOf(todoPos, n * 2);
                        todoPos[n++] = alt;
                        todoParent.add(cont);
                    }
                }
                default -> {
                    out.add(frame(pos, parent));
                    if (out.size > MAX_STACKS)
                        throw new GrammarException("grammar is too ambiguous: more than " + MAX_STACKS + " parse stacks at once");
                }
            }
        }
    }

    private Frame frame(int pos, Frame parent) {
        long key = (long) pos << 32 | (parent == null ? 0xFFFFFFFFL : parent.id);
        Frame f = frames.get(key);
        if (f == null) {
            f = new Frame(pos, parent, nextFrameId++);
            frames.put(key, f);
        }
        return f;
    }

    /** The stacks one step produces, deduplicated; {@link #state()} interns them. */
    private final class Expansion {
        Frame[] tops = new Frame[4];
        int size;
        boolean accepting;
        private final HashSet<Frame> present = new HashSet<>();

        void add(Frame f) {
            if (!present.add(f)) return;
            if (size == tops.length) tops = Arrays.copyOf(tops, size * 2);
            tops[size++] = f;
        }

        MatchState state() {
            if (size == 0 && !accepting) return DEAD;
            Frame[] sorted = Arrays.copyOf(tops, size);
            Arrays.sort(sorted, (a, b) -> Integer.compare(a.id, b.id));
            int[] ids = new int[size];
            for (int i = 0; i < size; i++) ids[i] = sorted[i].id;
            StackKey key = new StackKey(ids, accepting);
            MatchState s = states.get(key);
            if (s == null) {
                s = new MatchState(sorted, accepting);
                states.put(key, s);
            }
            return s;
        }
    }

    private record StackKey(int[] ids, boolean accepting) {
        @Override
        public boolean equals(Object o) {
            return o instanceof StackKey k && accepting == k.accepting && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids) * 2 + (accepting ? 1 : 0);
        }
    }
}
