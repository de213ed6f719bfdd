package dev.halyard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI client, unchanged, against the server. */
class LangChain4jClientTest {
    static TestServer ts;
    static String baseUrl;

    @BeforeAll
    static void start() {
        ts = TestServer.start(c -> c.withApiKey("sk-test"));
        baseUrl = ts.api.base + "/v1";
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    static OpenAiChatModel.OpenAiChatModelBuilder chat() {
        return OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("sk-test").modelName(TestServer.MODEL).temperature(0.0).maxRetries(0);
    }

    @Test
    void chat_returns_the_models_text() {
        String answer = chat().maxTokens(12).build().chat("Once upon a time");
        assertFalse(answer.isBlank());
    }

    @Test
    void streaming_chat_delivers_partial_responses_and_a_complete_one_with_usage() throws Exception {
        var model = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey("sk-test").modelName(TestServer.MODEL).temperature(0.0).maxTokens(10).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("Once upon a time", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String s) {
                partial.append(s);
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable e) {
                done.completeExceptionally(e);
            }
        });
        ChatResponse r = done.get(30, TimeUnit.SECONDS);
        assertEquals(partial.toString(), r.aiMessage().text());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(10, r.tokenUsage().outputTokenCount());
        assertEquals(chat().maxTokens(10).build().chat("Once upon a time"), partial.toString());
    }

    @Test
    void embeddings_come_back_as_unit_vectors() {
        var model = OpenAiEmbeddingModel.builder().baseUrl(baseUrl).apiKey("sk-test").modelName(TestServer.MODEL).maxRetries(0).build();
        float[] v = model.embed("The cat sat on the mat").content().vector();
        assertEquals(64, v.length);
        double norm = 0;
        for (float x : v) norm += x * x;
        assertEquals(1.0, Math.sqrt(norm), 1e-5);
    }

    @Test
    void json_schema_output_parses_and_validates() throws Exception {
        var schema = JsonSchema.builder().name("answer").rootElement(JsonObjectSchema.builder()
                .addEnumProperty("mood", List.of("happy", "sad")).addBooleanProperty("sunny").required("mood", "sunny").build()).build();
        var model = chat().maxTokens(60).supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA).strictJsonSchema(true).build();
        ChatResponse r = model.chat(ChatRequest.builder().messages(UserMessage.from("How is the day?"))
                .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build()).build());
        JsonNode json = Api.JSON.readTree(r.aiMessage().text());
        assertTrue(List.of("happy", "sad").contains(json.get("mood").asText()), json.toString());
        assertTrue(json.get("sunny").isBoolean(), json.toString());
    }

    @Test
    void a_required_tool_comes_back_as_a_tool_execution_request() throws Exception {
        var tool = ToolSpecification.builder().name("set_mood").description("Sets the mood")
                .parameters(JsonObjectSchema.builder().addEnumProperty("mood", List.of("happy", "sad")).required("mood").build()).build();
        ChatResponse r = chat().build().chat(ChatRequest.builder().messages(UserMessage.from("Be happy"))
                .toolSpecifications(tool).toolChoice(ToolChoice.REQUIRED).build());
        assertTrue(r.aiMessage().hasToolExecutionRequests(), r.toString());
        ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().getFirst();
        assertEquals("set_mood", call.name());
        assertTrue(List.of("happy", "sad").contains(Api.JSON.readTree(call.arguments()).get("mood").asText()), call.arguments());
        assertEquals(FinishReason.TOOL_EXECUTION, r.finishReason());
    }

    @Test
    void with_an_api_key_every_route_but_health_needs_the_bearer_token() {
        assertEquals(200, ts.api.get("/health").status());
        ts.api.get("/v1/models").error(401, "invalid_api_key");
        var withKey = java.net.http.HttpRequest.newBuilder(java.net.URI.create(ts.api.base + "/v1/models")).header("Authorization", "Bearer sk-test").build();
        assertEquals(200, ts.api.send(withKey).status());
    }

    @Test
    void errors_arrive_as_the_clients_typed_exceptions() {
        assertThrows(ModelNotFoundException.class, () -> chat().modelName("gpt-4o").build().chat("Hi"));
        assertThrows(InvalidRequestException.class, () -> chat().temperature(3.0).build().chat("Hi"));
        assertThrows(InvalidRequestException.class, () -> chat().maxTokens(100_000).build().chat("Hi"));
        assertThrows(AuthenticationException.class, () -> chat().apiKey("wrong").build().chat("Hi"));
    }
}
