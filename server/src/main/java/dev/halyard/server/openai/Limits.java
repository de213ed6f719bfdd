package dev.halyard.server.openai;

/**
 * Bounds on everything a client controls. Every request is checked against them before it touches a
 * model; a request beyond a bound is a 400 (or 413 for the body) naming the parameter and the bound.
 *
 * @param maxBodyBytes request body size (413 beyond it)
 * @param maxJsonDepth nesting depth of the JSON body (objects and arrays)
 * @param maxStringChars characters in any one string of the body (a message's content, a prompt)
 * @param maxMessages chat messages per request
 * @param maxStops stop strings per request
 * @param maxStopChars characters per stop string
 * @param maxN choices per request ({@code n})
 * @param maxTopLogprobs alternatives per token ({@code top_logprobs}, {@code logprobs})
 * @param maxLogitBias entries of {@code logit_bias}
 * @param maxTools tools per request
 * @param maxInputs prompts of one completions request, inputs of one embeddings request
 */
public record Limits(long maxBodyBytes, int maxJsonDepth, int maxStringChars, int maxMessages, int maxStops, int maxStopChars,
                     int maxN, int maxTopLogprobs, int maxLogitBias, int maxTools, int maxInputs) {
    public Limits {
        if (maxBodyBytes < 1024 || maxBodyBytes > 1L << 30) throw new IllegalArgumentException("maxBodyBytes must be in [1024, 2^30], got " + maxBodyBytes);
        positive("maxJsonDepth", maxJsonDepth, 1000);
        positive("maxStringChars", maxStringChars, Integer.MAX_VALUE);
        positive("maxMessages", maxMessages, 1 << 20);
        if (maxStops < 0 || maxStops > 1024) throw new IllegalArgumentException("maxStops must be in [0, 1024], got " + maxStops);
        positive("maxStopChars", maxStopChars, 1 << 16);
        positive("maxN", maxN, 128);
        if (maxTopLogprobs < 0 || maxTopLogprobs > 20) throw new IllegalArgumentException("maxTopLogprobs must be in [0, 20], got " + maxTopLogprobs);
        if (maxLogitBias < 0 || maxLogitBias > 1 << 20) throw new IllegalArgumentException("maxLogitBias must be in [0, 2^20], got " + maxLogitBias);
        if (maxTools < 0 || maxTools > 4096) throw new IllegalArgumentException("maxTools must be in [0, 4096], got " + maxTools);
        positive("maxInputs", maxInputs, 1 << 20);
    }

    private static void positive(String name, long v, long max) {
        if (v < 1 || v > max) throw new IllegalArgumentException(name + " must be in [1, " + max + "], got " + v);
    }

    /**
     * 4 MiB bodies, depth 64, 1M-character strings, 2048 messages, 16 stop strings of 256 characters
     * (llama.cpp allows more than OpenAI's 4), n ≤ 8, 20 top logprobs, 1024 logit biases, 128 tools
     * (OpenAI's limit), 2048 inputs (OpenAI's embeddings limit).
     */
    public static Limits defaults() {
        return new Limits(4L << 20, 64, 1_000_000, 2048, 16, 256, 8, 20, 1024, 128, 2048);
    }

    public Limits withMaxBodyBytes(long v) {
        return new Limits(v, maxJsonDepth, maxStringChars, maxMessages, maxStops, maxStopChars, maxN, maxTopLogprobs, maxLogitBias, maxTools, maxInputs);
    }

    public Limits withMaxN(int v) {
        return new Limits(maxBodyBytes, maxJsonDepth, maxStringChars, maxMessages, maxStops, maxStopChars, v, maxTopLogprobs, maxLogitBias, maxTools, maxInputs);
    }

    public Limits withMaxMessages(int v) {
        return new Limits(maxBodyBytes, maxJsonDepth, maxStringChars, v, maxStops, maxStopChars, maxN, maxTopLogprobs, maxLogitBias, maxTools, maxInputs);
    }
}
