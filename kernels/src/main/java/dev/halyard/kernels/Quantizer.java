package dev.halyard.kernels;

/**
 * Float to GGUF tensor bytes, following ggml's reference ("_ref") quantisers, so files Halyard writes
 * hold the same blocks llama.cpp's own {@code quantize} tool would produce without an importance
 * matrix. Supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 (here) and Q4_K, Q5_K, Q6_K, Q8_K
 * (in {@link KQuants}).
 *
 * <p>Block layouts (little-endian, {@code d}/{@code m} are IEEE halves unless noted):
 * <pre>
 * Q8_0  32 el, 34 B: d, qs[32] int8                    x = d*q
 * Q4_0  32 el, 18 B: d, qs[16] (lo nibble: el j, hi: el j+16)      x = d*(q-8)
 * Q4_1  32 el, 20 B: d, m, qs[16]                                  x = d*q + m
 * Q5_0  32 el, 22 B: d, qh u32 (bit j = 5th bit of el j), qs[16]   x = d*(q-16)
 * Q5_1  32 el, 24 B: d, m, qh u32, qs[16]                          x = d*q + m
 * </pre>
 */
public final class Quantizer {
    private Quantizer() {}

    /** Whether {@link #quantize} can produce {@code type}. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q8_K -> true;
            default -> false;
        };
    }

    /** Quantises all of {@code src} (a whole number of blocks) into a new array. */
    public static byte[] quantize(GgmlType type, float[] src) {
        long size = type.byteSize(src.length);
        if (size < 0) throw new IllegalArgumentException("length must be a multiple of " + type + "'s block size " + type.blockSize + ", got " + src.length);
        byte[] dst = new byte[Math.toIntExact(size)];
        quantize(type, src, 0, src.length, dst, 0);
        return dst;
    }

    /**
     * Quantises {@code src[srcOffset .. srcOffset+n)} into {@code dst} from {@code dstOffset}.
     *
     * @return bytes written, {@code type.byteSize(n)}
     */
    public static int quantize(GgmlType type, float[] src, int srcOffset, int n, byte[] dst, int dstOffset) {
        if (!supports(type)) throw new IllegalArgumentException("cannot quantise to " + type + "; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q8_K");
        if (n < 0 || n % type.blockSize != 0) throw new IllegalArgumentException("n must be a non-negative multiple of " + type + "'s block size " + type.blockSize + ", got " + n);
        int bytes = Math.toIntExact(type.byteSize(n));
        if (srcOffset < 0 || srcOffset > src.length - n) throw new IndexOutOfBoundsException("src range [" + srcOffset + ", +" + n + ") outside length " + src.length);
        if (dstOffset < 0 || dstOffset > dst.length - bytes) throw new IndexOutOfBoundsException("dst range [" + dstOffset + ", +" + bytes + ") outside length " + dst.length);
        int blocks = n / type.blockSize;
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * type.blockSize;
            int y = dstOffset + b * type.typeSize;
            switch (type) {
                case F32 -> putI32(dst, y, Float.floatToRawIntBits(src[x]));
                case F16 -> putI16(dst, y, Float16.fromFloat(src[x]));
                case BF16 -> putI16(dst, y, Float16.floatToBf16(src[x]));
                case Q8_0 -> q8_0(src, x, dst, y);
                case Q4_0 -> q4_0(src, x, dst, y);
                case Q4_1 -> q4_1(src, x, dst, y);
                case Q5_0 -> q5_0(src, x, dst, y);
                case Q5_1 -> q5_1(src, x, dst, y);
                case Q4_K -> KQuants.q4K(src, x, dst, y);
                case Q5_K -> KQuants.q5K(src, x, dst, y);
                case Q6_K -> KQuants.q6K(src, x, dst, y);
                case Q8_K -> KQuants.q8K(src, x, dst, y);
                default -> throw new AssertionError(type);
            }
        }
        return bytes;
    }

    // ---------------------------------------------------------------- 32-element blocks

    /** Symmetric 8-bit: d = amax/127, q = round-half-away(x/d). */
    private static void q8_0(float[] x, int o, byte[] y, int p) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putI16(y, p, Float16.fromFloat(d));
        for (int j = 0; j < 32; j++) y[p + 2 + j] = (byte) roundAway(x[o + j] * id);
    }

    /** Symmetric 4-bit around the largest-magnitude element, which maps to -8 exactly. */
    private static void q4_0(float[] x, int o, byte[] y, int p) {
        float max = signedAbsMax(x, o, 32);
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putI16(y, p, Float16.fromFloat(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[o + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[o + 16 + j] * id + 8.5f));
            y[p + 2 + j] = (byte) (lo | hi << 4);
        }
    }

    /** Asymmetric 4-bit: [min, max] split into 15 steps. */
    private static void q4_1(float[] x, int o, byte[] y, int p) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[o + j]);
            max = Math.max(max, x[o + j]);
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putI16(y, p, Float16.fromFloat(d));
        putI16(y, p + 2, Float16.fromFloat(min));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) ((x[o + j] - min) * id + 0.5f));
            int hi = Math.min(15, (int) ((x[o + 16 + j] - min) * id + 0.5f));
            y[p + 4 + j] = (byte) (lo | hi << 4);
        }
    }

    /** Symmetric 5-bit: like Q4_0 with -16..15; the 5th bits go to a 32-bit mask. */
    private static void q5_0(float[] x, int o, byte[] y, int p) {
        float max = signedAbsMax(x, o, 32);
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putI16(y, p, Float16.fromFloat(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (int) (x[o + j] * id + 16.5f));
            int hi = Math.min(31, (int) (x[o + 16 + j] * id + 16.5f));
            y[p + 6 + j] = (byte) ((lo & 0xf) | (hi & 0xf) << 4);
            qh |= (lo >> 4) << j;
            qh |= (hi >> 4) << (j + 16);
        }
        putI32(y, p + 2, qh);
    }

    /** Asymmetric 5-bit: [min, max] split into 31 steps. */
    private static void q5_1(float[] x, int o, byte[] y, int p) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[o + j]);
            max = Math.max(max, x[o + j]);
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putI16(y, p, Float16.fromFloat(d));
        putI16(y, p + 2, Float16.fromFloat(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (int) ((x[o + j] - min) * id + 0.5f) & 0xff;
            int hi = (int) ((x[o + 16 + j] - min) * id + 0.5f) & 0xff;
            y[p + 8 + j] = (byte) ((lo & 0xf) | (hi & 0xf) << 4);
            qh |= ((lo >> 4) & 1) << j;
            qh |= ((hi >> 4) & 1) << (j + 16);
        }
        putI32(y, p + 4, qh);
    }

    /** The element of largest magnitude, with its sign (the first one on ties). */
    static float signedAbsMax(float[] x, int o, int n) {
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    // ---------------------------------------------------------------- rounding and bytes

    /** C's roundf: halves away from zero. */
    static int roundAway(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -a : a);
    }

    /** ggml's nearest_int: round half to even (valid for |v| < 2^22, as in ggml). */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    static void putI16(byte[] b, int p, short v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
    }

    static void putI32(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
        b[p + 2] = (byte) (v >> 16);
        b[p + 3] = (byte) (v >> 24);
    }
}
