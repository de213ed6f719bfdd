package dev.halyard.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tiled layouts widen each block's f16 scale to f32 bits; {@code untile} must give back the very
 * bytes of any block, NaN payloads included, also once C2 compiles the conversion (its half
 * instructions quiet a signalling NaN). Every half pattern, over enough rounds to reach compiled code.
 */
class TiledScaleBitsTest {

    private static final int ROUNDS = 6; // 6 x 65536 conversions: well past C2's thresholds

    @Test
    void every_half_survives_widening_to_f32_bits_and_back_and_finite_ones_widen_to_their_value() {
        for (int round = 0; round < ROUNDS; round++)
            for (int h = 0; h < 65536; h++) {
                int bits = Bytes.halfToFloatBits((short) h);
                if ((short) h != Bytes.floatBitsToHalf(bits))
                    assertEquals(Integer.toHexString(h), Integer.toHexString(Bytes.floatBitsToHalf(bits) & 0xffff), "round " + round);
                if ((h & 0x7c00) != 0x7c00 && bits != Float.floatToRawIntBits(Float.float16ToFloat((short) h)))
                    assertEquals(Float.float16ToFloat((short) h), Float.intBitsToFloat(bits), "half 0x" + Integer.toHexString(h));
                if ((h & 0x7c00) == 0x7c00) { // infinities and NaNs: all ones exponent, same sign and payload
                    assertEquals(0x7f800000, bits & 0x7f800000, "half 0x" + Integer.toHexString(h));
                    assertEquals((h & 0x3ff) << 13 | (h & 0x8000) << 16, bits & 0x807fffff, "half 0x" + Integer.toHexString(h));
                }
            }
    }

    @Test
    void q4_0_and_q5_0_columns_give_back_every_block_whatever_its_scale_bits() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int round = 0; round < ROUNDS; round++) {
            roundTrip(rnd, Q4_0Kernel.BYTES, Q4_0Kernel.TILE_COLUMN, false);
            roundTrip(rnd, Q5_0Kernel.BYTES, Q5_0Kernel.TILE_COLUMN, true);
        }
    }

    /** Every half pattern as some row's scale, four rows per column, random quants. */
    private static void roundTrip(SplittableRandom rnd, int bytes, int column, boolean q5) {
        byte[] src = new byte[4 * bytes], dst = new byte[column], back = new byte[bytes];
        int[] blk = {0, bytes, 2 * bytes, 3 * bytes};
        MemorySegment tiled = MemorySegment.ofArray(dst);
        for (int h0 = 0; h0 < 65536; h0 += 4) {
            rnd.nextBytes(src);
            for (int r = 0; r < 4; r++) {
                src[blk[r]] = (byte) (h0 + r);
                src[blk[r] + 1] = (byte) ((h0 + r) >> 8);
            }
            if (q5) Q5_0Kernel.tileColumn(src, blk, dst, 0);
            else Q4_0Kernel.tileColumn(src, blk, dst, 0);
            for (int r = 0; r < 4; r++) {
                if (q5) Q5_0Kernel.untileBlock(tiled, 0, r, back);
                else Q4_0Kernel.untileBlock(tiled, 0, r, back);
                for (int i = 0; i < bytes; i++)
                    if (back[i] != src[blk[r] + i])
                        assertEquals(src[blk[r] + i], back[i], (q5 ? "Q5_0" : "Q4_0") + " scale 0x" + Integer.toHexString(h0 + r) + ", byte " + i);
            }
        }
    }
}
