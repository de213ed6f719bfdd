package dev.halyard.server.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.model.catalog.ModelDescription;
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
import dev.langchain4j.model.openai.OpenAiLanguageModel;
import dev.langchain4j.model.openai.OpenAiModelCatalog;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI client (dev.langchain4j:langchain4j-open-ai) against a real Halyard server. */
class LangChain4jClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<ChatMessage> STORY =
            List.of(SystemMessage.from("You tell short stories."), UserMessage.from("Tell me a story about a dog."));

    private static TestServers.Running server;
    private static String baseUrl;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.start(TestServers.Kind.STANDARD);
        baseUrl = server.baseUrl();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static OpenAiChatModel.OpenAiChatModelBuilder chat(String model) {
        return OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("any-key").modelName(model).maxRetries(0).timeout(TIMEOUT);
    }

    private static OpenAiChatModel chatModel() {
        return chat(TestServers.MODEL_ID).temperature(0.0).seed(5).maxTokens(40).build();
    }

    @Test
    void the_model_catalog_lists_the_served_model() {
        List<ModelDescription> models = OpenAiModelCatalog.builder().baseUrl(baseUrl).apiKey("any-key").build().listModels();
        assertTrue(models.stream().anyMatch(m -> m.name().equals(TestServers.MODEL_ID)), "models: " + models);
    }

    @Test
    void chat_returns_text_usage_and_finish_reason() {
        ChatResponse r = chatModel().chat(ChatRequest.builder().messages(STORY).build());
        assertFalse(r.aiMessage().text().isEmpty(), "reply text");
        assertEquals(TestServers.MODEL_ID, r.modelName());
        TokenUsage u = r.tokenUsage();
        assertTrue(u.inputTokenCount() > 0 && u.outputTokenCount() > 0 && u.outputTokenCount() <= 40, "usage " + u);
        assertEquals(u.inputTokenCount() + u.outputTokenCount(), u.totalTokenCount());
        FinishReason f = r.finishReason();
        assertTrue(f == FinishReason.STOP || f == FinishReason.LENGTH, "finish reason " + f);
        if (f == FinishReason.LENGTH) assertEquals(40, u.outputTokenCount());
    }

    @Test
    void streamed_chat_tokens_add_up_to_the_greedy_reply() throws Exception {
        ChatResponse whole = chatModel().chat(ChatRequest.builder().messages(STORY).build());
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey("any-key")
                .modelName(TestServers.MODEL_ID).temperature(0.0).seed(5).maxTokens(40).timeout(TIMEOUT).build();
        StringBuilder tokens = new StringBuilder();
        int[] partials = {0};
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(ChatRequest.builder().messages(STORY).build(), new StreamingChatResponseHandler() {
            @Override public void onPartialResponse(String partial) {
                partials[0]++;
                tokens.append(partial);
            }
            @Override public void onCompleteResponse(ChatResponse response) { done.complete(response); }
            @Override public void onError(Throwable error) { done.completeExceptionally(error); }
        });
        ChatResponse streamed = done.get(30, TimeUnit.SECONDS);
        assertTrue(partials[0] > 1, "partial responses: " + partials[0]);
        assertEquals(whole.aiMessage().text(), tokens.toString());
        assertEquals(whole.aiMessage().text(), streamed.aiMessage().text());
        assertEquals(whole.finishReason(), streamed.finishReason());
        assertEquals(whole.tokenUsage().outputTokenCount(), streamed.tokenUsage().outputTokenCount());
    }

    @Test
    void the_language_model_continues_a_prompt_greedily() throws Exception {
        JsonNode golden = JSON.readTree(TestServers.expectedJson().toFile());
        OpenAiLanguageModel lm = OpenAiLanguageModel.builder().baseUrl(baseUrl).apiKey("any-key").modelName(TestServers.MODEL_ID)
                .temperature(0.0).maxRetries(0).timeout(TIMEOUT).build();
        Response<String> r = lm.generate(golden.get("prompt").asText());
        String expected = golden.get("greedy_text").asText();
        String text = r.content();
        assertFalse(text.isEmpty(), "completion text");
        assertTrue(expected.startsWith(text) || text.startsWith(expected), "completion " + text + " vs greedy golden " + expected);
        assertEquals(golden.get("prompt_ids").size(), r.tokenUsage().inputTokenCount());
    }

    @Test
    void embeddings_are_unit_vectors_of_the_model_width() {
        OpenAiEmbeddingModel em = OpenAiEmbeddingModel.builder().baseUrl(baseUrl).apiKey("any-key").modelName(TestServers.MODEL_ID)
                .maxRetries(0).timeout(TIMEOUT).build();
        List<Embedding> es = em.embedAll(List.of(TextSegment.from("Once upon a time"), TextSegment.from("The dog ran home."))).content();
        assertEquals(2, es.size());
        for (Embedding e : es) {
            assertEquals(TestServers.embeddingDim(), e.dimension());
            double norm = 0;
            for (float x : e.vector()) norm += x * x;
            assertEquals(1.0, Math.sqrt(norm), 1e-3, "L2 norm");
        }
        assertEquals(TestServers.embeddingDim(), em.dimension());
        double cos = 0;
        for (int i = 0; i < es.get(0).dimension(); i++) cos += es.get(0).vector()[i] * es.get(1).vector()[i];
        assertTrue(cos < 0.9999, "different texts give different embeddings");
    }

    @Test
    void a_json_schema_response_format_gives_json_that_validates() throws Exception {
        JsonObjectSchema pet = JsonObjectSchema.builder()
                .addEnumProperty("kind", List.of("cat", "dog", "bird"))
                .addIntegerProperty("legs")
                .addBooleanProperty("friendly")
                .required("kind", "legs", "friendly").additionalProperties(false).build();
        ResponseFormat format = ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("pet").rootElement(pet).build()).build();
        ChatResponse r = chat(TestServers.MODEL_ID).temperature(0.7).seed(9).maxTokens(120).build()
                .chat(ChatRequest.builder().messages(UserMessage.from("Describe a pet as JSON.")).responseFormat(format).build());
        assertEquals(FinishReason.STOP, r.finishReason(), "finish reason; text " + r.aiMessage().text());
        JsonNode v = JSON.readTree(r.aiMessage().text());
        assertTrue(v.isObject(), "an object: " + v);
        assertEquals(List.of("friendly", "kind", "legs"), sortedNames(v));
        assertTrue(List.of("cat", "dog", "bird").contains(v.get("kind").asText()), "kind " + v.get("kind"));
        assertTrue(v.get("legs").isIntegralNumber(), "legs " + v.get("legs"));
        assertTrue(v.get("friendly").isBoolean(), "friendly " + v.get("friendly"));
    }

    @Test
    void a_required_tool_choice_returns_a_tool_call_matching_the_parameters() throws Exception {
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("The weather in a city")
                .parameters(JsonObjectSchema.builder()
                        .addStringProperty("city", "the city")
                        .addEnumProperty("unit", List.of("celsius", "fahrenheit"))
                        .required("city", "unit").additionalProperties(false).build())
                .build();
        ChatResponse r = chat(TestServers.MODEL_ID).temperature(0.0).maxTokens(120).build().chat(ChatRequest.builder()
                .messages(UserMessage.from("What is the weather in Paris?"))
                .toolSpecifications(weather).toolChoice(ToolChoice.REQUIRED).build());
        assertEquals(FinishReason.TOOL_EXECUTION, r.finishReason(), "finish reason; message " + r.aiMessage());
        assertTrue(r.aiMessage().hasToolExecutionRequests(), "tool calls in " + r.aiMessage());
        ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().getFirst();
        assertEquals("get_weather", call.name());
        assertFalse(call.id() == null || call.id().isEmpty(), "tool call id");
        JsonNode args = JSON.readTree(call.arguments());
        assertEquals(List.of("city", "unit"), sortedNames(args));
        assertTrue(args.get("city").isTextual(), "city " + args.get("city"));
        assertTrue(List.of("celsius", "fahrenheit").contains(args.get("unit").asText()), "unit " + args.get("unit"));
    }

    @Test
    void an_unknown_model_is_a_model_not_found_exception() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> chat("no-such-model").build().chat(ChatRequest.builder().messages(STORY).build()));
        assertInstanceOf(ModelNotFoundException.class, e, "LangChain4j maps 404 to ModelNotFoundException");
        assertTrue(e.getMessage().contains("model_not_found"), e.getMessage());
    }

    @Test
    void an_invalid_parameter_is_an_invalid_request_exception() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> chat(TestServers.MODEL_ID).topP(1.5).build().chat(ChatRequest.builder().messages(STORY).build()));
        assertInstanceOf(InvalidRequestException.class, e, "LangChain4j maps 400 to InvalidRequestException");
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
    }

    @Test
    void a_prompt_longer_than_the_context_is_an_invalid_request_exception() {
        String prompt = "Once upon a time there was a cat. ".repeat(TestServers.CONTEXT);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> chatModel().chat(ChatRequest.builder().messages(UserMessage.from(prompt)).build()));
        assertInstanceOf(InvalidRequestException.class, e);
        assertTrue(e.getMessage().contains("context_length_exceeded"), e.getMessage());
    }

    @Test
    void a_full_queue_is_a_rate_limit_exception() throws Exception {
        try (var small = TestServers.start(TestServers.Kind.SMALL_QUEUE)) {
            OpenAiChatModel m = OpenAiChatModel.builder().baseUrl(small.baseUrl()).apiKey("any-key").modelName(TestServers.MODEL_ID)
                    .temperature(0.0).maxTokens(200).maxRetries(0).timeout(TIMEOUT).build();
            List<CompletableFuture<ChatResponse>> calls = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 8; i++) {
                    ChatRequest req = ChatRequest.builder().messages(UserMessage.from("Tell me story number " + i)).build();
                    calls.add(CompletableFuture.supplyAsync(() -> m.chat(req), pool));
                }
                CompletableFuture.allOf(calls.stream().map(f -> f.exceptionally(t -> null)).toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
            }
            int served = 0;
            int limited = 0;
            for (CompletableFuture<ChatResponse> f : calls) {
                if (!f.isCompletedExceptionally()) {
                    served++;
                    continue;
                }
                Throwable t = f.exceptionNow();
                assertInstanceOf(RateLimitException.class, t, "LangChain4j maps 429 to RateLimitException");
                limited++;
            }
            assertTrue(served >= 1, "the running request completes");
            assertTrue(limited >= 1, "eight concurrent requests against a queue of one: at least one is refused");
        }
    }

    private static List<String> sortedNames(JsonNode object) {
        ArrayList<String> names = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) names.add(it.next());
        names.sort(null);
        return names;
    }
}
