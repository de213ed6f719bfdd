package dev.halyard.model.constrain;

import dev.halyard.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The byte strings of a tokenizer's tokens as a trie, flattened in preorder so that a node's subtree
 * is the index range {@code [i, end[i])}: a walk can skip a whole subtree when its prefix is
 * rejected. Control tokens, tokens without bytes and end-of-generation tokens are left out (EOG
 * tokens are listed apart). Built once per tokenizer instance and shared ({@link #of}); immutable.
 */
public final class TokenTrie {
    private static final Map<Tokenizer, TokenTrie> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    final int vocabSize;
    final byte[] label; // (N,): the byte on the edge into node i; node 0 is the root (empty prefix)
    final int[] depth; // (N,): bytes from the root
    final int[] end; // (N,): one past the last node of i's subtree
    final int[] tokenStart; // (N+1,): tokens ending at node i are tokens[tokenStart[i] .. tokenStart[i+1])
    final int[] tokens; // token ids, grouped by node
    final int[] endOfGeneration; // EOG token ids
    final int maxDepth;

    private TokenTrie(Tokenizer t) {
        vocabSize = t.vocabSize();
        List<byte[]> bytes = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Integer> eog = new ArrayList<>();
        for (int id = 0; id < vocabSize; id++) {
            if (t.isEndOfGeneration(id)) {
                eog.add(id);
                continue;
            }
            byte[] b = t.tokenBytes(id);
            if (b.length == 0 || t.isControl(id)) continue;
            bytes.add(b);
            ids.add(id);
        }
        Integer[] order = new Integer[bytes.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(bytes.get(a), bytes.get(b)));

        // Sorted byte strings list every prefix before its extensions, so nodes come out in preorder.
        int cap = 1;
        for (byte[] b : bytes) cap += b.length;
        byte[] lab = new byte[cap];
        int[] dep = new int[cap];
        int[] en = new int[cap];
        int[] start = new int[cap + 1];
        int[] toks = new int[order.length];
        int[] path = new int[1]; // node at each depth along the current path
        int nodes = 1, ntok = 0, top = 0, maxD = 0;
        byte[] prev = new byte[0];
        for (int k : order) {
            byte[] b = bytes.get(k);
            int common = 0;
            while (common < Math.min(prev.length, b.length) && prev[common] == b[common] && common < top) common++;
            for (; top > common; top--) en[path[top]] = nodes; // close nodes off the new path
            if (path.length < b.length + 1) path = Arrays.copyOf(path, Math.max(b.length + 1, path.length * 2));
            for (int d = common; d < b.length; d++) {
                start[nodes] = ntok;
                lab[nodes] = b[d];
                dep[nodes] = d + 1;
                path[d + 1] = nodes++;
            }
            top = b.length;
            maxD = Math.max(maxD, top);
            toks[ntok++] = ids.get(k);
            prev = b;
        }
        for (; top > 0; top--) en[path[top]] = nodes;
        en[0] = nodes;
        start[nodes] = ntok;
        label = Arrays.copyOf(lab, nodes);
        depth = Arrays.copyOf(dep, nodes);
        end = Arrays.copyOf(en, nodes);
        tokenStart = Arrays.copyOf(start, nodes + 1);
        tokens = toks;
        endOfGeneration = eog.stream().mapToInt(Integer::intValue).toArray();
        maxDepth = maxD;
    }

    /** The trie of {@code tokenizer}'s tokens, built on first use and cached while the tokenizer lives. */
    public static TokenTrie of(Tokenizer tokenizer) {
        TokenTrie t = CACHE.get(tokenizer);
        if (t == null) {
            t = new TokenTrie(tokenizer); // built outside the lock; a racing duplicate is harmless
            CACHE.put(tokenizer, t);
        }
        return t;
    }

    /** Nodes, the root included. */
    public int nodeCount() {
        return label.length;
    }

    /** Tokens in the trie (those with bytes that are neither control nor end-of-generation). */
    public int tokenCount() {
        return tokens.length;
    }
}
