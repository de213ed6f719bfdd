package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Q4_K / Q6_K tiled layout at this machine's vector width (other widths: {@link VectorWidthTest}). */
class KQuantTilesTest {
    @Test
    void tiled_k_quants_round_trip_and_match_the_row_layout_bit_for_bit() {
        for (int round = 0; round < 3; round++) assertTrue(KQuantTiles.check() > 0); // cold, then warmer
    }
}
