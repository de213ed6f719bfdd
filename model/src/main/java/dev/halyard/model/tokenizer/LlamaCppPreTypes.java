package dev.halyard.model.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The BPE pre-tokenizers llama.cpp knows by {@code tokenizer.ggml.pre}: the regexes it splits text
 * with, and the flags the name implies (from {@code llm_tokenizer_bpe} and {@code llama_vocab::impl::load}).
 */
final class LlamaCppPreTypes {
    private LlamaCppPreTypes() {}

    /**
     * @param ignoreMerges a word that is already a token is not merged (Llama 3, Tekken)
     * @param addBos       BOS is added by default (the file's add_bos_token still overrides)
     * @param noBos        the vocabulary has no BOS (ChatGLM)
     */
    record PreType(String name, List<String> regexes, boolean ignoreMerges, boolean addBos, boolean noBos) {}

    private static final String LLAMA3 = PreTokenizer.LLAMA3_REGEX;
    private static final String GPT2 = PreTokenizer.GPT2_REGEX;
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final List<String> DEFAULT = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final List<String> DEEPSEEK_LLM = List.of(
            "[\r\n]",
            ("\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF"
                    + "\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5"
                    + "\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA"
                    + "\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45"
                    + "\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-"
                    + "\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107"
                    + "\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F"
                    + "\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D"
                    + "\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17"
                    + "\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801"
                    + "\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-"
                    + "\uD83A\uDD43]+"),
            "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
            "\\s+$",
            "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
            "\\p{N}+");
    private static final List<String> DEEPSEEK_CODER = List.of(
            "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+", "\\p{N}");
    private static final List<String> DEEPSEEK_V3 = List.of(
            "\\p{N}{1,3}",
            "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+");
    private static final List<String> FALCON = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
    private static final List<String> STARCODER = List.of("\\p{N}", GPT2);
    private static final List<String> GPT4O = List.of(
            "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    private static final List<String> TEKKEN = List.of(
            "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    private static final List<String> PORO = List.of(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+");
    private static final List<String> VIKING = List.of(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+", "\\p{N}");
    private static final List<String> SEED_CODER = List.of(
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    private static final Map<String, PreType> BY_NAME = new LinkedHashMap<>();

    private static void add(List<String> regexes, boolean ignoreMerges, boolean addBos, boolean noBos, String... names) {
        for (String n : names) BY_NAME.put(n, new PreType(n, regexes, ignoreMerges, addBos, noBos));
    }

    static {
        add(DEFAULT, false, false, false, "default");
        add(List.of(LLAMA3), true, true, false, "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2");
        add(List.of(LLAMA3), false, false, false, "dbrx", "smaug-bpe");
        add(List.of(LLAMA3), false, false, true, "chatglm-bpe", "glm4");
        add(DEEPSEEK_LLM, false, false, false, "deepseek-llm");
        add(DEEPSEEK_CODER, false, false, false, "deepseek-coder");
        add(DEEPSEEK_V3, false, false, false, "deepseek-v3");
        add(FALCON, false, false, false, "falcon");
        add(STARCODER, false, false, false, "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b");
        add(List.of(GPT2), false, false, false, "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4", "a.x-4.0", "mellum", "modern-bert",
                "jina-v1-en", "jina-v2-code", "roberta-bpe");
        add(List.of(QWEN2), false, false, false, "qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "megrez");
        add(GPT4O, false, false, false, "gpt-4o", "llama4");
        add(TEKKEN, true, true, false, "tekken");
        add(PORO, false, false, false, "poro-chat", "bloom", "gpt3-finnish");
        add(VIKING, false, false, false, "viking");
        add(SEED_CODER, false, false, false, "seed-coder");
    }

    /** The pre-tokenizer named {@code name} ("default" when null or empty). */
    static PreType get(String name) {
        PreType t = BY_NAME.get(name == null || name.isEmpty() ? "default" : name);
        if (t == null)
            throw new IllegalArgumentException("unknown pre-tokenizer tokenizer.ggml.pre = '" + name + "'; supported: " + new TreeSet<>(BY_NAME.keySet()));
        return t;
    }
}
