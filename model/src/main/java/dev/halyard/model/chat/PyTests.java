package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Jinja2's tests ({@code x is string}, {@code is mapping}, {@code is iterable} …) with Python's type
 * rules where the engine's differ: a string is iterable and a sequence, a bool is a number but not an integer,
 * {@code is false} holds only for False itself. The engine does not tell None from undefined, so
 * {@code is defined} is false for both (templates test {@code is defined and is not none} anyway).
 */
final class PyTests {
    private PyTests() {}

    private static ExpTest test(String name, Predicate<Object> p) {
        return new ExpTest() {
            @Override
            public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
                return p.test(var);
            }

            @Override
            public String getName() {
                return name;
            }
        };
    }

    private static boolean isInt(Object v) {
        return v instanceof Number && !(v instanceof Double) && !(v instanceof Float);
    }

    static List<ExpTest> all() {
        return List.of(
                test("defined", v -> v != null),
                test("undefined", v -> v == null),
                test("none", v -> v == null),
                test("string", v -> v instanceof String),
                test("mapping", v -> v instanceof Map),
                test("iterable", v -> v instanceof String || v instanceof Collection || v instanceof Map),
                test("sequence", v -> v instanceof String || v instanceof Collection || v instanceof Map),
                test("number", v -> v instanceof Number || v instanceof Boolean), // bool is an int in Python
                test("integer", PyTests::isInt),
                test("float", v -> v instanceof Double || v instanceof Float),
                test("boolean", v -> v instanceof Boolean),
                test("true", v -> Boolean.TRUE.equals(v)),
                test("false", v -> Boolean.FALSE.equals(v)),
                test("callable", v -> false));
    }
}
