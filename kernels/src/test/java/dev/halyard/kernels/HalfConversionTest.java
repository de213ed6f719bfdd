package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Every one of the 65536 F16 and BF16 bit patterns, through both kernels' dequantize. */
class HalfConversionTest {

    private static MemorySegment allPatterns() {
        MemorySegment seg = MemorySegment.ofArray(new byte[1 + 2 * 65536]); // at byte 1: unaligned
        for (int h = 0; h < 65536; h++) seg.set(RandomBlocks.I16, 1 + 2L * h, (short) h);
        return seg;
    }

    @Test
    void f16_matches_float16ToFloat_bit_for_bit_including_subnormals_inf_and_nan() {
        KernelAgreement.checkAllHalves(new ScalarKernels());
        KernelAgreement.checkAllHalves(new VectorKernels());
    }

    @Test
    void f16_edge_values() {
        short[] halves = {0x0001, 0x03ff, 0x0400, (short) 0x8000, 0x7bff, 0x7c00, (short) 0xfc00, 0x7e00};
        float[] expected = {0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, -0f, 65504f, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN};
        MemorySegment seg = MemorySegment.ofArray(new byte[2 * 16]);
        for (int i = 0; i < 16; i++) seg.set(RandomBlocks.I16, 2L * i, halves[i % 8]);
        float[] out = new float[16];
        new VectorKernels().dequantize(GgmlType.F16, seg, 0, out, 0, 16);
        for (int i = 0; i < 16; i++) assertEquals(expected[i % 8], out[i], "half 0x" + Integer.toHexString(halves[i % 8] & 0xffff));
    }

    @Test
    void bf16_is_the_top_half_of_a_float_for_every_pattern() {
        MemorySegment seg = allPatterns();
        for (Kernels k : new Kernels[] {new ScalarKernels(), new VectorKernels()}) {
            float[] out = new float[65536];
            k.dequantize(GgmlType.BF16, seg, 1, out, 0, 65536);
            for (int h = 0; h < 65536; h++)
                if (Float.floatToRawIntBits(out[h]) != h << 16)
                    assertEquals(Integer.toHexString(h << 16), Integer.toHexString(Float.floatToRawIntBits(out[h])), k.name());
        }
    }
}
