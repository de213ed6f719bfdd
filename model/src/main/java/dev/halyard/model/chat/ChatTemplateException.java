package dev.halyard.model.chat;

/**
 * A chat template that cannot be compiled or rendered: a syntax error, {@code raise_exception('…')}
 * called by the template, a sandbox violation (a method that is not on the whitelist, an include) or
 * an exceeded limit (time, output size, loop iterations, recursion). The message says which, e.g.
 * {@code template raised: System role not supported}.
 */
public final class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
