package dev.halyard.model.arch;

import dev.halyard.kernels.AttentionOps;

/**
 * How a {@link KvCache} stores keys and values: IEEE halves (llama.cpp's default, half the memory and
 * half the bytes attention reads), plain floats (exact, for comparisons against an F32 reference), or
 * 8-bit integers with one float scale per 32 elements of a row (llama.cpp's q8_0 cache type: 36
 * bytes per 32 elements, 56% of F16's memory; on the machines measured no faster to attend over than
 * F16, whose widening costs per run of rows rather than per byte).
 */
public enum KvType {
    F16,
    F32,
    Q8_0;

    /** Bytes of one stored row (one head's key or value at one position) of n elements. */
    public long rowBytes(int n) {
        return switch (this) {
            case F16 -> 2L * n;
            case F32 -> 4L * n;
            case Q8_0 -> AttentionOps.q8RowBytes(n); // per 32 elements a float scale, then the int8s
        };
    }

    /** "f16", "f32" or "q8_0" (any case) as a type; the message names the value and the choices. */
    public static KvType parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f16" -> F16;
            case "f32" -> F32;
            case "q8_0" -> Q8_0;
            default -> throw new IllegalArgumentException("KV cache type must be f16, f32 or q8_0, got '" + s + "'");
        };
    }

    /** The name {@link #parse} takes: "f16", "f32" or "q8_0". */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
