package dev.halyard.model.constrain;

/**
 * A grammar, JSON Schema or pattern that cannot be used: a syntax error (with line and column), an
 * undefined rule, left recursion, an unsupported keyword, or a grammar over the size limits.
 */
public class GrammarException extends IllegalArgumentException {
    public GrammarException(String message) {
        super(message);
    }
}
