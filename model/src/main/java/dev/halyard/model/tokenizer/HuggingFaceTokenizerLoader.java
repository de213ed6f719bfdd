package dev.halyard.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Reads a Hugging Face {@code tokenizer.json} with a byte-level BPE model (GPT-2, Llama 3, Qwen):
 * {@code model.vocab} and {@code model.merges}, {@code added_tokens} (special ones become control
 * tokens, the others user-defined, as llama.cpp's converter marks them), an NFC normalizer, and a
 * pre-tokenizer of {@code Split} regexes (Isolated) and {@code ByteLevel}. {@code tokenizer_config.json}
 * beside it, if present, gives BOS/EOS, add_bos_token/add_eos_token and the chat template.
 */
final class HuggingFaceTokenizerLoader {
    private HuggingFaceTokenizerLoader() {}

    private static final int MAX_VOCAB = 1 << 24; // ids above this are surely corrupt
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a tokenizer.json describes, before it becomes a tokenizer (tests rebuild it with other pre-tokenizers). */
    record Parts(Vocab vocab, String[][] merges, List<String> splitRegexes, boolean addPrefixSpace,
                 boolean ignoreMerges, boolean nfc) {}

    static Tokenizer load(Path tokenizerJson) {
        Parts p = parts(tokenizerJson);
        UnaryOperator<String> normalizer = p.nfc ? s -> Normalizer.normalize(s, Normalizer.Form.NFC) : UnaryOperator.identity();
        if (p.addPrefixSpace) normalizer = prefixSpace(normalizer);
        return new BpeTokenizer(p.vocab, p.merges, "model.merges", PreTokenizer.unicode(p.splitRegexes), p.ignoreMerges, normalizer);
    }

    private static UnaryOperator<String> prefixSpace(UnaryOperator<String> then) {
        return s -> {
            String t = then.apply(s);
            return t.startsWith(" ") ? t : " " + t;
        };
    }

    static Parts parts(Path tokenizerJson) {
        JsonNode root = readJson(tokenizerJson);
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText(null)))
            throw bad(tokenizerJson, "model.type is '" + model.path("type").asText("(missing)") + "'; only BPE is supported");
        if (model.path("byte_fallback").asBoolean(false))
            throw bad(tokenizerJson, "model.byte_fallback is true (SentencePiece-style BPE); only byte-level BPE is supported");

        // vocabulary: model.vocab plus added_tokens
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) throw bad(tokenizerJson, "model.vocab is missing or empty");
        int size = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            size = Math.max(size, checkedId(tokenizerJson, "model.vocab['" + e.getKey() + "']", e.getValue()) + 1);
        }
        JsonNode added = root.path("added_tokens");
        for (JsonNode t : added) size = Math.max(size, checkedId(tokenizerJson, "added_tokens id", t.path("id")) + 1);
        String[] texts = new String[size];
        int[] attrs = new int[size];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            if (texts[id] != null) throw bad(tokenizerJson, "model.vocab gives id " + id + " to both '" + texts[id] + "' and '" + e.getKey() + "'");
            texts[id] = e.getKey();
            attrs[id] = Vocab.ATTR_NORMAL;
        }
        for (JsonNode t : added) {
            int id = t.path("id").asInt();
            String content = t.path("content").asText(null);
            if (content == null || content.isEmpty()) throw bad(tokenizerJson, "added_tokens entry with id " + id + " has no content");
            if (texts[id] != null && !texts[id].equals(content))
                throw bad(tokenizerJson, "added_tokens gives id " + id + " to '" + content + "' but model.vocab has '" + texts[id] + "'");
            texts[id] = content;
            attrs[id] = t.path("special").asBoolean(false) || looksSpecial(content) ? Vocab.ATTR_CONTROL : Vocab.ATTR_USER_DEFINED;
        }
        for (int i = 0; i < size; i++) {
            if (texts[i] == null) { // a hole in the ids: llama.cpp's converter pads with unused tokens
                texts[i] = "[PAD" + i + "]";
                attrs[i] = Vocab.ATTR_UNUSED;
            }
        }

        // merges: ["a b", ...] or [["a", "b"], ...]
        JsonNode mergesNode = model.path("merges");
        if (!mergesNode.isArray()) throw bad(tokenizerJson, "model.merges is missing");
        String[][] merges = new String[mergesNode.size()][];
        for (int i = 0; i < merges.length; i++) {
            JsonNode m = mergesNode.get(i);
            if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                merges[i] = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else if (m.isTextual() && m.asText().indexOf(' ', 1) > 0) {
                int sp = m.asText().indexOf(' ', 1);
                merges[i] = new String[] {m.asText().substring(0, sp), m.asText().substring(sp + 1)};
            } else {
                throw bad(tokenizerJson, "model.merges[" + i + "] = " + m + " is not 'left right' or [left, right]");
            }
        }

        boolean nfc = normalizerIsNfc(tokenizerJson, root.path("normalizer"));
        List<String> regexes = new ArrayList<>();
        boolean[] prefixSpace = new boolean[1];
        preTokenizer(tokenizerJson, root.path("pre_tokenizer"), regexes, prefixSpace);

        // tokenizer_config.json: BOS/EOS, whether to add them, chat template
        Path configPath = tokenizerJson.resolveSibling("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configPath) ? readJson(configPath) : JSON.createObjectNode();
        Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < size; i++) ids.putIfAbsent(texts[i], i);
        int bos = tokenId(config.path("bos_token"), ids);
        int eos = tokenId(config.path("eos_token"), ids);
        int unk = tokenId(config.path("unk_token"), ids);
        int pad = tokenId(config.path("pad_token"), ids);
        JsonNode post = root.path("post_processor");
        boolean addBos = config.has("add_bos_token") ? config.path("add_bos_token").asBoolean()
                : post.path("type").asText("").equals("TemplateProcessing") ? templateStartsWithSpecial(post) : bos >= 0;
        boolean addEos = config.has("add_eos_token") && config.path("add_eos_token").asBoolean();
        Vocab vocab = new Vocab(texts, new float[size], attrs, new Vocab.SpecialIds(bos, eos, unk, -1, pad, -1, -1),
                addBos, addEos, chatTemplate(config.path("chat_template")), false, "model.vocab");
        return new Parts(vocab, merges, List.copyOf(regexes), prefixSpace[0], model.path("ignore_merges").asBoolean(false), nfc);
    }

    private static boolean normalizerIsNfc(Path file, JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return false;
        String type = n.path("type").asText("");
        if (type.equals("NFC")) return true;
        if (type.equals("Sequence")) {
            boolean nfc = false;
            for (JsonNode c : n.path("normalizers")) nfc |= normalizerIsNfc(file, c);
            return nfc;
        }
        throw bad(file, "normalizer type '" + type + "' is not supported (only NFC)");
    }

    private static void preTokenizer(Path file, JsonNode n, List<String> regexes, boolean[] prefixSpace) {
        if (n.isMissingNode() || n.isNull()) throw bad(file, "pre_tokenizer is missing; byte-level BPE needs ByteLevel");
        switch (n.path("type").asText("")) {
            case "Sequence" -> {
                for (JsonNode c : n.path("pretokenizers")) preTokenizer(file, c, regexes, prefixSpace);
            }
            case "Split" -> {
                String regex = n.path("pattern").path("Regex").asText(null);
                if (regex == null) throw bad(file, "pre_tokenizer Split has no pattern.Regex");
                if (!n.path("behavior").asText("").equals("Isolated") || n.path("invert").asBoolean(false))
                    throw bad(file, "pre_tokenizer Split behavior '" + n.path("behavior").asText() + "' is not supported (only Isolated, not inverted)");
                regexes.add(regex);
            }
            case "ByteLevel" -> {
                prefixSpace[0] = n.path("add_prefix_space").asBoolean(false);
                if (n.path("use_regex").asBoolean(true)) regexes.add(PreTokenizer.GPT2_REGEX + "|\\s+");
            }
            default -> throw bad(file, "pre_tokenizer type '" + n.path("type").asText() + "' is not supported (Sequence, Split, ByteLevel)");
        }
    }

    /** Does a TemplateProcessing's single-sequence template begin with a special token? */
    private static boolean templateStartsWithSpecial(JsonNode post) {
        JsonNode single = post.path("single");
        return single.isArray() && !single.isEmpty() && single.get(0).has("SpecialToken");
    }

    /** An added token that llama.cpp's converter treats as control even when not marked special. */
    private static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || (t.startsWith("<|") && t.endsWith("|>"))
                || (t.startsWith("<｜") && t.endsWith("｜>")) || (t.startsWith("<unused") && t.endsWith(">"));
    }

    /** A token in tokenizer_config.json: a string or {"content": ...}; -1 when absent or unknown. */
    private static int tokenId(JsonNode n, Map<String, Integer> ids) {
        String text = n.isTextual() ? n.asText() : n.path("content").asText(null);
        Integer id = text == null ? null : ids.get(text);
        return id == null ? -1 : id;
    }

    /** A template string, or the "default" (else first) of a list of {name, template}. */
    private static String chatTemplate(JsonNode n) {
        if (n.isTextual()) return n.asText();
        if (!n.isArray() || n.isEmpty()) return null;
        for (JsonNode t : n) if ("default".equals(t.path("name").asText())) return t.path("template").asText(null);
        return n.get(0).path("template").asText(null);
    }

    private static int checkedId(Path file, String what, JsonNode id) {
        if (!id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= MAX_VOCAB)
            throw bad(file, what + " = " + id + " is not a token id in [0, " + MAX_VOCAB + ")");
        return id.asInt();
    }

    private static JsonNode readJson(Path path) {
        try {
            return JSON.readTree(path.toFile());
        } catch (IOException e) {
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j)
                throw new IllegalArgumentException("invalid JSON in " + path + ": " + j.getOriginalMessage(), e);
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static IllegalArgumentException bad(Path file, String message) {
        return new IllegalArgumentException("unsupported or invalid " + file.getFileName() + ": " + message);
    }
}
