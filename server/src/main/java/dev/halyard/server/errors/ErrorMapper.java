package dev.halyard.server.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.halyard.model.chat.ChatTemplateException;
import dev.halyard.runtime.ContextLengthExceededException;
import dev.halyard.runtime.engine.QueueFullException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The one place where exceptions become OpenAI errors. Bad input of any kind maps to a 4xx; only a
 * failure of the server itself is a 500 (and is logged with its stack).
 */
public final class ErrorMapper {
    private static final Logger LOG = System.getLogger("halyard.server");

    private ErrorMapper() {}

    public static ApiException map(Throwable e) {
        return switch (e) {
            case ApiException a -> a;
            case ContextLengthExceededException c -> ApiException.contextLength("messages", c.getMessage());
            case QueueFullException q -> ApiException.queueFull(q.getMessage(), q.retryAfter());
            case ChatTemplateException t -> new ApiException(400, "invalid_request_error", "chat_template_error", "messages",
                    "the model's chat template rejected the conversation: " + t.getMessage(), null);
            case JsonProcessingException j -> ApiException.badJson(j.getOriginalMessage());
            // input validation below the server (sampling parameters, schemas, token ids) speaks in IllegalArgumentException
            case IllegalArgumentException i -> new ApiException(400, "invalid_request_error", "invalid_value", null, i.getMessage(), null);
            case OutOfMemoryError o -> ApiException.insufficientMemory("the server ran out of memory serving this request");
            default -> {
                LOG.log(Level.ERROR, "internal error", e);
                yield ApiException.internal("internal_error", "internal error: " + e);
            }
        };
    }

    /** OpenAI's error body for {@code e}. */
    public static ErrorBody body(ApiException e) {
        return new ErrorBody(new ErrorBody.Detail(e.getMessage(), e.type(), e.param(), e.code()));
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    public record ErrorBody(Detail error) {
        public record Detail(String message, String type, String param, String code) {}
    }
}
