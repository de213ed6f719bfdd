package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The canonical matmul order at this machine's vector width (other widths: {@link VectorWidthTest}). */
class CanonicalOrderTest {
    @Test
    void tiles_and_fused_kernels_match_their_scalar_twin_bit_for_bit() {
        for (int round = 0; round < 3; round++) assertTrue(CanonicalOrder.check() > 0); // cold, then warmer
    }
}
