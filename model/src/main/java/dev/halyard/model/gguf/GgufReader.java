package dev.halyard.model.gguf;

import dev.halyard.kernels.GgmlType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the header of a GGUF v2/v3 file: metadata and tensor descriptors. The file is untrusted: every
 * count, length, offset, dimension and type is checked against the bytes that remain and for overflow
 * before anything is allocated, so a malformed file fails with a {@link GgufFormatException} naming the
 * field and value — never an OutOfMemoryError or a hang. Tensor data is not read here (see
 * {@link GgufFile#load}).
 */
public final class GgufReader {

    static final int MAGIC = 0x46554747; // "GGUF" little-endian
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_DEPTH = 8;
    static final long MAX_KEY_BYTES = 65_535;
    static final int DEFAULT_ALIGNMENT = 32;

    private final FileChannel ch;
    private final long fileSize;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart; // file position of buf[0]

    private GgufReader(FileChannel ch) throws IOException {
        this.ch = ch;
        this.fileSize = ch.size();
        buf.limit(0);
    }

    /** Reads the header of {@code path}. */
    public static GgufFile read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return new GgufReader(ch).readHeader(path);
        }
    }

    private GgufFile readHeader(Path path) throws IOException {
        if (fileSize < 24) throw bad("file is " + fileSize + " bytes, too short for a GGUF header (24 bytes)");
        int magic = (int) u32("magic");
        if (magic != MAGIC)
            throw bad(String.format("magic 0x%08x is not GGUF (expected bytes 'GGUF')", magic));
        long version = u32("version");
        if (version != 2 && version != 3)
            throw bad("version " + version + " is not supported (GGUF v2 and v3 are)");
        long tensorCount = u64("tensor_count");
        long kvCount = u64("metadata_kv_count");
        // the smallest tensor descriptor: 8 (name len) + 4 (n_dims) + 8 (one dim) + 4 (type) + 8 (offset)
        checkCount("tensor_count", tensorCount, 32);
        // the smallest key/value: 8 (key len) + 1 (key) + 4 (type) + 1 (value)
        checkCount("metadata_kv_count", kvCount, 14);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string("metadata key #" + i, MAX_KEY_BYTES);
            if (metadata.containsKey(key)) throw bad("metadata key '" + key + "' appears twice");
            GgufValueType type = valueType("metadata '" + key + "' value type");
            metadata.put(key, value(key, type, 0));
        }

        int alignment = DEFAULT_ALIGNMENT;
        GgufValue al = metadata.get("general.alignment");
        if (al != null) {
            if (!al.type().isInteger()) throw bad("general.alignment has type " + al.type() + ", expected an integer");
            long a = (Long) al.value();
            if (a <= 0 || a > (1 << 20) || (a & (a - 1)) != 0)
                throw bad("general.alignment " + a + " is not a power of two in [1, 1048576]");
            alignment = (int) a;
        }

        List<GgufTensorInfo> tensors = new ArrayList<>((int) tensorCount);
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = string("tensor #" + i + " name", MAX_KEY_BYTES);
            if (!names.add(name)) throw bad("tensor name '" + name + "' appears twice");
            long nDims = u32("tensor '" + name + "' n_dims");
            if (nDims < 1 || nDims > MAX_DIMS)
                throw bad("tensor '" + name + "' n_dims " + nDims + " is outside [1, " + MAX_DIMS + "]");
            long[] ne = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = u64("tensor '" + name + "' ne[" + d + "]");
                if (ne[d] <= 0) throw bad("tensor '" + name + "' ne[" + d + "] " + Long.toUnsignedString(ne[d]) + " is not a positive dimension");
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw bad("tensor '" + name + "' element count overflows: shape " + unsigned(ne));
                }
            }
            long typeId = u32("tensor '" + name + "' type");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw bad("tensor '" + name + "' has unknown type id " + typeId);
            if (ne[0] % type.blockSize != 0)
                throw bad("tensor '" + name + "' ne[0] " + ne[0] + " is not a multiple of " + type + "'s block size " + type.blockSize);
            long size;
            try {
                size = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw bad("tensor '" + name + "' byte size overflows: shape " + unsigned(ne) + " of " + type);
            }
            long offset = u64("tensor '" + name + "' offset");
            if (offset < 0 || offset % alignment != 0)
                throw bad("tensor '" + name + "' offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            tensors.add(new GgufTensorInfo(name, ne, type, offset, size));
        }

        long headerEnd = position();
        long dataStart = (headerEnd + alignment - 1) / alignment * alignment;
        if (tensorCount > 0 && dataStart > fileSize)
            throw bad("tensor data would start at byte " + dataStart + ", past the end of the " + fileSize + "-byte file");
        long dataSize = Math.max(0, fileSize - dataStart);
        // every tensor inside the data section, and no two overlapping
        List<GgufTensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        long prevEnd = 0;
        String prevName = null;
        for (GgufTensorInfo t : byOffset) {
            if (t.offset() > dataSize || t.byteSize() > dataSize - t.offset())
                throw bad("tensor '" + t.name() + "' data [" + t.offset() + ", +" + t.byteSize() + ") runs past the end of the file (data section is " + dataSize + " bytes)");
            if (t.offset() < prevEnd)
                throw bad("tensor '" + t.name() + "' at offset " + t.offset() + " overlaps tensor '" + prevName + "' which ends at " + prevEnd);
            prevEnd = t.offset() + t.byteSize();
            prevName = t.name();
        }
        return new GgufFile(path, (int) version, metadata, tensors, alignment, dataStart, fileSize);
    }

    // ---------------------------------------------------------------- values

    private GgufValue value(String key, GgufValueType type, int depth) throws IOException {
        return switch (type) {
            case UINT8 -> GgufValue.of(type, (long) (byte1(key) & 0xff));
            case INT8 -> GgufValue.of(type, (long) byte1(key));
            case UINT16 -> GgufValue.of(type, (long) (short2(key) & 0xffff));
            case INT16 -> GgufValue.of(type, (long) short2(key));
            case UINT32 -> GgufValue.of(type, u32(key));
            case INT32 -> GgufValue.of(type, (long) (int) u32(key));
            case UINT64, INT64 -> GgufValue.of(type, u64(key));
            case FLOAT32 -> GgufValue.of(type, Float.intBitsToFloat((int) u32(key)));
            case FLOAT64 -> GgufValue.of(type, Double.longBitsToDouble(u64(key)));
            case BOOL -> GgufValue.of(type, bool(key));
            case STRING -> GgufValue.of(type, string(key, Long.MAX_VALUE));
            case ARRAY -> GgufValue.of(type, array(key, depth + 1));
        };
    }

    private GgufValue.GgufArray array(String key, int depth) throws IOException {
        if (depth > MAX_ARRAY_DEPTH) throw bad("metadata '" + key + "' nests arrays deeper than " + MAX_ARRAY_DEPTH);
        GgufValueType et = valueType("metadata '" + key + "' array element type");
        long n = u64("metadata '" + key + "' array length");
        checkCount("metadata '" + key + "' array length", n, et.minBytes);
        if (n > Integer.MAX_VALUE - 16) throw bad("metadata '" + key + "' array length " + n + " is too large");
        int len = (int) n;
        String ek = key; // element errors name the key
        switch (et) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = (Long) value(ek, et, depth).value();
                return new GgufValue.GgufArray(et, a);
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = Float.intBitsToFloat((int) u32(ek));
                return new GgufValue.GgufArray(et, a);
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = Double.longBitsToDouble(u64(ek));
                return new GgufValue.GgufArray(et, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = bool(ek);
                return new GgufValue.GgufArray(et, a);
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = string(ek + "[" + i + "]", Long.MAX_VALUE);
                return new GgufValue.GgufArray(et, a);
            }
            case ARRAY -> {
                GgufValue.GgufArray[] a = new GgufValue.GgufArray[len];
                for (int i = 0; i < len; i++) a[i] = array(ek + "[" + i + "]", depth + 1);
                return new GgufValue.GgufArray(et, a);
            }
        }
        throw new AssertionError(et);
    }

    private GgufValueType valueType(String field) throws IOException {
        long id = u32(field);
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) throw bad(field + " " + id + " is not a GGUF value type (0..12)");
        return t;
    }

    private boolean bool(String field) throws IOException {
        byte b = byte1(field);
        if (b != 0 && b != 1) throw bad(field + " bool byte " + b + " is not 0 or 1");
        return b == 1;
    }

    private String string(String field, long maxBytes) throws IOException {
        long len = u64(field + " length");
        if (len < 0 || len > remaining())
            throw bad(field + " length " + Long.toUnsignedString(len) + " runs past the end of the file (" + remaining() + " bytes left)");
        if (len > maxBytes) throw bad(field + " length " + len + " exceeds the limit of " + maxBytes + " bytes");
        if (len > Integer.MAX_VALUE - 16) throw bad(field + " length " + len + " is too large");
        byte[] bytes = new byte[(int) len];
        readFully(bytes, field);
        // GGUF strings are UTF-8; invalid sequences decode to U+FFFD rather than failing the file.
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void checkCount(String field, long count, long minBytesEach) {
        if (count < 0 || count > remaining() / minBytesEach)
            throw bad(field + " " + Long.toUnsignedString(count) + " exceeds what the remaining " + remaining() + " bytes of the file can hold");
    }

    // ---------------------------------------------------------------- primitives

    private long position() {
        return bufStart + buf.position();
    }

    private long remaining() {
        return fileSize - position();
    }

    private void ensure(int n, String field) throws IOException {
        if (buf.remaining() >= n) return;
        if (remaining() < n) throw bad(field + " is cut off by the end of the file at byte " + fileSize);
        long pos = position();
        buf.clear();
        bufStart = pos;
        while (buf.position() < Math.min(buf.capacity(), fileSize - pos)) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) break;
        }
        buf.flip();
        if (buf.remaining() < n) throw bad(field + " is cut off by the end of the file");
    }

    private byte byte1(String f) throws IOException {
        ensure(1, f);
        return buf.get();
    }

    private short short2(String f) throws IOException {
        ensure(2, f);
        return buf.getShort();
    }

    private long u32(String f) throws IOException {
        ensure(4, f);
        return buf.getInt() & 0xffffffffL;
    }

    private long u64(String f) throws IOException {
        ensure(8, f);
        return buf.getLong();
    }

    private void readFully(byte[] dst, String field) throws IOException {
        int done = 0;
        while (done < dst.length) {
            if (!buf.hasRemaining()) ensure(1, field);
            int n = Math.min(buf.remaining(), dst.length - done);
            buf.get(dst, done, n);
            done += n;
        }
    }

    private static String unsigned(long[] ne) {
        String[] s = new String[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = Long.toUnsignedString(ne[i]);
        return Arrays.toString(s);
    }

    private static GgufFormatException bad(String msg) {
        return new GgufFormatException("invalid GGUF: " + msg);
    }
}
