package dev.halyard.model.chat;

import static dev.halyard.model.chat.Conversations.SYSTEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The built-in templates against their publishers' documented prompt formats, written out by hand. */
class BuiltinTemplatesTest {

    private static String render(String name, boolean addGenerationPrompt) {
        return ChatTemplate.builtin(name).render(Conversations.simple(), null, addGenerationPrompt, null);
    }

    @Test
    void chatml() {
        String turns = "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n"
                + "<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\nHi there!<|im_end|>\n"
                + "<|im_start|>user\nHow are you?<|im_end|>\n";
        assertEquals(turns + "<|im_start|>assistant\n", render("chatml", true));
        assertEquals(turns, render("chatml", false));
    }

    @Test
    void llama3() {
        String turns = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>";
        assertEquals(turns + "<|start_header_id|>assistant<|end_header_id|>\n\n", render("llama3", true));
        assertEquals(turns, render("llama3", false));
    }

    @Test
    void llama2_folds_the_system_prompt_into_the_first_instruction() {
        String expected = "<s>[INST] <<SYS>>\n" + SYSTEM + "\n<</SYS>>\n\nHello [/INST] Hi there! </s><s>[INST] How are you? [/INST]";
        assertEquals(expected, render("llama2", true));
        assertEquals(expected, render("llama2", false));
        assertEquals("<s>[INST] Hi [/INST]", ChatTemplate.builtin("llama2").render(List.of(ChatMessage.user(" Hi ")), null, true, null));
        var e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.builtin("llama2").render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), null, true, null));
        assertEquals("template raised: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void phi3() {
        String turns = "<|system|>\n" + SYSTEM + "<|end|>\n"
                + "<|user|>\nHello<|end|>\n"
                + "<|assistant|>\nHi there!<|end|>\n"
                + "<|user|>\nHow are you?<|end|>\n";
        assertEquals(turns + "<|assistant|>\n", render("phi3", true));
        assertEquals(turns + "<|endoftext|>", render("phi3", false));
    }

    @Test
    void gemma_puts_the_system_prompt_before_the_first_user_turn() {
        String turns = "<bos><start_of_turn>user\n" + SYSTEM + "\n\nHello<end_of_turn>\n"
                + "<start_of_turn>model\nHi there!<end_of_turn>\n"
                + "<start_of_turn>user\nHow are you?<end_of_turn>\n";
        assertEquals(turns + "<start_of_turn>model\n", render("gemma", true));
        assertEquals(turns, render("gemma", false));
        var e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.builtin("gemma").render(List.of(ChatMessage.assistant("a")), null, true, null));
        assertEquals("template raised: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void plain_is_a_labelled_transcript() {
        assertEquals(SYSTEM + "\n\nUser: Hello\nAssistant: Hi there!\nUser: How are you?\nAssistant:", render("plain", true));
        assertEquals("User: Weather?\nTool: sunny\n",
                ChatTemplate.builtin("plain").render(List.of(ChatMessage.user("Weather?"), ChatMessage.tool("c", "sunny")), null, false, null));
    }

    @Test
    void an_unknown_name_lists_the_choices() {
        var e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.builtin("vicuna"));
        assertEquals("built-in chat template must be one of [chatml, gemma, llama2, llama3, phi3, plain], got 'vicuna'", e.getMessage());
    }
}
