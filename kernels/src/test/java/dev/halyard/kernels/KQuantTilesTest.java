package dev.halyard.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The load-time tiling (Q4_0 / Q5_0 fast tilers, the Q4_K / Q6_K layout) at this machine's vector width (other widths: {@link VectorWidthTest}). */
class KQuantTilesTest {
    @Test
    void fast_tilers_match_their_references_and_tiled_k_quants_round_trip_and_match_the_row_layout_bit_for_bit() {
        for (int round = 0; round < 3; round++) assertTrue(KQuantTiles.check() > 0); // cold, then warmer
    }
}
