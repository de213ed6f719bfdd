package dev.halyard.server.models;

import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.chat.ChatTemplate;
import dev.halyard.model.chat.ChatTemplateException;
import dev.halyard.model.chat.ModelChatTemplate;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.engine.Engine;
import java.io.IOException;
import java.util.List;

/**
 * Turns a planned model into a served one. {@link #standard} is the real loader; tests wrap it (for
 * example to hold a load in progress and watch the server answer 503).
 */
@FunctionalInterface
public interface ModelLoader {
    LoadedModel load(ModelInfo info, GgufFile gguf, MemoryPlan plan) throws IOException;

    /**
     * Reads the weights, the tokenizer and the chat template, starts an engine sized by the plan and
     * warms it up with throwaway requests ({@link Engine#warmUp}, one per {@link #WARM_UP_PROMPTS}
     * length, {@link #WARM_UP_TOKENS} generated each; the model answers 503 "loading" meanwhile), so
     * that the first requests do not wait for the JIT.
     */
    static ModelLoader standard(ModelOptions options) {
        return (info, gguf, plan) -> {
            Model model = Model.load(gguf, options);
            Engine engine = null;
            try {
                Tokenizer tok = Tokenizer.fromGguf(gguf);
                engine = new Engine(model, tok, plan.engine());
                long ms = 0;
                for (int length : WARM_UP_PROMPTS) ms += engine.warmUp(length, WARM_UP_TOKENS);
                System.getLogger("halyard.server").log(System.Logger.Level.INFO, "model " + info.id() + ": warmed up in " + ms + " ms");
                return new LoadedModel(info, model, tok, engine, chatTemplate(tok), plan);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (engine != null) engine.close();
                model.close();
                throw new IOException("interrupted while warming up " + info.id(), e);
            } catch (RuntimeException | Error e) {
                if (engine != null) engine.close();
                model.close();
                throw e;
            }
        };
    }

    /**
     * The warm-up requests' prompt lengths: one long enough for the batched path (dequantised panels,
     * paged attention over several blocks), one short enough for the four-token kernels that prompts of
     * 4-31 tokens and decode steps of several sequences run; each then takes a few single-token steps.
     * Measured on Llama-3.2-1B Q4_K_M (2 threads, first request after the load against the next ones,
     * alternated): 128-token prompts 1.00 / 1.03 s against 0.86-0.98, 20-token prompts 0.22 / 0.23
     * against 0.22-0.23, warm-up 5.4-5.5 s; with 128 and 20, 0.93 / 1.14 against 0.87-1.10 and 0.23 /
     * 0.26, warm-up 5.9-8.5 s; with the 128-token request alone, 20-token prompts waited 1.53 / 1.65 s
     * the first time (0.25-0.27 after); three 16-token greedy passes through a flat cache, the warm-up
     * before, left 128-token prompts 0.4-0.5 s slower.
     */
    List<Integer> WARM_UP_PROMPTS = List.of(64, 20);

    /** Tokens each warm-up request generates. */
    int WARM_UP_TOKENS = 4;

    /** The model's chat template; a plain transcript when its own does not compile (completions still work). */
    static ModelChatTemplate chatTemplate(Tokenizer tok) {
        try {
            return ModelChatTemplate.of(tok);
        } catch (ChatTemplateException e) {
            System.getLogger("halyard.server").log(System.Logger.Level.WARNING,
                    "the model's chat template does not compile (" + e.getMessage() + "); chats use a plain transcript");
            String bos = tok.bosId() >= 0 ? tok.tokenText(tok.bosId()) : "";
            return new ModelChatTemplate(ChatTemplate.builtin("plain"), "plain", bos, tok.addBos(), List.of("\nUser:"));
        }
    }
}
