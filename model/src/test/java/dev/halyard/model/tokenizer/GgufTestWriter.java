package dev.halyard.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small GGUF v3 files with metadata only (0 tensors), to test how malformed vocabularies are rejected. */
final class GgufTestWriter {
    private static final int UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9;

    private final List<byte[]> entries = new ArrayList<>();

    GgufTestWriter string(String key, String value) {
        return entry(key, STRING, str(value));
    }

    GgufTestWriter u32(String key, int value) {
        return entry(key, UINT32, le(4).putInt(value).array());
    }

    GgufTestWriter bool(String key, boolean value) {
        return entry(key, BOOL, new byte[] {(byte) (value ? 1 : 0)});
    }

    GgufTestWriter strings(String key, String... values) {
        ByteArrayOutputStream b = arrayHeader(STRING, values.length);
        for (String v : values) b.writeBytes(str(v));
        return entry(key, ARRAY, b.toByteArray());
    }

    GgufTestWriter floats(String key, float... values) {
        ByteArrayOutputStream b = arrayHeader(FLOAT32, values.length);
        for (float v : values) b.writeBytes(le(4).putFloat(v).array());
        return entry(key, ARRAY, b.toByteArray());
    }

    GgufTestWriter ints(String key, int... values) {
        ByteArrayOutputStream b = arrayHeader(INT32, values.length);
        for (int v : values) b.writeBytes(le(4).putInt(v).array());
        return entry(key, ARRAY, b.toByteArray());
    }

    Path write(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le(24).putInt(0x46554747).putInt(3).putLong(0).putLong(entries.size()).array());
        for (byte[] e : entries) out.writeBytes(e);
        while (out.size() % 32 != 0) out.write(0);
        Files.write(file, out.toByteArray());
        return file;
    }

    private GgufTestWriter entry(String key, int type, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(str(key));
        b.writeBytes(le(4).putInt(type).array());
        b.writeBytes(value);
        entries.add(b.toByteArray());
        return this;
    }

    private static ByteArrayOutputStream arrayHeader(int elementType, int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(le(12).putInt(elementType).putLong(n).array());
        return b;
    }

    private static byte[] str(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return le(8 + utf8.length).putLong(utf8.length).put(utf8).array();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
