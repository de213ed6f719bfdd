package dev.halyard.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void text_without_stop_strings_passes_through() {
        StopMatcher m = new StopMatcher(List.of());
        assertEquals("hello", m.push("hello"));
        assertEquals(" world", m.push(" world"));
        assertEquals("", m.flush());
    }

    @Test
    void a_stop_string_split_across_pieces_is_never_shown() {
        StopMatcher m = new StopMatcher(List.of("</end>"));
        StringBuilder shown = new StringBuilder();
        for (String piece : List.of("The answer", " is 4</", "en", "d> and more")) shown.append(m.push(piece));
        assertTrue(m.stopped());
        assertEquals("The answer is 4", shown.toString());
        assertEquals("The answer is 4", m.text());
    }

    @Test
    void a_held_back_prefix_is_released_when_it_turns_out_not_to_be_a_stop() {
        StopMatcher m = new StopMatcher(List.of("User:"));
        assertEquals("Hi ", m.push("Hi Us"));
        assertEquals("Use the force", m.push("e the force"));
        assertFalse(m.stopped());
    }

    @Test
    void the_earliest_of_several_stop_strings_wins() {
        StopMatcher m = new StopMatcher(List.of("bb", "a"));
        assertEquals("x", m.push("xabb"));
        assertEquals("x", m.text());
    }

    @Test
    void flush_releases_a_trailing_partial_match() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        assertEquals("go ", m.push("go ST"));
        assertEquals("ST", m.flush());
    }
}
