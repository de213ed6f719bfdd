package dev.halyard.model.constrain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles a {@link Grammar} rule by rule. An element of a sequence is an int: {@code >= 0} refers
 * to a rule, {@code < 0} is the character class {@code ~element} (see {@link #charClass}).
 * Repetitions become helper rules as llama.cpp writes them: {@code x*} is {@code r ::= x r | ""},
 * {@code x{2,4}} is {@code x x r2} with {@code r2 ::= x r1 | ""}, {@code r1 ::= x | ""}.
 * The total size is bounded, so untrusted grammars (and schemas) cannot exhaust memory.
 */
final class GrammarBuilder {
    /** Most elements (characters and references, summed over all alternatives) a grammar may hold. */
    static final int MAX_ELEMENTS = 2_000_000;
    /** Largest count in a bounded repetition {@code {m,n}}. */
    static final int MAX_REPEAT = 100_000;

    private final List<String> names = new ArrayList<>();
    private final List<List<int[]>> rules = new ArrayList<>(); // null until defined
    private final Map<String, Integer> byName = new HashMap<>();
    private final Map<Integer, Integer> firstUse = new HashMap<>(); // rule id -> source offset of its first reference
    private final List<CharClass> classes = new ArrayList<>();
    private final Map<CharClass, Integer> classIds = new HashMap<>();
    private long elements;

    /** The id of the named rule, creating an undefined one on first use; {@code at} (or -1) is the source offset of this use. */
    int rule(String name, int at) {
        Integer id = byName.get(name);
        if (id == null) {
            id = names.size();
            names.add(name);
            rules.add(null);
            byName.put(name, id);
        }
        if (at >= 0) firstUse.putIfAbsent(id, at);
        return id;
    }

    boolean isDefined(String name) {
        Integer id = byName.get(name);
        return id != null && rules.get(id) != null;
    }

    /** A fresh rule with a name derived from {@code base} that no grammar text can refer to. */
    int helper(String base) {
        int id = names.size();
        names.add(base + "_" + id);
        rules.add(null);
        return id;
    }

    void define(int rule, List<int[]> alternatives) {
        if (rules.get(rule) != null) throw new GrammarException("rule '" + names.get(rule) + "' is defined twice");
        long size = 0;
        for (int[] alt : alternatives) size += alt.length + 1;
        grow(size);
        rules.set(rule, List.copyOf(alternatives));
    }

    /** The element for a character class. */
    int charClass(CharClass c) {
        Integer id = classIds.get(c);
        if (id == null) {
            id = classes.size();
            classes.add(c);
            classIds.put(c, id);
        }
        return ~id;
    }

    /** Appends {@code atom} repeated min..max times ({@code max < 0}: unbounded) to {@code seq}. */
    void repeat(List<Integer> seq, int[] atom, int min, int max, String base) {
        if (min < 0 || min > MAX_REPEAT) throw new GrammarException("repetition count must be in [0, " + MAX_REPEAT + "], got " + min);
        if (max >= 0 && (max < min || max > MAX_REPEAT))
            throw new GrammarException("repetition bound must be in [" + min + ", " + MAX_REPEAT + "], got " + max);
        if (atom.length > 1 && (max < 0 || max > 1)) { // copy a reference, not the whole sequence
            int group = helper(base);
            define(group, List.of(atom));
            atom = new int[] {group};
        }
        grow(min);
        for (int i = 0; i < min; i++) for (int e : atom) seq.add(e);
        if (max < 0) {
            int star = helper(base);
            define(star, List.of(concat(atom, star), new int[0]));
            seq.add(star);
        } else if (max > min) {
            int prev = -1;
            for (int i = 0; i < max - min; i++) {
                int opt = helper(base);
                define(opt, List.of(prev < 0 ? atom : concat(atom, prev), new int[0]));
                prev = opt;
            }
            seq.add(prev);
        }
    }

    private static int[] concat(int[] a, int b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = b;
        return r;
    }

    private void grow(long n) {
        elements += n;
        if (elements > MAX_ELEMENTS)
            throw new GrammarException("grammar is too large: more than " + MAX_ELEMENTS + " elements (large repetition counts or maxLength/maxItems?)");
    }

    /**
     * The finished grammar: every referenced rule defined, {@code root} present, no left recursion.
     * {@code where} describes a source offset for messages.
     */
    Grammar build(String root, java.util.function.IntFunction<String> where) {
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i) == null) {
                Integer at = firstUse.get(i);
                throw new GrammarException("undefined rule '" + names.get(i) + "'" + (at == null ? "" : " referenced at " + where.apply(at)));
            }
        }
        Integer rootId = byName.get(root);
        if (rootId == null) throw new GrammarException("grammar has no rule named '" + root + "' (the start symbol)");
        List<int[][]> alts = new ArrayList<>();
        for (List<int[]> r : rules) alts.add(r.toArray(new int[0][]));
        return new Grammar(names.toArray(new String[0]), alts.toArray(new int[0][][]), classes.toArray(new CharClass[0]), rootId);
    }
}
