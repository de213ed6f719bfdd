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
     * Reads the weights, the tokenizer and the chat template, warms the kernels up (the model answers
     * 503 "loading" meanwhile, so no request pays for the JIT), and starts an engine sized by the plan.
     */
    static ModelLoader standard(ModelOptions options) {
        return (info, gguf, plan) -> {
            Model model = Model.load(gguf, options);
            try {
                long ms = model.warmUp();
                System.getLogger("halyard.server").log(System.Logger.Level.INFO, "model " + info.id() + ": kernels warmed up in " + ms + " ms");
                Tokenizer tok = Tokenizer.fromGguf(gguf);
                return new LoadedModel(info, model, tok, new Engine(model, tok, plan.engine()), chatTemplate(tok), plan);
            } catch (RuntimeException | Error e) {
                model.close();
                throw e;
            }
        };
    }

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
