package dev.halyard.model.tokenizer;

import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufFormatException;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Builds a tokenizer from the {@code tokenizer.*} metadata of a GGUF file, with llama.cpp's defaults
 * per tokenizer model. Metadata is untrusted: a missing token list, arrays shorter than it, malformed
 * merges or values of the wrong type fail with an {@link IllegalArgumentException} naming the key.
 */
final class GgufTokenizerLoader {
    private GgufTokenizerLoader() {}

    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String MERGES = "tokenizer.ggml.merges";

    static Tokenizer load(GgufFile gguf) {
        String model = get(() -> gguf.getString(MODEL, null));
        if (model == null) throw new IllegalArgumentException("invalid tokenizer: metadata key '" + MODEL + "' is missing");
        if (!model.equals("llama") && !model.equals("gpt2") && !model.equals("bert"))
            throw new IllegalArgumentException("unsupported tokenizer: " + MODEL + " = '" + model
                    + "'; supported: 'llama' (SentencePiece), 'gpt2' (byte-level BPE), 'bert' (WordPiece)");

        String[] tokens = get(() -> gguf.getStringArray(TOKENS));
        if (tokens == null) throw new IllegalArgumentException("invalid tokenizer: metadata key '" + TOKENS + "' is missing");
        int n = tokens.length;
        float[] scores = new float[n];
        if (gguf.has(SCORES)) {
            float[] s = get(() -> isIntArray(gguf, SCORES) ? toFloats(gguf.getIntArray(SCORES)) : gguf.getFloatArray(SCORES));
            if (s.length < n) throw new IllegalArgumentException("invalid tokenizer: " + SCORES + " has " + s.length + " entries but " + TOKENS + " has " + n);
            System.arraycopy(s, 0, scores, 0, n);
        }
        int[] attrs = new int[n];
        java.util.Arrays.fill(attrs, Vocab.ATTR_NORMAL);
        if (gguf.has(TOKEN_TYPE)) {
            long[] types = get(() -> gguf.getIntArray(TOKEN_TYPE));
            if (types.length < n) throw new IllegalArgumentException("invalid tokenizer: " + TOKEN_TYPE + " has " + types.length + " entries but " + TOKENS + " has " + n);
            for (int i = 0; i < n; i++) attrs[i] = Vocab.attrOfTokenType(types[i]);
        }

        LlamaCppPreTypes.PreType pre = model.equals("gpt2") ? LlamaCppPreTypes.get(get(() -> gguf.getString(PRE, null))) : null;
        // llama.cpp's defaults per model, then the file's values
        int bos = switch (model) { case "llama" -> 1; case "bert" -> 101; default -> pre.noBos() ? -1 : 11; };
        int eos = switch (model) { case "llama" -> 2; case "bert" -> -1; default -> 11; };
        int unk = switch (model) { case "llama" -> 0; case "bert" -> 100; default -> -1; };
        int sep = model.equals("bert") ? 102 : -1;
        int pad = model.equals("bert") ? 0 : -1;
        if (model.equals("bert")) bos = id(gguf, "tokenizer.ggml.cls_token_id", bos, n);
        Vocab.SpecialIds specials = new Vocab.SpecialIds(
                id(gguf, "tokenizer.ggml.bos_token_id", bos, n),
                id(gguf, "tokenizer.ggml.eos_token_id", eos, n),
                id(gguf, "tokenizer.ggml.unknown_token_id", unk, n),
                id(gguf, "tokenizer.ggml.seperator_token_id", sep, n),
                id(gguf, "tokenizer.ggml.padding_token_id", pad, n),
                id(gguf, "tokenizer.ggml.eot_token_id", -1, n),
                id(gguf, "tokenizer.ggml.eom_token_id", -1, n));
        boolean addBos = get(() -> gguf.getBool("tokenizer.ggml.add_bos_token", model.equals("gpt2") ? pre.addBos() : true));
        boolean addEos = get(() -> gguf.getBool("tokenizer.ggml.add_eos_token", false));
        String template = get(() -> gguf.getString("tokenizer.chat_template", null));
        String name = get(() -> gguf.getString("general.name", "")).toLowerCase(Locale.ROOT);
        boolean phi3 = name.contains("phi-3") || name.contains("phi3");
        Vocab vocab = new Vocab(tokens, scores, attrs, specials, addBos, addEos, template, phi3, TOKENS);

        return switch (model) {
            case "llama" -> new SentencePieceTokenizer(vocab, get(() -> gguf.getBool("tokenizer.ggml.add_space_prefix", true)));
            case "bert" -> {
                boolean lowercase = get(() -> gguf.getBool("tokenizer.ggml.normalizer.lowercase", true));
                boolean strip = get(() -> gguf.getBool("tokenizer.ggml.normalizer.strip_accents", lowercase));
                yield new WordPieceTokenizer(vocab, lowercase, strip);
            }
            default -> new BpeTokenizer(vocab, merges(gguf), MERGES, PreTokenizer.llamaCpp(pre.regexes()),
                    pre.ignoreMerges(), UnaryOperator.identity());
        };
    }

    /** Merge rules "left right", split at the first space after the first character as llama.cpp does. */
    private static String[][] merges(GgufFile gguf) {
        String[] lines = get(() -> gguf.getStringArray(MERGES));
        if (lines == null) throw new IllegalArgumentException("invalid tokenizer: metadata key '" + MERGES + "' is missing (byte-level BPE needs merges)");
        String[][] pairs = new String[lines.length][];
        for (int i = 0; i < lines.length; i++) {
            int space = lines[i].indexOf(' ', 1);
            if (space < 0) throw new IllegalArgumentException("invalid tokenizer: " + MERGES + "[" + i + "] = '" + lines[i] + "' is not 'left right'");
            pairs[i] = new String[] {lines[i].substring(0, space), lines[i].substring(space + 1)};
        }
        return pairs;
    }

    /** A special token id from metadata; out-of-range values keep the default, as llama.cpp (which warns). */
    private static int id(GgufFile gguf, String key, int fallback, int n) {
        long v = get(() -> gguf.getLong(key, fallback));
        return v >= 0 && v < n ? (int) v : (fallback < n ? fallback : -1);
    }

    private static boolean isIntArray(GgufFile gguf, String key) {
        return gguf.metadata().get(key).value() instanceof dev.halyard.model.gguf.GgufValue.GgufArray a && a.values() instanceof long[];
    }

    private static float[] toFloats(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }

    /** Runs a metadata accessor, turning its type errors (which name the key) into IllegalArgumentException. */
    private static <T> T get(Supplier<T> accessor) {
        try {
            return accessor.get();
        } catch (GgufFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
