package dev.halyard.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * What templates rely on, checked against what Python's Jinja2 prints with Hugging Face's settings
 * (trim_blocks, lstrip_blocks, the tojson override). Each expectation is Python's output.
 */
class JinjaCompatibilityTest {

    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.system("S"), ChatMessage.user("U"), ChatMessage.assistant("A"));

    private static String render(String template) {
        return ChatTemplate.of(template, "<s>", "</s>").render(MESSAGES, null, false, null);
    }

    static List<String[]> whitespace() {
        return List.of(
                new String[] {"{% if true %}\n  yes\n{% endif %}\nend", "  yes\nend"},
                new String[] {"  {% if true %}x{% endif %}", "x"},
                new String[] {"a  {% if true %}x{% endif %}", "a  x"},
                new String[] {"<{{- ' x ' -}}>", "< x >"},
                new String[] {"a \n  {{- 'b' }}", "ab"},
                new String[] {"{{ 'b' -}}  \n c", "bc"},
                new String[] {"{# comment #}\nx", "x"},
                new String[] {"  {# comment #}\nx", "x"},
                new String[] {"{% if true +%}\nx{% endif %}", "\nx"},
                new String[] {"  {%+ if true %}x{% endif %}", "  x"},
                new String[] {"x\n", "x"},
                new String[] {"x\n\n", "x\n"},
                new String[] {"a\r\nb", "a\nb"},
                new String[] {"{% raw %}{{ not rendered }}{% endraw %}", "{{ not rendered }}"},
                new String[] {"{{ '}}' }}", "}}"},
                new String[] {"{{ {'a': {'b': 1}}['a']['b'] }}", "1"},
                new String[] {"{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}", "  1\n  2\n"},
                new String[] {"{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}!", "12!"},
                new String[] {"a{{ 'b' }}{", "ab{"},
                new String[] {"{{ '{' }}{{ '{' }}", "{{"},
                new String[] {"{%- set x = 1 -%}\n\n  {{ x }}", "1"});
    }

    @ParameterizedTest
    @MethodSource("whitespace")
    void whitespace_follows_jinja2_with_trim_and_lstrip_blocks(String template, String expected) {
        assertEquals(expected, render(template));
    }

    static List<String[]> python() {
        return List.of(
                // str methods
                new String[] {"{{ '  a b  '.strip() }}|{{ '  a b  '.lstrip() }}|{{ '  a b  '.rstrip() }}|{{ 'xxaxx'.strip('x') }}", "a b|a b  |  a b|a"},
                new String[] {"{{ 'a b  c'.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}", "['a', 'b', 'c']|['a', 'b', '', 'c']|['a', 'b,c']|['a,b', 'c']"},
                new String[] {"{{ 'hello'.startswith('he') }}{{ 'hello'.endswith(('x', 'lo')) }}{{ 'hello'.startswith('lo') }}", "TrueTrueFalse"},
                new String[] {"{{ 'hello wORLD'.title() }}|{{ \"they're\".title() }}|{{ 'aBc'.upper() }}|{{ 'aBc'.lower() }}|{{ 'aBc'.capitalize() }}", "Hello World|They'Re|ABC|abc|Abc"},
                new String[] {"{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'abc'.replace('', '-') }}|{{ 'a-b'.find('-') }}|{{ 'abab'.count('ab') }}", "bba|-a-b-c-|1|2"},
                new String[] {"{{ ', '.join(['a', 'b']) }}|{{ 'a\\nb'.splitlines() }}", "a, b|['a', 'b']"},
                // dict and list methods
                new String[] {"{% for k, v in {'b': 1, 'a': 2}.items() %}{{ k }}{{ v }}{% endfor %}|{{ {'b': 1, 'a': 2}.keys()|list }}|{{ {'b': 1}.values()|list }}", "b1a2|['b', 'a']|[1]"},
                new String[] {"{{ {'k': 1}.get('k') }}|{{ {'k': 1}.get('x', 'dflt') }}|{{ {'k': 1}.get('x') }}|{{ [1, 2, 2].count(2) }}|{{ ['a', 'b'].index('b') }}", "1|dflt||2|1"},
                new String[] {"{% for k, v in {'b': 1, 'a': 2}|items %}{{ k }}={{ v }};{% endfor %}", "b=1;a=2;"},
                // subscripts and slices
                new String[] {"{{ [1, 2, 3, 4][1:] }}|{{ [1, 2, 3, 4][:-1] }}|{{ [1, 2, 3, 4][::-1] }}|{{ [1, 2, 3, 4, 5][-2:] }}|{{ [1, 2, 3, 4, 5][4:1:-2] }}", "[2, 3, 4]|[1, 2, 3]|[4, 3, 2, 1]|[4, 5]|[5, 3]"},
                new String[] {"{{ 'hello'[1:3] }}|{{ 'hello'[::2] }}|{{ 'hello'[::-1] }}|{{ 'hello'[0] }}{{ 'hello'[-1] }}|{{ messages[-1].role }}", "el|hlo|olleh|ho|assistant"},
                // loops
                new String[] {"{% for x in 'abc' %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex0 }} {% endfor %}", "01TrueFalse32 12FalseFalse31 23FalseTrue30 "},
                new String[] {"{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}", "a2;b13;a2;"},
                new String[] {"{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.last }}{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}", "2False4True|empty"},
                new String[] {"{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}|{% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}", "13|1"},
                new String[] {"{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}|{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}", "ab|37"},
                new String[] {"{% set x = 1 %}{% for m in messages %}{% set x = 2 %}{% endfor %}{{ x }}", "1"},
                new String[] {"{% set ns = namespace(n=[1, 2, 3]|length - 1, found=false) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.n }}{{ ns.found }}", "2True"},
                // tests
                new String[] {"{{ 'a' is string }}{{ 1 is string }}{{ {} is mapping }}{{ [] is mapping }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ [] is sequence }}", "TrueFalseTrueFalseTrueFalseTrue"},
                new String[] {"{{ none is none }}{{ 0 is none }}{{ true is boolean }}{{ 1 is number }}{{ 1.5 is float }}{{ 1 is integer }}{{ true is integer }}{{ false is false }}{{ 0 is false }}", "TrueFalseTrueTrueTrueTrueFalseTrueFalse"},
                new String[] {"{{ x is defined }}{{ x is undefined }}{{ messages is defined }}{{ messages[0].name is defined }}{{ messages[0].role is defined }}", "FalseTrueTrueFalseTrue"},
                new String[] {"{{ not x is defined }}|{{ not [1]|length == 1 }}|{{ not false and true }}|{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'abc' }}", "True|False|True|TrueTrueTrueTrue"},
                new String[] {"{{ 'tool_calls' in messages[0] }}{{ 'role' in messages[0] }}", "FalseTrue"},
                // printing, literals, operators
                new String[] {"{{ true }}|{{ 1.5 }}|{{ 2.0 }}|{{ 1e20 }}|{{ 0.00001 }}|{{ [1, 'a', none] }}|{{ {'k': false, 'q': \"it's\"} }}", "True|1.5|2.0|1e+20|1e-05|[1, 'a', None]|{'k': False, 'q': \"it's\"}"},
                new String[] {"{{ True }}{{ False }}{% if None is none %}N{% endif %}", "TrueFalseN"},
                new String[] {"{{ 7 // 2 }}|{{ 7 % 3 }}|{{ 2 ** 10 }}|{{ 7 / 2 }}|{{ 'a' ~ 'b' }}|{{ 'a' + 'b' }}|{{ 'a' ~ true ~ 1.5 ~ ['b'] }}", "3|1|1024|3.5|ab|ab|aTrue1.5['b']"},
                new String[] {"{{ 'a\\tb\\\\c\\x41\\u00e9\\'\\\"' }}|{{ \"dq\\n\" }}", "a\tb\\cAé'\"|dq\n"},
                new String[] {"{{ 'x' if messages else 'y' }}|{{ 'x' if [] else 'y' }}", "x|y"},
                // filters
                new String[] {"{{ {'b': 'é\"\\n', 'a': [1, 2.0, none, true]}|tojson }}", "{\"b\": \"é\\\"\\n\", \"a\": [1, 2.0, null, true]}"},
                new String[] {"{{ {'a': {}, 'b': [], 'c': [1]}|tojson(indent=2) }}", "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1\n  ]\n}"},
                new String[] {"{{ {'b': 1, 'a': 2}|tojson(sort_keys=true, separators=[',', ':']) }}|{{ 'é'|tojson(ensure_ascii=true) }}", "{\"a\":2,\"b\":1}|\"\\u00e9\""},
                new String[] {"{{ '  x \\n'|trim }}|{{ 'xxaxx'|trim('x') }}|{{ [1, 'a', true]|join('-') }}|{{ '😀a'|length }}|{{ 'ab'|list }}", "x|a|1-a-True|2|['a', 'b']"},
                new String[] {"{{ messages|map(attribute='role')|join(',') }}|{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ ['a', 'code_interpreter']|reject('equalto', 'code_interpreter')|join(', ') }}", "system,user,assistant|1|a"},
                new String[] {"{{ 'hello world'|title }}|{{ 'hELLO'|capitalize }}|{{ 'x'|upper }}|{{ (messages|first).role }}|{{ (messages|last).role }}|{{ range(3)|list }}", "Hello World|Hello|X|system|assistant|[0, 1, 2]"},
                // macros, set blocks, generation
                new String[] {"{% macro f(x, y=1) %}{{ x }}-{{ y }}{% endmacro %}{{ f(1) }},{{ f(1, y=2) }}", "1-1,1-2"},
                new String[] {"{% set x %}block {{ 1 }}{% endset %}{{ x }}", "block 1"},
                new String[] {"{% generation %}{{ 'G' }}{% endgeneration %}", "G"});
    }

    @ParameterizedTest
    @MethodSource("python")
    void expressions_follow_python_semantics(String template, String expected) {
        assertEquals(expected, render(template));
    }

    @Test
    void strftime_now_formats_the_render_clock_like_python() {
        var clock = Clock.fixed(Instant.parse("2024-07-26T09:05:03Z"), ZoneOffset.UTC);
        var t = ChatTemplate.of("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%-d %B, %A %I %p %j') }}", null, null).withClock(clock);
        assertEquals("26 Jul 2024|2024-07-26 09:05:03|26 July, Friday 09 AM 208", t.render(MESSAGES, null, false, null));
    }

    @Test
    void raise_exception_stops_the_render_with_the_templates_message() {
        var e = assertThrows(ChatTemplateException.class, () -> render("before{{ raise_exception('Only user and assistant roles are supported!') }}after"));
        assertEquals("template raised: Only user and assistant roles are supported!", e.getMessage());
    }

    static List<String[]> syntaxErrors() {
        return List.of(
                new String[] {"{% if true %}x", "template syntax error at line 1: Syntax error in '{% if true %}': Missing end tag: endif for tag defined as: {% if true %}"},
                new String[] {"{% endfor %}", "template syntax error at line 1: Missing start tag"},
                new String[] {"{% nosuchtag %}", "template syntax error at line 1: Syntax error in '{% nosuchtag %}': Unknown tag: nosuchtag"},
                new String[] {"{{ 'unclosed }}", "template syntax error at line 1: unclosed string literal in tag"},
                new String[] {"a\n{{ x ", "template syntax error at line 2: unclosed tag (missing '}}')"},
                new String[] {"{# no end", "template syntax error at line 1: unclosed comment (missing '#}')"},
                new String[] {"{{ x[::-1].y }}", "template syntax error at line 1: a slice with a step may not be followed by '.' (assign it to a variable first)"});
    }

    @ParameterizedTest
    @MethodSource("syntaxErrors")
    void syntax_errors_fail_at_compile_time_with_the_line(String template, String message) {
        var e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(template.replace("\\n", "\n"), null, null));
        assertEquals(message, e.getMessage());
    }

    @Test
    void errors_in_expressions_fail_the_render_with_the_line() {
        var e = assertThrows(ChatTemplateException.class, () -> render("line1\n{{ nosuchfunction(1) }}"));
        assertEquals("template error at line 2: Could not resolve function 'nosuchfunction'", e.getMessage());
    }

    @Test
    void messages_carry_tool_calls_with_parsed_arguments_and_optional_keys() {
        var messages = List.of(
                ChatMessage.assistant(null, List.of(new ToolCall("c1", "f", "{\"b\": [1, 2.5], \"a\": {\"x\": null}}"), new ToolCall(null, "g", "not json"))),
                ChatMessage.tool("c1", "f", "ok"));
        var t = ChatTemplate.of("{% for m in messages %}{{ m }}\n{% endfor %}", null, null);
        assertEquals("{'role': 'assistant', 'content': '', 'tool_calls': [{'id': 'c1', 'type': 'function', 'function': {'name': 'f', 'arguments': {'b': [1, 2.5], 'a': {'x': None}}}}, "
                        + "{'type': 'function', 'function': {'name': 'g', 'arguments': 'not json'}}]}\n"
                        + "{'role': 'tool', 'content': 'ok', 'tool_call_id': 'c1', 'name': 'f'}\n",
                t.render(messages, null, false, null));
    }

    @Test
    void extra_variables_are_visible_but_may_not_replace_render_arguments() {
        var t = ChatTemplate.of("{{ flag }}|{{ cfg.depth }}|{{ bos_token }}", "<s>", null);
        assertEquals("True|3|<B>", t.render(MESSAGES, null, false, Map.of("flag", true, "cfg", Map.of("depth", 3), "bos_token", "<B>")));
        var e = assertThrows(IllegalArgumentException.class, () -> t.render(MESSAGES, null, false, Map.of("messages", List.of())));
        assertEquals("extra variable 'messages' may not replace a render argument (messages, tools, add_generation_prompt)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.render(MESSAGES, null, false, Map.of("x", new Object())));
        assertEquals("x has a value of unsupported type Object (allowed: string, number, boolean, null, list, map)", e.getMessage());
    }

    @Test
    void message_and_tool_call_records_validate_their_fields() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ChatMessage(" ", "x", null, null, null));
        assertEquals("role must be a non-blank string, got ' '", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ToolCall("id", null, "{}"));
        assertEquals("tool call name must be a non-blank string, got null", e.getMessage());
        assertEquals("{}", new ToolCall("id", "f", null).argumentsJson());
    }
}
