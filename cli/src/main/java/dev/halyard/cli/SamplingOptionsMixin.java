package dev.halyard.cli;

import dev.halyard.model.sampling.SamplingParams;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Sampling options shared by generate and chat (llama.cpp's defaults). */
public final class SamplingOptionsMixin {
    @Option(names = "--temperature", paramLabel = "T", description = "0 = greedy (default: ${DEFAULT-VALUE})", defaultValue = "0.8")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "0 = off (default: ${DEFAULT-VALUE})", defaultValue = "40")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", description = "1 = off (default: ${DEFAULT-VALUE})", defaultValue = "0.95")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", description = "0 = off (default: ${DEFAULT-VALUE})", defaultValue = "0.05")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "F", description = "1 = off (default: ${DEFAULT-VALUE})", defaultValue = "1.0")
    float repeatPenalty;

    @Option(names = "--presence-penalty", paramLabel = "F", defaultValue = "0")
    float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "F", defaultValue = "0")
    float frequencyPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", description = "tokens the penalties look back (-1 = all; default: ${DEFAULT-VALUE})", defaultValue = "64")
    int repeatLastN;

    @Option(names = "--logit-bias", paramLabel = "ID=BIAS", description = "add BIAS to token ID's logit (repeatable; -inf bans it)")
    List<String> logitBias = List.of();

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: random)", defaultValue = "-1")
    long seed;

    SamplingParams params() {
        Map<Integer, Float> bias = new HashMap<>();
        for (String b : logitBias) {
            int eq = b.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("--logit-bias must look like ID=BIAS, got '" + b + "'");
            try {
                String v = b.substring(eq + 1).trim();
                bias.put(Integer.parseInt(b.substring(0, eq).trim()), v.equalsIgnoreCase("-inf") ? Float.NEGATIVE_INFINITY : Float.parseFloat(v));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--logit-bias must look like ID=BIAS, got '" + b + "'");
            }
        }
        long s = seed == -1 ? System.nanoTime() : seed;
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty,
                repeatLastN, bias, s);
    }
}
