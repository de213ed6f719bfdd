package dev.halyard.runtime;

import dev.halyard.model.arch.Batch;
import dev.halyard.model.arch.FlatKvCache;
import dev.halyard.model.arch.Model;
import dev.halyard.model.sampling.Sampler;
import dev.halyard.model.tokenizer.StreamingDecoder;
import dev.halyard.model.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One conversation with a model: a KV cache of up to {@code contextSize} positions and the tokens it
 * holds. A new prompt that starts with what the cache holds reuses it (only the new suffix is
 * processed), so a chat's earlier turns are not recomputed. Close it to free the cache.
 */
public final class Session implements AutoCloseable {
    /** Prompt tokens per forward pass (bounds activation memory for long prompts). */
    public static final int PROMPT_CHUNK = 512;

    private final Model model;
    private final Tokenizer tokenizer;
    private final FlatKvCache kv;
    private final int contextSize;
    private int[] cached = new int[0]; // tokens whose keys and values are in the cache, in order

    public Session(Model model, Tokenizer tokenizer, int contextSize) {
        if (contextSize < 1) throw new IllegalArgumentException("context size must be >= 1, got " + contextSize);
        this.model = model;
        this.tokenizer = tokenizer;
        this.contextSize = contextSize;
        this.kv = model.newKvCache(1, contextSize);
    }

    public int contextSize() {
        return contextSize;
    }

    /** Tokens currently held in the cache (prompt and generated). */
    public int[] tokens() {
        return cached.clone();
    }

    /**
     * Runs the prompt and samples up to {@code maxTokens}, handing each piece of text to {@code onText}
     * as soon as it is complete (never half a UTF-8 character, never part of a stop string).
     */
    public GenerationResult generate(GenerationRequest req, Consumer<String> onText) {
        int[] prompt = req.promptIds();
        if (prompt.length >= contextSize)
            throw new ContextLengthExceededException("the prompt has " + prompt.length + " tokens, but the context window is " + contextSize + " tokens");

        // reuse the longest cached prefix; at least the last prompt token is recomputed to get logits
        int reuse = 0;
        while (reuse < cached.length && reuse < prompt.length - 1 && cached[reuse] == prompt[reuse]) reuse++;

        int[] history = Arrays.copyOf(prompt, Math.min(contextSize, prompt.length + req.maxTokens()));
        long t0 = System.nanoTime();
        float[] logits = null;
        for (int start = reuse; start < prompt.length; start += PROMPT_CHUNK) {
            int end = Math.min(prompt.length, start + PROMPT_CHUNK);
            logits = model.forwardInto(Batch.ofSequence(0, start, Arrays.copyOfRange(prompt, start, end)), kv, logits);
        }
        cached = prompt.clone();
        long t1 = System.nanoTime();

        Sampler sampler = new Sampler(req.sampling());
        boolean atTextStart = prompt.length == 1 && prompt[0] == tokenizer.bosId();
        StreamingDecoder decoder = new StreamingDecoder(tokenizer, atTextStart);
        StopMatcher stops = new StopMatcher(req.stop());
        int n = prompt.length;
        int generated = 0;
        GenerationResult.FinishReason finish = GenerationResult.FinishReason.LENGTH;
        while (generated < req.maxTokens()) {
            if (n >= contextSize) break;
            int id = sampler.sample(logits, history, n);
            history[n++] = id;
            generated++;
            if (!req.ignoreEog() && tokenizer.isEndOfGeneration(id)) {
                finish = GenerationResult.FinishReason.STOP;
                break;
            }
            String shown = stops.push(decoder.push(id));
            if (!shown.isEmpty()) onText.accept(shown);
            if (stops.stopped()) {
                finish = GenerationResult.FinishReason.STOP;
                break;
            }
            if (generated < req.maxTokens() && n < contextSize) {
                logits = model.forwardInto(Batch.ofSequence(0, n - 1, new int[] {id}), kv, logits); // sampled before it is overwritten
            }
        }
        if (!stops.stopped()) {
            String rest = stops.push(decoder.flush()) + stops.flush();
            if (!rest.isEmpty()) onText.accept(rest);
        }
        long t2 = System.nanoTime();
        // the cache holds every token that went through forward(): all but the last one sampled
        cached = Arrays.copyOf(history, generated > 0 ? n - 1 : n);
        int[] ids = Arrays.copyOfRange(history, prompt.length, n);
        return new GenerationResult(prompt, ids, stops.text(), finish,
                new GenerationResult.Timings(prompt.length - reuse, t1 - t0, generated, t2 - t1));
    }

    /** Frees the KV cache. */
    @Override
    public void close() {
        kv.close();
    }
}
