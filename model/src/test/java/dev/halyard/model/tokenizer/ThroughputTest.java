package dev.halyard.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Performance sanity, no timed assertion: encoding 1 MB of Shakespeare with GPT-2's vocabulary, and one
 * 200 kB "word" (merging is O(n log n) per word, so this must not take quadratic time). Prints throughput.
 */
class ThroughputTest {

    @Test
    void encodes_a_megabyte_of_shakespeare_and_prints_the_throughput() throws IOException {
        Tokenizer t = TestVocabs.load("gpt-2");
        String text = Files.readString(SharedData.require("datasets/tinyshakespeare/input.txt"), StandardCharsets.UTF_8)
                .substring(0, 1_000_000);
        long t0 = System.nanoTime();
        int[] ids = t.encode(text, false, false);
        long t1 = System.nanoTime();
        int[] again = t.encode(text, false, false); // every word now comes from the cache
        long t2 = System.nanoTime();
        assertEquals(ids.length, again.length);
        assertTrue(ids.length > 200_000 && ids.length < 400_000, "token count " + ids.length);
        assertEquals(text, t.decode(ids));
        System.out.printf("gpt-2 BPE: 1 MB -> %d tokens in %.0f ms (%.2f MB/s, %.0f ktok/s); again with a warm cache %.0f ms (%.2f MB/s)%n",
                ids.length, (t1 - t0) / 1e6, 1e3 / ((t1 - t0) / 1e6), ids.length / ((t1 - t0) / 1e6),
                (t2 - t1) / 1e6, 1e3 / ((t2 - t1) / 1e6));
    }

    @Test
    void a_single_200_kB_word_is_not_quadratic() {
        Tokenizer t = TestVocabs.load("gpt-2");
        String word = "ab".repeat(100_000);
        long t0 = System.nanoTime();
        int[] ids = t.encode(word, false, false);
        long t1 = System.nanoTime();
        assertEquals(word, t.decode(ids));
        System.out.printf("gpt-2 BPE: one 200 kB word -> %d tokens in %.0f ms%n", ids.length, (t1 - t0) / 1e6);
    }
}
