package dev.halyard.model.synth;

import dev.halyard.kernels.GgmlType;
import java.util.Locale;

/**
 * Which {@link GgmlType} each tensor of a model gets, as llama.cpp's {@code quantize} decides it
 * (llama_tensor_get_type, no importance matrix). 1-D tensors (norms, biases, rope_freqs) always stay F32.
 *
 * <ul>
 * <li>uniform: every matrix in one type (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1).
 * <li>Q4_K_M: Q4_K; output (and a tied token_embd) Q6_K; attn_v and ffn_down Q6_K in the layers
 *     {@code useMoreBits} picks; fused attn_qkv Q5_K.
 * <li>Q5_K_M: as Q4_K_M with Q5_K as the base and Q6_K for attn_qkv.
 * <li>Q6_K: every matrix Q6_K. (Q8_K is no weight format: llama.cpp's CPU backend can neither
 *     multiply nor look up rows of Q8_K tensors — it aborts in get_rows — so it only ever holds
 *     activations.)
 * </ul>
 * A K-quant whose row length is not a multiple of 256 falls back as llama.cpp does: Q4_K → Q5_0,
 * Q5_K → Q5_1, Q6_K → Q8_0.
 *
 * @param name the mix's name, as in the file's general.file_type comment
 * @param base the type of ordinary matrices
 * @param kMix true for the _K_M rules above
 * @param fileType llama_ftype number written as general.file_type
 */
public record QuantMix(String name, GgmlType base, boolean kMix, int fileType) {

    public QuantMix {
        if (base == null) throw new IllegalArgumentException("base must not be null");
    }

    public static QuantMix uniform(GgmlType t) {
        int ftype = switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("uniform mixes are F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1; got " + t);
        };
        return new QuantMix(t.name(), t, false, ftype);
    }

    public static QuantMix q4KM() {
        return new QuantMix("Q4_K_M", GgmlType.Q4_K, true, 15);
    }

    public static QuantMix q5KM() {
        return new QuantMix("Q5_K_M", GgmlType.Q5_K, true, 17);
    }

    /** All matrices Q6_K. */
    public static QuantMix q6K() {
        return new QuantMix("Q6_K", GgmlType.Q6_K, false, 18);
    }

    /** By name: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K_M, Q5_K_M, Q6_K. */
    public static QuantMix named(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "Q4_K_M" -> q4KM();
            case "Q5_K_M" -> q5KM();
            case "Q6_K" -> q6K();
            default -> {
                try {
                    yield uniform(GgmlType.valueOf(name.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown quant mix '" + name + "'; known: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K_M, Q5_K_M, Q6_K");
                }
            }
        };
    }

    /** llama.cpp's choice of layers that get more bits in the _M mixes. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * The type of a tensor.
     *
     * @param role tensor name without the "blk.N." prefix and ".weight" suffix (token_embd, output, attn_v…)
     * @param layer its block, or -1 for global tensors
     * @param layers the model's block count
     * @param ne its shape (ne[0] is the row length)
     * @param tied whether the output reuses token_embd
     */
    public GgmlType typeFor(String role, int layer, int layers, long[] ne, boolean tied) {
        if (ne.length < 2) return GgmlType.F32;
        GgmlType t = base;
        boolean output = role.equals("output") || (tied && role.equals("token_embd"));
        if (kMix) {
            if (output) t = GgmlType.Q6_K;
            else if ((role.equals("attn_v") || role.equals("ffn_down")) && useMoreBits(layer, layers)) t = GgmlType.Q6_K;
            else if (role.equals("attn_qkv")) t = base == GgmlType.Q4_K ? GgmlType.Q5_K : GgmlType.Q6_K;
        }
        return fallback(t, ne[0]);
    }

    /** llama.cpp's replacement when a row is not a whole number of 256-element super-blocks. */
    static GgmlType fallback(GgmlType t, long rowLength) {
        if (rowLength % t.blockSize == 0) return t;
        return switch (t) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> throw new IllegalArgumentException(t + " needs rows that are a multiple of " + t.blockSize + ", got " + rowLength);
        };
    }
}
