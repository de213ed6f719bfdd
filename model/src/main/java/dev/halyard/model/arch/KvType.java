package dev.halyard.model.arch;

/**
 * How a {@link KvCache} stores keys and values: IEEE halves (llama.cpp's default, half the memory and
 * half the bytes attention reads) or plain floats (exact, for comparisons against an F32 reference).
 */
public enum KvType {
    F16(2),
    F32(4);

    /** Bytes per stored element. */
    public final int bytes;

    KvType(int bytes) {
        this.bytes = bytes;
    }

    /** "f16" or "f32" (any case) as a type; the message names the value and the choices. */
    public static KvType parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f16" -> F16;
            case "f32" -> F32;
            default -> throw new IllegalArgumentException("KV cache type must be f16 or f32, got '" + s + "'");
        };
    }
}
