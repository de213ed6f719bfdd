package dev.halyard.kernels.quant;

import java.lang.foreign.MemorySegment;

/**
 * The 12 bytes of packed 6-bit scales and mins of Q4_K / Q5_K (ggml's get_scale_min_k4): sub-blocks
 * 0..3 keep scale and min in the low 6 bits of bytes j and j+4; sub-blocks 4..7 keep their low 4 bits
 * in the nibbles of byte j+4 and their top 2 bits in the top bits of bytes j-4 (scale) and j (min).
 */
final class KScales {
    private KScales() {}

    /** Bytes 0..7 of the scales at {@code at}, little-endian. */
    static long low8(MemorySegment w, long at) {
        return w.get(Bytes.I64, at);
    }

    /** Bytes 8..11. */
    static int high4(MemorySegment w, long at) {
        return w.get(Bytes.I32, at + 8);
    }

    private static int b(int k, long lo, int hi) {
        return k < 8 ? (int) (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 8))) & 0xff;
    }

    /** Scale of sub-block j (0..7), 0..63. */
    static int scale(int j, long lo, int hi) {
        return j < 4 ? b(j, lo, hi) & 63 : (b(j + 4, lo, hi) & 0x0F) | ((b(j - 4, lo, hi) >> 6) << 4);
    }

    /** Min of sub-block j (0..7), 0..63. */
    static int min(int j, long lo, int hi) {
        return j < 4 ? b(j + 4, lo, hi) & 63 : (b(j + 4, lo, hi) >> 4) | ((b(j, lo, hi) >> 6) << 4);
    }
}
