package dev.halyard.bench;

import dev.halyard.model.synth.QuantMix;
import dev.halyard.model.synth.SynthSpec;
import java.util.Locale;

/**
 * One model of the benchmark: a real-shape preset of {@link SynthSpec} (smollm2-135m, qwen2.5-0.5b,
 * llama-3.2-1b, or tiny-ARCH for tests) in one {@link QuantMix} (Q8_0, Q4_0, Q4_K_M…).
 */
public record ModelCase(String preset, String mix) {
    public ModelCase {
        if (preset == null || mix == null) throw new IllegalArgumentException("preset and mix must not be null");
        preset = preset.toLowerCase(Locale.ROOT);
        mix = mix.toUpperCase(Locale.ROOT);
        spec(preset); // validates the names with the presets' own messages
        QuantMix.named(mix);
    }

    public SynthSpec spec() {
        return spec(preset);
    }

    public QuantMix quantMix() {
        return QuantMix.named(mix);
    }

    /** "smollm2-135m Q8_0". */
    public String label() {
        return preset + " " + mix;
    }

    /**
     * The cache file name: preset, mix and a hash of everything that shapes the file, so that a changed
     * preset never reuses a stale file.
     */
    public String fileName() {
        int h = (spec().toString() + "|" + quantMix()).hashCode();
        return preset + "-" + mix + "-" + String.format("%08x", h) + ".gguf";
    }

    private static SynthSpec spec(String preset) {
        return SynthSpec.preset(preset);
    }
}
