package dev.halyard.model.gguf;

import dev.halyard.kernels.GgmlType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF v3 file: metadata of every value type (nested arrays included), tensor descriptors, and
 * tensor data, each tensor starting at a multiple of {@code general.alignment} (32 when absent).
 *
 * <p>Collect metadata with {@link #put} and tensors with {@link #tensor}; {@link #write} then streams
 * everything to a temporary file beside the target, forces it to disk and renames it over the target,
 * so readers never see a half-written model. Tensor data can come from a {@link TensorData} callback
 * that is only invoked during {@code write}, so multi-gigabyte models never sit in memory whole.
 *
 * <pre>{@code
 * new GgufWriter()
 *     .put("general.architecture", GgufValue.string("llama"))
 *     .tensor("output_norm.weight", new long[] {64}, GgmlType.F32, bytes)
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {

    /** Produces the bytes of one tensor, exactly {@code type.byteSize(elements)} of them, in order. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(OutputStream out) throws IOException;
    }

    private record PendingTensor(String name, long[] ne, GgmlType type, long byteSize, TensorData data) {}

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    /** Adds (or replaces) one metadata entry; entries are written in insertion order. */
    public GgufWriter put(String key, GgufValue value) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("metadata key must be a non-empty string");
        if (key.getBytes(StandardCharsets.UTF_8).length > GgufReader.MAX_KEY_BYTES)
            throw new IllegalArgumentException("metadata key '" + key + "' is longer than " + GgufReader.MAX_KEY_BYTES + " bytes");
        checkValue(key, value, 0);
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor whose bytes are already in memory. */
    public GgufWriter tensor(String name, long[] ne, GgmlType type, byte[] bytes) {
        long size = checkTensor(name, ne, type);
        if (bytes.length != size)
            throw new IllegalArgumentException("tensor '" + name + "' has " + bytes.length + " bytes, expected " + size + " for shape " + java.util.Arrays.toString(ne) + " of " + type);
        return add(new PendingTensor(name, ne.clone(), type, size, out -> out.write(bytes)));
    }

    /** Adds a tensor whose bytes {@code data} produces while the file is written. */
    public GgufWriter tensor(String name, long[] ne, GgmlType type, TensorData data) {
        long size = checkTensor(name, ne, type);
        return add(new PendingTensor(name, ne.clone(), type, size, data));
    }

    private GgufWriter add(PendingTensor t) {
        tensors.add(t);
        tensorNames.add(t.name());
        return this;
    }

    private long checkTensor(String name, long[] ne, GgmlType type) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name must be a non-empty string");
        if (name.getBytes(StandardCharsets.UTF_8).length > GgufReader.MAX_KEY_BYTES)
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than " + GgufReader.MAX_KEY_BYTES + " bytes");
        if (tensorNames.contains(name)) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        if (ne.length < 1 || ne.length > GgufReader.MAX_DIMS)
            throw new IllegalArgumentException("tensor '" + name + "' has " + ne.length + " dimensions, must be in [1, " + GgufReader.MAX_DIMS + "]");
        long elements = 1;
        for (int d = 0; d < ne.length; d++) {
            if (ne[d] <= 0) throw new IllegalArgumentException("tensor '" + name + "' ne[" + d + "] is " + ne[d] + ", must be positive");
            elements = Math.multiplyExact(elements, ne[d]);
        }
        if (ne[0] % type.blockSize != 0)
            throw new IllegalArgumentException("tensor '" + name + "' ne[0] " + ne[0] + " is not a multiple of " + type + "'s block size " + type.blockSize);
        return type.byteSize(elements);
    }

    /** The alignment tensor data will use: {@code general.alignment}, or 32. */
    int alignment() {
        GgufValue v = metadata.get("general.alignment");
        return v == null ? GgufReader.DEFAULT_ALIGNMENT : (int) (long) (Long) v.value();
    }

    // ---------------------------------------------------------------- writing

    /** Writes the file atomically: temporary file in the same folder, fsync, rename over {@code path}. */
    public void write(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        // a fresh name beside the target (same file system, so the rename is atomic); created with the
        // default permissions, unlike Files.createTempFile's owner-only ones
        Path tmp = dir.resolve(abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        boolean done = false;
        try {
            try (ch) {
                writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some file systems cannot sync a directory; the file itself is already on disk
        }
    }

    private void writeTo(FileChannel ch) throws IOException {
        int alignment = alignment();
        long[] offsets = new long[tensors.size()];
        long offset = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offsets[i] = offset;
            offset = align(offset + tensors.get(i).byteSize(), alignment);
        }
        try (ChannelOutput out = new ChannelOutput(ch)) {
            out.u32(GgufReader.MAGIC);
            out.u32(3);
            out.u64(tensors.size());
            out.u64(metadata.size());
            for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
                out.string(e.getKey());
                out.u32(e.getValue().type().id);
                writeValue(out, e.getValue().type(), e.getValue().value());
            }
            for (int i = 0; i < tensors.size(); i++) {
                PendingTensor t = tensors.get(i);
                out.string(t.name());
                out.u32(t.ne().length);
                for (long d : t.ne()) out.u64(d);
                out.u32(t.type().id);
                out.u64(offsets[i]);
            }
            out.pad(alignment);
            long dataStart = out.position();
            for (int i = 0; i < tensors.size(); i++) {
                PendingTensor t = tensors.get(i);
                long start = out.position();
                if (start - dataStart != offsets[i]) throw new IllegalStateException("tensor '" + t.name() + "' landed at " + (start - dataStart) + ", planned " + offsets[i]);
                t.data().writeTo(out);
                long written = out.position() - start;
                if (written != t.byteSize())
                    throw new IOException("tensor '" + t.name() + "' data source wrote " + written + " bytes, expected " + t.byteSize());
                out.pad(alignment);
            }
        }
    }

    private static long align(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private static void writeValue(ChannelOutput out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((int) (long) (Long) value);
            case UINT16, INT16 -> out.u16((int) (long) (Long) value);
            case UINT32, INT32 -> out.u32((int) (long) (Long) value);
            case UINT64, INT64 -> out.u64((Long) value);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) value));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) value));
            case BOOL -> out.u8((Boolean) value ? 1 : 0);
            case STRING -> out.string((String) value);
            case ARRAY -> writeArray(out, (GgufValue.GgufArray) value);
        }
    }

    private static void writeArray(ChannelOutput out, GgufValue.GgufArray a) throws IOException {
        GgufValueType et = a.elementType();
        out.u32(et.id);
        out.u64(a.length());
        switch (a.values()) {
            case long[] v -> { for (long x : v) writeValue(out, et, x); }
            case float[] v -> { for (float x : v) out.u32(Float.floatToRawIntBits(x)); }
            case double[] v -> { for (double x : v) out.u64(Double.doubleToRawLongBits(x)); }
            case boolean[] v -> { for (boolean x : v) out.u8(x ? 1 : 0); }
            case String[] v -> { for (String x : v) out.string(x); }
            case GgufValue.GgufArray[] v -> { for (GgufValue.GgufArray x : v) writeArray(out, x); }
            default -> throw new IllegalStateException("bad array storage " + a.values().getClass());
        }
    }

    // ---------------------------------------------------------------- validation

    /** Checks a value's Java storage matches its GGUF type and integers fit, so write never fails half-way. */
    private static void checkValue(String key, GgufValue v, int depth) {
        if (v == null || v.type() == null) throw new IllegalArgumentException("metadata '" + key + "' has no value");
        checkScalar(key, v.type(), v.value(), depth);
    }

    private static void checkScalar(String key, GgufValueType type, Object value, int depth) {
        boolean ok = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> value instanceof Long l && fits(type, l);
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof GgufValue.GgufArray a && checkArray(key, a, depth + 1);
        };
        if (!ok) throw new IllegalArgumentException("metadata '" + key + "': value " + describe(value) + " does not fit GGUF type " + type);
        if ("general.alignment".equals(key)) {
            long a = type.isInteger() ? (Long) value : -1;
            if (a <= 0 || a > (1 << 20) || (a & (a - 1)) != 0)
                throw new IllegalArgumentException("general.alignment must be an integer power of two in [1, 1048576], got " + describe(value));
        }
    }

    private static boolean checkArray(String key, GgufValue.GgufArray a, int depth) {
        if (depth > GgufReader.MAX_ARRAY_DEPTH) throw new IllegalArgumentException("metadata '" + key + "' nests arrays deeper than " + GgufReader.MAX_ARRAY_DEPTH);
        GgufValueType et = a.elementType();
        return switch (a.values()) {
            case long[] v -> {
                if (!et.isInteger()) yield false;
                for (long x : v) if (!fits(et, x)) throw new IllegalArgumentException("metadata '" + key + "': element " + x + " does not fit " + et);
                yield true;
            }
            case float[] v -> et == GgufValueType.FLOAT32;
            case double[] v -> et == GgufValueType.FLOAT64;
            case boolean[] v -> et == GgufValueType.BOOL;
            case String[] v -> {
                for (String s : v) if (s == null) throw new IllegalArgumentException("metadata '" + key + "' holds a null string");
                yield et == GgufValueType.STRING;
            }
            case GgufValue.GgufArray[] v -> {
                if (et != GgufValueType.ARRAY) yield false;
                for (GgufValue.GgufArray x : v) if (x == null || !checkArray(key, x, depth + 1)) yield false;
                yield true;
            }
            default -> false;
        };
    }

    private static boolean fits(GgufValueType t, long v) {
        return switch (t) {
            case UINT8 -> v >= 0 && v <= 0xff;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xffff;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xffffffffL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            case UINT64, INT64 -> true; // UINT64 above 2^63 is stored as a negative long, as the reader returns it
            default -> false;
        };
    }

    private static String describe(Object value) {
        return value == null ? "null" : value + " (" + value.getClass().getSimpleName() + ")";
    }

    // ---------------------------------------------------------------- output

    /** A little-endian buffered stream over a channel that knows its position. */
    private static final class ChannelOutput extends OutputStream {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long flushed;

        ChannelOutput(FileChannel ch) {
            this.ch = ch;
        }

        long position() {
            return flushed + buf.position();
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) flushBuffer();
        }

        void u8(int v) throws IOException { room(1); buf.put((byte) v); }
        void u16(int v) throws IOException { room(2); buf.putShort((short) v); }
        void u32(int v) throws IOException { room(4); buf.putInt(v); }
        void u64(long v) throws IOException { room(8); buf.putLong(v); }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }

        void pad(int alignment) throws IOException {
            long p = position();
            long n = align(p, alignment) - p;
            for (long i = 0; i < n; i++) u8(0);
        }

        @Override
        public void write(int b) throws IOException {
            u8(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (!buf.hasRemaining()) flushBuffer();
                int n = Math.min(len, buf.remaining());
                buf.put(b, off, n);
                off += n;
                len -= n;
            }
        }

        private void flushBuffer() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) flushed += ch.write(buf);
            buf.clear();
        }

        @Override
        public void close() throws IOException {
            flushBuffer();
        }
    }
}
