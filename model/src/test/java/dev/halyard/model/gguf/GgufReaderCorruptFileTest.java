package dev.halyard.model.gguf;

import static dev.halyard.model.gguf.GgufBytes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each class of malformed GGUF file fails with a GgufFormatException naming the field and the bad value. */
class GgufReaderCorruptFileTest {

    static final long TWO_POW_63 = Long.MIN_VALUE; // 9223372036854775808 as u64
    static final long U64_MAX = -1L; // 18446744073709551615 as u64

    @TempDir Path dir;

    // ---------------------------------------------------------------- header

    @Test
    void a_file_with_a_bad_magic_is_rejected() throws IOException {
        byte[] b = sample().bytes();
        b[3] = 'G';
        assertRejected(b, "magic 0x47554747", "GGUF");
    }

    @Test
    void a_file_shorter_than_the_header_is_rejected() throws IOException {
        assertRejected(Arrays.copyOf(sample().bytes(), 10), "file is 10 bytes", "too short");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4, 0xffffffffL})
    void an_unsupported_version_is_rejected(long version) throws IOException {
        assertRejected(header(version, 0, 0), "version " + version + " is not supported");
    }

    @Test
    void a_big_endian_file_is_rejected_with_a_hint() throws IOException {
        assertRejected(header(0x03000000L, 0, 0), "version 50331648", "big-endian");
    }

    @ParameterizedTest
    @ValueSource(longs = {TWO_POW_63, U64_MAX, 1L << 40, 1})
    void an_absurd_tensor_count_is_rejected(long count) throws IOException {
        assertRejected(header(3, count, 0), "tensor_count " + Long.toUnsignedString(count) + " exceeds");
    }

    @ParameterizedTest
    @ValueSource(longs = {TWO_POW_63, U64_MAX, 1L << 40, 1})
    void an_absurd_metadata_kv_count_is_rejected(long count) throws IOException {
        assertRejected(header(3, 0, count), "metadata_kv_count " + Long.toUnsignedString(count) + " exceeds");
    }

    // ---------------------------------------------------------------- strings and keys

    @ParameterizedTest
    @ValueSource(longs = {100, 1L << 31, TWO_POW_63, U64_MAX})
    void a_key_length_past_the_end_of_the_file_is_rejected(long length) throws IOException {
        GgufBytes b = header(3, 0, 1).count(length).raw("general.name".getBytes()).u32(UINT8).u8(0);
        assertRejected(b, "metadata key #0 length " + Long.toUnsignedString(length) + " runs past the end");
    }

    @ParameterizedTest
    @ValueSource(longs = {100, 1L << 31, TWO_POW_63, U64_MAX})
    void a_string_value_length_past_the_end_of_the_file_is_rejected(long length) throws IOException {
        GgufBytes b = header(3, 0, 1).key("general.name", STRING).count(length).raw("tiny".getBytes());
        assertRejected(b, "metadata 'general.name' length " + Long.toUnsignedString(length) + " runs past the end");
    }

    @Test
    void a_string_in_an_array_with_a_length_past_the_end_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).key("tokens", ARRAY).arrayOf(STRING, 2).str("a").count(U64_MAX).u8('b');
        assertRejected(b, "metadata 'tokens'[1] length 18446744073709551615 runs past the end");
    }

    @Test
    void a_key_longer_than_65535_bytes_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).kvU32("k".repeat(65_536), 1);
        assertRejected(b, "metadata key #0 length 65536 exceeds the limit of 65535");
    }

    @Test
    void an_empty_key_is_rejected() throws IOException {
        assertRejected(header(3, 0, 1).kvU32("", 1), "metadata key #0 is empty");
    }

    @Test
    void a_duplicate_metadata_key_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 2).kvU32("llama.block_count", 2).kvU32("llama.block_count", 3);
        assertRejected(b, "metadata key 'llama.block_count' appears twice");
    }

    // ---------------------------------------------------------------- values and arrays

    @ParameterizedTest
    @ValueSource(longs = {13, 255, 0xffffffffL})
    void an_unknown_metadata_value_type_is_rejected(long type) throws IOException {
        GgufBytes b = header(3, 0, 1).key("general.name", (int) type).u64(0);
        assertRejected(b, "metadata 'general.name' value type " + type + " is not a GGUF value type");
    }

    @Test
    void an_unknown_array_element_type_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).key("scores", ARRAY).arrayOf(13, 1).u64(0);
        assertRejected(b, "metadata 'scores' array element type 13 is not a GGUF value type");
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 1L << 31, TWO_POW_63, U64_MAX})
    void an_array_length_past_the_end_of_the_file_is_rejected(long length) throws IOException {
        GgufBytes b = header(3, 0, 1).key("scores", ARRAY).arrayOf(FLOAT32, length).f32(1).f32(2).f32(3);
        assertRejected(b, "metadata 'scores' array length " + Long.toUnsignedString(length) + " exceeds what the remaining 12 bytes");
    }

    @Test
    void a_string_array_length_is_bounded_by_eight_bytes_per_string() throws IOException {
        // 3 empty strings fit in 24 bytes; a 4th would need 8 more
        GgufBytes b = header(3, 0, 1).key("t", ARRAY).arrayOf(STRING, 4).count(0).count(0).count(0);
        assertRejected(b, "metadata 't' array length 4 exceeds what the remaining 24 bytes");
    }

    @Test
    void a_bool_other_than_0_or_1_is_rejected() throws IOException {
        assertRejected(header(3, 0, 1).key("flag", BOOL).u8(2), "metadata 'flag' bool byte 2 is not 0 or 1");
    }

    @Test
    void arrays_nested_deeper_than_8_are_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).key("deep", ARRAY);
        for (int i = 0; i < 8; i++) b.arrayOf(ARRAY, 1);
        b.arrayOf(UINT8, 1).u8(7);
        assertRejected(b, "metadata 'deep'[0][0][0][0][0][0][0][0] nests arrays 9 deep, more than 8");
    }

    @Test
    void a_claim_of_a_million_nested_arrays_fails_at_depth_9_without_recursing_further() throws IOException {
        GgufBytes b = header(3, 0, 1).key("deep", ARRAY);
        for (int i = 0; i < 1_000_000; i++) b.arrayOf(ARRAY, 1);
        assertRejected(b, "nests arrays 9 deep");
    }

    // ---------------------------------------------------------------- alignment

    @ParameterizedTest
    @ValueSource(longs = {0, 3, 48, 2L << 20, 0xffffffffL})
    void an_alignment_that_is_not_a_power_of_two_in_range_is_rejected(long alignment) throws IOException {
        GgufBytes b = header(3, 0, 1).kvU32("general.alignment", alignment);
        assertRejected(b, "general.alignment " + alignment + " is not a power of two in [1, 1048576]");
    }

    @Test
    void a_u64_alignment_above_2_pow_63_is_reported_unsigned() throws IOException {
        GgufBytes b = header(3, 0, 1).key("general.alignment", UINT64).u64(U64_MAX);
        assertRejected(b, "general.alignment 18446744073709551615 is not a power of two");
    }

    @Test
    void a_negative_int32_alignment_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).key("general.alignment", INT32).u32(-32);
        assertRejected(b, "general.alignment -32 is not a power of two");
    }

    @Test
    void a_float_alignment_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).key("general.alignment", FLOAT32).f32(32f);
        assertRejected(b, "general.alignment 32.0 has type FLOAT32, expected an unsigned integer");
    }

    @Test
    void a_string_alignment_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).kvString("general.alignment", "32");
        assertRejected(b, "general.alignment \"32\" has type STRING");
    }

    @Test
    void an_array_alignment_is_rejected() throws IOException {
        GgufBytes b = header(3, 0, 1).key("general.alignment", ARRAY).arrayOf(UINT32, 1).u32(32);
        assertRejected(b, "general.alignment UINT32[1] [32] has type ARRAY");
    }

    // ---------------------------------------------------------------- tensors

    @ParameterizedTest
    @ValueSource(longs = {0, 5, 0xffffffffL})
    void n_dims_outside_1_to_4_is_rejected(long nDims) throws IOException {
        GgufBytes b = header(3, 1, 0).str("w").u32(nDims).u64(4).u64(4).u64(4).u64(4).u64(4).u32(F32).u64(0);
        assertRejected(b, "tensor 'w' n_dims " + nDims + " is outside [1, 4]");
    }

    @Test
    void a_zero_dimension_is_rejected() throws IOException {
        assertRejected(oneTensor(new long[] {4, 0}, F32, 0, 64), "tensor 'w' ne[1] 0 is not a positive dimension");
    }

    @Test
    void a_dimension_above_2_pow_63_is_rejected() throws IOException {
        assertRejected(oneTensor(new long[] {U64_MAX}, F32, 0, 64), "tensor 'w' ne[0] 18446744073709551615 is not a positive dimension");
    }

    @Test
    void dimensions_whose_product_overflows_int64_are_rejected() throws IOException {
        long[] ne = {1L << 32, 1L << 32};
        assertRejected(oneTensor(ne, F32, 0, 64), "tensor 'w' element count overflows int64: shape [4294967296, 4294967296]");
    }

    @Test
    void four_dimensions_whose_product_overflows_int64_are_rejected() throws IOException {
        long[] ne = {1L << 16, 1L << 16, 1L << 16, 1L << 16};
        assertRejected(oneTensor(ne, F32, 0, 64), "element count overflows int64: shape [65536, 65536, 65536, 65536]");
    }

    @Test
    void a_byte_size_that_overflows_int64_is_rejected() throws IOException {
        long[] ne = {1L << 62};
        assertRejected(oneTensor(ne, F32, 0, 64), "tensor 'w' byte size overflows int64: shape [4611686018427387904] of F32");
    }

    @ParameterizedTest
    @ValueSource(longs = {4, 5, 31, 99, 0xffffffffL})
    void an_unknown_tensor_type_id_is_rejected(long type) throws IOException {
        assertRejected(oneTensor(new long[] {32}, (int) type, 0, 64), "tensor 'w' has unknown type id " + type);
    }

    @Test
    void a_first_dimension_that_is_not_a_whole_number_of_blocks_is_rejected() throws IOException {
        assertRejected(oneTensor(new long[] {33}, Q8_0, 0, 64), "tensor 'w' ne[0] 33 is not a multiple of Q8_0's block size 32");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4, 16, 33})
    void a_tensor_offset_that_is_not_aligned_is_rejected(long offset) throws IOException {
        assertRejected(oneTensor(new long[] {4}, F32, offset, 128), "tensor 'w' offset " + offset + " is not a multiple of the alignment 32");
    }

    @Test
    void a_tensor_offset_is_checked_against_a_custom_alignment() throws IOException {
        GgufBytes b = header(3, 1, 1).kvU32("general.alignment", 64).tensor("w", new long[] {4}, F32, 32).align(64);
        b.raw(new byte[128]);
        assertRejected(b, "tensor 'w' offset 32 is not a multiple of the alignment 64");
    }

    @Test
    void a_tensor_offset_above_2_pow_63_is_rejected() throws IOException {
        assertRejected(oneTensor(new long[] {4}, F32, U64_MAX, 64), "tensor 'w' offset 18446744073709551615 is past the end");
    }

    @Test
    void tensor_data_past_the_end_of_the_file_is_rejected() throws IOException {
        // 4x4 F32 = 64 bytes, only 63 present
        assertRejected(oneTensor(new long[] {4, 4}, F32, 0, 63), "tensor 'w' data [0, +64) runs past the end of the file (data section is 63 bytes)");
    }

    @Test
    void a_tensor_offset_far_past_the_end_of_the_file_is_rejected() throws IOException {
        assertRejected(oneTensor(new long[] {4}, F32, 1L << 40, 64), "tensor 'w' data [1099511627776, +16) runs past the end");
    }

    @Test
    void tensor_data_starting_past_the_end_of_the_file_is_rejected() throws IOException {
        GgufBytes b = header(3, 1, 0).tensor("w", new long[] {1}, F32, 0); // 57 bytes: no padding, no data
        assertRejected(b, "tensor data would start at byte 64, past the end of the 57-byte file");
    }

    @Test
    void overlapping_tensors_are_rejected() throws IOException {
        GgufBytes b = header(3, 2, 0)
                .tensor("a", new long[] {16}, F32, 0) // [0, 64)
                .tensor("b", new long[] {8}, F32, 32) // [32, 64)
                .align(32).raw(new byte[64]);
        assertRejected(b, "tensor 'b' at offset 32 overlaps tensor 'a' which ends at 64");
    }

    @Test
    void overlap_is_found_whatever_the_descriptor_order() throws IOException {
        GgufBytes b = header(3, 2, 0)
                .tensor("late", new long[] {8}, F32, 32)
                .tensor("early", new long[] {16}, F32, 0)
                .align(32).raw(new byte[64]);
        assertRejected(b, "tensor 'late' at offset 32 overlaps tensor 'early' which ends at 64");
    }

    @Test
    void a_duplicate_tensor_name_is_rejected() throws IOException {
        GgufBytes b = header(3, 2, 0)
                .tensor("w", new long[] {8}, F32, 0)
                .tensor("w", new long[] {8}, F32, 32)
                .align(32).raw(new byte[64]);
        assertRejected(b, "tensor name 'w' appears twice");
    }

    // ---------------------------------------------------------------- truncation

    @Test
    void every_proper_prefix_of_a_valid_file_is_rejected_with_a_format_exception() throws IOException {
        byte[] whole = sample().bytes();
        assertEquals(2, GgufReader.read(Files.write(dir.resolve("whole.gguf"), whole)).tensors().size());
        Path f = dir.resolve("prefix.gguf");
        for (int n = 0; n < whole.length; n++) {
            Files.write(f, Arrays.copyOf(whole, n));
            try {
                GgufReader.read(f);
                fail("a " + n + "-byte prefix of a " + whole.length + "-byte file was accepted");
            } catch (GgufFormatException e) {
                assertTrue(e.getMessage().startsWith("invalid GGUF: "), e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("a " + n + "-byte prefix threw " + t + " instead of GgufFormatException", t);
            }
        }
    }

    @Test
    void a_field_cut_in_half_names_the_field_and_the_end_of_the_file() throws IOException {
        GgufBytes b = header(3, 0, 1).key("llama.block_count", UINT32).u16(0);
        assertRejected(b, "metadata 'llama.block_count' is cut off by the end of the file at byte " + b.size());
    }

    // ---------------------------------------------------------------- helpers

    /** A file holding one tensor "w" and {@code dataBytes} bytes of data after the 32-aligned header. */
    private static GgufBytes oneTensor(long[] ne, int type, long offset, int dataBytes) {
        return header(3, 1, 0).tensor("w", ne, type, offset).align(32).raw(new byte[dataBytes]);
    }

    private void assertRejected(GgufBytes file, String... fragments) throws IOException {
        assertRejected(file.bytes(), fragments);
    }

    private void assertRejected(byte[] file, String... fragments) throws IOException {
        Path p = Files.write(dir.resolve("corrupt.gguf"), file);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufReader.read(p));
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' lacks '" + f + "'");
    }
}
