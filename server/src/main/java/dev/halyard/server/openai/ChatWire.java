package dev.halyard.server.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The response shapes of {@code /v1/chat/completions}, exactly as OpenAI sends them (snake_case on the wire). */
public final class ChatWire {
    private ChatWire() {}

    /** {@code object: "chat.completion"}. */
    public record Completion(String id, String object, long created, String model, String systemFingerprint,
                             List<Choice> choices, Usage usage) {
        public Completion(String id, long created, String model, List<Choice> choices, Usage usage) {
            this(id, "chat.completion", created, model, FINGERPRINT, choices, usage);
        }
    }

    public record Choice(int index, Message message, Logprobs logprobs, String finishReason) {}

    /** {@code content} is null when the answer is tool calls. */
    public record Message(String role, String content, String refusal,
                          @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ToolCall> toolCalls) {
        public static Message assistant(String content, List<ToolCall> calls) {
            return new Message("assistant", content, null, calls);
        }
    }

    public record ToolCall(String id, String type, Function function) {
        public static ToolCall of(String id, String name, String argumentsJson) {
            return new ToolCall(id, "function", new Function(name, argumentsJson));
        }
    }

    /** {@code arguments} is a JSON string, as OpenAI sends it. */
    public record Function(String name, String arguments) {}

    public record Logprobs(List<TokenLogprob> content, List<TokenLogprob> refusal) {}

    /** A chosen token, its UTF-8 bytes and its alternatives. */
    public record TokenLogprob(String token, float logprob, int[] bytes, List<TopLogprob> topLogprobs) {}

    public record TopLogprob(String token, float logprob, int[] bytes) {}

    /** {@code object: "chat.completion.chunk"}; {@code usage} is null except on the last chunk with include_usage. */
    public record Chunk(String id, String object, long created, String model, String systemFingerprint,
                        List<ChunkChoice> choices, Usage usage) {
        public Chunk(String id, long created, String model, List<ChunkChoice> choices, Usage usage) {
            this(id, "chat.completion.chunk", created, model, FINGERPRINT, choices, usage);
        }
    }

    public record ChunkChoice(int index, Delta delta, Logprobs logprobs, String finishReason) {}

    /** Only the fields that changed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content, List<ToolCallDelta> toolCalls) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ToolCallDelta(int index, String id, String type, FunctionDelta function) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FunctionDelta(String name, String arguments) {}

    /** Identifies the serving configuration, as OpenAI's {@code system_fingerprint}. */
    public static final String FINGERPRINT = "fp_halyard_0.1.0";
}
