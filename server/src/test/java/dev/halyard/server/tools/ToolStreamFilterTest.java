package dev.halyard.server.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Streaming content while holding back what may become a tool call. */
class ToolStreamFilterTest {
    static final Set<String> TOOLS = Set.of("get_weather");

    @Test
    void plain_text_streams_through_holding_only_what_could_start_a_call_tag() {
        var f = new ToolStreamFilter(TOOLS);
        assertEquals("Hello", f.push("Hello"));
        assertEquals(" there ", f.push(" there <"));
        assertEquals("<b>", f.push("b>"));
        ToolStreamFilter.End end = f.finish();
        assertEquals("", end.content());
        assertTrue(end.calls().isEmpty());
    }

    @Test
    void text_before_a_hermes_call_streams_and_the_call_text_never_does() {
        var f = new ToolStreamFilter(TOOLS);
        StringBuilder streamed = new StringBuilder();
        for (String p : List.of("Sure", ", checking.", " <tool", "_call>{\"name\": \"get_weather\", ", "\"arguments\": {}}</tool_call>")) streamed.append(f.push(p));
        ToolStreamFilter.End end = f.finish();
        streamed.append(end.content());
        assertEquals("Sure, checking. ", streamed.toString());
        assertEquals(List.of(new ParsedCall("get_weather", "{}")), end.calls());
    }

    @Test
    void a_reply_opening_with_json_is_held_until_the_end() {
        var f = new ToolStreamFilter(TOOLS);
        assertEquals("", f.push(" {\"name\": \"get_"));
        assertEquals("", f.push("weather\", \"arguments\": {\"city\": \"Paris\"}}"));
        ToolStreamFilter.End end = f.finish();
        assertEquals("", end.content());
        assertEquals("get_weather", end.calls().getFirst().name());
    }

    @Test
    void held_text_that_is_no_call_is_released_as_content_at_the_end() {
        var f = new ToolStreamFilter(TOOLS);
        assertEquals("", f.push("[1] see"));
        ToolStreamFilter.End end = f.finish();
        assertTrue(end.calls().isEmpty());
        assertEquals("[1] see", end.content());
        var g = new ToolStreamFilter(TOOLS);
        assertEquals("Use <b", g.push("Use <b") + g.push(""));
    }
}
