package dev.halyard.model.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A context-free grammar over Unicode code points, compiled to one flat program (llama.cpp's GBNF
 * model): each rule is a list of alternatives; an alternative is a sequence of elements, each a
 * character class or a reference to a rule, ended by {@link #END}. Immutable and shareable; match
 * it with a {@link GrammarMatcher}. Left-recursive grammars are rejected when built, as llama.cpp does.
 */
public final class Grammar {
    static final byte REF = 0, CLASS = 1, END = 2;

    final byte[] kind; // (P,): REF, CLASS or END per program position
    final int[] arg; // (P,): rule id for REF, class index for CLASS
    final int[][] alternatives; // (rules,)(alts,): program position where each alternative starts
    final CharClass[] classes;
    final String[] names; // rule names, for messages
    final int root;

    Grammar(String[] names, int[][][] rules, CharClass[] classes, int root) {
        this.names = names;
        this.classes = classes;
        this.root = root;
        int size = 0;
        for (int[][] r : rules) for (int[] alt : r) size += alt.length + 1;
        kind = new byte[size];
        arg = new int[size];
        alternatives = new int[rules.length][];
        int p = 0;
        for (int r = 0; r < rules.length; r++) {
            alternatives[r] = new int[rules[r].length];
            for (int a = 0; a < rules[r].length; a++) {
                alternatives[r][a] = p;
                for (int e : rules[r][a]) {
                    kind[p] = e >= 0 ? REF : CLASS;
                    arg[p++] = e >= 0 ? e : ~e;
                }
                kind[p++] = END;
            }
        }
        rejectLeftRecursion(rules);
    }

    /** Parses llama.cpp GBNF text with start symbol {@code root}. */
    public static Grammar parse(String gbnf) {
        return GbnfParser.parse(gbnf, "root");
    }

    public static Grammar parse(String gbnf, String startRule) {
        return GbnfParser.parse(gbnf, startRule);
    }

    /** The grammar of JSON text valid under {@code schema} (see {@link JsonSchemaConverter} for the supported keywords). */
    public static Grammar fromJsonSchema(JsonNode schema) {
        return parse(JsonSchemaConverter.toGbnf(schema));
    }

    /** Any JSON object: OpenAI's {@code response_format: {"type": "json_object"}}. */
    public static Grammar jsonObject() {
        return parse(JsonSchemaConverter.jsonObjectGbnf());
    }

    public int ruleCount() {
        return alternatives.length;
    }

    /** Program size: elements plus one end marker per alternative. */
    public int size() {
        return kind.length;
    }

    /** Whether the whole of {@code text} is a sentence of this grammar. */
    public boolean matches(String text) {
        GrammarMatcher m = new GrammarMatcher(this);
        MatchState s = m.advance(m.initial(), text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return s.isComplete();
    }

    /** Rejects a rule that can reach itself without consuming a character (it would loop forever). */
    private void rejectLeftRecursion(int[][][] rules) {
        int n = rules.length;
        boolean[] nullable = nullable(rules);
        List<List<Integer>> left = new ArrayList<>(); // rule -> rules it can start with
        for (int r = 0; r < n; r++) {
            List<Integer> out = new ArrayList<>();
            for (int[] alt : rules[r]) {
                for (int e : alt) {
                    if (e < 0) break;
                    out.add(e);
                    if (!nullable[e]) break;
                }
            }
            left.add(out);
        }
        byte[] color = new byte[n]; // 0 unvisited, 1 on the DFS path, 2 done
        int[] parent = new int[n];
        for (int start = 0; start < n; start++) {
            if (color[start] != 0) continue;
            ArrayDeque<int[]> stack = new ArrayDeque<>(); // (rule, next edge index)
            stack.push(new int[] {start, 0});
            color[start] = 1;
            parent[start] = -1;
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                List<Integer> edges = left.get(top[0]);
                if (top[1] == edges.size()) {
                    color[top[0]] = 2;
                    stack.pop();
                    continue;
                }
                int next = edges.get(top[1]++);
                if (color[next] == 1) throw new GrammarException("left recursion in rule '" + names[next] + "': " + cycle(parent, top[0], next));
                if (color[next] == 0) {
                    color[next] = 1;
                    parent[next] = top[0];
                    stack.push(new int[] {next, 0});
                }
            }
        }
    }

    private String cycle(int[] parent, int from, int to) {
        List<String> path = new ArrayList<>();
        path.add(names[to]);
        for (int r = from; r != to && r >= 0 && path.size() < 20; r = parent[r]) path.addFirst(names[r]);
        path.addFirst(names[to]);
        return String.join(" -> ", path);
    }

    /** Which rules can match the empty string (worklist, linear in the grammar size). */
    private static boolean[] nullable(int[][][] rules) {
        int n = rules.length;
        boolean[] nullable = new boolean[n];
        List<int[]> alts = new ArrayList<>(); // (rule, remaining non-nullable refs)
        List<List<Integer>> uses = new ArrayList<>(); // rule -> alternatives that reference it (per occurrence)
        for (int r = 0; r < n; r++) uses.add(new ArrayList<>());
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int r = 0; r < n; r++) {
            for (int[] alt : rules[r]) {
                boolean hasChar = false;
                for (int e : alt) hasChar |= e < 0;
                if (hasChar) continue;
                int id = alts.size();
                alts.add(new int[] {r, alt.length});
                for (int e : alt) uses.get(e).add(id);
                if (alt.length == 0) ready.add(r);
            }
        }
        while (!ready.isEmpty()) {
            int r = ready.poll();
            if (nullable[r]) continue;
            nullable[r] = true;
            for (int id : uses.get(r)) {
                int[] a = alts.get(id);
                if (--a[1] == 0) ready.add(a[0]);
            }
        }
        return nullable;
    }
}
