package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.CollectionTooBigException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.interpret.TagCycleException;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.List;

/**
 * Turns the errors the engine records (it records rather than raises, and renders on) into the
 * render's failure: checked before every node and at the end, the first fatal one aborts with a
 * message that names the limit or the template line.
 */
final class EngineErrors {
    private EngineErrors() {}

    /** Aborts on the first fatal error recorded since {@code seen}; returns the new count. */
    static int check(JinjavaInterpreter interp, int seen, RenderLimits limits) {
        List<TemplateError> errors = interp.getErrorsCopy();
        for (int i = seen; i < errors.size(); i++) {
            String message = fatalMessage(errors.get(i), limits);
            if (message != null) throw new RenderGuard.Abort(message);
        }
        return errors.size();
    }

    /** The failure message for an error, or null when it is only a warning (e.g. an unknown property). */
    static String fatalMessage(TemplateError e, RenderLimits limits) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof OutputTooBigException) return "output or a string exceeds the limit of " + limits.maxOutputChars() + " characters";
            if (t instanceof CollectionTooBigException) return "a list or dict exceeds the limit of " + limits.maxCollectionSize() + " items";
            if (t instanceof TagCycleException) return "macro recursion exceeds the limit of " + limits.maxRecursionDepth() + " levels";
            if (t instanceof RenderGuard.Abort a) return a.getMessage();
        }
        if (e.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG) return "output exceeds the limit of " + limits.maxOutputChars() + " characters";
        if (e.getReason() == TemplateError.ErrorReason.COLLECTION_TOO_BIG) return "a list or dict exceeds the limit of " + limits.maxCollectionSize() + " items";
        if (e.getSeverity() != TemplateError.ErrorType.FATAL) return null;
        return "template error" + (e.getLineno() > 0 ? " at line " + e.getLineno() : "") + ": " + e.getMessage();
    }
}
