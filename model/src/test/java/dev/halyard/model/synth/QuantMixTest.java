package dev.halyard.model.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.halyard.kernels.GgmlType;
import org.junit.jupiter.api.Test;

class QuantMixTest {

    private static final long[] ROW_256 = {256, 512};

    @Test
    void norms_and_biases_stay_f32_in_every_mix() {
        for (String m : new String[] {"F16", "BF16", "Q4_0", "Q4_K_M", "Q6_K"})
            assertEquals(GgmlType.F32, QuantMix.named(m).typeFor("attn_norm", 0, 2, new long[] {256}, false), m);
    }

    @Test
    void q4_k_m_follows_llama_cpp_choices() {
        QuantMix m = QuantMix.q4KM();
        assertEquals(GgmlType.Q6_K, m.typeFor("output", -1, 16, ROW_256, false));
        assertEquals(GgmlType.Q4_K, m.typeFor("token_embd", -1, 16, ROW_256, false));
        assertEquals(GgmlType.Q6_K, m.typeFor("token_embd", -1, 16, ROW_256, true), "a tied embedding is quantised as the output");
        assertEquals(GgmlType.Q4_K, m.typeFor("attn_q", 0, 16, ROW_256, false));
        assertEquals(GgmlType.Q5_K, m.typeFor("attn_qkv", 3, 16, ROW_256, false));
        // use_more_bits over 16 layers: 0, 1 (first eighth), 4, 7, 10, 13 ((i-2)%3 == 2), 14, 15 (last eighth)
        int[] more = {0, 1, 4, 7, 10, 13, 14, 15};
        for (int l = 0; l < 16; l++) {
            GgmlType expect = contains(more, l) ? GgmlType.Q6_K : GgmlType.Q4_K;
            assertEquals(expect, m.typeFor("ffn_down", l, 16, ROW_256, false), "ffn_down layer " + l);
            assertEquals(expect, m.typeFor("attn_v", l, 16, ROW_256, false), "attn_v layer " + l);
            assertEquals(GgmlType.Q4_K, m.typeFor("ffn_up", l, 16, ROW_256, false));
        }
        // the tiny 2-layer models: layer 1 gets more bits, layer 0 not
        assertEquals(GgmlType.Q4_K, m.typeFor("ffn_down", 0, 2, ROW_256, false));
        assertEquals(GgmlType.Q6_K, m.typeFor("ffn_down", 1, 2, ROW_256, false));
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }

    @Test
    void q5_k_m_uses_q5_k_and_q6_k() {
        QuantMix m = QuantMix.q5KM();
        assertEquals(GgmlType.Q5_K, m.typeFor("attn_q", 0, 2, ROW_256, false));
        assertEquals(GgmlType.Q6_K, m.typeFor("attn_qkv", 0, 2, ROW_256, false));
        assertEquals(GgmlType.Q6_K, m.typeFor("output", -1, 2, ROW_256, false));
    }

    @Test
    void k_quants_fall_back_when_rows_are_not_whole_super_blocks() {
        // SmolLM2's 576-wide rows: llama.cpp writes Q5_0 instead of Q4_K, Q8_0 instead of Q6_K
        long[] smol = {576, 1536};
        assertEquals(GgmlType.Q5_0, QuantMix.q4KM().typeFor("attn_q", 3, 30, smol, true));
        assertEquals(GgmlType.Q8_0, QuantMix.q4KM().typeFor("token_embd", -1, 30, new long[] {576, 49152}, true));
        assertEquals(GgmlType.Q5_1, QuantMix.q5KM().typeFor("attn_q", 3, 30, smol, true));
        assertEquals(GgmlType.Q4_K, QuantMix.q4KM().typeFor("ffn_down", 3, 30, new long[] {1536, 576}, true));
    }

    @Test
    void names_parse_and_unknown_ones_are_rejected() {
        assertEquals(GgmlType.Q5_1, QuantMix.named("q5_1").base());
        assertEquals(GgmlType.Q6_K, QuantMix.named("Q6_K").base());
        assertEquals(15, QuantMix.named("Q4_K_M").fileType());
        assertThrows(IllegalArgumentException.class, () -> QuantMix.named("Q3_K_S"));
        assertThrows(IllegalArgumentException.class, () -> QuantMix.uniform(GgmlType.Q4_K));
    }
}
