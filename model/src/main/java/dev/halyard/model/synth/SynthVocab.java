package dev.halyard.model.synth;

import dev.halyard.model.gguf.GgufValue;
import dev.halyard.model.gguf.GgufValueType;
import dev.halyard.model.gguf.GgufWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A made-up but valid tokenizer vocabulary, written as the {@code tokenizer.ggml.*} metadata llama.cpp
 * needs to load a model.
 *
 * <ul>
 * <li>{@link Kind#SPM} (tokenizer.ggml.model "llama"): {@code <unk>}, {@code <s>}, {@code </s>}, the 256
 *     byte tokens {@code <0x00>}..{@code <0xFF>}, then pieces "▁a", "a", "▁ab"… with descending scores.
 * <li>{@link Kind#GPT2} (byte-level BPE, pre-tokenizer "gpt-2"): the 256 byte symbols of GPT-2's
 *     byte-to-unicode map, then merged symbols (each with its merge rule), and
 *     {@code <|endoftext|>} as the last token (BOS = EOS).
 * </ul>
 */
public final class SynthVocab {
    private SynthVocab() {}

    public enum Kind { SPM, GPT2 }

    /** A vocabulary kind and its size (tokens = rows of the embedding). */
    public record Spec(Kind kind, int size) {
        public Spec {
            if (kind == null) throw new IllegalArgumentException("kind must not be null");
            int min = kind == Kind.SPM ? 260 : 258;
            if (size < min || size > 1 << 22) throw new IllegalArgumentException("vocab size for " + kind + " must be in [" + min + ", " + (1 << 22) + "], got " + size);
        }
    }

    // token types as llama.cpp numbers them
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, BYTE = 6;

    /**
     * Adds the tokenizer metadata for {@code spec} to {@code w}. {@code extraControl} tokens take the
     * last ids of an SPM vocabulary (llama.cpp requires {@code <|endoftext|>} in models named Phi-3).
     */
    public static void write(Spec spec, List<String> extraControl, GgufWriter w) {
        switch (spec.kind()) {
            case SPM -> writeSpm(spec.size(), extraControl, w);
            case GPT2 -> writeGpt2(spec.size(), w);
        }
    }

    private static void writeSpm(int size, List<String> extraControl, GgufWriter w) {
        if (size - extraControl.size() < 260) throw new IllegalArgumentException("vocab size " + size + " leaves no room for " + extraControl.size() + " extra tokens");
        String[] tokens = new String[size];
        float[] scores = new float[size];
        long[] types = new long[size];
        tokens[0] = "<unk>"; types[0] = UNKNOWN;
        tokens[1] = "<s>"; types[1] = CONTROL;
        tokens[2] = "</s>"; types[2] = CONTROL;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = BYTE;
        }
        List<String> pieces = pieces(size - 259, "abcdefghijklmnopqrstuvwxyz", "\u2581");
        for (int i = 0; i < pieces.size(); i++) {
            tokens[259 + i] = pieces.get(i);
            scores[259 + i] = -i;
            types[259 + i] = NORMAL;
        }
        for (int i = 0; i < extraControl.size(); i++) {
            int id = size - extraControl.size() + i;
            tokens[id] = extraControl.get(i);
            scores[id] = 0;
            types[id] = CONTROL;
        }
        w.put("tokenizer.ggml.model", GgufValue.string("llama"));
        w.put("tokenizer.ggml.tokens", strings(tokens));
        w.put("tokenizer.ggml.scores", GgufValue.array(new GgufValue.GgufArray(GgufValueType.FLOAT32, scores)));
        w.put("tokenizer.ggml.token_type", GgufValue.array(new GgufValue.GgufArray(GgufValueType.INT32, types)));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.u32(1));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.u32(2));
        w.put("tokenizer.ggml.unknown_token_id", GgufValue.u32(0));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        w.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
    }

    /**
     * {@code n} distinct pieces built from {@code letters}: each letter with and without the
     * word-start marker, then two letters, three letters… (shortest first).
     */
    private static List<String> pieces(int n, String letters, String wordStart) {
        Set<String> out = new LinkedHashSet<>();
        List<String> level = new ArrayList<>();
        for (char c : letters.toCharArray()) level.add(String.valueOf(c));
        while (out.size() < n) {
            for (String s : level) {
                if (out.size() < n) out.add(wordStart + s);
                if (out.size() < n) out.add(s);
            }
            List<String> next = new ArrayList<>();
            for (String s : level) for (char c : letters.toCharArray()) next.add(s + c);
            level = next;
        }
        return new ArrayList<>(out);
    }

    private static void writeGpt2(int size, GgufWriter w) {
        String[] bytes = byteSymbols();
        List<String> tokens = new ArrayList<>(size);
        List<String> merges = new ArrayList<>();
        for (String b : bytes) tokens.add(b);
        // merged symbols, shortest first: 'Ġ' (space) or a letter, extended one letter per merge "left right"
        String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        List<String> level = new ArrayList<>();
        level.add(bytes[' ']);
        for (char c : letters.toCharArray()) level.add(String.valueOf(c));
        int want = size - 1;
        while (tokens.size() < want) {
            List<String> next = new ArrayList<>();
            for (String left : level) {
                for (char c : letters.toCharArray()) {
                    if (tokens.size() >= want) break;
                    String t = left + c;
                    tokens.add(t);
                    merges.add(left + " " + c);
                    next.add(t);
                }
            }
            level = next;
        }
        tokens.add("<|endoftext|>");
        long[] types = new long[size];
        for (int i = 0; i < size; i++) types[i] = NORMAL;
        types[size - 1] = CONTROL;
        w.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        w.put("tokenizer.ggml.pre", GgufValue.string("gpt-2"));
        w.put("tokenizer.ggml.tokens", strings(tokens.toArray(String[]::new)));
        w.put("tokenizer.ggml.token_type", GgufValue.array(new GgufValue.GgufArray(GgufValueType.INT32, types)));
        w.put("tokenizer.ggml.merges", strings(merges.toArray(String[]::new)));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.u32(size - 1));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.u32(size - 1));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.bool(false));
    }

    /** GPT-2's byte-to-unicode table: printable bytes map to themselves, the rest to U+0100 upwards. */
    static String[] byteSymbols() {
        String[] out = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? String.valueOf((char) b) : String.valueOf((char) (256 + n++));
        }
        return out;
    }

    private static GgufValue strings(String[] s) {
        return GgufValue.array(new GgufValue.GgufArray(GgufValueType.STRING, s));
    }
}
