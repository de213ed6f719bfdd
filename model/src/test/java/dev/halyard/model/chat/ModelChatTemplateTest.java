package dev.halyard.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.testing.SharedData;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelChatTemplateTest {

    @Test
    void a_model_without_a_template_or_chat_tokens_gets_the_plain_transcript() throws Exception {
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.read(SharedData.require("models/stories260K/stories260K.gguf")));
        ModelChatTemplate t = ModelChatTemplate.of(tok);
        assertEquals("plain", t.name());
        assertEquals("User: Hi\nAssistant:", t.render(List.of(ChatMessage.user("Hi")), null, true, null));
        assertEquals(List.of("\nUser:"), t.stops());
    }

    @Test
    void the_models_own_template_is_used_and_its_bos_is_left_to_the_tokenizer() throws Exception {
        Tokenizer tok = Tokenizer.fromHuggingFace(SharedData.require("tokenizers/llama3/tokenizer.json"));
        ModelChatTemplate t = ModelChatTemplate.of(tok);
        assertEquals("model", t.name());
        String text = t.render(List.of(ChatMessage.user("Hi")), null, true, null);
        assertEquals(true, text.startsWith("<|start_header_id|>"), text);
        int[] ids = tok.encode(text, true, true);
        assertEquals(128000, ids[0]);
        assertEquals(128006, ids[1], "exactly one BOS, then <|start_header_id|>");
    }

    @Test
    void a_chatml_vocabulary_without_a_template_gets_chatml() throws Exception {
        Tokenizer tok = Tokenizer.fromHuggingFace(SharedData.require("tokenizers/qwen3/tokenizer.json"));
        // qwen3's tokenizer_config.json carries a template; the builtin choice is checked on its vocabulary
        assertEquals("model", ModelChatTemplate.of(tok).name());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.builtin("chatml").render(List.of(ChatMessage.user("Hi")), null, true, null));
    }
}
