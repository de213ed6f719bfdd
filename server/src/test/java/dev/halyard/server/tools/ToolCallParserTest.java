package dev.halyard.server.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Tool calls in the formats real models write, and plain text that only looks like them. */
class ToolCallParserTest {
    static final Set<String> TOOLS = Set.of("get_weather", "get_time");

    static ParsedCall only(ToolCallParser.Parsed p) {
        assertEquals(1, p.calls().size(), p.toString());
        return p.calls().getFirst();
    }

    @Test
    void hermes_and_qwen_tool_call_tags_are_calls_and_the_text_before_is_content() {
        var p = ToolCallParser.parse("Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", TOOLS);
        assertEquals("Let me check.", p.content());
        assertEquals(new ParsedCall("get_weather", "{\"city\":\"Paris\"}"), only(p));
    }

    @Test
    void several_hermes_calls_are_parallel_calls_and_an_unclosed_last_tag_still_counts() {
        var p = ToolCallParser.parse("<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call>\n"
                + "<tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"CET\"}}", TOOLS);
        assertNull(p.content());
        assertEquals(List.of(new ParsedCall("get_weather", "{\"city\":\"Oslo\"}"), new ParsedCall("get_time", "{\"zone\":\"CET\"}")), p.calls());
    }

    @Test
    void llama_3_1_json_with_parameters_and_python_tag_is_a_call() {
        assertEquals(new ParsedCall("get_time", "{\"zone\":\"UTC\"}"),
                only(ToolCallParser.parse("{\"name\": \"get_time\", \"parameters\": {\"zone\": \"UTC\"}}", TOOLS)));
        assertEquals(new ParsedCall("get_time", "{}"), only(ToolCallParser.parse("<|python_tag|>{\"name\": \"get_time\", \"parameters\": {}}", TOOLS)));
        var two = ToolCallParser.parse("{\"name\": \"get_time\", \"parameters\": {}}; {\"name\": \"get_weather\", \"parameters\": {\"city\": \"a;b\"}}", TOOLS);
        assertEquals(2, two.calls().size());
        assertEquals("{\"city\":\"a;b\"}", two.calls().get(1).argumentsJson());
    }

    @Test
    void mistral_tool_calls_and_fenced_json_are_calls() {
        assertEquals("get_weather", only(ToolCallParser.parse("[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}]", TOOLS)).name());
        assertEquals("get_weather", only(ToolCallParser.parse("```json\n{\"name\": \"get_weather\", \"arguments\": {}}\n```", TOOLS)).name());
    }

    @Test
    void arguments_written_as_a_json_string_are_unwrapped() {
        assertEquals("{\"city\":\"Paris\"}", only(ToolCallParser.parse("{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}", TOOLS)).argumentsJson());
    }

    @Test
    void text_that_only_looks_like_a_call_stays_content() {
        for (String text : List.of("The weather is fine.", "{\"name\": \"unknown_tool\", \"arguments\": {}}", "{\"name\": \"get_time\", \"arguments\": 5}",
                "{not json", "<tool_call>{broken</tool_call>", "[1, 2, 3]")) {
            var p = ToolCallParser.parse(text, TOOLS);
            assertFalse(p.hasCalls(), text);
            assertEquals(text, p.content());
        }
    }
}
