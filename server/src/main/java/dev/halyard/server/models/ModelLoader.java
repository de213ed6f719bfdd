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

/**
 * Turns a planned model into a served one. {@link #standard} is the real loader; tests wrap it (for
 * example to hold a load in progress and watch the server answer 503).
 */
@FunctionalInterface
public interface ModelLoader {
    LoadedModel load(ModelInfo info, GgufFile gguf, MemoryPlan plan) throws IOException;

    /**
     * Reads the weights, the tokenizer and the chat template, starts an engine sized by the plan and
     * warms it up with one throwaway request ({@link Engine#warmUp}: {@link #WARM_UP_PROMPT} prompt
     * tokens, {@link #WARM_UP_TOKENS} generated; the model answers 503 "loading" meanwhile), so that the
     * first request does not wait for the JIT.
     */
    static ModelLoader standard(ModelOptions options) {
        return (info, gguf, plan) -> {
            Model model = Model.load(gguf, options);
            Engine engine = null;
            try {
                Tokenizer tok = Tokenizer.fromGguf(gguf);
                engine = new Engine(model, tok, plan.engine());
                long ms = engine.warmUp(WARM_UP_PROMPT, WARM_UP_TOKENS);
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
     * The warm-up request's size: a prompt long enough for the batched path (16-row panels, paged
     * attention over several blocks), then a few single-token steps. Measured on Llama-3.2-1B Q4_K_M
     * (2 threads, 128-token prompts, first request after the load against the next ones): this request
     * alone 6.0-6.8 s, first request 0.1-0.2 s slower than the next; the model's own three 16-token
     * greedy rounds before it (6.4-7.0 s) left the first request 0.4-0.5 s slower; both, 1.6-1.8 s more.
     */
    int WARM_UP_PROMPT = 128, WARM_UP_TOKENS = 4;

    /** The model's chat template; a plain transcript when its own does not compile (completions still work). */
    static ModelChatTemplate chatTemplate(Tokenizer tok) {
        try {
            return ModelChatTemplate.of(tok);
        } catch (ChatTemplateException e) {
            System.getLogger("halyard.server").log(System.Logger.Level.WARNING,
                    "the model's chat template does not compile (" + e.getMessage() + "); chats use a plain transcript");
            String bos = tok.bosId() >= 0 ? tok.tokenText(tok.bosId()) : "";
            return new ModelChatTemplate(ChatTemplate.builtin("plain"), "plain", bos, tok.addBos(), java.util.List.of("\nUser:"));
        }
    }
}
