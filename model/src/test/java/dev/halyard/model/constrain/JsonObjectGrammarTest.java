package dev.halyard.model.constrain;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The "json_object" grammar against random JSON documents, valid and mutated. */
class JsonObjectGrammarTest {
    static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    static final Grammar JSON_OBJECT = Grammar.jsonObject();

    static JsonNode parseOrNull(String s) {
        try {
            return STRICT.readTree(s);
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void random_valid_objects_are_accepted() {
        RandomJson gen = new RandomJson(11);
        for (int i = 0; i < 2000; i++) {
            String doc = gen.object(3);
            JsonNode parsed = parseOrNull(doc);
            if (parsed == null || !parsed.isObject()) fail("the generator made invalid JSON: " + doc);
            assertTrue(JSON_OBJECT.matches(doc), doc);
        }
    }

    @Test
    void mutated_documents_that_are_not_json_objects_are_rejected() {
        RandomJson gen = new RandomJson(12);
        int rejected = 0;
        for (int i = 0; i < 4000; i++) {
            String doc = gen.mutate(gen.object(2));
            JsonNode parsed = parseOrNull(doc);
            boolean accepted = JSON_OBJECT.matches(doc);
            if (parsed == null || !parsed.isObject()) {
                assertFalse(accepted, "accepted invalid JSON: " + doc);
                rejected++;
            }
        }
        assertTrue(rejected > 1000, "most mutations break the document: " + rejected);
    }

    @Test
    void other_values_and_unbounded_whitespace_are_rejected() {
        assertFalse(JSON_OBJECT.matches("[1, 2]"));
        assertFalse(JSON_OBJECT.matches("\"text\""));
        assertFalse(JSON_OBJECT.matches(" {}"), "no leading whitespace");
        assertFalse(JSON_OBJECT.matches("{\"a\":" + " ".repeat(3) + "1}"), "at most one space in a row");
        assertFalse(JSON_OBJECT.matches("{\"a\":\n\n\n1}"), "at most two newlines in a row");
        assertFalse(JSON_OBJECT.matches("{\"a\":01}"), "no leading zeros");
        assertFalse(JSON_OBJECT.matches("{\"a\":\"\u0001\"}"), "no raw control characters in strings");
        assertFalse(JSON_OBJECT.matches("{\"a\":1,}"), "no trailing comma");
        assertTrue(JSON_OBJECT.matches("{\"a\": \"\\u00e9\\n\", \"b\": [true, {\"c\": null}], \"d\": -1.5e-3}\n"));
    }

    @Test
    void every_random_walk_through_the_grammar_is_a_json_object() {
        GrammarMatcher m = new GrammarMatcher(JSON_OBJECT);
        SplittableRandom r = new SplittableRandom(5);
        int finished = 0;
        for (int i = 0; i < 300; i++) {
            byte[] out = GrammarWalks.randomSentence(m, r, 300);
            if (out == null) continue;
            finished++;
            String s = new String(out, StandardCharsets.UTF_8);
            JsonNode parsed = parseOrNull(s);
            assertTrue(parsed != null && parsed.isObject(), "not a JSON object: " + s);
        }
        assertTrue(finished > 200, "most walks finish: " + finished);
    }
}
