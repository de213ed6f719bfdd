package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The llama.cpp pre-tokenizers split text the way their regexes say, and never lose a character. */
class PreTokenizerTest {

    private static List<String> split(String pre, String text) {
        return PreTokenizer.llamaCpp(LlamaCppPreTypes.get(pre).regexes()).split(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "gpt-2", "llama-bpe", "qwen2", "deepseek-llm", "deepseek-coder", "deepseek-v3",
            "falcon", "starcoder", "refact", "smollm", "gpt-4o", "tekken", "command-r", "chatglm-bpe", "poro-chat",
            "viking", "seed-coder", "stablelm2", "mpt", "olmo", "dbrx"})
    void every_pre_tokenizer_splits_the_conformance_inputs_without_losing_text(String pre) throws IOException {
        for (String s : VocabConformanceTest.readCases(TestVocabs.path("gpt-2")).keySet()) {
            List<String> words = split(pre, s);
            assertEquals(s, String.join("", words), pre);
            assertTrue(words.stream().noneMatch(String::isEmpty), pre + ": empty word in " + words);
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "gpt-2|Hello world's 12345|Hello, world,'s, 12345",
            "llama-bpe|Hello world's 12345|Hello, world,'s, ,123,45",
            "qwen2|I'M 123|I,'M, ,1,2,3",
            "starcoder|abc 123|abc, ,1,2,3",
            "deepseek-v3|1234 ab|123,4, ab",
            "gpt-4o|HelloWorld don't|Hello,World, don't",
            "tekken|HelloWorld|Hello,World",
            "deepseek-llm|Hello 世界 42|Hello, ,世界, ,42",
            "falcon|a+b 1234|a,+,b, ,123,4",
    })
    void splits_as_the_regex_says(String pre, String text, String expected) {
        assertEquals(List.of(expected.split(",", -1)), split(pre, text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "llama-bpe", "qwen2", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon",
            "starcoder", "gpt-4o", "tekken", "seed-coder", "viking"})
    void a_200_thousand_character_word_splits_on_a_small_stack(String pre) throws InterruptedException {
        String[] texts = {"Ab".repeat(100_000), " ".repeat(200_000) + "x", "7".repeat(200_000), "!?".repeat(100_000)};
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                for (String s : texts) assertEquals(s, String.join("", split(pre, s)));
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", 256 * 1024);
        t.start();
        t.join();
        if (failure[0] != null) throw new AssertionError(pre + ": " + failure[0], failure[0]);
    }

    @Test
    void lookahead_letter_classes_become_intersections() {
        assertEquals("[^\\r\\n]?[\u00D2A-Za-z&&[^a-z]]*[\u00D2A-Za-z&&[^A-Z]]+",
                PreTokenizer.flattenLookaheadClasses("[^\\r\\n]?((?=[\u00D2A-Za-z])([^a-z]))*((?=[\u00D2A-Za-z])([^A-Z]))+"));
    }

    @Test
    void collapsed_regex_rewrites_categories_with_their_ascii_members() {
        assertEquals("[\u00D2A-Za-z]+", PreTokenizer.collapseRegex("\\p{L}+"));
        assertEquals("[^\\s\u00D2A-Za-z\u00D10-9]", PreTokenizer.collapseRegex("[^\\s\\p{L}\\p{N}]"));
    }

    @Test
    void unicode_regexes_treat_non_ascii_whitespace_as_space() {
        PreTokenizer p = PreTokenizer.unicode(List.of("\\s+|\\S+"));
        assertEquals(List.of("a", "\u3000\u00A0", "b"), p.split("a\u3000\u00A0b"));
    }
}
