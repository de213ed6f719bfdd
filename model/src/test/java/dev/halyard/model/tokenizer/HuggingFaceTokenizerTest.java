package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** tokenizer.json (Qwen3, Llama 3) read with Hugging Face's regex semantics, checked against independent references. */
class HuggingFaceTokenizerTest {

    private static final java.util.Map<String, Tokenizer> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private static Path json(String model) {
        return SharedData.require("tokenizers/" + model + "/tokenizer.json");
    }

    /** Tokenizer.fromHuggingFace, loaded once per model for the whole class. */
    private static Tokenizer hf(String model) {
        Path p = json(model);
        return LOADED.computeIfAbsent(model, m -> Tokenizer.fromHuggingFace(p));
    }

    /** The same vocabulary and merges, pre-tokenized the llama.cpp way for tokenizer.ggml.pre = {@code pre}. */
    private static Tokenizer llamaCppStyle(String model, String pre) {
        HuggingFaceTokenizerLoader.Parts p = HuggingFaceTokenizerLoader.parts(json(model));
        LlamaCppPreTypes.PreType type = LlamaCppPreTypes.get(pre);
        return new BpeTokenizer(p.vocab(), p.merges(), "model.merges", PreTokenizer.llamaCpp(type.regexes()),
                type.ignoreMerges(), UnaryOperator.identity());
    }

    /** Conformance inputs plus paragraphs of Shakespeare: spaces, newlines, digits, CJK, emoji, contractions. */
    private static List<String> texts() throws IOException {
        List<String> texts = new ArrayList<>(VocabConformanceTest.readCases(TestVocabs.path("gpt-2")).keySet());
        String play = Files.readString(SharedData.require("datasets/tinyshakespeare/input.txt"));
        for (int i = 0; i < 60_000; i += 2_000) texts.add(play.substring(i, i + 2_000));
        texts.add("I'M sure they'RE here, ain'T it? 1234567 tabs\t\tand  double  spaces \r\n\r\n end   ");
        return texts;
    }

    @Test
    void qwen3_matches_the_qwen2_pre_tokenizer_over_the_same_vocabulary() throws IOException {
        Tokenizer hf = hf("qwen3");
        Tokenizer cpp = llamaCppStyle("qwen3", "qwen2");
        for (String s : texts()) {
            String nfc = Normalizer.normalize(s, Normalizer.Form.NFC); // Qwen's normalizer; llama.cpp has none
            int[] ids = hf.encode(s, false, false);
            assertArrayEquals(cpp.encode(nfc, false, false), ids, "qwen3: '" + s + "'");
            assertEquals(nfc, hf.decode(ids));
        }
    }

    @Test
    void llama3_matches_the_llama_bpe_pre_tokenizer_over_the_same_vocabulary() throws IOException {
        Tokenizer hf = hf("llama3");
        Tokenizer cpp = llamaCppStyle("llama3", "llama-bpe");
        for (String s : texts()) {
            int[] ids = hf.encode(s, false, false);
            assertArrayEquals(cpp.encode(s, false, false), ids, "llama3: '" + s + "'");
            assertEquals(s, hf.decode(ids));
        }
    }

    @Test
    void hello_world_is_two_tokens() {
        for (String model : new String[] {"qwen3", "llama3"}) {
            Tokenizer t = hf(model);
            int[] ids = t.encode("Hello world", false, false);
            assertEquals(List.of("Hello", "Ġworld"), Arrays.stream(ids).mapToObj(t::tokenText).toList(), model);
        }
        assertArrayEquals(new int[] {9707, 1879}, hf("qwen3").encode("Hello world", false, false));
        assertArrayEquals(new int[] {9906, 1917}, hf("llama3").encode("Hello world", false, false));
    }

    /** Expected ids from llama.cpp's test-tokenizer-0 table for the Llama 3 vocabulary (generated with Hugging Face). */
    @Test
    void llama3_reproduces_llama_cpp_reference_ids() {
        Tokenizer t = hf("llama3");
        Object[][] cases = {
                {" ", new int[] {220}}, {"   ", new int[] {262}}, {"\n\n\n", new int[] {1432}}, {"\t\n", new int[] {1602}},
                {" Hello World!", new int[] {22691, 4435, 0}}, {"    Hello\n    Hello", new int[] {262, 22691, 198, 262, 22691}},
                {"' era", new int[] {6, 11639}}, {"33333333", new int[] {8765, 8765, 1644}},
                {" this is 🦙.cpp", new int[] {420, 374, 11410, 99, 247, 13, 11055}},
                {"нещо на Български", new int[] {79862, 102118, 13373, 64571, 34694, 3114, 112203, 80112}},
                {"Hello, y'all! How are you 😁 ?我想在apple工作1314151天～", new int[] {9906, 11, 379, 65948, 0, 2650, 527, 499,
                        27623, 223, 949, 37046, 101067, 19000, 23182, 102301, 9263, 18136, 16, 36827, 21909}},
        };
        for (Object[] c : cases) assertArrayEquals((int[]) c[1], t.encode((String) c[0], false, false), "'" + c[0] + "'");
    }

    @Test
    void qwen3_special_tokens_parse_only_when_asked_and_user_defined_ones_always() {
        Tokenizer t = hf("qwen3");
        String chat = "<|im_start|>user\nHi<|im_end|>";
        int[] parsed = t.encode(chat, false, true);
        assertEquals(151644, parsed[0]);
        assertEquals(151645, parsed[parsed.length - 1]);
        int[] plain = t.encode(chat, false, false);
        assertFalse(IntStream.of(plain).anyMatch(id -> id == 151644 || id == 151645), "control tokens stay text");
        assertEquals(chat, t.decode(plain));
        assertEquals("user\nHi", t.decode(parsed), "control tokens decode to nothing");
        int[] think = t.encode("<think>x</think>", false, false); // not special in tokenizer.json: user-defined
        assertEquals(151667, think[0]);
        assertEquals(151668, think[think.length - 1]);
        assertEquals("<think>x</think>", t.decode(think));
    }

    @Test
    void qwen3_and_llama3_special_ids_and_end_of_generation() {
        Tokenizer q = hf("qwen3");
        assertEquals(-1, q.bosId());
        assertEquals(151645, q.eosId());
        assertFalse(q.addBos());
        assertTrue(q.isEndOfGeneration(151645) && q.isEndOfGeneration(151643), "<|im_end|>, <|endoftext|>");
        assertFalse(q.isEndOfGeneration(151644));
        assertTrue(q.isControl(151644));
        assertEquals(151669, q.vocabSize());
        assertNotNull(q.chatTemplate());
        assertTrue(q.chatTemplate().contains("<|im_start|>"));

        Tokenizer l = hf("llama3");
        assertEquals(128000, l.bosId());
        assertEquals(128001, l.eosId());
        assertTrue(l.addBos());
        assertArrayEquals(new int[] {128000, 9906, 1917}, l.encode("Hello world", true, false));
        assertArrayEquals(new int[] {128000, 9906}, l.encode("<|begin_of_text|>Hello", false, true));
        assertTrue(l.isEndOfGeneration(128001) && l.isEndOfGeneration(128009), "<|end_of_text|>, <|eot_id|>");
        assertFalse(l.isEndOfGeneration(9906));
        assertEquals(128256, l.vocabSize());
    }
}
