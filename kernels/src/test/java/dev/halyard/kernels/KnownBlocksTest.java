package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * One block per format built by hand, byte by byte from ggml's struct layout, with the dequantised
 * values worked out by hand. Both kernels must produce exactly these floats (bit for bit: -0.0 too).
 */
class KnownBlocksTest {

    /** A little-endian block under construction. */
    private static final class Block {
        final ByteBuffer buf;

        Block(GgmlType type) {
            buf = ByteBuffer.allocate(type.typeSize).order(ByteOrder.LITTLE_ENDIAN);
        }

        Block half(int at, int bits) {
            buf.putShort(at, (short) bits);
            return this;
        }

        Block f32(int at, float v) {
            buf.putFloat(at, v);
            return this;
        }

        Block u8(int at, int v) {
            buf.put(at, (byte) v);
            return this;
        }

        Block fill(int from, int to, int v) {
            for (int i = from; i < to; i++) buf.put(i, (byte) v);
            return this;
        }
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Dequantises the block placed at byte 1 (unaligned) with both kernels and checks every element. */
    private static void assertBlock(GgmlType type, Block block, float[] expected) {
        byte[] bytes = new byte[1 + type.typeSize];
        System.arraycopy(block.buf.array(), 0, bytes, 1, type.typeSize);
        MemorySegment w = MemorySegment.ofArray(bytes);
        double sum = 0;
        for (float e : expected) sum += e;
        for (Kernels k : new Kernels[] {new ScalarKernels(), new VectorKernels()}) {
            float[] out = new float[type.blockSize];
            k.dequantize(type, w, 1, out, 0, type.blockSize);
            assertArrayEquals(expected, out, type + " " + k.name());
            float dot = k.dot(type, w, 1, filled(type.blockSize, 1f), 0, type.blockSize);
            assertEquals(sum, dot, 1e-6 * Math.max(1, Math.abs(sum)), type + " " + k.name() + " dot with ones");
        }
    }

    @Test
    void q8_0() {
        Block b = new Block(GgmlType.Q8_0).half(0, 0x3800) // d = 0.5
                .u8(2, 3).u8(2 + 5, -128).u8(2 + 31, 127);
        float[] e = new float[32];
        e[0] = 1.5f;
        e[5] = -64f;
        e[31] = 63.5f;
        assertBlock(GgmlType.Q8_0, b, e);
    }

    @Test
    void q4_0() {
        Block b = new Block(GgmlType.Q4_0).half(0, 0x3400) // d = 0.25
                .fill(2, 18, 0x88) // q = 8 everywhere: value 0
                .u8(2, 0x1F) // element 0 = low nibble 15, element 16 = high nibble 1
                .u8(2 + 15, 0x80); // element 15 = 0, element 31 = 8
        float[] e = new float[32];
        e[0] = 1.75f; // (15 - 8) * 0.25
        e[16] = -1.75f; // (1 - 8) * 0.25
        e[15] = -2f; // (0 - 8) * 0.25
        assertBlock(GgmlType.Q4_0, b, e);
    }

    @Test
    void q4_1() {
        Block b = new Block(GgmlType.Q4_1).half(0, 0x3800).half(2, 0xBC00) // d = 0.5, m = -1
                .u8(4 + 3, 0xA2); // element 3 = 2, element 19 = 10
        float[] e = filled(32, -1f); // q = 0: m
        e[3] = 0f; // 2 * 0.5 - 1
        e[19] = 4f; // 10 * 0.5 - 1
        assertBlock(GgmlType.Q4_1, b, e);
    }

    @Test
    void q5_0() {
        Block b = new Block(GgmlType.Q5_0).half(0, 0x3C00) // d = 1
                .u8(2, 0x01).u8(2 + 2, 0x02).u8(2 + 3, 0x80) // qh bits 0, 17, 31
                .u8(6, 0x03).u8(6 + 1, 0x50).u8(6 + 15, 0xF0);
        float[] e = filled(32, -16f); // q = 0, no fifth bit: 0 - 16
        e[0] = 3f; // (3 | 16) - 16
        e[17] = 5f; // high nibble of qs[1] = 5, bit 17 set
        e[31] = 15f; // high nibble of qs[15] = 15, bit 31 set
        assertBlock(GgmlType.Q5_0, b, e);
    }

    @Test
    void q5_1() {
        Block b = new Block(GgmlType.Q5_1).half(0, 0x3800).half(2, 0x4000) // d = 0.5, m = 2
                .u8(4, 0x10).u8(4 + 2, 0x10) // qh bits 4 and 20
                .u8(8 + 4, 0x7F); // element 4: 15 | 16, element 20: 7 | 16
        float[] e = filled(32, 2f);
        e[4] = 17.5f; // 31 * 0.5 + 2
        e[20] = 13.5f; // 23 * 0.5 + 2
        assertBlock(GgmlType.Q5_1, b, e);
    }

    @Test
    void q8_k() {
        Block b = new Block(GgmlType.Q8_K).f32(0, 0.125f).u8(4, -8).u8(4 + 255, 100);
        float[] e = new float[256];
        e[0] = -1f;
        e[255] = 12.5f;
        assertBlock(GgmlType.Q8_K, b, e);
    }

    @Test
    void q4_k() {
        // d = 1, dmin = 0.5; sub-block 0: scale 1, min 0; sub-block 5: scale 35 = 0b10_0011, min 17 = 0b01_0001,
        // packed as low nibbles in scales[9] = 0x13 and top bits in scales[1] (0x80) and scales[5] (0x40).
        Block b = new Block(GgmlType.Q4_K).half(0, 0x3C00).half(2, 0x3800)
                .u8(4, 1).u8(4 + 1, 0x80).u8(4 + 5, 0x40).u8(4 + 9, 0x13)
                .u8(16, 0x07) // element 0 = 7 (sub-block 0), element 32 = 0 (sub-block 1: scale 0)
                .u8(16 + 31, 0x0F) // element 31 = 15
                .u8(16 + 64, 0x20) // chunk 2: element 128 = 0 (sub-block 4), element 160 = 2 (sub-block 5)
                .u8(16 + 95, 0xF0); // element 191 = 15
        float[] e = new float[256];
        e[0] = 7f;
        e[31] = 15f;
        for (int i = 160; i < 192; i++) e[i] = -8.5f; // 35 * 0 - 0.5 * 17
        e[160] = 61.5f; // 35 * 2 - 8.5
        e[191] = 516.5f; // 35 * 15 - 8.5
        assertBlock(GgmlType.Q4_K, b, e);
    }

    @Test
    void q5_k() {
        // d = dmin = 1; sub-block 3: scale 2, min 1 (scales[3], scales[7]); sub-block 6: scale 17, min 2
        // (scales[10] = 0x21 low nibbles, top scale bits 01 in scales[2] = 0x40, whose own low 6 bits are 0).
        Block b = new Block(GgmlType.Q5_K).half(0, 0x3C00).half(2, 0x3C00)
                .u8(4 + 2, 0x40).u8(4 + 3, 2).u8(4 + 7, 1).u8(4 + 10, 0x21)
                .u8(16, 0x48) // qh[0]: bit 3 (sub-block 3's fifth bit) and bit 6 (sub-block 6's)
                .u8(48 + 32, 0x50) // chunk 1, l = 0: element 96 = 5 | 16
                .u8(48 + 63, 0xF0) // chunk 1, l = 31: element 127 = 15
                .u8(48 + 96, 0x01); // chunk 3, l = 0: element 192 = 1 | 16
        float[] e = new float[256];
        for (int i = 96; i < 128; i++) e[i] = -1f; // 2 * 0 - 1
        e[96] = 41f; // 2 * 21 - 1
        e[127] = 29f; // 2 * 15 - 1
        for (int i = 192; i < 224; i++) e[i] = -2f; // 17 * 0 - 2
        e[192] = 287f; // 17 * 17 - 2
        assertBlock(GgmlType.Q5_K, b, e);
    }

    @Test
    void q6_k() {
        // d = 0.5 at byte 208; scales[0] = 2 (elements 0..15), scales[5] = -4 (elements 80..95), others 0.
        // Quants with ql = qh = 0 are -32, so the zero-scale elements are 0.5 * 0 * -32 = -0.0.
        Block b = new Block(GgmlType.Q6_K).half(208, 0x3800).u8(192, 2).u8(192 + 5, -4)
                .u8(0, 0x0A).u8(128, 0x03) // element 0: (10 | 3 << 4) - 32 = 26
                .u8(16, 0x70).u8(128 + 16, 0x20); // element 80: (7 | 2 << 4) - 32 = 7
        float[] e = filled(256, -0f);
        for (int i = 0; i < 16; i++) e[i] = -32f; // 0.5 * 2 * -32
        e[0] = 26f;
        for (int i = 80; i < 96; i++) e[i] = 64f; // 0.5 * -4 * -32
        e[80] = -14f; // 0.5 * -4 * 7
        assertBlock(GgmlType.Q6_K, b, e);
    }

    @Test
    void f32_f16_bf16() {
        Block f32 = new Block(GgmlType.F32).f32(0, -2.5f);
        assertBlock(GgmlType.F32, f32, new float[] {-2.5f});
        assertBlock(GgmlType.F16, new Block(GgmlType.F16).half(0, 0xC100), new float[] {-2.5f});
        assertBlock(GgmlType.BF16, new Block(GgmlType.BF16).half(0, 0xC020), new float[] {-2.5f});
    }
}
