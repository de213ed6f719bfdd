package dev.halyard.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * What every tokenizer type shares: special-token splitting, BOS/EOS, and detokenizing from
 * per-token byte pieces (computed once, like llama.cpp's token-to-piece cache).
 */
abstract class VocabTokenizer implements Tokenizer {
    private static final byte[] EMPTY = new byte[0];

    final Vocab vocab;
    private volatile byte[][] pieces; // [n] bytes each token contributes to decoded text, built on first use

    VocabTokenizer(Vocab vocab) {
        this.vocab = vocab;
    }

    /** Tokenizes raw text that holds no special tokens. {@code afterSpecial}: at the start, or after a token. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** The decoded bytes of a NORMAL token. */
    abstract byte[] normalPiece(String text);

    /** Whether decode drops the space the tokenizer's dummy prefix added (SentencePiece). */
    boolean stripsDummyPrefix() {
        return false;
    }

    /** Tokens added before the text when {@code addSpecial}. */
    void addPrefix(IntList out) {
        if (vocab.addBos) out.add(vocab.bos);
    }

    /** Tokens added after the text when {@code addSpecial}. */
    void addSuffix(IntList out) {
        if (vocab.addEos) out.add(vocab.eos);
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        IntList out = new IntList(Math.max(16, text.length() / 3));
        if (addSpecial) addPrefix(out);
        boolean afterSpecial = true;
        List<SpecialTokenSplitter.Fragment> fragments = SpecialTokenSplitter.split(vocab, text, parseSpecial);
        for (SpecialTokenSplitter.Fragment f : fragments) {
            if (f.isText()) {
                encodeText(text.substring(f.start(), f.end()), afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(f.token());
                afterSpecial = true;
            }
        }
        if (addSpecial) addSuffix(out);
        return out.toArray();
    }

    @Override
    public String tokenText(int id) {
        return vocab.texts[vocab.checkId(id)];
    }

    @Override
    public byte[] tokenBytes(int id) {
        return pieces()[vocab.checkId(id)].clone();
    }

    byte[] piece(int id) {
        return pieces()[vocab.checkId(id)];
    }

    private byte[][] pieces() {
        byte[][] p = pieces;
        if (p == null) {
            p = new byte[vocab.size()][];
            for (int i = 0; i < p.length; i++) p[i] = computePiece(i);
            pieces = p; // two threads may both build it: same contents, published whole through the volatile
        }
        return p;
    }

    /** llama.cpp's token_to_piece with special = false. */
    private byte[] computePiece(int id) {
        String text = vocab.texts[id];
        if (vocab.has(id, Vocab.ATTR_CONTROL | Vocab.ATTR_UNKNOWN)) return EMPTY;
        if (vocab.has(id, Vocab.ATTR_USER_DEFINED)) return Unicode.utf8(text);
        if (vocab.has(id, Vocab.ATTR_NORMAL)) return normalPiece(text);
        if (vocab.has(id, Vocab.ATTR_BYTE)) {
            int b = parseByteToken(text);
            return b >= 0 ? new byte[] {(byte) b} : Unicode.utf8(text);
        }
        return EMPTY; // unused / undefined types are suppressed like control tokens
    }

    /** The byte of a {@code <0xAB>} token, or -1 if {@code text} is not one. */
    static int parseByteToken(String text) {
        if (text.length() != 6 || !text.startsWith("<0x") || text.charAt(5) != '>') return -1;
        int hi = Character.digit(text.charAt(3), 16), lo = Character.digit(text.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean strip = stripsDummyPrefix();
        for (int id : ids) {
            byte[] p = piece(id);
            if (p.length == 0) continue;
            int skip = strip && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            strip = false;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override public int vocabSize() { return vocab.size(); }
    @Override public int bosId() { return vocab.bos; }
    @Override public int eosId() { return vocab.eos; }
    @Override public boolean addBos() { return vocab.addBos; }
    @Override public boolean addEos() { return vocab.addEos; }
    @Override public String chatTemplate() { return vocab.chatTemplate; }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < vocab.size() && vocab.eog[id];
    }

    @Override
    public boolean isControl(int id) {
        return id >= 0 && id < vocab.size() && vocab.has(id, Vocab.ATTR_CONTROL);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + vocab + "]";
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) {
            a = new int[Math.max(1, capacity)];
        }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(int[] vs) {
            for (int v : vs) add(v);
        }

        int size() { return n; }

        int get(int i) { return a[i]; }

        void truncate(int size) { n = size; }

        int[] toArray() { return Arrays.copyOf(a, n); }
    }
}
