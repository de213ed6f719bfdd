package dev.halyard.model.chat;

import static dev.halyard.model.chat.Conversations.SYSTEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The publishers' chat templates in shared/templates, rendered for real conversations. Each expected
 * prompt is written out by hand from the template's logic and the model card's documented format.
 */
class RealTemplatesGoldenTest {

    // ---------------------------------------------------------------- Qwen2.5

    private static final ChatTemplate QWEN25 = ChatTemplate.of(SharedTemplates.jinja("Qwen-Qwen2.5-7B-Instruct.jinja"), null, "<|im_end|>");

    @Test
    void qwen25_with_tools_and_a_tool_call_renders_the_hermes_style_prompt() {
        String expected = "<|im_start|>system\n"
                + SYSTEM
                + "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
                + "\n" + Conversations.WEATHER_TOOL_JSON
                + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
                + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n22 degrees and sunny\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\nIt is 22 °C and sunny in Paris.<|im_end|>\n"
                + "<|im_start|>user\nThanks!<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(expected, QWEN25.render(Conversations.withToolCall(), Conversations.weatherTool(), true, null));
    }

    @Test
    void qwen25_without_tools_uses_the_plain_chatml_turns() {
        String turns = "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n"
                + "<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\nHi there!<|im_end|>\n"
                + "<|im_start|>user\nHow are you?<|im_end|>\n";
        assertEquals(turns + "<|im_start|>assistant\n", QWEN25.render(Conversations.simple(), null, true, null));
        assertEquals(turns, QWEN25.render(Conversations.simple(), null, false, null));
    }

    @Test
    void qwen25_without_a_system_message_supplies_its_default_one() {
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
                QWEN25.render(List.of(ChatMessage.user("Hello")), null, true, null));
    }

    @Test
    void qwen25_groups_consecutive_tool_answers_in_one_user_turn() {
        var messages = List.of(
                ChatMessage.user("Weather in Paris and Rome?"),
                ChatMessage.assistant("Checking.", List.of(new ToolCall("a", "get_weather", "{\"city\": \"Paris\"}"), new ToolCall("b", "get_weather", "{\"city\": \"Rome\"}"))),
                ChatMessage.tool("a", "22"),
                ChatMessage.tool("b", "25"));
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nWeather in Paris and Rome?<|im_end|>\n"
                        + "<|im_start|>assistant\nChecking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"
                        + "\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call><|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\n22\n</tool_response>\n<tool_response>\n25\n</tool_response><|im_end|>\n",
                QWEN25.render(messages, null, false, null));
    }

    // ---------------------------------------------------------------- Llama 3.1

    private static final ChatTemplate LLAMA31 = ChatTemplate.of(SharedTemplates.jinja("meta-llama-Llama-3.1-8B-Instruct.jinja"), "<|begin_of_text|>", "<|eot_id|>");

    @Test
    void llama31_with_tools_puts_them_in_the_first_user_message_and_tool_results_under_ipython() {
        String expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Environment: ipython\n"
                + "Cutting Knowledge Date: December 2023\n"
                + "Today Date: 26 Jul 2024\n\n"
                + SYSTEM + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\n"
                + "Given the following functions, please respond with a JSON for a function call "
                + "with its proper arguments that best answers the given prompt.\n\n"
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}."
                + "Do not use variables.\n\n"
                + Conversations.WEATHER_TOOL_JSON_INDENT4 + "\n\n"
                + "What is the weather in Paris?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n"
                + "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}<|eot_id|>"
                // a string is iterable in Jinja2, so the template prints the tool's answer through tojson
                + "<|start_header_id|>ipython<|end_header_id|>\n\n\"22 degrees and sunny\"<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nIt is 22 °C and sunny in Paris.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nThanks!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        assertEquals(expected, LLAMA31.render(Conversations.withToolCall(), Conversations.weatherTool(), true, null));
    }

    @Test
    void llama31_without_tools_has_dates_but_no_ipython_environment() {
        String turns = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + SYSTEM + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>";
        assertEquals(turns + "<|start_header_id|>assistant<|end_header_id|>\n\n", LLAMA31.render(Conversations.simple(), null, true, null));
        assertEquals(turns, LLAMA31.render(Conversations.simple(), null, false, null));
    }

    @Test
    void llama31_takes_date_string_from_the_caller_and_trims_contents() {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\n<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>",
                LLAMA31.render(List.of(ChatMessage.user("  Hello \n")), null, false, Map.of("date_string", "01 Jan 2025")));
    }

    @Test
    void llama31_raises_on_parallel_tool_calls() {
        var messages = List.of(ChatMessage.user("Paris and Rome?"),
                ChatMessage.assistant(null, List.of(new ToolCall("a", "get_weather", "{}"), new ToolCall("b", "get_weather", "{}"))));
        var e = assertThrows(ChatTemplateException.class, () -> LLAMA31.render(messages, null, false, null));
        assertEquals("template raised: This model only supports single tool-calls at once!", e.getMessage());
    }

    @Test
    void llama31_raises_when_tools_have_no_user_message_to_go_in() {
        var e = assertThrows(ChatTemplateException.class, () -> LLAMA31.render(List.of(ChatMessage.system(SYSTEM)), Conversations.weatherTool(), true, null));
        assertEquals("template raised: Cannot put tools in the first user message when there's no first user message!", e.getMessage());
    }

    // ---------------------------------------------------------------- Phi-3.5

    private static final ChatTemplate PHI35 = ChatTemplate.of(SharedTemplates.jinja("microsoft-Phi-3.5-mini-instruct.jinja"), "<s>", "<|endoftext|>");

    @Test
    void phi35_renders_turns_and_ends_with_the_assistant_tag_or_eos() {
        String turns = "<|system|>\n" + SYSTEM + "<|end|>\n"
                + "<|user|>\nHello<|end|>\n"
                + "<|assistant|>\nHi there!<|end|>\n"
                + "<|user|>\nHow are you?<|end|>\n";
        assertEquals(turns + "<|assistant|>\n", PHI35.render(Conversations.simple(), null, true, null));
        assertEquals(turns + "<|endoftext|>", PHI35.render(Conversations.simple(), null, false, null));
    }

    @Test
    void phi35_has_no_tool_role_so_tool_answers_are_dropped_and_empty_system_skipped() {
        var messages = List.of(
                ChatMessage.system(""),
                ChatMessage.user("What is the weather in Paris?"),
                ChatMessage.assistant(null, List.of(new ToolCall("call_1", "get_weather", "{\"city\": \"Paris\"}"))),
                ChatMessage.tool("call_1", "22 degrees and sunny"),
                ChatMessage.assistant("It is sunny."));
        assertEquals("<|user|>\nWhat is the weather in Paris?<|end|>\n"
                        + "<|assistant|>\n<|end|>\n"
                        + "<|assistant|>\nIt is sunny.<|end|>\n"
                        + "<|assistant|>\n",
                PHI35.render(messages, null, true, null));
    }

    // ---------------------------------------------------------------- Gemma 2

    private static final ChatTemplate GEMMA2 = ChatTemplate.of(SharedTemplates.jinja("google-gemma-2-2b-it.jinja"), "<bos>", "<eos>");

    @Test
    void gemma2_renders_user_and_model_turns_with_trimmed_contents() {
        var messages = List.of(ChatMessage.user("Hello"), ChatMessage.assistant("  Hi there!\n"), ChatMessage.user("How are you?"));
        String turns = "<bos><start_of_turn>user\nHello<end_of_turn>\n"
                + "<start_of_turn>model\nHi there!<end_of_turn>\n"
                + "<start_of_turn>user\nHow are you?<end_of_turn>\n";
        assertEquals(turns + "<start_of_turn>model\n", GEMMA2.render(messages, null, true, null));
        assertEquals(turns, GEMMA2.render(messages, null, false, null));
    }

    @Test
    void gemma2_rejects_a_system_message() {
        var e = assertThrows(ChatTemplateException.class, () -> GEMMA2.render(Conversations.simple(), null, true, null));
        assertEquals("template raised: System role not supported", e.getMessage());
    }

    @Test
    void gemma2_rejects_roles_that_do_not_alternate_including_tool_turns() {
        var twoUsers = List.of(ChatMessage.user("a"), ChatMessage.user("b"));
        var withTool = List.of(ChatMessage.user("Weather?"), ChatMessage.assistant(null, List.of(new ToolCall("c", "get_weather", "{}"))), ChatMessage.tool("c", "sunny"));
        for (var messages : List.of(twoUsers, withTool)) {
            var e = assertThrows(ChatTemplateException.class, () -> GEMMA2.render(messages, null, true, null));
            assertEquals("template raised: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        }
    }

    // ---------------------------------------------------------------- tokenizer_config.json templates

    @Test
    void qwen3_from_tokenizer_config_renders_system_and_user() {
        ChatTemplate qwen3 = SharedTemplates.fromTokenizerConfig("qwen3");
        var messages = List.of(ChatMessage.system(SYSTEM), ChatMessage.user("Hello"));
        String prompt = "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(prompt, qwen3.render(messages, null, true, null));
        assertEquals(prompt + "<think>\n\n</think>\n\n", qwen3.render(messages, null, true, Map.of("enable_thinking", false)));
        assertEquals(prompt, qwen3.render(messages, null, true, Map.of("enable_thinking", true)));
    }

    @Test
    void qwen3_keeps_history_plain_and_shows_reasoning_only_after_the_last_query() {
        ChatTemplate qwen3 = SharedTemplates.fromTokenizerConfig("qwen3");
        assertEquals("<|im_start|>system\n" + SYSTEM + "<|im_end|>\n"
                        + "<|im_start|>user\nHello<|im_end|>\n"
                        + "<|im_start|>assistant\nHi there!<|im_end|>\n"
                        + "<|im_start|>user\nHow are you?<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                qwen3.render(Conversations.simple(), null, true, null));
        var answered = List.of(ChatMessage.user("Hello"), ChatMessage.assistant("<think>\nThe user greets me.\n</think>\n\nHi there!"));
        assertEquals("<|im_start|>user\nHello<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nThe user greets me.\n</think>\n\nHi there!<|im_end|>\n",
                qwen3.render(answered, null, false, null));
        var earlier = List.of(ChatMessage.user("Hello"), ChatMessage.assistant("<think>\nGreeting.\n</think>\n\nHi!"), ChatMessage.user("Bye"));
        assertEquals("<|im_start|>user\nHello<|im_end|>\n"
                        + "<|im_start|>assistant\nHi!<|im_end|>\n"
                        + "<|im_start|>user\nBye<|im_end|>\n",
                qwen3.render(earlier, null, false, null));
    }

    @Test
    void qwen3_renders_tools_tool_calls_and_tool_answers() {
        ChatTemplate qwen3 = SharedTemplates.fromTokenizerConfig("qwen3");
        String expected = "<|im_start|>system\n" + SYSTEM + "\n\n"
                + "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
                + "\n" + Conversations.WEATHER_TOOL_JSON
                + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
                + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n"
                // the assistant turns after the last user query get an (empty) think block only when last
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n22 degrees and sunny\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\nIt is 22 °C and sunny in Paris.<|im_end|>\n";
        var messages = Conversations.withToolCall().subList(0, 5);
        assertEquals(expected, qwen3.render(messages, Conversations.weatherTool(), false, null));
    }

    @Test
    void llama3_from_tokenizer_config_renders_system_and_user() {
        ChatTemplate llama3 = SharedTemplates.fromTokenizerConfig("llama3");
        String prompt = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        assertEquals(prompt, llama3.render(List.of(ChatMessage.system(SYSTEM), ChatMessage.user("Hello")), null, true, null));
        String longer = llama3.render(Conversations.simple(), null, true, null);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", longer);
    }
}
