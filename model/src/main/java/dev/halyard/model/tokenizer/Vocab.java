package dev.halyard.model.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A vocabulary shared by every tokenizer type: token texts, scores and attributes, the special token
 * ids, and what llama.cpp's {@code llama_vocab::impl::load} derives from them — EOT/EOM/FIM tokens
 * found by their text (and forced to CONTROL), the end-of-generation set, and the special tokens that
 * are split out of text before tokenizing, longest first.
 */
final class Vocab {

    // token attributes, as llama.cpp's llama_token_attr bits
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;

    /** GGUF {@code tokenizer.ggml.token_type} value (1 normal .. 6 byte) -> attribute bits. */
    static int attrOfTokenType(long type) {
        return switch ((int) type) {
            case 1 -> ATTR_NORMAL;
            case 2 -> ATTR_UNKNOWN;
            case 3 -> ATTR_CONTROL;
            case 4 -> ATTR_USER_DEFINED;
            case 5 -> ATTR_UNUSED;
            case 6 -> ATTR_BYTE;
            default -> 0; // undefined: decodes to nothing, like llama.cpp
        };
    }

    /** Special token ids read from metadata; -1 where absent. */
    record SpecialIds(int bos, int eos, int unk, int sep, int pad, int eot, int eom) {}

    private static final Set<String> EOT_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final Set<String> FIM_TEXTS = Set.of(
            "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>",
            "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>",
            "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>");
    // FIM pad / repo / file separator: llama.cpp stops generation on these too
    private static final Set<String> FIM_EOG_TEXTS = Set.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
            "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>");
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
            "<|end_of_text|>", "<end_of_utterance>", "<｜end▁of▁sentence｜>");

    final String[] texts;                  // [n] token text as stored (▁ for spaces in SPM/WPM, byte-level chars in BPE)
    final float[] scores;                  // [n] SentencePiece merge scores (0 when absent)
    final int[] attrs;                     // [n] ATTR_* bits
    final Map<String, Integer> ids;        // text -> id
    final int maxTokenLength;              // longest token text, in chars
    final int bos, eos, unk, sep, pad, eot, eom;
    final boolean addBos, addEos;
    final String chatTemplate;             // or null
    final boolean[] eog;                   // [n] ends generation
    final int[] specialTokens;             // ids split out of text before tokenizing, longest text first

    /**
     * @param texts  token texts; empty ones become "[EMPTY_i]" as in llama.cpp
     * @param attrs  attribute bits per token; adjusted here (control marking, unused, strip)
     * @param rstripSpecials true for Phi-3, whose special tokens swallow the whitespace after them
     */
    Vocab(String[] texts, float[] scores, int[] attrs, SpecialIds specials, boolean addBos, boolean addEos,
          String chatTemplate, boolean rstripSpecials, String sourceKey) {
        int n = texts.length;
        if (n == 0) throw new IllegalArgumentException("invalid vocabulary: " + sourceKey + " is empty");
        if (scores.length != n || attrs.length != n)
            throw new IllegalArgumentException("invalid vocabulary: " + n + " tokens but " + scores.length + " scores and " + attrs.length + " attributes");
        this.texts = texts;
        this.scores = scores;
        this.attrs = attrs;
        this.ids = new HashMap<>(n * 2);
        int maxLen = 0;
        for (int i = 0; i < n; i++) {
            if (texts[i] == null || texts[i].isEmpty()) texts[i] = "[EMPTY_" + i + "]";
            Integer prev = ids.putIfAbsent(texts[i], i);
            if (prev != null)
                throw new IllegalArgumentException("invalid vocabulary: duplicate token '" + texts[i] + "' in " + sourceKey + " has ids " + prev + " and " + i);
            maxLen = Math.max(maxLen, texts[i].length());
        }
        this.maxTokenLength = maxLen;
        this.bos = inRange(specials.bos());
        this.eos = inRange(specials.eos());
        this.unk = inRange(specials.unk());
        this.sep = inRange(specials.sep());
        this.pad = inRange(specials.pad());
        this.addBos = addBos;
        this.addEos = addEos;
        this.chatTemplate = chatTemplate;
        if (addBos && bos < 0) throw new IllegalArgumentException("invalid vocabulary: add_bos_token is true, but there is no BOS token");
        if (addEos && eos < 0) throw new IllegalArgumentException("invalid vocabulary: add_eos_token is true, but there is no EOS token");

        // tokens recognised by their text are control tokens, whatever the file says
        int eotId = inRange(specials.eot());
        int eomId = inRange(specials.eom());
        this.eog = new boolean[n];
        for (int i = 0; i < n; i++) {
            String t = texts[i];
            boolean isEot = eotId < 0 && EOT_TEXTS.contains(t);
            boolean isEom = eomId < 0 && t.equals("<|eom_id|>");
            if (isEot) eotId = i;
            if (isEom) eomId = i;
            if (isEot || isEom || FIM_TEXTS.contains(t) || FIM_EOG_TEXTS.contains(t) || EOG_TEXTS.contains(t)) attrs[i] |= ATTR_CONTROL;
            if ((attrs[i] & ATTR_CONTROL) != 0 && t.contains("unused")) attrs[i] |= ATTR_UNUSED;
            if (FIM_EOG_TEXTS.contains(t) || EOG_TEXTS.contains(t)) eog[i] = true;
        }
        this.eot = eotId;
        this.eom = eomId;
        for (int id : new int[] {eos, eot, eom}) if (id >= 0) eog[id] = true;
        // o200k_harmony: with <|return|> and <|call|> present, <|end|> only ends a message, not generation
        Integer end = ids.get("<|end|>");
        if (end != null && eog[end] && isEog("<|return|>") && isEog("<|call|>")) {
            eog[end] = false;
            attrs[end] = ATTR_USER_DEFINED;
        }

        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0) special.add(i);
        }
        special.sort(Comparator.comparingInt((Integer i) -> -texts[i].length()).thenComparingInt(i -> i));
        this.specialTokens = special.stream().mapToInt(Integer::intValue).toArray();
        if (rstripSpecials) {
            for (int id : specialTokens) attrs[id] |= ATTR_RSTRIP;
            setStrip("</s>", true);
            for (String t : new String[] {"<unk>", "<s>", "<|endoftext|>"}) setStrip(t, false);
        }
    }

    private boolean isEog(String text) {
        Integer id = ids.get(text);
        return id != null && eog[id];
    }

    private void setStrip(String text, boolean on) {
        Integer id = ids.get(text);
        if (id != null) attrs[id] = on ? attrs[id] | ATTR_RSTRIP : attrs[id] & ~ATTR_RSTRIP;
    }

    private int inRange(int id) {
        return id >= 0 && id < texts.length ? id : -1;
    }

    int size() {
        return texts.length;
    }

    /** The id of {@code text}, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    boolean has(int id, int attr) {
        return (attrs[id] & attr) != 0;
    }

    int checkId(int id) {
        if (id < 0 || id >= texts.length)
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + texts.length + ")");
        return id;
    }

    @Override
    public String toString() {
        return "Vocab[" + texts.length + " tokens, bos=" + bos + ", eos=" + eos + ", eog=" + Arrays.toString(
                java.util.stream.IntStream.range(0, eog.length).filter(i -> eog[i]).toArray()) + "]";
    }
}
