package dev.halyard.server.errors;

import java.time.Duration;

/**
 * An error the client should see, already in OpenAI's terms: HTTP status, {@code type}, {@code code},
 * the {@code param} it concerns and a message naming the parameter, the value and the allowed range.
 * Thrown anywhere below the routes; {@link ErrorMapper} turns it (and every other exception) into
 * OpenAI's JSON.
 *
 * @see ErrorMapper
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Duration retryAfter; // null: no Retry-After header

    public ApiException(int status, String type, String code, String param, String message, Duration retryAfter) {
        super(message);
        if (status < 400 || status > 599) throw new IllegalArgumentException("status must be in [400, 599], got " + status);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfter = retryAfter;
    }

    public int status() { return status; }
    public String type() { return type; }
    public String code() { return code; }
    public String param() { return param; }
    public Duration retryAfter() { return retryAfter; }

    // ------------------------------------------------------------------ the error classes, one factory each

    /** 400: a parameter has the wrong type or value; {@code message} names parameter, value and range. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", "invalid_value", param, message, null);
    }

    /** 400: a parameter has the wrong JSON type. */
    public static ApiException wrongType(String param, String expected, String got) {
        return new ApiException(400, "invalid_request_error", "invalid_type", param, param + " must be " + expected + ", got " + got, null);
    }

    /** 400: a required parameter is absent. */
    public static ApiException missing(String param) {
        return new ApiException(400, "invalid_request_error", "missing_required_parameter", param, "missing required parameter: " + param, null);
    }

    /** 400: the body is not JSON, or not within the parser's limits. */
    public static ApiException badJson(String detail) {
        return new ApiException(400, "invalid_request_error", "invalid_json", null,
                "We could not parse the JSON body of your request: " + detail, null);
    }

    /** 400: a feature the server does not offer. */
    public static ApiException unsupported(String param, String message) {
        return new ApiException(400, "invalid_request_error", "unsupported_parameter", param, message, null);
    }

    /** 400: prompt plus requested tokens do not fit the model's context window. */
    public static ApiException contextLength(String param, String message) {
        return new ApiException(400, "invalid_request_error", "context_length_exceeded", param, message, null);
    }

    /** 401: a missing or wrong API key. */
    public static ApiException unauthorized() {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", null,
                "Incorrect or missing API key: send the header 'Authorization: Bearer <key>'", null);
    }

    /** 404: no model with this id. */
    public static ApiException modelNotFound(String id) {
        return new ApiException(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + id + "' does not exist (GET /v1/models lists the models served here)", null);
    }

    /** 404: no such route. */
    public static ApiException noRoute(String method, String path) {
        return new ApiException(404, "invalid_request_error", "unknown_url", null, "Invalid URL (" + method + " " + path + ")", null);
    }

    /** 405: the route exists with other methods. */
    public static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "invalid_request_error", "method_not_allowed", null, "Method " + method + " is not allowed on " + path, null);
    }

    /** 413: the body exceeds the limit. */
    public static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null,
                "The request body exceeds the limit of " + limit + " bytes", null);
    }

    /** 415: a body that is not JSON. */
    public static ApiException unsupportedMediaType(String contentType) {
        return new ApiException(415, "invalid_request_error", "unsupported_media_type", null,
                "Content-Type must be application/json, got '" + contentType + "'", null);
    }

    /** 429: the model's queue is full. */
    public static ApiException queueFull(String message, Duration retryAfter) {
        return new ApiException(429, "rate_limit_error", "rate_limit_exceeded", null, message, retryAfter);
    }

    /** 503: the model is loading (or every model slot is busy); try again after {@code retryAfter}. */
    public static ApiException unavailable(String code, String message, Duration retryAfter) {
        return new ApiException(503, "unavailable_error", code, null, message, retryAfter);
    }

    /** 507: loading the model would exceed the memory available. */
    public static ApiException insufficientMemory(String message) {
        return new ApiException(507, "server_error", "insufficient_memory", null, message, null);
    }

    /** 500: the server failed (never for bad input). */
    public static ApiException internal(String code, String message) {
        return new ApiException(500, "server_error", code, null, message, null);
    }
}
