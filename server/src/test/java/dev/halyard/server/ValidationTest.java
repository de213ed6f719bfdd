package dev.halyard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One case per validation rule: a 400 in OpenAI's shape whose {@code param} names the parameter and
 * whose message names the value and the allowed range.
 */
class ValidationTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    static final String MSGS = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";

    /** A chat body with the base message and {@code extra} JSON members. */
    static String chat(String extra) {
        return "{" + MSGS + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static Arguments rule(String name, String path, String body, String param, String message) {
        return Arguments.of(name, path, body, param, message);
    }

    static Stream<Arguments> rules() {
        String c = "/v1/chat/completions", p = "/v1/completions", e = "/v1/embeddings";
        return Stream.of(
                rule("temperature above 2", c, chat("\"temperature\":3"), "temperature", "temperature must be in [0, 2], got 3"),
                rule("temperature not a number", c, chat("\"temperature\":\"hot\""), "temperature", "temperature must be a number, got string 'hot'"),
                rule("top_p above 1", c, chat("\"top_p\":1.3"), "top_p", "top_p must be in (0, 1], got 1.3"),
                rule("top_p zero", c, chat("\"top_p\":0"), "top_p", "top_p must be in (0, 1], got 0"),
                rule("top_k below -1", c, chat("\"top_k\":-2"), "top_k", "top_k must be in [-1, 2147483647], got -2"),
                rule("min_p above 1", c, chat("\"min_p\":1.5"), "min_p", "min_p must be in [0, 1], got 1.5"),
                rule("repetition_penalty zero", c, chat("\"repetition_penalty\":0"), "repetition_penalty", "repetition_penalty must be in (0, 10], got 0"),
                rule("presence_penalty above 2", c, chat("\"presence_penalty\":2.5"), "presence_penalty", "presence_penalty must be in [-2, 2], got 2.5"),
                rule("frequency_penalty below -2", c, chat("\"frequency_penalty\":-3"), "frequency_penalty", "frequency_penalty must be in [-2, 2], got -3"),
                rule("n zero", c, chat("\"n\":0"), "n", "n must be in [1, 8], got 0"),
                rule("n above the limit", c, chat("\"n\":9"), "n", "n must be in [1, 8], got 9"),
                rule("n fractional", c, chat("\"n\":1.5"), "n", "n must be an integer, got number 1.5"),
                rule("max_tokens zero", c, chat("\"max_tokens\":0"), "max_tokens", "max_tokens must be in [1, 2147483647], got 0"),
                rule("max_tokens huge", c, chat("\"max_tokens\":1e400"), "max_tokens", "max_tokens must be in [1, 2147483647]"),
                rule("max_tokens beyond long", c, chat("\"max_tokens\":123456789012345678901234567890"), "max_tokens", "got 123456789012345678901234567890"),
                rule("max_completion_tokens not a number", c, chat("\"max_completion_tokens\":\"ten\""), "max_completion_tokens", "max_completion_tokens must be an integer, got string 'ten'"),
                rule("seed fractional", c, chat("\"seed\":1.5"), "seed", "seed must be an integer, got number 1.5"),
                rule("seed beyond 64 bits", c, chat("\"seed\":1e30"), "seed", "seed must be in [-9223372036854775808, 9223372036854775807]"),
                rule("stop not text", c, chat("\"stop\":5"), "stop", "stop must be a string or an array of strings, got number 5"),
                rule("stop empty", c, chat("\"stop\":[\"\"]"), "stop[0]", "stop[0] must not be empty"),
                rule("stop too many", c, chat("\"stop\":[" + "\"a\",".repeat(16) + "\"b\"]"), "stop", "stop must have at most 16 items, got 17"),
                rule("stop too long", c, chat("\"stop\":[\"" + "x".repeat(300) + "\"]"), "stop[0]", "stop[0] must have at most 256 characters, got 300"),
                rule("logit_bias key not a token id", c, chat("\"logit_bias\":{\"abc\":1}"), "logit_bias", "logit_bias keys must be token ids (integers), got 'abc'"),
                rule("logit_bias value out of range", c, chat("\"logit_bias\":{\"5\":200}"), "logit_bias.5", "logit_bias.5 must be in [-100, 100], got 200"),
                rule("logit_bias token outside the vocabulary", c, chat("\"logit_bias\":{\"99999\":1}"), "logit_bias", "logit_bias token id 99999 is outside the vocabulary [0, 512)"),
                rule("logprobs not a boolean", c, chat("\"logprobs\":\"yes\""), "logprobs", "logprobs must be a boolean, got string 'yes'"),
                rule("top_logprobs above 20", c, chat("\"logprobs\":true,\"top_logprobs\":21"), "top_logprobs", "top_logprobs must be in [0, 20], got 21"),
                rule("top_logprobs without logprobs", c, chat("\"top_logprobs\":2"), "top_logprobs", "top_logprobs requires logprobs to be true"),
                rule("messages missing", c, "{\"model\":\"stories260K\"}", "messages", "missing required parameter: messages"),
                rule("messages empty", c, "{\"messages\":[]}", "messages", "messages must hold at least one message, got []"),
                rule("messages not a list", c, "{\"messages\":\"hi\"}", "messages", "messages must be an array, got string 'hi'"),
                rule("messages too many", c, "{\"messages\":[" + "{\"role\":\"user\",\"content\":\"a\"},".repeat(2048) + "{\"role\":\"user\",\"content\":\"b\"}]}",
                        "messages", "messages must have at most 2048 items, got 2049"),
                rule("message not an object", c, "{\"messages\":[\"hi\"]}", "messages[0]", "messages[0] must be an object, got string 'hi'"),
                rule("message role unknown", c, "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", "messages[0].role", "got 'wizard'"),
                rule("user message without content", c, "{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content", "missing required parameter: messages[0].content"),
                rule("content of the wrong type", c, "{\"messages\":[{\"role\":\"user\",\"content\":5}]}", "messages[0].content",
                        "messages[0].content must be a string or an array of content parts, got number 5"),
                rule("content too long", c, "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1_000_001) + "\"}]}", "messages[0].content",
                        "messages[0].content must have at most 1000000 characters, got 1000001"),
                rule("content part not text", c, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}",
                        "messages[0].content[0].type", "content part type 'image_url' is not supported"),
                rule("tool type not function", c, chat("\"tools\":[{\"type\":\"x\",\"function\":{\"name\":\"f\"}}]"), "tools[0].type", "tools[0].type must be 'function', got 'x'"),
                rule("tool name with spaces", c, chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"bad name\"}}]"), "tools[0].function.name", "got 'bad name'"),
                rule("tools too many", c, chat("\"tools\":[" + "{\"type\":\"function\",\"function\":{\"name\":\"f\"}},".repeat(128) + "{\"type\":\"function\",\"function\":{\"name\":\"g\"}}]"),
                        "tools", "tools must have at most 128 items, got 129"),
                rule("tool_choice unknown", c, chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"sometimes\""),
                        "tool_choice", "got 'sometimes'"),
                rule("tool_choice names a missing tool", c, chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}"),
                        "tool_choice.function.name", "tool_choice names 'g', which is not among the tools"),
                rule("tool_choice required without tools", c, chat("\"tool_choice\":\"required\""), "tool_choice", "tool_choice 'required' needs tools"),
                rule("response_format type unknown", c, chat("\"response_format\":{\"type\":\"xml\"}"), "response_format.type", "got 'xml'"),
                rule("json_schema without schema", c, chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}"),
                        "response_format.json_schema.schema", "missing required parameter: response_format.json_schema.schema"),
                rule("grammar that does not parse", c, chat("\"grammar\":\"root ::= (\""), "grammar", "grammar cannot be used"),
                rule("stream_options without stream", c, chat("\"stream_options\":{\"include_usage\":true}"), "stream_options", "stream_options is only allowed when stream is true"),
                rule("stream not a boolean", c, chat("\"stream\":\"yes\""), "stream", "stream must be a boolean, got string 'yes'"),
                rule("model not a string", c, chat("\"model\":5"), "model", "model must be a string, got number 5"),
                rule("prompt missing", p, "{}", "prompt", "missing required parameter: prompt"),
                rule("prompt empty list", p, "{\"prompt\":[]}", "prompt", "prompt must not be an empty list"),
                rule("prompt of the wrong type", p, "{\"prompt\":{\"a\":1}}", "prompt", "prompt must be a string, an array of strings"),
                rule("prompt with an empty token list", p, "{\"prompt\":[[]]}", "prompt[0]", "prompt[0] must hold at least one token id"),
                rule("prompt token negative", p, "{\"prompt\":[-1]}", "prompt[0]", "prompt[0] must be in [0, 2147483647], got -1"),
                rule("prompt token not an integer", p, "{\"prompt\":[1,\"a\"]}", "prompt[1]", "prompt[1] must be an integer, got string 'a'"),
                rule("prompt token outside the vocabulary", p, "{\"prompt\":[1,99999]}", "prompt", "token id 99999 is outside the vocabulary [0, 512)"),
                rule("prompts too many", p, "{\"prompt\":[" + "\"a\",".repeat(2048) + "\"b\"]}", "prompt", "prompt must have at most 2048 items, got 2049"),
                rule("suffix", p, "{\"prompt\":\"Hi\",\"suffix\":\"x\"}", "suffix", "suffix is not supported"),
                rule("best_of other than n", p, "{\"prompt\":\"Hi\",\"best_of\":3}", "best_of", "best_of must equal n (1) here, got 3"),
                rule("legacy logprobs above 20", p, "{\"prompt\":\"Hi\",\"logprobs\":21}", "logprobs", "logprobs must be in [0, 20], got 21"),
                rule("echo not a boolean", p, "{\"prompt\":\"Hi\",\"echo\":\"y\"}", "echo", "echo must be a boolean, got string 'y'"),
                rule("embedding input missing", e, "{}", "input", "missing required parameter: input"),
                rule("encoding_format unknown", e, "{\"input\":\"Hi\",\"encoding_format\":\"hex\"}", "encoding_format", "encoding_format must be 'float' or 'base64', got 'hex'"),
                rule("dimensions other than the model's", e, "{\"input\":\"Hi\",\"dimensions\":10}", "dimensions", "dimensions must be 64 (the model's width) here, got 10"),
                rule("tokenize without content", "/tokenize", "{}", "content", "missing required parameter: content"),
                rule("detokenize tokens not a list", "/detokenize", "{\"tokens\":\"x\"}", "tokens", "tokens must be an array, got string 'x'"),
                rule("detokenize token outside the vocabulary", "/detokenize", "{\"tokens\":[99999]}", "tokens[0]", "tokens[0] = 99999 is outside the vocabulary [0, 512)"));
    }

    @ParameterizedTest(name = "{0} is a 400 naming {3}")
    @MethodSource("rules")
    void an_invalid_parameter_is_a_400_naming_it(String rule, String path, String body, String param, String message) {
        Api.Response r = ts.api.post(path, body);
        JsonNode e = r.error(400, null);
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals(param, e.get("param").asText(), r.text());
        assertTrue(e.get("message").asText().contains(message), "expected '" + message + "' in " + r.text());
    }
}
