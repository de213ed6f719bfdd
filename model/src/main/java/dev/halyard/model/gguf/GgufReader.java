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
 * before anything is allocated, and the heap the decoded header will take is estimated and capped
 * (a u8 array decodes to 8 bytes per element, so "fits in the file" alone does not bound memory). A
 * malformed file fails with a {@link GgufFormatException} naming the field and value — never an
 * OutOfMemoryError, a StackOverflowError or a hang. Tensor data is not read here (see {@link GgufFile#load}).
 * All file positions are longs: files past 2 GiB (and 4 GiB) parse like small ones.
 */
public final class GgufReader {

    static final int MAGIC = 0x46554747; // "GGUF" little-endian
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_DEPTH = 8;
    static final long MAX_KEY_BYTES = 65_535;
    static final int MAX_ALIGNMENT = 1 << 20;
    static final int DEFAULT_ALIGNMENT = 32;
    /** Most heap one decoded header may take: real vocabularies need tens of MB. */
    static final long DEFAULT_HEAP_LIMIT = Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 2);

    // Heap estimates (bytes) charged against the limit before allocating; generous for a 64-bit JVM.
    private static final long ENTRY_HEAP = 128; // one metadata entry: map node, GgufValue, boxed scalar
    private static final long TENSOR_HEAP = 256; // one tensor: record, shape array, list/set/map slots
    private static final long STRING_HEAP = 48; // one String object + its byte[] header (contents apart)
    private static final long ARRAY_HEAP = 32; // one GgufArray record + its Java array header

    private final FileChannel ch;
    private final long fileSize;
    private final long heapLimit;
    private long heapLeft; // heapLimit minus what has been charged so far
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart; // file position of buf[0]

    private GgufReader(FileChannel ch, long heapLimit) throws IOException {
        this.ch = ch;
        this.fileSize = ch.size();
        this.heapLimit = heapLimit;
        this.heapLeft = heapLimit;
        buf.limit(0);
    }

    /** Reads the header of {@code path}. */
    public static GgufFile read(Path path) throws IOException {
        return read(path, DEFAULT_HEAP_LIMIT);
    }

    /** Reads the header of {@code path}, failing when the decoded header would take over {@code heapLimit} bytes. */
    static GgufFile read(Path path, long heapLimit) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return new GgufReader(ch, heapLimit).readHeader(path);
        }
    }

    private GgufFile readHeader(Path path) throws IOException {
        if (fileSize < 24) throw bad("file is " + fileSize + " bytes, too short for a GGUF header (24 bytes)");
        int magic = (int) u32("magic");
        if (magic != MAGIC)
            throw bad(String.format("magic 0x%08x is not GGUF (expected bytes 'GGUF')", magic));
        long version = u32("version");
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes((int) version);
            String hint = swapped == 2 || swapped == 3 ? "; the file is big-endian, only little-endian files are read" : "";
            throw bad("version " + version + " is not supported (GGUF v2 and v3 are)" + hint);
        }
        long tensorCount = u64("tensor_count");
        long kvCount = u64("metadata_kv_count");
        // the smallest tensor descriptor: 8 (name len) + 4 (n_dims) + 8 (one dim) + 4 (type) + 8 (offset)
        checkCount("tensor_count", tensorCount, 32);
        // the smallest key/value: 8 (key len) + 1 (key) + 4 (type) + 1 (value)
        checkCount("metadata_kv_count", kvCount, 14);
        charge("tensor_count " + tensorCount, tensorCount * TENSOR_HEAP);
        charge("metadata_kv_count " + kvCount, kvCount * ENTRY_HEAP);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string("metadata key #" + i, -1, MAX_KEY_BYTES);
            if (key.isEmpty()) throw bad("metadata key #" + i + " is empty");
            if (metadata.containsKey(key)) throw bad("metadata key '" + key + "' appears twice");
            String field = "metadata '" + key + "'";
            GgufValueType type = valueType(field + " value type");
            metadata.put(key, value(field, type));
        }
        int alignment = alignment(metadata.get("general.alignment"));

        List<GgufTensorInfo> tensors = new ArrayList<>((int) Math.min(tensorCount, 4096));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = string("tensor #" + i + " name", -1, MAX_KEY_BYTES);
            if (!names.add(name)) throw bad("tensor name '" + name + "' appears twice");
            tensors.add(tensorInfo(name, alignment));
        }

        long headerEnd = position();
        long dataStart = (headerEnd + alignment - 1) / alignment * alignment; // headerEnd <= fileSize: no overflow
        if (tensorCount > 0 && dataStart > fileSize)
            throw bad("tensor data would start at byte " + dataStart + ", past the end of the " + fileSize + "-byte file");
        if (tensorCount == 0) dataStart = Math.min(dataStart, fileSize); // unpadded header-only file: empty data section
        checkTensorPlacement(tensors, fileSize - dataStart);
        return new GgufFile(path, (int) version, metadata, tensors, alignment, dataStart, fileSize);
    }

    /** The tensor-data alignment: general.alignment when present (an integer power of two), else 32. */
    private static int alignment(GgufValue al) {
        if (al == null) return DEFAULT_ALIGNMENT;
        if (!al.type().isInteger())
            throw bad("general.alignment " + al.display(4) + " has type " + al.type() + ", expected an unsigned integer");
        long a = (Long) al.value();
        if (a <= 0 || a > MAX_ALIGNMENT || (a & (a - 1)) != 0) {
            String shown = al.type() == GgufValueType.UINT64 ? Long.toUnsignedString(a) : Long.toString(a);
            throw bad("general.alignment " + shown + " is not a power of two in [1, " + MAX_ALIGNMENT + "]");
        }
        return (int) a;
    }

    /** One tensor descriptor after its name: n_dims, ne[], type, offset. */
    private GgufTensorInfo tensorInfo(String name, int alignment) throws IOException {
        String field = "tensor '" + name + "'";
        long nDims = u32(field + " n_dims");
        if (nDims < 1 || nDims > MAX_DIMS)
            throw bad(field + " n_dims " + nDims + " is outside [1, " + MAX_DIMS + "]");
        long[] ne = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            ne[d] = u64(field + " ne[" + d + "]");
            if (ne[d] <= 0)
                throw bad(field + " ne[" + d + "] " + Long.toUnsignedString(ne[d]) + " is not a positive dimension");
            try {
                elements = Math.multiplyExact(elements, ne[d]);
            } catch (ArithmeticException e) {
                throw bad(field + " element count overflows int64: shape " + unsigned(ne));
            }
        }
        long typeId = u32(field + " type");
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) throw bad(field + " has unknown type id " + typeId);
        if (ne[0] % type.blockSize != 0)
            throw bad(field + " ne[0] " + ne[0] + " is not a multiple of " + type + "'s block size " + type.blockSize);
        long size;
        try {
            size = type.byteSize(elements);
        } catch (ArithmeticException e) {
            throw bad(field + " byte size overflows int64: shape " + unsigned(ne) + " of " + type);
        }
        long offset = u64(field + " offset");
        if (offset < 0)
            throw bad(field + " offset " + Long.toUnsignedString(offset) + " is past the end of the " + fileSize + "-byte file");
        if (offset % alignment != 0)
            throw bad(field + " offset " + offset + " is not a multiple of the alignment " + alignment);
        return new GgufTensorInfo(name, ne, type, offset, size);
    }

    /** Every tensor inside the data section, and no two overlapping. */
    private static void checkTensorPlacement(List<GgufTensorInfo> tensors, long dataSize) {
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
    }

    // ---------------------------------------------------------------- values

    /** A scalar or array value of {@code type}; {@code field} names it in errors ("metadata 'k'"). */
    private GgufValue value(String field, GgufValueType type) throws IOException {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> GgufValue.of(type, integer(type, field));
            case FLOAT32 -> GgufValue.of(type, Float.intBitsToFloat((int) u32(field)));
            case FLOAT64 -> GgufValue.of(type, Double.longBitsToDouble(u64(field)));
            case BOOL -> GgufValue.of(type, bool(field));
            case STRING -> GgufValue.of(type, string(field, -1, Long.MAX_VALUE));
            case ARRAY -> GgufValue.of(type, array(field, 1));
        };
    }

    /** An integer of any width, widened to long (u64 above 2^63 reads as negative, as in {@link GgufValue}). */
    private long integer(GgufValueType type, String field) throws IOException {
        return switch (type) {
            case UINT8 -> byte1(field) & 0xff;
            case INT8 -> byte1(field);
            case UINT16 -> short2(field) & 0xffff;
            case INT16 -> short2(field);
            case UINT32 -> u32(field);
            case INT32 -> (int) u32(field);
            case UINT64, INT64 -> u64(field);
            default -> throw new IllegalArgumentException(type + " is not an integer type");
        };
    }

    /** An array at nesting {@code depth} (1 = a top-level value); errors name it by {@code field}. */
    private GgufValue.GgufArray array(String field, int depth) throws IOException {
        if (depth > MAX_ARRAY_DEPTH) throw bad(field + " nests arrays " + depth + " deep, more than " + MAX_ARRAY_DEPTH);
        GgufValueType et = valueType(field + " array element type");
        long n = u64(field + " array length");
        checkCount(field + " array length", n, et.minBytes);
        if (n > Integer.MAX_VALUE - 16)
            throw bad(field + " array length " + n + " exceeds the Java array limit " + (Integer.MAX_VALUE - 16));
        int len = (int) n;
        charge(field + " array of " + n + " " + et, ARRAY_HEAP + n * heapPerElement(et));
        switch (et) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = integer(et, field);
                return new GgufValue.GgufArray(et, a);
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = Float.intBitsToFloat((int) u32(field));
                return new GgufValue.GgufArray(et, a);
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = Double.longBitsToDouble(u64(field));
                return new GgufValue.GgufArray(et, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = bool(field);
                return new GgufValue.GgufArray(et, a);
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = string(field, i, Long.MAX_VALUE);
                return new GgufValue.GgufArray(et, a);
            }
            case ARRAY -> {
                GgufValue.GgufArray[] a = new GgufValue.GgufArray[len];
                for (int i = 0; i < len; i++) a[i] = array(field + "[" + i + "]", depth + 1);
                return new GgufValue.GgufArray(et, a);
            }
        }
        throw new AssertionError(et);
    }

    /** Heap bytes one decoded element takes in its Java array (strings' and nested arrays' own objects apart). */
    private static long heapPerElement(GgufValueType et) {
        return switch (et) {
            case BOOL -> 1;
            case FLOAT32 -> 4;
            default -> 8; // long, double, or a reference
        };
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

    /** A length-prefixed UTF-8 string; {@code index} >= 0 marks element {@code index} of the array {@code field}. */
    private String string(String field, long index, long maxBytes) throws IOException {
        // (messages are built only on failure: a vocabulary is 10^5 strings, and three concatenations
        // each took a fifth to a third of a cold header read)
        long len = buf.remaining() >= 8 ? buf.getLong() : u64(label(field, index) + " length");
        if (len < 0 || len > remaining())
            throw bad(label(field, index) + " length " + Long.toUnsignedString(len) + " runs past the end of the file (" + remaining() + " bytes left)");
        if (len > maxBytes) throw bad(label(field, index) + " length " + len + " exceeds the limit of " + maxBytes + " bytes");
        if (len > Integer.MAX_VALUE - 16)
            throw bad(label(field, index) + " length " + len + " exceeds the Java array limit " + (Integer.MAX_VALUE - 16));
        if (len == 0) return "";
        // the raw bytes, then up to 2 bytes per char once decoded
        long need = STRING_HEAP + 3 * len;
        if (need > heapLeft) charge(label(field, index) + " string of " + len + " bytes", need); // throws
        heapLeft -= need;
        byte[] bytes = new byte[(int) len];
        readFully(bytes, field);
        heapLeft += len; // the raw bytes are garbage once decoded
        // GGUF strings are UTF-8; invalid sequences decode to U+FFFD rather than failing the file.
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String label(String field, long index) {
        return index < 0 ? field : field + "[" + index + "]";
    }

    private void checkCount(String field, long count, long minBytesEach) {
        if (count < 0 || count > remaining() / minBytesEach)
            throw bad(field + " " + Long.toUnsignedString(count) + " exceeds what the remaining " + remaining() + " bytes of the file can hold");
    }

    /** Reserves {@code bytes} of the header's heap allowance for {@code what}, or fails before anything is allocated. */
    private void charge(String what, long bytes) {
        if (bytes < 0 || bytes > heapLeft)
            throw bad(what + " needs about " + (bytes < 0 ? "2^63" : Long.toString(bytes)) + " bytes of heap, more than the "
                    + heapLeft + " left of the " + heapLimit + "-byte allowance for a GGUF header");
        heapLeft -= bytes;
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
        long want = Math.min(buf.capacity(), fileSize - pos);
        while (buf.position() < want) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) break; // the file shrank while reading
        }
        buf.flip();
        if (buf.remaining() < n) throw bad(field + " is cut off by the end of the file at byte " + (pos + buf.remaining()));
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
