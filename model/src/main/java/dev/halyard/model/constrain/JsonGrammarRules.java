package dev.halyard.model.constrain;

import java.util.List;
import java.util.Map;

/**
 * The GBNF rules for JSON's primitive values, as llama.cpp's json-schema-to-grammar writes them, and
 * the rules each depends on. Whitespace is bounded ({@code space}: nothing, a space, or one or two
 * newlines and up to 20 indent characters) and numbers have at most 16 integer and 16 fraction
 * digits and 3 exponent digits, so a schema without unbounded strings or arrays has outputs of bounded length.
 */
final class JsonGrammarRules {
    private JsonGrammarRules() {}

    record Rule(String body, List<String> deps) {}

    static final Map<String, Rule> PRIMITIVES = Map.ofEntries(
            Map.entry("space", new Rule("| \" \" | \"\\n\"{1,2} [ \\t]{0,20}", List.of())),
            Map.entry("boolean", new Rule("(\"true\" | \"false\") space", List.of("space"))),
            Map.entry("null", new Rule("\"null\" space", List.of("space"))),
            Map.entry("integral-part", new Rule("[0] | [1-9] [0-9]{0,15}", List.of())),
            Map.entry("decimal-part", new Rule("[0-9]{1,16}", List.of())),
            Map.entry("exponent", new Rule("[eE] [-+]? [0-9]{1,3}", List.of())),
            Map.entry("number", new Rule("(\"-\"? integral-part) (\".\" decimal-part)? exponent? space",
                    List.of("integral-part", "decimal-part", "exponent", "space"))),
            Map.entry("nonnegative-number", new Rule("integral-part (\".\" decimal-part)? exponent? space",
                    List.of("integral-part", "decimal-part", "exponent", "space"))),
            Map.entry("integer", new Rule("(\"-\"? integral-part) space", List.of("integral-part", "space"))),
            Map.entry("char", new Rule("[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})", List.of())),
            Map.entry("string", new Rule("\"\\\"\" char* \"\\\"\" space", List.of("char", "space"))),
            Map.entry("value", new Rule("object | array | string | number | boolean | null",
                    List.of("object", "array", "string", "number", "boolean", "null"))),
            Map.entry("object", new Rule("\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )? \"}\" space",
                    List.of("string", "value", "space"))),
            Map.entry("array", new Rule("\"[\" space ( value (\",\" space value)* )? \"]\" space", List.of("value", "space"))),
            Map.entry("date", new Rule("[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] )", List.of())),
            Map.entry("time", new Rule("([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{3} )? "
                    + "( \"Z\" | ( \"+\" | \"-\" ) ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )", List.of())),
            Map.entry("date-time", new Rule("date \"T\" time", List.of("date", "time"))),
            Map.entry("date-string", new Rule("\"\\\"\" date \"\\\"\" space", List.of("date", "space"))),
            Map.entry("time-string", new Rule("\"\\\"\" time \"\\\"\" space", List.of("time", "space"))),
            Map.entry("date-time-string", new Rule("\"\\\"\" date-time \"\\\"\" space", List.of("date-time", "space"))),
            Map.entry("uuid", new Rule("\"\\\"\" [0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" "
                    + "[0-9a-fA-F]{12} \"\\\"\" space", List.of("space"))));

    /** Rule names of the supported string formats, by {@code format} value. */
    static final Map<String, String> FORMATS = Map.of(
            "date", "date-string", "time", "time-string", "date-time", "date-time-string", "uuid", "uuid");

    /** {@code s} as a GBNF string literal. */
    static String literal(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> sb.append(CharClass.gbnfChar(c)));
        return sb.append('"').toString();
    }
}
