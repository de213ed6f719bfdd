package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's test-tokenizer-0 over the shared vocab files: every input of {@code <vocab>.gguf.inp}
 * must tokenize (add_special = false, parse_special = false) to the ids on the same line of
 * {@code <vocab>.gguf.out}.
 */
class VocabConformanceTest {

    /** Inputs are separated by "\n__ggml_vocab_test__\n"; the .out has one line of ids per input. */
    static Map<String, int[]> readCases(Path vocab) throws IOException {
        String raw = Files.readString(Path.of(vocab + ".inp"), StandardCharsets.UTF_8);
        List<String> outs = Files.readAllLines(Path.of(vocab + ".out"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> inputs = new ArrayList<>();
        for (int pos = 0; pos < raw.length(); ) {
            int next = raw.indexOf(sep, pos);
            if (next < 0) {
                inputs.add(raw.substring(pos));
                break;
            }
            inputs.add(raw.substring(pos, next));
            pos = next + sep.length();
        }
        assertEquals(outs.size(), inputs.size(), "inputs vs expected lines in " + vocab);
        Map<String, int[]> cases = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            String o = outs.get(i).strip();
            int[] ids = o.isEmpty() ? new int[0] : Arrays.stream(o.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.put(inputs.get(i), ids);
        }
        return cases;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "bert-bge", "deepseek-llm"})
    void every_case_tokenizes_exactly_as_llama_cpp(String name) throws IOException {
        Tokenizer tok = TestVocabs.load(name);
        Map<String, int[]> cases = readCases(TestVocabs.path(name));
        assertTrue(cases.size() >= 40, "expected llama.cpp's ~46 cases, got " + cases.size());
        List<String> failures = new ArrayList<>();
        for (var c : cases.entrySet()) {
            int[] got = tok.encode(c.getKey(), false, false);
            if (!Arrays.equals(c.getValue(), got))
                failures.add("'" + c.getKey() + "'\n  expected " + Arrays.toString(c.getValue()) + "\n  got      " + Arrays.toString(got));
        }
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " of " + cases.size() + " cases differ:\n" + String.join("\n", failures));
    }
}
