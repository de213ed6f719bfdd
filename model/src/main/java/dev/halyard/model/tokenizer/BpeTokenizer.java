package dev.halyard.model.tokenizer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Byte-level BPE as llama.cpp's {@code llm_tokenizer_bpe}: the pre-tokenizer splits text into words,
 * each word's UTF-8 bytes become GPT-2's printable characters, and adjacent symbols are merged, the
 * pair with the lowest merge rank first (ties: leftmost), with a binary heap and a linked list so a
 * word costs O(n log n). Words seen before come from a cache.
 */
final class BpeTokenizer extends VocabTokenizer {
    private static final int CACHE_LIMIT = 1 << 16; // words; the cache is cleared when full

    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;             // a word that is a token is not merged (Llama 3)
    private final UnaryOperator<String> normalizer; // applied to raw text before pre-tokenizing
    private final MergeTable merges;                // (left id, right id) -> (rank, merged id)
    private final int[] byteTokens;                 // [256] token of each byte's character, -1 if none
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param mergePairs merge rules in rank order, each {left, right} token texts
     * @param mergesKey  the metadata key the merges came from, for error messages
     */
    BpeTokenizer(Vocab vocab, String[][] mergePairs, String mergesKey, PreTokenizer preTokenizer,
                 boolean ignoreMerges, UnaryOperator<String> normalizer) {
        super(vocab);
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
        this.normalizer = normalizer;
        this.merges = new MergeTable(mergePairs.length);
        for (int rank = 0; rank < mergePairs.length; rank++) {
            String[] pair = mergePairs[rank];
            int left = vocab.id(pair[0]), right = vocab.id(pair[1]), merged = vocab.id(pair[0] + pair[1]);
            if (left < 0 || right < 0 || merged < 0) {
                String missing = left < 0 ? pair[0] : right < 0 ? pair[1] : pair[0] + pair[1];
                throw new IllegalArgumentException("invalid vocabulary: " + mergesKey + "[" + rank + "] = '" + pair[0] + " " + pair[1]
                        + "' refers to '" + missing + "', which is not a token");
            }
            merges.putIfAbsent(key(left, right), (long) rank << 32 | merged); // llama.cpp keeps the first rank
        }
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) byteTokens[b] = vocab.id(String.valueOf(Unicode.byteToChar(b)));
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : preTokenizer.split(normalizer.apply(text))) {
            int[] ids = cache.get(word);
            if (ids == null) {
                ids = encodeWord(word);
                if (cache.size() >= CACHE_LIMIT) cache.clear();
                cache.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    /** The tokens of one pre-tokenized word. */
    int[] encodeWord(String word) {
        byte[] bytes = Unicode.utf8(word);
        if (ignoreMerges) {
            int id = vocab.id(Unicode.byteEncode(word));
            if (id >= 0) return new int[] {id};
        }
        int n = bytes.length;
        int[] sym = new int[n], prev = new int[n], next = new int[n]; // symbol token ids and links
        for (int i = 0; i < n; i++) {
            sym[i] = byteTokens[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) push(heap, sym, i, i + 1);
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32), left = (int) top;
            int right = left < n ? next[left] : -1;
            if (sym[left] < 0 || right < 0) continue; // left merged away or nothing to its right
            long merge = merges.get(key(sym[left], sym[right]));
            if (merge < 0 || (int) (merge >>> 32) != rank) continue; // stale: the pair changed since it was queued
            sym[left] = (int) merge;
            sym[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) push(heap, sym, prev[left], left);
            if (next[left] >= 0) push(heap, sym, left, next[left]);
        }
        VocabTokenizer.IntList out = new VocabTokenizer.IntList(n);
        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            if (sym[i] >= 0) out.add(sym[i]);
            // a byte without a token: llama.cpp drops it (only ASCII bytes could match a one-char token)
        }
        return out.toArray();
    }

    private void push(LongHeap heap, int[] sym, int left, int right) {
        if (sym[left] < 0 || sym[right] < 0) return;
        long merge = merges.get(key(sym[left], sym[right]));
        if (merge >= 0) heap.push((merge >>> 32) << 32 | left);
    }

    @Override
    byte[] normalPiece(String text) {
        return Unicode.byteDecode(text);
    }

    /** Open addressing from a pair key to (rank << 32 | merged id); keys are never -1 (ids are non-negative). */
    private static final class MergeTable {
        private final long[] keys, values;
        private final int mask;

        MergeTable(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected + expected / 2)) << 1; // load factor <= 2/3
            keys = new long[cap];
            values = new long[cap];
            java.util.Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            int i = (int) (h >>> 40) & mask;
            while (keys[i] != -1L && keys[i] != key) i = (i + 1) & mask;
            return i;
        }

        void putIfAbsent(long key, long value) {
            int i = slot(key);
            if (keys[i] == -1L) {
                keys[i] = key;
                values[i] = value;
            }
        }

        /** The value, or -1. */
        long get(long key) {
            int i = slot(key);
            return keys[i] == key ? values[i] : -1L;
        }
    }

    /** A binary min-heap of longs: (rank << 32 | left position), so ties go to the leftmost pair. */
    private static final class LongHeap {
        private long[] a;
        private int n;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() { return n == 0; }

        void push(long v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            int i = n++;
            while (i > 0 && a[(i - 1) / 2] > v) {
                a[i] = a[(i - 1) / 2];
                i = (i - 1) / 2;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0], last = a[--n];
            int i = 0;
            while (2 * i + 1 < n) {
                int c = 2 * i + 1;
                if (c + 1 < n && a[c + 1] < a[c]) c++;
                if (a[c] >= last) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
