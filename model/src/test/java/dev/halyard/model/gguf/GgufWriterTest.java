package dev.halyard.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {

    @TempDir
    Path dir;

    private static GgufValue.GgufArray arr(GgufValueType t, Object values) {
        return new GgufValue.GgufArray(t, values);
    }

    @Test
    void metadata_of_every_type_reads_back_identically() throws IOException {
        GgufWriter w = new GgufWriter()
                .put("u8", GgufValue.of(GgufValueType.UINT8, 255L))
                .put("i8", GgufValue.of(GgufValueType.INT8, -128L))
                .put("u16", GgufValue.of(GgufValueType.UINT16, 65535L))
                .put("i16", GgufValue.of(GgufValueType.INT16, -32768L))
                .put("u32", GgufValue.u32(4_000_000_000L))
                .put("i32", GgufValue.i32(-2_000_000_000L))
                .put("u64", GgufValue.of(GgufValueType.UINT64, -1L)) // 2^64-1 reads back as -1
                .put("i64", GgufValue.of(GgufValueType.INT64, Long.MIN_VALUE))
                .put("f32", GgufValue.f32(3.25f))
                .put("f64", GgufValue.of(GgufValueType.FLOAT64, Math.PI))
                .put("bool", GgufValue.bool(true))
                .put("str", GgufValue.string("héllo ▁wörld\n"))
                .put("empty", GgufValue.string(""))
                .put("a.u8", GgufValue.array(arr(GgufValueType.UINT8, new long[] {0, 7, 255})))
                .put("a.i32", GgufValue.array(arr(GgufValueType.INT32, new long[] {-1, 0, 1 << 30})))
                .put("a.u64", GgufValue.array(arr(GgufValueType.UINT64, new long[] {1, Long.MAX_VALUE})))
                .put("a.f32", GgufValue.array(arr(GgufValueType.FLOAT32, new float[] {1.5f, -0f, Float.MIN_VALUE})))
                .put("a.f64", GgufValue.array(arr(GgufValueType.FLOAT64, new double[] {1e300, -2.5})))
                .put("a.bool", GgufValue.array(arr(GgufValueType.BOOL, new boolean[] {true, false, true})))
                .put("a.str", GgufValue.array(arr(GgufValueType.STRING, new String[] {"<s>", "", "▁the"})))
                .put("a.empty", GgufValue.array(arr(GgufValueType.INT32, new long[0])))
                .put("a.nested", GgufValue.array(arr(GgufValueType.ARRAY, new GgufValue.GgufArray[] {
                        arr(GgufValueType.INT16, new long[] {1, -2}),
                        arr(GgufValueType.ARRAY, new GgufValue.GgufArray[] {arr(GgufValueType.STRING, new String[] {"deep"})}),
                })));
        Path p = dir.resolve("meta.gguf");
        w.write(p);

        GgufFile f = GgufFile.read(p);
        assertEquals(3, f.version());
        assertEquals(0, f.tensors().size());
        assertEquals(22, f.metadata().size());
        assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "bool", "str", "empty",
                "a.u8", "a.i32", "a.u64", "a.f32", "a.f64", "a.bool", "a.str", "a.empty", "a.nested"), List.copyOf(f.metadata().keySet()));
        assertEquals(GgufValue.of(GgufValueType.UINT8, 255L), f.metadata().get("u8"));
        assertEquals(GgufValue.of(GgufValueType.INT8, -128L), f.metadata().get("i8"));
        assertEquals(GgufValue.of(GgufValueType.UINT16, 65535L), f.metadata().get("u16"));
        assertEquals(GgufValue.of(GgufValueType.INT16, -32768L), f.metadata().get("i16"));
        assertEquals(GgufValue.u32(4_000_000_000L), f.metadata().get("u32"));
        assertEquals(GgufValue.i32(-2_000_000_000L), f.metadata().get("i32"));
        assertEquals(-1L, f.metadata().get("u64").value());
        assertEquals(Long.MIN_VALUE, f.metadata().get("i64").value());
        assertEquals(3.25f, f.getFloat("f32", 0));
        assertEquals(Math.PI, f.metadata().get("f64").value());
        assertTrue(f.getBool("bool", false));
        assertEquals("héllo ▁wörld\n", f.getString("str", null));
        assertEquals("", f.getString("empty", null));
        assertArrayEquals(new long[] {0, 7, 255}, f.getIntArray("a.u8"));
        assertArrayEquals(new long[] {-1, 0, 1 << 30}, f.getIntArray("a.i32"));
        assertArrayEquals(new long[] {1, Long.MAX_VALUE}, f.getIntArray("a.u64"));
        assertArrayEquals(new float[] {1.5f, -0f, Float.MIN_VALUE}, f.getFloatArray("a.f32"));
        assertArrayEquals(new double[] {1e300, -2.5}, (double[]) ((GgufValue.GgufArray) f.metadata().get("a.f64").value()).values());
        assertArrayEquals(new boolean[] {true, false, true}, (boolean[]) ((GgufValue.GgufArray) f.metadata().get("a.bool").value()).values());
        assertArrayEquals(new String[] {"<s>", "", "▁the"}, f.getStringArray("a.str"));
        assertEquals(0, f.getIntArray("a.empty").length);
        var nested = (GgufValue.GgufArray[]) ((GgufValue.GgufArray) f.metadata().get("a.nested").value()).values();
        assertEquals(2, nested.length);
        assertEquals(GgufValueType.INT16, nested[0].elementType());
        assertArrayEquals(new long[] {1, -2}, (long[]) nested[0].values());
        var inner = (GgufValue.GgufArray[]) nested[1].values();
        assertArrayEquals(new String[] {"deep"}, (String[]) inner[0].values());
    }

    @Test
    void tensors_are_aligned_and_their_bytes_read_back() throws IOException {
        Random rnd = new Random(7);
        byte[] f32 = new byte[4 * 5 * 3];
        byte[] q80 = new byte[GgmlType.Q8_0.typeSize * 2 * 2];
        byte[] q4k = new byte[GgmlType.Q4_K.typeSize];
        rnd.nextBytes(f32);
        rnd.nextBytes(q80);
        rnd.nextBytes(q4k);
        byte[] streamed = new byte[2 * 7];
        rnd.nextBytes(streamed);
        Path p = dir.resolve("t.gguf");
        new GgufWriter()
                .put("general.alignment", GgufValue.u32(64))
                .tensor("a", new long[] {5, 3}, GgmlType.F32, f32)
                .tensor("b", new long[] {64, 2}, GgmlType.Q8_0, q80)
                .tensor("c", new long[] {7}, GgmlType.F16, out -> { out.write(streamed, 0, 5); out.write(streamed, 5, 9); })
                .tensor("d", new long[] {256, 1, 1, 1}, GgmlType.Q4_K, q4k)
                .write(p);

        GgufFile f = GgufFile.read(p);
        assertEquals(64, f.alignment());
        assertEquals(0, f.dataStart() % 64);
        assertEquals(4, f.tensors().size());
        byte[][] expected = {f32, q80, streamed, q4k};
        long[][] shapes = {{5, 3}, {64, 2}, {7}, {256, 1, 1, 1}};
        GgmlType[] types = {GgmlType.F32, GgmlType.Q8_0, GgmlType.F16, GgmlType.Q4_K};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = f.load(arena, GgufFile.LoadMode.READ);
            for (int i = 0; i < 4; i++) {
                GgufTensorInfo t = f.tensors().get(i);
                assertEquals(String.valueOf((char) ('a' + i)), t.name());
                assertArrayEquals(shapes[i], t.ne());
                assertEquals(types[i], t.type());
                assertEquals(0, t.offset() % 64, "offset of " + t.name());
                byte[] got = data.asSlice(t.offset(), t.byteSize()).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(expected[i], got, "bytes of " + t.name());
            }
        }
    }

    @Test
    void default_alignment_is_32() throws IOException {
        Path p = dir.resolve("d.gguf");
        new GgufWriter().tensor("x", new long[] {3}, GgmlType.F32, new byte[12]).tensor("y", new long[] {1}, GgmlType.F32, new byte[4]).write(p);
        GgufFile f = GgufFile.read(p);
        assertEquals(32, f.tensor("y").offset());
        assertEquals(0, f.dataStart() % 32);
    }

    @Test
    void failed_write_keeps_the_old_file_and_leaves_no_temporary() throws IOException {
        Path p = dir.resolve("m.gguf");
        Files.writeString(p, "old");
        GgufWriter w = new GgufWriter().tensor("x", new long[] {4}, GgmlType.F32, out -> out.write(new byte[3]));
        IOException e = assertThrows(IOException.class, () -> w.write(p));
        assertTrue(e.getMessage().contains("wrote 3 bytes, expected 16"), e.getMessage());
        assertEquals("old", Files.readString(p));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void invalid_input_is_rejected_with_a_message_naming_it() {
        GgufWriter w = new GgufWriter();
        var e1 = assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValue.of(GgufValueType.UINT8, 256L)));
        assertTrue(e1.getMessage().contains("'k'"), e1.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValue.of(GgufValueType.FLOAT32, 1.0)));
        assertThrows(IllegalArgumentException.class, () -> w.put("general.alignment", GgufValue.u32(48)));
        assertThrows(IllegalArgumentException.class, () -> w.put("a", GgufValue.array(arr(GgufValueType.STRING, new long[] {1}))));
        var e2 = assertThrows(IllegalArgumentException.class, () -> w.tensor("q", new long[] {33}, GgmlType.Q8_0, new byte[34]));
        assertTrue(e2.getMessage().contains("block size 32"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.tensor("f", new long[] {4}, GgmlType.F32, new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> w.tensor("z", new long[] {0}, GgmlType.F32, new byte[0]));
        w.tensor("dup", new long[] {1}, GgmlType.F32, new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> w.tensor("dup", new long[] {1}, GgmlType.F32, new byte[4]));
    }
}
