package dev.halyard.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * BERT's WordPiece as llama.cpp's {@code llm_tokenizer_wpm}: text is lower-cased and its accents
 * stripped (each code point replaced by the first of its NFD decomposition, combining marks dropped),
 * split at whitespace, around punctuation, ASCII symbols and CJK ideographs; each word, prefixed with
 * '▁', is cut greedily into the longest tokens (GGUF stores "##x" continuations as plain "x" and word
 * starts as "▁x"). A word that cannot be cut completely becomes [UNK].
 */
final class WordPieceTokenizer extends VocabTokenizer {
    private static final String PHANTOM_SPACE = "\u2581";

    private final boolean lowercase;    // tokenizer.ggml.normalizer.lowercase
    private final boolean stripAccents; // tokenizer.ggml.normalizer.strip_accents

    WordPieceTokenizer(Vocab vocab, boolean lowercase, boolean stripAccents) {
        super(vocab);
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    @Override
    void addPrefix(IntList out) {
        if (vocab.bos < 0) throw new IllegalStateException("vocabulary has no [CLS] (BOS) token to add");
        out.add(vocab.bos);
    }

    @Override
    void addSuffix(IntList out) {
        if (vocab.sep < 0) throw new IllegalStateException("vocabulary has no [SEP] token to add");
        out.add(vocab.sep);
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : preprocess(text)) {
            String w = PHANTOM_SPACE + word;
            int start = out.size();
            for (int i = 0; i < w.length(); ) {
                int j = Math.min(w.length(), i + vocab.maxTokenLength);
                int id = -1;
                for (; j > i; j--) {
                    if (j < w.length() && Character.isLowSurrogate(w.charAt(j))) continue; // never split a pair
                    id = vocab.id(w.substring(i, j));
                    if (id >= 0) break;
                }
                if (id < 0) { // no token starts here: the whole word is unknown
                    out.truncate(start);
                    break;
                }
                out.add(id);
                i = j;
            }
            if (out.size() == start) {
                if (vocab.unk < 0) throw new IllegalStateException("vocabulary has no [UNK] token for the word '" + word + "'");
                out.add(vocab.unk);
            }
        }
    }

    /** Normalized words: llama.cpp's {@code llm_tokenizer_wpm_session::preprocess}. */
    List<String> preprocess(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int cp : Unicode.codePoints(text)) {
            if (stripAccents) cp = Unicode.nfdFirst(cp);
            if (Unicode.isWhitespace(cp)) {
                flush(word, words);
                continue;
            }
            int cat = Unicode.category(cp);
            if (cp == 0 || cp == 0xFFFD || cat == Unicode.CONTROL) continue;
            if (stripAccents && cat == Unicode.MARK) continue;
            int c = lowercase ? Unicode.toLower(cp) : cp;
            if (cat == Unicode.PUNCTUATION || (cp < 0x7F && cat == Unicode.SYMBOL) || isChinese(cp)) {
                flush(word, words);
                words.add(Character.toString(c)); // a word of its own
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) words.add(word.toString());
        word.setLength(0);
    }

    /** CJK ideograph blocks, as llama.cpp (and Hugging Face's BertPreTokenizer) list them. */
    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    @Override
    byte[] normalPiece(String text) {
        return Unicode.utf8(text.replace('\u2581', ' '));
    }
}
