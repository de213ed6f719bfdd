package dev.halyard.model.gguf;

import static dev.halyard.model.gguf.GgufBytes.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.halyard.kernels.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Valid files parse to exactly what was written: every value type, both versions, any alignment, tensor bytes. */
class GgufReaderValidFileTest {

    @TempDir Path dir;

    @Test
    void every_scalar_type_round_trips_with_its_boundary_values() throws IOException {
        GgufBytes b = header(3, 0, 15)
                .key("u8", UINT8).u8(255)
                .key("i8", INT8).u8(0x80)
                .key("u16", UINT16).u16(0xffff)
                .key("i16", INT16).u16(0x8000)
                .key("u32", UINT32).u32(0xffffffffL)
                .key("i32", INT32).u32(0x80000000L)
                .key("u64", UINT64).u64(-1L)
                .key("i64", INT64).u64(Long.MIN_VALUE)
                .key("f32", FLOAT32).f32(-1.5f)
                .key("f64", FLOAT64).f64(Math.PI)
                .key("true", BOOL).u8(1)
                .key("false", BOOL).u8(0)
                .kvString("utf8", "héllo ✓ 🚢")
                .kvString("empty", "")
                .kvString("general.name", "tiny");
        GgufFile f = read(b);
        assertValue(f, "u8", GgufValueType.UINT8, 255L);
        assertValue(f, "i8", GgufValueType.INT8, -128L);
        assertValue(f, "u16", GgufValueType.UINT16, 65535L);
        assertValue(f, "i16", GgufValueType.INT16, -32768L);
        assertValue(f, "u32", GgufValueType.UINT32, 4294967295L);
        assertValue(f, "i32", GgufValueType.INT32, (long) Integer.MIN_VALUE);
        assertValue(f, "u64", GgufValueType.UINT64, -1L); // 2^64-1 reads as -1
        assertValue(f, "i64", GgufValueType.INT64, Long.MIN_VALUE);
        assertValue(f, "f32", GgufValueType.FLOAT32, -1.5f);
        assertValue(f, "f64", GgufValueType.FLOAT64, Math.PI);
        assertValue(f, "true", GgufValueType.BOOL, true);
        assertValue(f, "false", GgufValueType.BOOL, false);
        assertValue(f, "utf8", GgufValueType.STRING, "héllo ✓ 🚢");
        assertValue(f, "empty", GgufValueType.STRING, "");
        assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "true", "false", "utf8", "empty", "general.name"),
                List.copyOf(f.metadata().keySet()), "keys keep file order");
    }

    @Test
    void arrays_of_every_type_round_trip() throws IOException {
        GgufBytes b = header(3, 0, 12)
                .key("u8", ARRAY).arrayOf(UINT8, 3).u8(0).u8(0x7f).u8(0xff)
                .key("i8", ARRAY).arrayOf(INT8, 2).u8(0x80).u8(0x7f)
                .key("u16", ARRAY).arrayOf(UINT16, 2).u16(1).u16(0xffff)
                .key("i16", ARRAY).arrayOf(INT16, 2).u16(0x8000).u16(-1)
                .key("u32", ARRAY).arrayOf(UINT32, 2).u32(7).u32(0xffffffffL)
                .key("i32", ARRAY).arrayOf(INT32, 2).u32(-7).u32(0x7fffffff)
                .key("u64", ARRAY).arrayOf(UINT64, 2).u64(1L << 40).u64(-1L)
                .key("i64", ARRAY).arrayOf(INT64, 2).u64(Long.MIN_VALUE).u64(Long.MAX_VALUE)
                .key("f32", ARRAY).arrayOf(FLOAT32, 3).f32(0.5f).f32(-0f).f32(Float.POSITIVE_INFINITY)
                .key("f64", ARRAY).arrayOf(FLOAT64, 2).f64(1e300).f64(-2.25)
                .key("bool", ARRAY).arrayOf(BOOL, 3).u8(1).u8(0).u8(1)
                .key("str", ARRAY).arrayOf(STRING, 3).str("<s>").str("").str("▁the");
        GgufFile f = read(b);
        assertArrayEquals(new long[] {0, 127, 255}, f.getIntArray("u8"));
        assertArrayEquals(new long[] {-128, 127}, f.getIntArray("i8"));
        assertArrayEquals(new long[] {1, 65535}, f.getIntArray("u16"));
        assertArrayEquals(new long[] {-32768, -1}, f.getIntArray("i16"));
        assertArrayEquals(new long[] {7, 4294967295L}, f.getIntArray("u32"));
        assertArrayEquals(new long[] {-7, Integer.MAX_VALUE}, f.getIntArray("i32"));
        assertArrayEquals(new long[] {1L << 40, -1L}, f.getIntArray("u64"));
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, f.getIntArray("i64"));
        assertArrayEquals(new float[] {0.5f, -0f, Float.POSITIVE_INFINITY}, f.getFloatArray("f32"));
        assertArrayEquals(new double[] {1e300, -2.25}, (double[]) array(f, "f64").values());
        assertArrayEquals(new boolean[] {true, false, true}, (boolean[]) array(f, "bool").values());
        assertArrayEquals(new String[] {"<s>", "", "▁the"}, f.getStringArray("str"));
        assertEquals(GgufValueType.UINT16, array(f, "u16").elementType());
        assertEquals(GgufValueType.INT64, array(f, "i64").elementType());
    }

    @ParameterizedTest
    @EnumSource(GgufValueType.class)
    void an_empty_array_of_each_element_type_round_trips(GgufValueType type) throws IOException {
        GgufFile f = read(header(3, 0, 1).key("e", ARRAY).arrayOf(type.id, 0));
        GgufValue.GgufArray a = array(f, "e");
        assertEquals(type, a.elementType());
        assertEquals(0, a.length());
    }

    @Test
    void nested_arrays_round_trip() throws IOException {
        GgufBytes b = header(3, 0, 1).key("merges", ARRAY).arrayOf(ARRAY, 3)
                .arrayOf(STRING, 2).str("a").str("b")
                .arrayOf(INT32, 1).u32(-5)
                .arrayOf(ARRAY, 1).arrayOf(FLOAT32, 0);
        GgufValue.GgufArray outer = array(read(b), "merges");
        GgufValue.GgufArray[] items = (GgufValue.GgufArray[]) outer.values();
        assertEquals(GgufValueType.ARRAY, outer.elementType());
        assertArrayEquals(new String[] {"a", "b"}, (String[]) items[0].values());
        assertArrayEquals(new long[] {-5}, (long[]) items[1].values());
        GgufValue.GgufArray inner = ((GgufValue.GgufArray[]) items[2].values())[0];
        assertEquals(GgufValueType.FLOAT32, inner.elementType());
        assertEquals(0, inner.length());
    }

    @Test
    void arrays_nested_8_deep_are_accepted() throws IOException {
        GgufBytes b = header(3, 0, 1).key("deep", ARRAY);
        for (int i = 0; i < 7; i++) b.arrayOf(ARRAY, 1);
        b.arrayOf(UINT8, 1).u8(42);
        GgufValue.GgufArray a = array(read(b), "deep");
        for (int i = 0; i < 7; i++) a = ((GgufValue.GgufArray[]) a.values())[0];
        assertArrayEquals(new long[] {42}, (long[]) a.values());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void version_2_and_3_headers_are_read(int version) throws IOException {
        GgufFile f = read(header(version, 0, 1).kvString("general.architecture", "llama"));
        assertEquals(version, f.version());
        assertEquals("llama", f.requireString("general.architecture"));
        assertEquals(0, f.tensors().size());
    }

    @Test
    void a_bare_24_byte_header_has_an_empty_data_section() throws IOException {
        GgufFile f = read(header(3, 0, 0));
        assertEquals(24, f.fileSize());
        assertEquals(24, f.dataStart());
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, f.load(arena, GgufFile.LoadMode.MMAP).byteSize());
        }
    }

    @Test
    void the_sample_file_describes_its_tensors() throws IOException {
        GgufFile f = read(sample());
        assertEquals(32, f.alignment());
        assertEquals(f.fileSize() - 32 - 34, f.dataStart());
        assertEquals(0, f.dataStart() % 32);
        GgufTensorInfo w = f.tensor("w"), q = f.tensor("q");
        assertArrayEquals(new long[] {4, 2}, w.ne());
        assertEquals(GgmlType.F32, w.type());
        assertEquals(0, w.offset());
        assertEquals(32, w.byteSize());
        assertArrayEquals(new long[] {32}, q.ne());
        assertEquals(GgmlType.Q8_0, q.type());
        assertEquals(32, q.offset());
        assertEquals(34, q.byteSize());
        assertEquals(List.of("w", "q"), f.tensors().stream().map(GgufTensorInfo::name).toList());
        assertArrayEquals(new String[] {"<s>", "a", "é"}, f.getStringArray("tokenizer.ggml.tokens"));
    }

    @ParameterizedTest
    @EnumSource(GgufFile.LoadMode.class)
    void loaded_tensor_data_holds_the_written_bytes_at_each_offset(GgufFile.LoadMode mode) throws IOException {
        GgufFile f = read(sample());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = f.load(arena, mode);
            assertEquals(66, data.byteSize());
            long w = f.tensor("w").offset();
            for (int i = 0; i < SAMPLE_W.length; i++)
                assertEquals(SAMPLE_W[i], data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), w + 4L * i));
            long q = f.tensor("q").offset();
            for (int i = 0; i < 34; i++) assertEquals(i + 1, data.get(ValueLayout.JAVA_BYTE, q + i));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 64, 4096, 1 << 20})
    void a_custom_alignment_places_the_data_section_and_tensors(int alignment) throws IOException {
        // two 4-element F32 tensors: "a" at 0, "b" at the first aligned offset past a's 16 bytes
        long bOffset = (16 + alignment - 1) / alignment * alignment;
        GgufBytes b = header(3, 2, 1).kvU32("general.alignment", alignment)
                .tensor("a", new long[] {4}, F32, 0)
                .tensor("b", new long[] {4}, F32, bOffset);
        int headerEnd = b.size();
        b.align(alignment);
        long dataStart = b.size();
        for (int i = 0; i < 4; i++) b.f32(i + 0.25f);
        while (b.size() < dataStart + bOffset) b.u8(0);
        for (int i = 0; i < 4; i++) b.f32(-i);
        GgufFile f = read(b);
        assertEquals(alignment, f.alignment());
        assertEquals((headerEnd + alignment - 1L) / alignment * alignment, f.dataStart());
        assertEquals(bOffset, f.tensor("b").offset());
        try (Arena arena = Arena.ofConfined()) {
            for (GgufFile.LoadMode mode : GgufFile.LoadMode.values()) {
                MemorySegment data = f.load(arena, mode);
                var le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < 4; i++) {
                    assertEquals(i + 0.25f, data.get(le, 4L * i), mode + " a[" + i + "]");
                    assertEquals((float) -i, data.get(le, bOffset + 4L * i), mode + " b[" + i + "]");
                }
            }
        }
    }

    @Test
    void alignment_may_be_any_integer_type() throws IOException {
        GgufBytes b = header(3, 0, 1).key("general.alignment", UINT64).u64(128);
        assertEquals(128, read(b).alignment());
    }

    @Test
    void invalid_utf8_in_a_string_decodes_to_replacement_characters() throws IOException {
        GgufBytes b = header(3, 0, 1).key("name", STRING).count(2).u8(0xff).u8('a');
        assertEquals("\uFFFDa", read(b).requireString("name"));
    }

    // ---------------------------------------------------------------- helpers

    private GgufFile read(GgufBytes b) throws IOException {
        return GgufReader.read(b.write(dir, "valid.gguf"));
    }

    private static void assertValue(GgufFile f, String key, GgufValueType type, Object value) {
        GgufValue v = f.metadata().get(key);
        assertEquals(type, v.type(), key);
        assertEquals(value, v.value(), key);
    }

    private static GgufValue.GgufArray array(GgufFile f, String key) {
        GgufValue v = f.metadata().get(key);
        assertEquals(GgufValueType.ARRAY, v.type(), key);
        return assertInstanceOf(GgufValue.GgufArray.class, v.value());
    }
}
