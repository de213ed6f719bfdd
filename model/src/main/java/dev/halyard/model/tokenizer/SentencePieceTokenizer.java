package dev.halyard.model.tokenizer;

import java.util.PriorityQueue;

/**
 * llama.cpp's SentencePiece tokenizer ({@code llm_tokenizer_spm}): spaces become '▁', a dummy '▁' is
 * prefixed at the start and after every special token, then adjacent symbols are merged greedily, the
 * pair whose merged text is a token with the highest score first (ties: leftmost). A symbol that is
 * not a token falls back to its UTF-8 bytes as {@code <0xAB>} tokens.
 */
final class SentencePieceTokenizer extends VocabTokenizer {
    private static final char SPACE = '\u2581'; // ▁

    private final boolean addSpacePrefix; // tokenizer.ggml.add_space_prefix
    private final int[] byteTokens;       // [256] byte fallback token per byte, -1 if none

    SentencePieceTokenizer(Vocab vocab, boolean addSpacePrefix) {
        super(vocab);
        this.addSpacePrefix = addSpacePrefix;
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            // llama.cpp's byte_to_token: <0xAB>, else the byte itself as a one-char token; we add UNK last
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) id = vocab.id(String.valueOf((char) b));
            byteTokens[b] = id >= 0 ? id : vocab.unk;
        }
    }

    /** A candidate merge of symbols left and right, whose text has {@code length} chars. */
    private record Bigram(int left, int right, float score, int length) {}

    @Override
    void encodeText(String fragment, boolean afterSpecial, IntList out) {
        String text = ((addSpacePrefix && afterSpecial) ? " " + fragment : fragment).replace(' ', SPACE);
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n]; // symbols: char span, links
        for (int i = 0, off = 0; i < n; i++) {
            start[i] = off;
            len[i] = Character.charCount(text.codePointAt(off));
            off += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) tryAddBigram(text, start, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            if (len[b.left] == 0 || len[b.right] == 0 || len[b.left] + len[b.right] != b.length) continue; // stale
            len[b.left] += len[b.right];
            len[b.right] = 0;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) prev[next[b.right]] = b.left;
            tryAddBigram(text, start, len, prev[b.left], b.left, queue);
            tryAddBigram(text, start, len, b.left, next[b.left], queue);
        }
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) {
            String symbol = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : Unicode.utf8(symbol)) out.add(byteToken(b & 0xFF));
            }
        }
    }

    private void tryAddBigram(String text, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) return;
        int length = len[left] + len[right];
        int id = vocab.id(text.substring(start[left], start[left] + length));
        if (id < 0) return;
        queue.add(new Bigram(left, right, vocab.scores[id], length));
    }

    private int byteToken(int b) {
        int id = byteTokens[b];
        if (id < 0) throw new IllegalStateException(String.format("vocabulary has neither a byte token <0x%02X> nor an unknown token", b));
        return id;
    }

    @Override
    byte[] normalPiece(String text) {
        return Unicode.utf8(text.replace(SPACE, ' '));
    }

    @Override
    boolean stripsDummyPrefix() {
        return addSpacePrefix;
    }
}
