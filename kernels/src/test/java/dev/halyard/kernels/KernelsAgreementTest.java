package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Vector kernels against the scalar reference, for every computable format, length and offset. */
class KernelsAgreementTest {

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (GgmlType type : KernelAgreement.formats())
            for (int n : KernelAgreement.lengths(type))
                for (int pad : new int[] {0, 1, 3}) cases.add(Arguments.of(type, n, pad));
        return cases;
    }

    @ParameterizedTest(name = "{0} n={1} byteOffset={2}")
    @MethodSource("cases")
    void vector_kernels_agree_with_scalar(GgmlType type, int n, int pad) {
        KernelAgreement.check(type, n, pad, pad == 0 ? 0 : 5, 31L * n + pad + type.id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formatsList")
    void vector_kernels_agree_after_jit_warm_up(GgmlType type) {
        int n = KernelAgreement.lengths(type)[2];
        for (int round = 0; round < 3; round++) {
            KernelAgreement.check(type, n, 1, 5, round);
            try (Arena arena = Arena.ofConfined()) { // enough calls for C2 to compile the hot loops
                MemorySegment w = RandomBlocks.allocate(arena, type, n, 0, new Random(round));
                float[] x = new float[n];
                for (int i = 0; i < 2000; i++) KernelAgreement.VECTOR.dot(type, w, 0, x, 0, n);
            }
        }
        KernelAgreement.check(type, n, 1, 5, 99);
    }

    static List<GgmlType> formatsList() {
        return KernelAgreement.formats();
    }

    @Test
    void twelve_formats_are_computable() {
        assertEquals(List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
                GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K, GgmlType.BF16),
                KernelAgreement.formats());
    }

    @Test
    void partial_blocks_and_unsupported_types_are_rejected() {
        MemorySegment w = MemorySegment.ofArray(new byte[1024]);
        for (Kernels k : List.of(KernelAgreement.SCALAR, KernelAgreement.VECTOR)) {
            var partial = assertThrows(IllegalArgumentException.class, () -> k.dot(GgmlType.Q4_K, w, 0, new float[300], 0, 300));
            assertEquals("n must be a non-negative multiple of 256 for Q4_K, got 300", partial.getMessage());
            var unsupported = assertThrows(IllegalArgumentException.class,
                    () -> k.dequantize(GgmlType.Q2_K, w, 0, new float[256], 0, 256));
            assertEquals("no kernel for tensor type Q2_K", unsupported.getMessage());
        }
    }

    @Test
    void reads_past_the_segment_fail_cleanly() {
        MemorySegment w = MemorySegment.ofArray(new byte[GgmlType.Q8_0.typeSize]); // one block, asked for two
        for (Kernels k : List.of(KernelAgreement.SCALAR, KernelAgreement.VECTOR))
            assertThrows(IndexOutOfBoundsException.class, () -> k.dot(GgmlType.Q8_0, w, 0, new float[64], 0, 64));
    }
}
