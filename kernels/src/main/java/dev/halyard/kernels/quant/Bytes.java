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

    /** An IEEE half (ggml_half) at {@code at}, widened exactly. */
    static float half(MemorySegment w, long at) {
        return Float.float16ToFloat(w.get(I16, at));
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
