package dev.halyard.kernels.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian, unaligned scalar reads from a weight segment (ggml files are little-endian). */
final class Bytes {
    private Bytes() {}

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle INT_LE = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN),
            LONG_LE = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The little-endian long at b[at .. at + 8). */
    static long getLongLE(byte[] b, int at) {
        return (long) LONG_LE.get(b, at);
    }

    /** The little-endian int at b[at .. at + 4). */
    static int getIntLE(byte[] b, int at) {
        return (int) INT_LE.get(b, at);
    }

    /**
     * The f16 scales that open four ggml blocks (at src[blk[r]]), widened exactly to f32 bits, into
     * dst[at .. at + 16): the head of a Q4_0 or Q5_0 tiled block column.
     */
    static void putHalvesAsFloats(byte[] src, int[] blk, byte[] dst, int at) {
        for (int r = 0; r < 4; r++) putIntLE(dst, at + 4 * r, halfToFloatBits((short) ((src[blk[r]] & 0xff) | src[blk[r] + 1] << 8)));
    }

    /** Writes v little-endian into b[at .. at + 4) (the tiled layouts' load-time rewriting). */
    static void putIntLE(byte[] b, int at, int v) {
        INT_LE.set(b, at, v);
    }

    /** An IEEE half (ggml_half) at {@code at}, widened exactly. */
    static float half(MemorySegment w, long at) {
        return Float.float16ToFloat(w.get(I16, at));
    }

    /**
     * The f32 bits of a half: {@link Float#float16ToFloat} for finite values (exact), and for infinities
     * and NaNs the same sign and payload by integer arithmetic, so that {@link #floatBitsToHalf} gives
     * any half's bits back whatever the JVM does with NaN floats (C2 converts with the CPU's half
     * instructions, which quiet a signalling NaN). For the tiled layouts that widen a block's f16 scale
     * to f32 bits: their {@code untile} must give back the very bytes of any block.
     */
    static int halfToFloatBits(short h) {
        if ((h & 0x7c00) != 0x7c00) return Float.floatToRawIntBits(Float.float16ToFloat(h));
        return (h & 0x8000) << 16 | 0x7f800000 | (h & 0x3ff) << 13;
    }

    /** The inverse of {@link #halfToFloatBits}. */
    static short floatBitsToHalf(int bits) {
        if ((bits & 0x7f800000) != 0x7f800000) return Float.floatToFloat16(Float.intBitsToFloat(bits));
        return (short) (bits >>> 16 & 0x8000 | 0x7c00 | (bits >>> 13) & 0x3ff);
    }

    /** A signed byte (int8_t). */
    static int i8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at);
    }

    /** An unsigned byte (uint8_t). */
    static int u8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }
}
