package dev.halyard.model.gguf;

import java.util.Arrays;

/**
 * One metadata value with its exact GGUF type. {@code value} is a {@link Long} for every integer type
 * (UINT64 above 2^63 reads as negative), {@link Float}, {@link Double}, {@link Boolean}, {@link String},
 * or a {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    public static GgufValue of(GgufValueType type, Object value) {
        return new GgufValue(type, value);
    }

    public static GgufValue string(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue u32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue i32(long v) {
        return new GgufValue(GgufValueType.INT32, v);
    }

    public static GgufValue f32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue array(GgufArray a) {
        return new GgufValue(GgufValueType.ARRAY, a);
    }

    /** A short human-readable rendering (arrays abbreviated), for {@code halyard inspect}. */
    public String display(int maxItems) {
        if (value instanceof GgufArray a) return a.display(maxItems);
        if (value instanceof String s) {
            String t = s.length() > 200 ? s.substring(0, 200) + "…(" + s.length() + " chars)" : s;
            return '"' + t.replace("\n", "\\n") + '"';
        }
        return String.valueOf(value);
    }

    /**
     * An array value. {@code values} is long[] (integer elements), float[], double[], boolean[],
     * String[] or GgufArray[] (nested arrays).
     */
    public record GgufArray(GgufValueType elementType, Object values) {
        public int length() {
            return switch (values) {
                case long[] a -> a.length;
                case float[] a -> a.length;
                case double[] a -> a.length;
                case boolean[] a -> a.length;
                case Object[] a -> a.length;
                default -> throw new IllegalStateException("bad array storage " + values.getClass());
            };
        }

        String display(int maxItems) {
            int n = length();
            String items = switch (values) {
                case long[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, maxItems)));
                case float[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, maxItems)));
                case double[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, maxItems)));
                case boolean[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, maxItems)));
                case Object[] a -> Arrays.toString(Arrays.copyOf(a, Math.min(n, maxItems)));
                default -> "?";
            };
            return elementType + "[" + n + "] " + (n > maxItems ? items.substring(0, items.length() - 1) + ", …]" : items);
        }
    }
}
