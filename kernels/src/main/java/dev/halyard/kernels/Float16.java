package dev.halyard.kernels;

/** IEEE half and bfloat16 conversions (the JDK's Float.float16ToFloat is exact and intrinsified). */
public final class Float16 {
    private Float16() {}

    public static float toFloat(short h) {
        return Float.float16ToFloat(h);
    }

    public static short fromFloat(float f) {
        return Float.floatToFloat16(f);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Round-to-nearest-even, as ggml does (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 64);
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }
}
