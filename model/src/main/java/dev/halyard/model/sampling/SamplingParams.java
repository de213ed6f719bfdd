package dev.halyard.model.sampling;

import java.util.Map;

/**
 * How to pick the next token. Validated on construction with messages that name the parameter, the
 * value and the allowed range. Defaults follow llama.cpp.
 *
 * @param temperature 0 = greedy (argmax); higher flattens the distribution
 * @param topK keep the k most likely tokens (0 = off)
 * @param topP keep the smallest set whose probability reaches p (1 = off)
 * @param minP drop tokens below minP × the top token's probability (0 = off)
 * @param repeatPenalty divide positive / multiply negative logits of recent tokens (1 = off)
 * @param presencePenalty subtract from logits of tokens seen in the recent window (0 = off)
 * @param frequencyPenalty subtract count × this from logits of recent tokens (0 = off)
 * @param penaltyLastN how many recent tokens the penalties look at (-1 = all, 0 = none)
 * @param logitBias added to logits by token id (-inf bans a token)
 * @param seed random seed; the same seed gives the same output
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty,
                             float presencePenalty, float frequencyPenalty, int penaltyLastN,
                             Map<Integer, Float> logitBias, long seed) {

    public SamplingParams {
        range("temperature", temperature, 0, 100);
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        range("min_p", minP, 0, 1);
        if (!(repeatPenalty > 0 && repeatPenalty <= 10)) throw new IllegalArgumentException("repeat_penalty must be in (0, 10], got " + repeatPenalty);
        range("presence_penalty", presencePenalty, -2, 2);
        range("frequency_penalty", frequencyPenalty, -2, 2);
        if (penaltyLastN < -1) throw new IllegalArgumentException("penalty_last_n must be >= -1, got " + penaltyLastN);
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        for (var e : logitBias.entrySet()) {
            float v = e.getValue();
            if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY)
                throw new IllegalArgumentException("logit_bias for token " + e.getKey() + " must be a number or -inf, got " + v);
        }
    }

    private static void range(String name, float v, float lo, float hi) {
        if (!(v >= lo && v <= hi)) throw new IllegalArgumentException(name + " must be in [" + lo + ", " + hi + "], got " + v);
    }

    /** llama.cpp's defaults: temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, penalties off. */
    public static SamplingParams defaults() {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, Map.of(), System.nanoTime());
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), 0);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, seed);
    }

    public SamplingParams withPenalties(float repeat, float presence, float frequency, int lastN) {
        return new SamplingParams(temperature, topK, topP, minP, repeat, presence, frequency, lastN, logitBias, seed);
    }

    public SamplingParams withLogitBias(Map<Integer, Float> bias) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, bias, seed);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, logitBias, s);
    }
}
