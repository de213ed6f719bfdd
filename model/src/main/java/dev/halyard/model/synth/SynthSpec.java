package dev.halyard.model.synth;

import java.util.List;

/**
 * The shape and options of a random-weight model to write: a real architecture's tensors and metadata
 * with made-up values. Presets: {@link #tiny} (for tests) and the real shapes {@link #smolLM2_135M},
 * {@link #qwen25_05B}, {@link #llama32_1B} (for benchmarks).
 *
 * @param arch GGUF architecture: llama, qwen2, qwen3, phi3 or gemma2
 * @param name general.name
 * @param dim model width (embedding_length)
 * @param layers transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention when fewer)
 * @param headDim width of one head (attention.key_length = value_length)
 * @param ffnDim feed-forward hidden width
 * @param vocab tokenizer kind and size (the embedding has this many rows)
 * @param contextLength context_length metadata
 * @param ropeTheta rope.freq_base
 * @param rmsEps attention.layer_norm_rms_epsilon
 * @param tiedEmbeddings true: no output.weight, the output reuses token_embd (always true for gemma2)
 * @param llama3Rope Llama 3 RoPE scaling, written as the rope_freqs tensor (llama only; null = none)
 * @param slidingWindow gemma2 attention.sliding_window (even layers)
 * @param attnSoftcap gemma2 attn_logit_softcapping
 * @param finalSoftcap gemma2 final_logit_softcapping
 * @param seed seeds every weight; equal specs give byte-identical files
 */
public record SynthSpec(String arch, String name, int dim, int layers, int heads, int kvHeads, int headDim, int ffnDim,
                        SynthVocab.Spec vocab, int contextLength, float ropeTheta, float rmsEps, boolean tiedEmbeddings,
                        Llama3Rope llama3Rope, int slidingWindow, float attnSoftcap, float finalSoftcap, long seed) {

    public static final List<String> ARCHITECTURES = List.of("llama", "qwen2", "qwen3", "phi3", "gemma2");

    /**
     * Llama 3 frequency scaling (HF rope_scaling with rope_type "llama3").
     *
     * @param factor slowest frequencies are divided by this
     * @param lowFreqFactor wavelengths above originalContext / lowFreqFactor are fully scaled
     * @param highFreqFactor wavelengths below originalContext / highFreqFactor are left alone
     * @param originalContext the pre-training context (original_max_position_embeddings)
     */
    public record Llama3Rope(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {
        public Llama3Rope {
            if (!(factor >= 1)) throw new IllegalArgumentException("factor must be >= 1, got " + factor);
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor))
                throw new IllegalArgumentException("need 0 < lowFreqFactor < highFreqFactor, got " + lowFreqFactor + ", " + highFreqFactor);
            if (originalContext < 1) throw new IllegalArgumentException("originalContext must be >= 1, got " + originalContext);
        }

        /** Llama 3.1 / 3.2's values. */
        public static Llama3Rope llama32() {
            return new Llama3Rope(32f, 1f, 4f, 8192);
        }

        /** Per-dimension divisors of the rotation frequencies, (headDim/2,), as convert_hf_to_gguf computes them. */
        public float[] factors(float theta, int headDim) {
            float[] out = new float[headDim / 2];
            double lowWavelen = originalContext / (double) lowFreqFactor;
            double highWavelen = originalContext / (double) highFreqFactor;
            for (int i = 0; i < out.length; i++) {
                float freq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
                double wavelen = 2 * Math.PI / freq;
                if (wavelen < highWavelen) out[i] = 1f;
                else if (wavelen > lowWavelen) out[i] = factor;
                else {
                    double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
                }
            }
            return out;
        }
    }

    public SynthSpec {
        if (!ARCHITECTURES.contains(arch)) throw new IllegalArgumentException("arch must be one of " + ARCHITECTURES + ", got '" + arch + "'");
        check("dim", dim, 1, 1 << 16);
        check("layers", layers, 1, 512);
        check("heads", heads, 1, 1024);
        check("kvHeads", kvHeads, 1, heads);
        if (heads % kvHeads != 0) throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
        check("headDim", headDim, 2, 1 << 12);
        if (headDim % 2 != 0) throw new IllegalArgumentException("headDim must be even for RoPE, got " + headDim);
        check("ffnDim", ffnDim, 1, 1 << 18);
        check("contextLength", contextLength, 1, 1 << 24);
        if ((arch.equals("qwen2") || arch.equals("phi3")) && heads * headDim != dim)
            throw new IllegalArgumentException(arch + " needs heads * headDim == dim (llama.cpp shapes attn_output as [dim, dim]), got " + heads + " * " + headDim + " != " + dim);
        if (arch.equals("gemma2") && !tiedEmbeddings) throw new IllegalArgumentException("gemma2 always ties its output to token_embd; tiedEmbeddings must be true");
        if (llama3Rope != null && !arch.equals("llama")) throw new IllegalArgumentException("llama3Rope applies to arch llama only, got " + arch);
        if (!(ropeTheta > 0)) throw new IllegalArgumentException("ropeTheta must be > 0, got " + ropeTheta);
        if (!(rmsEps > 0)) throw new IllegalArgumentException("rmsEps must be > 0, got " + rmsEps);
        if (slidingWindow < 0) throw new IllegalArgumentException("slidingWindow must be >= 0, got " + slidingWindow);
        if (!(attnSoftcap >= 0) || !(finalSoftcap >= 0)) throw new IllegalArgumentException("softcaps must be >= 0, got " + attnSoftcap + ", " + finalSoftcap);
        if (vocab == null) throw new IllegalArgumentException("vocab must not be null");
    }

    private static void check(String name, int v, int min, int max) {
        if (v < min || v > max) throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + v);
    }

    public int qDim() { return heads * headDim; }
    public int kvDim() { return kvHeads * headDim; }
    public int vocabSize() { return vocab.size(); }

    // ---------------------------------------------------------------- presets

    /**
     * A tiny model of {@code arch} for tests: width 256 (so every matrix row is a whole number of
     * K-quant super-blocks), 2 layers, grouped-query attention, 512-token SentencePiece vocabulary.
     * Each architecture varies the head layout a little (qwen2: 8 heads of 32; qwen3 and gemma2:
     * heads * headDim = 512 != dim).
     */
    public static SynthSpec tiny(String arch) {
        SynthVocab.Spec spm = new SynthVocab.Spec(SynthVocab.Kind.SPM, 512);
        return switch (arch) {
            case "llama" -> new SynthSpec("llama", "tiny-llama", 256, 2, 4, 2, 64, 512, spm, 2048, 10000f, 1e-5f, false, null, 0, 0, 0, 1);
            case "qwen2" -> new SynthSpec("qwen2", "tiny-qwen2", 256, 2, 8, 2, 32, 512, spm, 2048, 1000000f, 1e-6f, true, null, 0, 0, 0, 2);
            case "qwen3" -> new SynthSpec("qwen3", "tiny-qwen3", 256, 2, 8, 2, 64, 512, spm, 2048, 1000000f, 1e-6f, true, null, 0, 0, 0, 3);
            case "phi3" -> new SynthSpec("phi3", "tiny-phi3", 256, 2, 4, 4, 64, 512, spm, 2048, 10000f, 1e-5f, false, null, 0, 0, 0, 4);
            case "gemma2" -> new SynthSpec("gemma2", "tiny-gemma2", 256, 2, 4, 2, 128, 512, spm, 2048, 10000f, 1e-6f, true, null, 4096, 50f, 30f, 5);
            default -> throw new IllegalArgumentException("arch must be one of " + ARCHITECTURES + ", got '" + arch + "'");
        };
    }

    /** SmolLM2-135M: llama, 30 layers, 576 wide, 9 heads / 3 KV heads, 49152-token vocabulary, tied. */
    public static SynthSpec smolLM2_135M() {
        return new SynthSpec("llama", "SmolLM2-135M (random)", 576, 30, 9, 3, 64, 1536,
                new SynthVocab.Spec(SynthVocab.Kind.GPT2, 49152), 8192, 100000f, 1e-5f, true, null, 0, 0, 0, 135);
    }

    /** Qwen2.5-0.5B: qwen2, 24 layers, 896 wide, 14 heads / 2 KV heads, 151936-token vocabulary, tied. */
    public static SynthSpec qwen25_05B() {
        return new SynthSpec("qwen2", "Qwen2.5-0.5B (random)", 896, 24, 14, 2, 64, 4864,
                new SynthVocab.Spec(SynthVocab.Kind.GPT2, 151936), 32768, 1000000f, 1e-6f, true, null, 0, 0, 0, 500);
    }

    /** Llama-3.2-1B: llama, 16 layers, 2048 wide, 32 heads / 8 KV heads, 128256-token vocabulary, tied, Llama 3 RoPE. */
    public static SynthSpec llama32_1B() {
        return new SynthSpec("llama", "Llama-3.2-1B (random)", 2048, 16, 32, 8, 64, 8192,
                new SynthVocab.Spec(SynthVocab.Kind.GPT2, 128256), 131072, 500000f, 1e-5f, true, Llama3Rope.llama32(), 0, 0, 0, 1000);
    }

    /** The real-shape preset called {@code name}: smollm2-135m, qwen2.5-0.5b or llama-3.2-1b. */
    public static SynthSpec preset(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "smollm2-135m" -> smolLM2_135M();
            case "qwen2.5-0.5b" -> qwen25_05B();
            case "llama-3.2-1b" -> llama32_1B();
            default -> {
                if (name.startsWith("tiny-")) yield tiny(name.substring(5));
                throw new IllegalArgumentException("unknown preset '" + name + "'; known: smollm2-135m, qwen2.5-0.5b, llama-3.2-1b, tiny-<arch>");
            }
        };
    }

    // ---------------------------------------------------------------- variations

    public SynthSpec withTiedEmbeddings(boolean tied) {
        return new SynthSpec(arch, name, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tied, llama3Rope, slidingWindow, attnSoftcap, finalSoftcap, seed);
    }

    public SynthSpec withLlama3Rope(Llama3Rope r) {
        return new SynthSpec(arch, name, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tiedEmbeddings, r, slidingWindow, attnSoftcap, finalSoftcap, seed);
    }

    public SynthSpec withVocab(SynthVocab.Spec v) {
        return new SynthSpec(arch, name, dim, layers, heads, kvHeads, headDim, ffnDim, v, contextLength, ropeTheta, rmsEps, tiedEmbeddings, llama3Rope, slidingWindow, attnSoftcap, finalSoftcap, seed);
    }

    public SynthSpec withSlidingWindow(int window) {
        return new SynthSpec(arch, name, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tiedEmbeddings, llama3Rope, window, attnSoftcap, finalSoftcap, seed);
    }

    public SynthSpec withSoftcaps(float attn, float fin) {
        return new SynthSpec(arch, name, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tiedEmbeddings, llama3Rope, slidingWindow, attn, fin, seed);
    }

    public SynthSpec withSeed(long s) {
        return new SynthSpec(arch, name, dim, layers, heads, kvHeads, headDim, ffnDim, vocab, contextLength, ropeTheta, rmsEps, tiedEmbeddings, llama3Rope, slidingWindow, attnSoftcap, finalSoftcap, s);
    }
}
