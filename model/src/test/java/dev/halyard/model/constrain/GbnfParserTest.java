package dev.halyard.model.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The GBNF text parser: llama.cpp's syntax, and clear errors for bad (untrusted) grammars. */
class GbnfParserTest {

    static void assertError(String gbnf, String... fragments) {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.parse(gbnf), gbnf);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
    }

    @Test
    void llama_cpp_json_grammar_parses_and_matches_json() {
        String json = """
                root   ::= object
                value  ::= object | array | string | number | ("true" | "false" | "null") ws

                object ::=
                  "{" ws (
                            string ":" ws value
                    ("," ws string ":" ws value)*
                  )? "}" ws

                array  ::=
                  "[" ws (
                            value
                    ("," ws value)*
                  )? "]" ws

                string ::=
                  "\\"" (
                    [^"\\\\\\x7F\\x00-\\x1F] |
                    "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
                  )* "\\"" ws

                number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

                # Optional space: by convention, applied in this grammar after literal chars when allowed
                ws ::= | " " | "\\n" [ \\t]{0,20}
                """;
        Grammar g = Grammar.parse(json);
        assertTrue(g.matches("{\"a\": [1, 2.5, \"x\\ny\", true, null], \"b\": {}}"));
        assertTrue(g.matches("{}"));
        assertFalse(g.matches("{\"a\" 1}"));
        assertFalse(g.matches("[1]"));
    }

    @Test
    void literals_classes_groups_and_repetitions() {
        Grammar g = Grammar.parse("root ::= \"ab\"+ [x-z]? (\"-\" | \".\"){2} [^a-c0-9]{1,3} .");
        assertTrue(g.matches("abx-.d!"));
        assertTrue(g.matches("ababz..ddd€"));
        assertFalse(g.matches("abx-.d"), "the final . needs a character");
        assertFalse(g.matches("x-.dd!"), "ab+ needs at least one ab");
        assertFalse(g.matches("ab-.bd!"), "[^a-c0-9] excludes b");
        assertFalse(g.matches("ab-.dddd!"), "{1,3} allows at most three");
    }

    @Test
    void escapes_in_literals_and_classes() {
        Grammar g = Grammar.parse("root ::= \"\\x41\\u00e9\\U0001F600\\t\\\"\" [\\]\\[\\-]");
        assertTrue(g.matches("Aé😀\t\"]"));
        assertTrue(g.matches("Aé😀\t\"-"));
        assertFalse(g.matches("Aé😀\t\"x"));
    }

    @Test
    void bounded_repetition_forms() {
        assertTrue(Grammar.parse("root ::= \"a\"{3}").matches("aaa"));
        assertFalse(Grammar.parse("root ::= \"a\"{3}").matches("aa"));
        assertTrue(Grammar.parse("root ::= \"a\"{2,}").matches("aaaaaaa"));
        assertFalse(Grammar.parse("root ::= \"a\"{2,}").matches("a"));
        assertTrue(Grammar.parse("root ::= \"a\"{0,2} \"b\"").matches("b"));
        assertFalse(Grammar.parse("root ::= \"a\"{0,2} \"b\"").matches("aaab"));
        assertTrue(Grammar.parse("root ::= (\"ab\" | \"c\"){ 1 , 2 }").matches("cab"));
    }

    @Test
    void rules_span_lines_inside_parentheses_and_after_bars_and_comments_are_ignored() {
        Grammar g = Grammar.parse("""
                # a comment line
                root ::= a |
                   b  # trailing comment
                a ::= ( "x"
                        "y" )
                b ::= "z"
                """);
        assertTrue(g.matches("xy"));
        assertTrue(g.matches("z"));
        assertFalse(g.matches("x"));
    }

    @Test
    void another_start_rule_can_be_named() {
        Grammar g = Grammar.parse("start ::= \"s\" other\nother ::= \"o\"", "start");
        assertTrue(g.matches("so"));
    }

    @Test
    void nullable_rules_and_right_recursion_are_fine() {
        Grammar g = Grammar.parse("root ::= list\nlist ::= \"\" | item list\nitem ::= opt \"i\"\nopt ::= \"-\"?");
        assertTrue(g.matches(""));
        assertTrue(g.matches("i-ii-i"));
        assertFalse(g.matches("i--i"));
    }

    @Test
    void undefined_rule_is_an_error_naming_rule_and_position() {
        assertError("root ::= \"a\" missing\n", "undefined rule 'missing'", "line 1, column 14");
        assertError("root ::= \"a\"\n\nother ::= nope", "undefined rule 'nope'", "line 3, column 11");
    }

    @Test
    void missing_root_is_an_error() {
        assertError("start ::= \"a\"", "no rule named 'root'");
    }

    @Test
    void syntax_errors_name_line_and_column() {
        assertError("root ::= \"abc", "unterminated string literal", "line 1");
        assertError("root ::= [abc", "unterminated character class", "line 1, column 10");
        assertError("root ::= []", "empty character class");
        assertError("root ::= [z-a]", "reversed");
        assertError("root ::= \"\\q\"", "unknown escape '\\q'", "column 11");
        assertError("root ::= \"\\x4\"", "hex digits");
        assertError("root ::= \"\\uD800\"", "not a Unicode scalar value");
        assertError("root ::= \"a\" )", "expected a newline", "column 14");
        assertError("root = \"a\"", "expected '::='");
        assertError("root ::= ( \"a\"", "unclosed '('");
        assertError("root ::= * \"a\"", "must follow an item");
        assertError("root ::= \"a\"{2", "expected '}'");
        assertError("root ::= \"a\"{3,2}", "max < min");
        assertError("root ::= \"a\"{,2}", "expected a number");
        assertError("::= \"a\"", "expected a rule name");
        assertError("root ::= \"a\"\nroot ::= \"b\"", "defined twice", "line 2");
        assertError("root ::= <[1000]>", "token references");
    }

    @Test
    void left_recursion_is_rejected_even_through_nullable_rules() {
        assertError("root ::= root \"a\" | \"b\"", "left recursion", "root -> root");
        assertError("root ::= a\na ::= b \"x\"\nb ::= \"\" | a", "left recursion");
        assertError("root ::= e root \"x\" | \"y\"\ne ::= \" \"?", "left recursion");
    }

    @Test
    void deep_nesting_and_huge_repetitions_are_refused_quickly() {
        assertError("root ::= " + "(".repeat(5000) + "\"a\"" + ")".repeat(5000), "nested deeper than 100");
        assertError("root ::= \"a\"{1000000}", "exceeds");
        assertError("root ::=" + " \"a\"{100000}".repeat(25), "too large");
        assertError("root ::= \"ab\"{0,100000} \"c\"{0,100000}" + " \"d\"{0,100000}".repeat(30), "too large");
    }

    @Test
    void a_long_chain_of_rules_builds_without_deep_recursion() {
        StringBuilder sb = new StringBuilder("root ::= r0\n");
        int n = 20_000;
        for (int i = 0; i < n; i++) sb.append("r").append(i).append(" ::= r").append(i + 1).append(" | \"x\"\n");
        sb.append("r").append(n).append(" ::= \"y\"\n");
        Grammar g = Grammar.parse(sb.toString());
        assertTrue(g.matches("y"));
        assertEquals(n + 2, g.ruleCount());
    }

    @Test
    void random_garbage_never_escapes_as_anything_but_a_grammar_exception() {
        SplittableRandom r = new SplittableRandom(7);
        String alphabet = "root::=|()[]^-\"\\x{},*+?.ab#\n 0123456789u";
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 20_000; i++) {
                StringBuilder sb = new StringBuilder(i % 3 == 0 ? "root ::= " : "");
                int len = r.nextInt(40);
                for (int j = 0; j < len; j++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
                try {
                    Grammar g = Grammar.parse(sb.toString());
                    g.matches("ab");
                } catch (GrammarException expected) {
                    // fine: a clear error
                }
            }
        });
    }
}
