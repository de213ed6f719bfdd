package dev.halyard.model.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF header: version, metadata, tensor descriptors and where tensor data starts. Typed
 * accessors fail with a message naming the key when a value is missing or has the wrong type.
 */
public final class GgufFile {
    private final Path path;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName = new LinkedHashMap<>();
    private final int alignment;
    private final long dataStart;
    private final long fileSize;

    GgufFile(Path path, int version, Map<String, GgufValue> metadata, List<GgufTensorInfo> tensors,
             int alignment, long dataStart, long fileSize) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        for (GgufTensorInfo t : tensors) tensorsByName.put(t.name(), t);
        this.alignment = alignment;
        this.dataStart = dataStart;
        this.fileSize = fileSize;
    }

    public static GgufFile read(Path path) throws IOException {
        return GgufReader.read(path);
    }

    public Path path() { return path; }
    public int version() { return version; }
    public Map<String, GgufValue> metadata() { return metadata; }
    public List<GgufTensorInfo> tensors() { return tensors; }
    public int alignment() { return alignment; }
    public long dataStart() { return dataStart; }
    public long fileSize() { return fileSize; }

    public GgufTensorInfo tensor(String name) {
        return tensorsByName.get(name);
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    // ---------------------------------------------------------------- typed metadata

    public String getString(String key, String fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.value() instanceof String s) return s;
        throw wrongType(key, v, "a string");
    }

    public String requireString(String key) {
        String s = getString(key, null);
        if (s == null) throw missing(key);
        return s;
    }

    public long getLong(String key, long fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.value() instanceof Long l) return l;
        throw wrongType(key, v, "an integer");
    }

    public long requireLong(String key) {
        if (!metadata.containsKey(key)) throw missing(key);
        return getLong(key, 0);
    }

    /** An integer that must fit an int and be within [min, max]. */
    public int requireInt(String key, int min, int max) {
        return checkRange(key, requireLong(key), min, max);
    }

    public int getInt(String key, int fallback, int min, int max) {
        if (!metadata.containsKey(key)) return fallback;
        return checkRange(key, getLong(key, 0), min, max);
    }

    private static int checkRange(String key, long v, int min, int max) {
        if (v < min || v > max) throw new GgufFormatException("invalid model: " + key + " is " + v + ", must be in [" + min + ", " + max + "]");
        return (int) v;
    }

    public float getFloat(String key, float fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.value() instanceof Float f) return f;
        if (v.value() instanceof Double d) return d.floatValue();
        if (v.value() instanceof Long l) return l;
        throw wrongType(key, v, "a number");
    }

    public boolean getBool(String key, boolean fallback) {
        GgufValue v = metadata.get(key);
        if (v == null) return fallback;
        if (v.value() instanceof Boolean b) return b;
        throw wrongType(key, v, "a bool");
    }

    public String[] getStringArray(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return null;
        if (v.value() instanceof GgufValue.GgufArray a && a.values() instanceof String[] s) return s;
        throw wrongType(key, v, "an array of strings");
    }

    public float[] getFloatArray(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return null;
        if (v.value() instanceof GgufValue.GgufArray a) {
            if (a.values() instanceof float[] f) return f;
            if (a.values() instanceof double[] d) {
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
                return f;
            }
        }
        throw wrongType(key, v, "an array of floats");
    }

    public long[] getIntArray(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return null;
        if (v.value() instanceof GgufValue.GgufArray a && a.values() instanceof long[] l) return l;
        throw wrongType(key, v, "an array of integers");
    }

    private static GgufFormatException missing(String key) {
        return new GgufFormatException("invalid model: metadata key '" + key + "' is missing");
    }

    private static GgufFormatException wrongType(String key, GgufValue v, String expected) {
        String got = v.value() instanceof GgufValue.GgufArray a ? "array of " + a.elementType() : v.type().toString();
        return new GgufFormatException("invalid model: metadata '" + key + "' is " + got + ", expected " + expected);
    }

    // ---------------------------------------------------------------- tensor data

    /** How tensor data reaches memory. */
    public enum LoadMode {
        /** Read into off-heap memory the process owns (default: immune to page-cache eviction). */
        READ,
        /** Memory-map the file (fast start, but pages can be evicted while generating). */
        MMAP
    }

    /**
     * Brings the tensor data section into memory owned by {@code arena}. Close the arena to free it.
     * The returned segment starts at the data section; tensor offsets index into it.
     */
    public MemorySegment load(Arena arena, LoadMode mode) throws IOException {
        return load(arena, mode, 0);
    }

    /**
     * {@link #load(Arena, LoadMode)} with {@code room} spare bytes after the data (READ only), for
     * layouts that grow when repacked in place (see {@code Weights}).
     */
    public MemorySegment load(Arena arena, LoadMode mode, long room) throws IOException {
        long size = fileSize - dataStart;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() != fileSize) throw new IOException(path + " changed size while loading");
            if (mode == LoadMode.MMAP) return ch.map(FileChannel.MapMode.READ_ONLY, dataStart, size, arena);
            MemorySegment seg = HugePages.allocate(arena, Math.max(size + room, 1)); // 2 MiB pages: prompts +3-5%
            if (seg == null) seg = arena.allocate(Math.max(size + room, 1), 64);
            long done = 0;
            final long chunk = 1L << 26;
            while (done < size) {
                int n = (int) Math.min(chunk, size - done);
                ByteBuffer bb = seg.asSlice(done, n).asByteBuffer();
                while (bb.hasRemaining()) {
                    int r = ch.read(bb, dataStart + done + bb.position());
                    if (r < 0) throw new IOException(path + ": unexpected end of file while reading tensor data");
                }
                done += n;
            }
            return seg;
        }
    }
}
