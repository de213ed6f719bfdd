package dev.halyard.server.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.constrain.LogitsProcessor;
import dev.halyard.server.metrics.ServerMetrics;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.openai.ChatRequest;
import dev.halyard.server.openai.ChatWire;
import dev.halyard.server.openai.Limits;
import dev.halyard.server.openai.Usage;
import dev.halyard.server.tools.ParsedCall;
import dev.halyard.server.tools.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /v1/chat/completions}: validate, render the conversation, run its choices in the model's
 * engine, and answer with a {@code chat.completion} or a stream of {@code chat.completion.chunk}s.
 */
public final class ChatServing {
    private final ModelManager models;
    private final ServerMetrics metrics;
    private final Limits limits;

    public ChatServing(ModelManager models, ServerMetrics metrics, Limits limits) {
        this.models = models;
        this.metrics = metrics;
        this.limits = limits;
    }

    public Reply create(JsonNode body, Exchange ex) {
        ChatRequest req = ChatRequest.parse(body, limits);
        ModelManager.Lease lease = models.acquire(req.model());
        try {
            LoadedModel m = lease.model();
            ex.model(m.id());
            ToolMode mode = ToolMode.of(req);
            int[] prompt = ChatPrompt.tokens(m, req);
            Supplier<LogitsProcessor> processor = mode == ToolMode.FORCED
                    ? OutputConstraint.forToolCall(req.tools(), req.toolChoice(), m.tokenizer())
                    : OutputConstraint.forFormat(req.responseFormat(), req.grammar(), m.tokenizer());
            List<String> stops = new ArrayList<>(req.gen().stop());
            if (processor == null) stops.addAll(m.chatTemplate().stops()); // a constrained reply ends with its grammar
            var choices = Choices.of(m, ex.id(), prompt, req.gen(), req.topLogprobs(), stops, processor, 0, null, "messages");
            Generation gen = Generation.start(m, choices, ex, metrics);
            if (req.gen().stream()) return new Reply.Stream(new ChatStream(ex, m, req, mode, gen, lease));
            try (lease) {
                return Reply.Json.ok(respond(ex, m, req, mode, gen.collect()));
            }
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    private static ChatWire.Completion respond(Exchange ex, LoadedModel m, ChatRequest req, ToolMode mode, List<Generation.Result> results) {
        List<ChatWire.Choice> choices = new ArrayList<>();
        int prompt = 0, completion = 0;
        for (Generation.Result r : results) {
            String content = r.text();
            String finish = r.finishReason();
            List<ChatWire.ToolCall> calls = new ArrayList<>();
            if (mode != ToolMode.NONE && !finish.equals("length")) {
                ToolCallParser.Parsed p = ToolCallParser.parse(content, ToolMode.names(req));
                if (p.hasCalls()) {
                    for (ParsedCall c : p.calls()) calls.add(ChatWire.ToolCall.of(ToolMode.callId(), c.name(), c.argumentsJson()));
                    content = p.content();
                    finish = "tool_calls";
                }
            }
            ChatWire.Logprobs lps = req.topLogprobs() >= 0 ? LogprobFormat.chat(m.tokenizer(), r.logprobs()) : null;
            choices.add(new ChatWire.Choice(r.index(), ChatWire.Message.assistant(content, calls), lps, finish));
            prompt = r.promptTokens();
            completion += r.completionTokens();
        }
        return new ChatWire.Completion("chatcmpl-" + ex.id(), ex.created(), m.id(), choices, Usage.of(prompt, completion));
    }
}
