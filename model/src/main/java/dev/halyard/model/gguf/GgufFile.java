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

    /** Bytes read at a time, 16 huge pages: each chunk's page size is chosen by {@link PageChoice}. */
    static final int CHUNK = 32 << 20;

    /**
     * {@link #load(Arena, LoadMode)} with {@code room} spare bytes after the data (READ only), for
     * layouts that grow when repacked in place (see {@code Weights}). READ puts the data on 2 MiB pages
     * where Linux offers them ({@link HugePages}), chunk by chunk unless 4 KiB pages measure much
     * cheaper to fill on this machine ({@link PageChoice}); otherwise into ordinary off-heap memory.
     */
    public MemorySegment load(Arena arena, LoadMode mode, long room) throws IOException {
        return load(arena, mode, room, CHUNK, PageChoice.configured());
    }

    /**
     * {@link #load(Arena, LoadMode, long)} reading {@code chunk} bytes at a time, their page sizes chosen
     * by {@code choice} (tests: several chunks of a small file, chosen as they like).
     */
    MemorySegment load(Arena arena, LoadMode mode, long room, int chunk, PageChoice choice) throws IOException {
        if (chunk <= 0) throw new IllegalArgumentException("chunk must be positive, got " + chunk);
        long size = fileSize - dataStart;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() != fileSize) throw new IOException(path + " changed size while loading");
            if (mode == LoadMode.MMAP) return ch.map(FileChannel.MapMode.READ_ONLY, dataStart, size, arena);
            long total = Math.max(size + room, 1);
            MemorySegment seg = HugePages.allocate(arena, total, false); // pages advised chunk by chunk: PageChoice
            if (seg == null) {
                seg = arena.allocate(total, 64);
                choice = null;
            }
            long done = 0;
            while (done < size) {
                int n = (int) Math.min(chunk, size - done);
                boolean huge = choice != null && choice.nextHuge();
                if (choice != null) HugePages.advise(seg, done, n, huge);
                long t0 = System.nanoTime();
                ByteBuffer bb = seg.asSlice(done, n).asByteBuffer();
                while (bb.hasRemaining()) {
                    int r = ch.read(bb, dataStart + done + bb.position());
                    if (r < 0) throw new IOException(path + ": unexpected end of file while reading tensor data");
                }
                if (choice != null) choice.record(huge, n, System.nanoTime() - t0);
                done += n;
            }
            if (choice != null && total > size) HugePages.advise(seg, size, total - size, choice.nextHuge()); // the repacking's room
            // chunks read onto 4 KiB pages: khugepaged may merge them into huge pages later, in the
            // background at its own pace (16 MiB per 10 s by default), where the read could not afford to
            if (choice != null && choice.smallBytes() > 0) HugePages.advise(seg, 0, size, true);
            return seg;
        }
    }
}
