package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The 512-token SentencePiece vocabulary of stories260K against its golden file (ids from llama.cpp and PyTorch). */
class Stories260KTokenizerTest {

    @Test
    void prompt_ids_and_greedy_text_match_the_golden_file() throws IOException {
        Tokenizer t = Tokenizer.fromGguf(GgufFile.read(SharedData.require("models/stories260K/stories260K.gguf")));
        JsonNode golden = new ObjectMapper().readTree(SharedData.require("models/stories260K/expected.json").toFile());
        int[] prompt = ints(golden.get("prompt_ids"));
        int[] greedy = ints(golden.get("greedy_ids"));
        String promptText = golden.get("prompt").asText();

        assertArrayEquals(prompt, t.encode(promptText, true, false));
        int[] all = IntStream.concat(IntStream.of(prompt), IntStream.of(greedy)).toArray();
        String expected = promptText + golden.get("greedy_text").asText();
        assertEquals(expected, t.decode(all));

        StreamingDecoder d = new StreamingDecoder(t, true);
        StringBuilder streamed = new StringBuilder();
        for (int id : all) streamed.append(d.push(id));
        assertEquals(expected, streamed + d.flush());
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
