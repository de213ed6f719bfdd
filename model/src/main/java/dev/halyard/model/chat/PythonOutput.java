package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

/**
 * How {@code {{ expr }}} prints: Python's {@code str()} of the value ({@code True}, {@code ['a']},
 * {@code 1.0}). Unlike the engine's default, the result is never re-rendered as a template, so text
 * from a message that looks like {@code {{ … }}} stays text.
 */
final class PythonOutput implements ExpressionStrategy {
    @Override
    public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interp) {
        Object value = interp.resolveELExpression(master.getExpr(), master.getLineNumber());
        return new RenderedOutputNode(RenderGuard.current().checkString(PyValues.str(value)));
    }
}
