package dev.halyard.model.gguf;

import static dev.halyard.model.gguf.GgufBytes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Counts that the file could never hold fail from the count alone; counts that the file can hold but
 * whose decoded form would not fit the header's heap allowance fail before the array is allocated.
 * These run under the default heap, where a wrong allocation would be an OutOfMemoryError.
 */
class GgufReaderMemoryTest {

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1L << 31, Integer.MAX_VALUE - 16})
    void a_2_pow_31_element_string_array_in_a_100_byte_file_fails_before_allocating(long count) throws IOException {
        GgufBytes b = header(3, 0, 1).key("tokenizer.ggml.tokens", ARRAY).arrayOf(STRING, count);
        while (b.size() < 100) b.u8(0);
        assertMessage(b.write(dir, "small.gguf"), "metadata 'tokenizer.ggml.tokens' array length " + count + " exceeds what the remaining 31 bytes");
    }

    @Test
    void a_u8_array_that_fits_a_sparse_file_but_not_the_heap_allowance_fails_before_allocating() throws IOException {
        // 1.5e9 u8 elements fit the 1.5 GB file, but decode to a 12 GB long[]
        Path p = sparse(header(3, 0, 1).key("big", ARRAY).arrayOf(UINT8, 1_500_000_000L), 1_500_000_100L);
        assertMessage(p, "metadata 'big' array of 1500000000 UINT8 needs about 12000000032 bytes of heap");
    }

    @Test
    void a_billion_bools_in_a_sparse_file_fail_before_allocating() throws IOException {
        Path p = sparse(header(3, 0, 1).key("flags", ARRAY).arrayOf(BOOL, 1_000_000_000L), 1_000_000_100L);
        assertMessage(p, "metadata 'flags' array of 1000000000 BOOL needs about 1000000032 bytes of heap");
    }

    @Test
    void a_hundred_million_empty_strings_fail_before_allocating() throws IOException {
        Path p = sparse(header(3, 0, 1).key("t", ARRAY).arrayOf(STRING, 100_000_000L), 800_000_100L);
        assertMessage(p, "metadata 't' array of 100000000 STRING needs about 800000032 bytes of heap");
    }

    @Test
    void a_tensor_count_that_fits_a_sparse_file_but_not_the_heap_allowance_is_rejected() throws IOException {
        Path p = sparse(header(3, 30_000_000L, 0), 1L << 30);
        assertMessage(p, "tensor_count 30000000 needs about 7680000000 bytes of heap");
    }

    @Test
    void a_kv_count_that_fits_a_sparse_file_but_not_the_heap_allowance_is_rejected() throws IOException {
        Path p = sparse(header(3, 0, 50_000_000L), 1L << 30);
        assertMessage(p, "metadata_kv_count 50000000 needs about 6400000000 bytes of heap");
    }

    @Test
    void a_long_string_is_charged_before_its_bytes_are_allocated() throws IOException {
        GgufBytes b = header(3, 0, 1).kvString("general.description", "x".repeat(100_000));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufReader.read(b.write(dir, "s.gguf"), 200_000));
        assertTrue(e.getMessage().contains("metadata 'general.description' string of 100000 bytes needs about 300048 bytes of heap"), e.getMessage());
    }

    @Test
    void an_array_over_a_small_allowance_is_rejected_and_under_it_accepted() throws IOException {
        GgufBytes b = header(3, 0, 1).key("ids", ARRAY).arrayOf(UINT32, 10_000);
        for (int i = 0; i < 10_000; i++) b.u32(i);
        Path p = b.write(dir, "ids.gguf");
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufReader.read(p, 50_000));
        assertTrue(e.getMessage().contains("metadata 'ids' array of 10000 UINT32 needs about 80032 bytes of heap, more than the "), e.getMessage());
        assertTrue(e.getMessage().contains(" left of the 50000-byte allowance"), e.getMessage());
        assertEquals(9_999, GgufReader.read(p, 100_000).getIntArray("ids")[9_999]);
    }

    @Test
    void a_plausible_4_million_element_array_parses_under_the_default_allowance() throws IOException {
        int n = 4_000_000;
        GgufBytes b = header(3, 0, 1).key("bytes", ARRAY).arrayOf(UINT8, n);
        for (int i = 0; i < n; i++) b.u8(i);
        long[] a = GgufReader.read(b.write(dir, "plausible.gguf")).getIntArray("bytes");
        assertEquals(n, a.length);
        assertEquals(7, a[7]);
        assertEquals(255, a[n - 1]); // 3999999 % 256

    }

    @ParameterizedTest
    @ValueSource(strings = {"models/stories260K/stories260K.gguf", "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf",
            "vocab/ggml-vocab-gpt-2.gguf", "vocab/ggml-vocab-bert-bge.gguf", "vocab/ggml-vocab-deepseek-llm.gguf"})
    void real_files_parse_within_a_64_mib_allowance(String relative) throws IOException {
        GgufFile f = GgufReader.read(SharedData.require(relative), 64L << 20);
        assertTrue(f.getStringArray("tokenizer.ggml.tokens").length >= 512, relative);
        assertTrue(f.dataStart() <= f.fileSize(), relative);
    }

    // ---------------------------------------------------------------- helpers

    /** {@code header} at the start of a sparse file of {@code length} bytes (zeros elsewhere, not written). */
    private Path sparse(GgufBytes header, long length) throws IOException {
        Path p = dir.resolve("sparse.gguf");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(length);
            f.write(header.bytes());
        }
        return p;
    }

    private static void assertMessage(Path p, String fragment) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufReader.read(p));
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
