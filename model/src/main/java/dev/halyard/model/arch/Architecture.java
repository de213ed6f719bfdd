package dev.halyard.model.arch;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The model families Halyard runs, named as in GGUF's {@code general.architecture}. Each differs from
 * plain Llama in a few switches, read by {@link Transformer#forward}.
 */
public enum Architecture {
    /** Llama 2/3/3.1/3.2, Mistral, SmolLM, TinyLlama: RMSNorm, SwiGLU, normal RoPE. */
    LLAMA("llama", RopeType.NORMAL),
    /** Qwen2 / Qwen2.5: Llama plus biases on Q, K, V; NeoX RoPE. */
    QWEN2("qwen2", RopeType.NEOX),
    /** Qwen3: per-head RMSNorm of Q and K before RoPE, no biases. */
    QWEN3("qwen3", RopeType.NEOX),
    /** Phi-3 / 3.5: fused QKV and fused gate+up projections. */
    PHI3("phi3", RopeType.NEOX),
    /** Gemma 2: scaled embeddings, post-norms, GELU, attention and final logit soft-capping, alternating sliding window. */
    GEMMA2("gemma2", RopeType.NEOX);

    /** How RoPE pairs the dimensions of a head. */
    public enum RopeType {
        /** pairs (2i, 2i+1), as in the original Llama. */
        NORMAL,
        /** pairs (i, i + n/2), as in GPT-NeoX. */
        NEOX
    }

    public final String ggufName;
    public final RopeType ropeType;

    Architecture(String ggufName, RopeType ropeType) {
        this.ggufName = ggufName;
        this.ropeType = ropeType;
    }

    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) if (a.ggufName.equals(name)) return a;
        throw new UnsupportedModelException("architecture '" + name + "' is not supported; supported: " + supported());
    }

    public static String supported() {
        return Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", "));
    }
}
