package dev.halyard.model.chat;

import dev.halyard.model.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;

/**
 * The chat template a model should be prompted with: its own ({@code tokenizer.chat_template}) when it
 * has one, else a built-in chosen by the special tokens its vocabulary holds (ChatML, Llama 3, Phi-3,
 * Gemma, Llama 2), else a plain "User:/Assistant:" transcript. Renders a conversation into the text
 * to tokenize with {@code addSpecial = true}: a BOS the template writes itself is removed, because the
 * tokenizer adds it (as llama.cpp does, to avoid a double BOS).
 *
 * @param template the compiled template
 * @param name "model" for the model's own template, else the built-in's name
 * @param stops text that ends a reply when the turn end is not a special token (plain transcripts)
 */
public record ModelChatTemplate(ChatTemplate template, String name, String bosText, boolean tokenizerAddsBos, List<String> stops) {

    public static ModelChatTemplate of(Tokenizer tok) {
        String bos = tok.bosId() >= 0 ? tok.tokenText(tok.bosId()) : "";
        String eos = tok.eosId() >= 0 ? tok.tokenText(tok.eosId()) : "";
        String own = tok.chatTemplate();
        if (own != null && !own.isBlank())
            return new ModelChatTemplate(ChatTemplate.of(own, bos, eos), "model", bos, tok.addBos(), List.of());
        String name = has(tok, "<|im_start|>") ? "chatml"
                : has(tok, "<|start_header_id|>") ? "llama3"
                : has(tok, "<|assistant|>") && has(tok, "<|end|>") ? "phi3"
                : has(tok, "<start_of_turn>") ? "gemma"
                : has(tok, "[INST]") ? "llama2"
                : "plain";
        List<String> stops = name.equals("plain") ? List.of("\nUser:") : List.of();
        return new ModelChatTemplate(ChatTemplate.builtin(name), name, bos, tok.addBos(), stops);
    }

    /** True when {@code text} is a single special token of the vocabulary. */
    private static boolean has(Tokenizer tok, String text) {
        int[] ids = tok.encode(text, false, true);
        return ids.length == 1 && tok.tokenText(ids[0]).equals(text);
    }

    /** The prompt text for {@code messages} (tools and extra variables may be null). */
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt, Map<String, Object> extra) {
        String text = template.render(messages, tools, addGenerationPrompt, extra);
        if (tokenizerAddsBos && !bosText.isEmpty() && text.startsWith(bosText)) text = text.substring(bosText.length());
        return text;
    }
}
