package dev.halyard.server.http;

import dev.halyard.server.serving.Exchange;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Locale;

/** One line per request: id, route, model, prompt/completion tokens, time to first token, total time, status. */
final class RequestLog {
    private static final Logger LOG = System.getLogger("halyard.server.requests");

    private RequestLog() {}

    static void line(Exchange ex, String method, String path, int status, boolean stream) {
        double total = (System.nanoTime() - ex.arrivalNanos()) / 1e6;
        double ttft = ex.ttftMillis();
        LOG.log(Level.INFO, String.format(Locale.ROOT, "%s %s %s model=%s prompt_tokens=%d completion_tokens=%d ttft=%s total=%.1fms status=%d%s",
                ex.id(), method, path, ex.model(), ex.promptTokens(), ex.completionTokens(),
                ttft < 0 ? "-" : String.format(Locale.ROOT, "%.1fms", ttft), total, status, stream ? " stream" : ""));
    }
}
