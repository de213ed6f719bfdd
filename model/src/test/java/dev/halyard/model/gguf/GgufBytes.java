package dev.halyard.model.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Emits GGUF bytes field by field (little-endian), so tests can build valid files and corrupt exactly
 * one field. It knows the layout but checks nothing: any value can be written anywhere. Positions of the
 * 8-byte counts and lengths written through {@link #count} and {@link #str} are remembered for
 * mutation tests ({@link #lengthFields()}).
 */
final class GgufBytes {
    // value type ids (GgufValueType)
    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
            BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;
    // ggml tensor type ids (GgmlType)
    static final int F32 = 0, F16 = 1, Q8_0 = 8;

    private byte[] data = new byte[256];
    private int size;
    private final List<Integer> lengthFields = new ArrayList<>(); // offsets of u64 counts/lengths

    /** The 24-byte header: magic, version, tensor_count, metadata_kv_count. */
    static GgufBytes header(long version, long tensorCount, long kvCount) {
        GgufBytes b = new GgufBytes();
        b.raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version);
        return b.count(tensorCount).count(kvCount);
    }

    // ---------------------------------------------------------------- primitives

    GgufBytes u8(int v) {
        grow(1);
        data[size++] = (byte) v;
        return this;
    }

    GgufBytes u16(int v) {
        return put(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
    }

    GgufBytes u32(long v) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }

    GgufBytes u64(long v) {
        return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    GgufBytes f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    GgufBytes f64(double v) {
        return u64(Double.doubleToRawLongBits(v));
    }

    /** A u64 count or length, remembered as a length field. */
    GgufBytes count(long n) {
        lengthFields.add(size);
        return u64(n);
    }

    /** A GGUF string: u64 byte length, then UTF-8 bytes. */
    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return count(b.length).raw(b);
    }

    GgufBytes raw(byte[] b) {
        return put(b);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    GgufBytes align(int alignment) {
        while (size % alignment != 0) u8(0);
        return this;
    }

    // ---------------------------------------------------------------- GGUF records

    /** A key and its value type; the caller writes the value next. */
    GgufBytes key(String key, int type) {
        return str(key).u32(type);
    }

    GgufBytes kvU32(String key, long v) {
        return key(key, UINT32).u32(v);
    }

    GgufBytes kvString(String key, String v) {
        return key(key, STRING).str(v);
    }

    /** An array header: element type and length; the caller writes the elements next. */
    GgufBytes arrayOf(int elementType, long length) {
        return u32(elementType).count(length);
    }

    /** A tensor descriptor: name, n_dims, ne[], ggml type, offset into the data section. */
    GgufBytes tensor(String name, long[] ne, int type, long offset) {
        str(name).u32(ne.length);
        for (long d : ne) u64(d);
        return u32(type).u64(offset);
    }

    // ---------------------------------------------------------------- access

    int size() {
        return size;
    }

    byte[] bytes() {
        return Arrays.copyOf(data, size);
    }

    List<Integer> lengthFields() {
        return List.copyOf(lengthFields);
    }

    Path write(Path dir, String name) throws IOException {
        return Files.write(dir.resolve(name), bytes());
    }

    private GgufBytes put(byte[] b) {
        grow(b.length);
        System.arraycopy(b, 0, data, size, b.length);
        size += b.length;
        return this;
    }

    private void grow(int n) {
        if (size + n > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
    }

    // ---------------------------------------------------------------- samples

    /** Tensor data of the {@link #sample()}: "w" F32 [4, 2] holds 0..7, "q" Q8_0 [32] holds bytes 1..34. */
    static final float[] SAMPLE_W = {0, 1, 2, 3, 4, 5, 6, 7};

    /**
     * A small valid v3 file: a few scalars, a string array, a nested array, and two tensors. It ends
     * exactly at the last tensor byte, so every proper prefix of it is invalid.
     */
    static GgufBytes sample() {
        GgufBytes b = header(3, 2, 6)
                .kvString("general.architecture", "llama")
                .kvU32("llama.context_length", 2048)
                .key("llama.rope.freq_base", FLOAT32).f32(10000f)
                .key("tokenizer.ggml.add_bos_token", BOOL).u8(1)
                .key("tokenizer.ggml.tokens", ARRAY).arrayOf(STRING, 3).str("<s>").str("a").str("é")
                .key("nested", ARRAY).arrayOf(ARRAY, 2).arrayOf(INT16, 1).u16(-2).arrayOf(UINT8, 0)
                .tensor("w", new long[] {4, 2}, F32, 0)
                .tensor("q", new long[] {32}, Q8_0, 32)
                .align(32);
        for (float v : SAMPLE_W) b.f32(v);
        for (int i = 1; i <= 34; i++) b.u8(i);
        return b;
    }

    /**
     * A valid v2 file with a 64-byte alignment, arrays of the numeric types, and F16/F32 tensors stored
     * out of descriptor order with a gap between them. Ends at the last tensor byte.
     */
    static GgufBytes alignedSample() {
        GgufBytes b = header(2, 2, 5)
                .kvU32("general.alignment", 64)
                .key("ids", ARRAY).arrayOf(INT8, 3).u8(-1).u8(0).u8(1)
                .key("big", ARRAY).arrayOf(UINT64, 2).u64(1L << 40).u64(-1L)
                .key("scores", ARRAY).arrayOf(FLOAT64, 2).f64(0.5).f64(-1e-300)
                .key("eps", FLOAT32).f32(1e-5f)
                .tensor("late", new long[] {8, 2}, F16, 128) // 32 bytes at [128, 160)
                .tensor("early", new long[] {4, 1, 1, 2}, F32, 0) // 32 bytes at [0, 32)
                .align(64);
        for (int i = 0; i < 160; i++) b.u8(i < 32 || i >= 128 ? i : 0);
        return b;
    }
}
