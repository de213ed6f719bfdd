package dev.halyard.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile templates: each one must fail with a clear ChatTemplateException, quickly, without side effects. */
class ChatTemplateSandboxTest {

    private static final List<ChatMessage> HELLO = List.of(ChatMessage.user("Hello"));

    private static ChatTemplateException failure(String template) {
        return failure(ChatTemplate.of(template, "<s>", "</s>"));
    }

    private static ChatTemplateException failure(ChatTemplate t) {
        return assertThrows(ChatTemplateException.class, () -> t.render(HELLO, null, true, null));
    }

    private static String render(String template) {
        return ChatTemplate.of(template, "<s>", "</s>").render(HELLO, null, true, null);
    }

    @Test
    void an_endless_loop_is_stopped_by_the_time_limit() {
        var spin = ChatTemplate.of("{% set ns = namespace(n=0) %}{% for a in range(100000) %}{% for b in range(100000) %}"
                + "{% set ns.n = ns.n + 1 %}{% endfor %}{% endfor %}{{ ns.n }}", null, null)
                .withLimits(new RenderLimits(Duration.ofMillis(300), 1 << 20, Integer.MAX_VALUE, 100_000, 64));
        long start = System.nanoTime();
        var e = failure(spin);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("render took longer than the time limit of 300 ms", e.getMessage());
        assertTrue(ms < 3000, "the render should stop soon after its deadline, took " + ms + " ms");
    }

    @Test
    void an_endless_loop_is_stopped_by_the_iteration_limit() {
        var e = failure("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}");
        assertEquals("loops ran more than the limit of 1000000 iterations", e.getMessage());
    }

    @Test
    void exponential_string_growth_hits_the_size_limit() {
        for (String op : List.of("~", "+")) {
            var e = failure("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s " + op + " ns.s %}{% endfor %}{{ ns.s }}");
            assertEquals("output or a string exceeds the limit of 1048576 characters", e.getMessage());
        }
        var e = failure("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s.replace('a', ns.s) %}{% endfor %}{{ ns.s }}");
        assertTrue(e.getMessage().contains("exceeds the limit of 1048576"), e.getMessage());
    }

    @Test
    void exponential_list_growth_hits_the_collection_limit() {
        var e = failure("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}");
        assertEquals("a list or dict exceeds the limit of 100000 items", e.getMessage());
    }

    @Test
    void a_huge_output_hits_the_output_limit() {
        var e = failure("{% for i in range(100000) %}0123456789abcdef{% endfor %}");
        assertEquals("output exceeds the limit of 1048576 characters", e.getMessage());
    }

    @Test
    void unbounded_macro_recursion_hits_the_recursion_limit() {
        var e = failure("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        assertEquals("macro recursion exceeds the limit of 64 levels", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{{ ''.getClass() }}",
            "{{ ''.getClass().forName('java.lang.System').exit(1) }}",
            "{{ messages.getClass() }}",
            "{{ messages[0].getClass() }}",
            "{% for m in messages %}{{ loop.getClass() }}{% endfor %}",
            "{{ messages.append(1) }}",
            "{{ messages[0].clear() }}",
            "{{ messages[0].put('role', 'x') }}",
            "{{ 'x'.getBytes() }}",
            "{{ 'x'.repeat(1000000000) }}",
            "{{ (1).getClass() }}",
    })
    void java_methods_are_not_callable(String template) {
        var e = failure(template);
        assertTrue(e.getMessage().matches("'(str|list|dict|LoopContext|int|NoneType)' object has no attribute '\\w+'"), e.getMessage());
    }

    @Test
    void java_properties_and_engine_internals_read_as_undefined() {
        assertEquals("||||<object>|", render("{{ messages.class }}|{{ ''.class }}|{{ messages[0].class }}|{{ ''.__class__ }}|{{ ____int3rpr3t3r____ }}|{{ ____int3rpr3t3r____.context }}"));
        assertEquals("", render("{{ System }}{{ java }}{{ Runtime }}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{% include '/etc/passwd' %}",
            "{% import '/etc/passwd' as p %}",
            "{% from '/etc/passwd' import x %}",
            "{% extends '/etc/passwd' %}",
    })
    void templates_cannot_load_files(String template) {
        var e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(template, null, null).render(HELLO, null, true, null));
        assertTrue(e.getMessage().startsWith("template syntax error") && e.getMessage().contains("is disabled"), e.getMessage());
    }

    @Test
    void filters_that_rerender_or_parse_yaml_are_disabled() {
        assertTrue(failure("{{ '{{ 7 * 7 }}'|render }}").getMessage().contains("'render' is disabled"));
        assertTrue(failure("{{ 'a: 1'|fromyaml }}").getMessage().contains("'fromyaml' is disabled"));
    }

    @Test
    void filters_cannot_be_asked_for_huge_widths() {
        assertEquals("filter center: argument 1000000000 exceeds the limit of 1048576", failure("{{ 'x'|center(1000000000) }}").getMessage());
        assertEquals("filter indent: argument 1000000000 exceeds the limit of 1048576", failure("{{ 'a\\nb'|indent(width=1000000000) }}").getMessage());
        assertTrue(failure("{{ '%999999999d'|format(1) }}").getMessage().contains("'format' is disabled"));
    }

    @Test
    void message_text_that_looks_like_a_template_is_printed_not_run() {
        String hostile = "{{ raise_exception('pwned') }}{% for x in range(10) %}{{ x }}{% endfor %}";
        var t = ChatTemplate.of("{% for m in messages %}{{ m.content }}{% endfor %}", null, null);
        assertEquals(hostile, t.render(List.of(ChatMessage.user(hostile)), null, false, null));
    }

    @Test
    void templates_cannot_modify_the_callers_data_or_assign_attributes_outside_namespaces() {
        var messages = new java.util.ArrayList<>(HELLO);
        ChatTemplate.of("{% set x = messages.pop %}{{ messages|length }}", null, null).render(messages, null, false, null);
        assertEquals(1, messages.size());
        assertFalse(render("{% set messages = [] %}{{ messages|length }}").isEmpty());
    }

    @Test
    void limits_are_validated_with_clear_messages() {
        var e = assertThrows(IllegalArgumentException.class, () -> new RenderLimits(Duration.ZERO, 1, 1, 1, 1));
        assertEquals("timeout must be in (0, 1 min], got PT0S", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RenderLimits(Duration.ofSeconds(1), 0, 1, 1, 1));
        assertEquals("maxOutputChars must be >= 1, got 0", e.getMessage());
    }

    @Test
    void renders_in_parallel_give_the_same_result() throws Exception {
        var t = ChatTemplate.of(SharedTemplates.jinja("Qwen-Qwen2.5-7B-Instruct.jinja"), null, "<|im_end|>");
        String expected = t.render(Conversations.withToolCall(), Conversations.weatherTool(), true, null);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<String>>();
            for (int i = 0; i < 16; i++) futures.add(pool.submit(() -> t.render(Conversations.withToolCall(), Conversations.weatherTool(), true, null)));
            for (var f : futures) assertEquals(expected, f.get());
        }
    }
}
