package dev.halyard.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ContentRangeTest {
    @Test
    void ranges_parse_with_known_and_unknown_totals() {
        assertEquals(new ContentRange(100, 199, 200), ContentRange.parse("bytes 100-199/200"));
        assertEquals(new ContentRange(0, 9, -1), ContentRange.parse("bytes 0-9/*"));
        assertEquals(1000, ContentRange.totalOf416("bytes */1000"));
    }

    @Test
    void malformed_or_impossible_ranges_are_null() {
        assertNull(ContentRange.parse(null));
        assertNull(ContentRange.parse("bytes 10-5/100"));
        assertNull(ContentRange.parse("bytes 0-100/100"));
        assertNull(ContentRange.parse("items 0-1/2"));
        assertNull(ContentRange.parse("bytes 0-99999999999999999999/1"));
        assertEquals(-1, ContentRange.totalOf416("bytes 0-1/2"));
    }
}
