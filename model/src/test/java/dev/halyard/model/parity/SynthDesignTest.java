package dev.halyard.model.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.GgmlType;
import dev.halyard.model.synth.QuantMix;
import dev.halyard.model.synth.SynthModel;
import dev.halyard.model.synth.SynthSpec;
import dev.halyard.model.synth.SynthVocab;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp loads every synthetic model, and its greedy decoding follows the successor each model was
 * designed with, by a wide margin: that is what makes the parity tests' token comparisons decisive.
 */
class SynthDesignTest {

    static final int[] PROMPT = ModelParityTest.PROMPT;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama-tied", "qwen2", "qwen3", "phi3", "gemma2", "llama-gpt2"})
    void llama_cpp_greedy_follows_the_designed_successor_by_a_wide_margin(String variant, @TempDir Path dir) throws Exception {
        LlamaRef.require();
        SynthSpec spec = switch (variant) {
            case "llama-tied" -> SynthSpec.tiny("llama").withTiedEmbeddings(true);
            case "llama-gpt2" -> SynthSpec.tiny("llama").withVocab(new SynthVocab.Spec(SynthVocab.Kind.GPT2, 512));
            default -> SynthSpec.tiny(variant);
        };
        Path file = dir.resolve(variant + ".gguf");
        int[] succ = SynthModel.write(spec, QuantMix.uniform(GgmlType.Q8_0), file).successor();
        LlamaRef.Result ref = LlamaRef.run(file, PROMPT, 32, 1, false);

        int prev = PROMPT[PROMPT.length - 1];
        for (int i = 0; i < ref.tokens().length; i++) {
            assertEquals(succ[prev], ref.tokens()[i], variant + ": token " + i + " should be the successor of " + prev);
            prev = ref.tokens()[i];
        }
        for (float m : ref.margins()) assertTrue(m > 3f, variant + ": top-1/top-2 margin " + m + " is not decisive");
    }
}
