package dev.halyard.server.serving;

import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.openai.ChatRequest;
import dev.halyard.server.openai.ChatWire;
import dev.halyard.server.openai.Usage;
import dev.halyard.server.tools.ParsedCall;
import dev.halyard.server.tools.ToolStreamFilter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat completion as {@code chat.completion.chunk} events: a first chunk per choice with the role,
 * content deltas as text becomes visible (with their logprobs), tool calls as {@code tool_calls}
 * deltas once a call is complete, a last chunk per choice with its finish_reason, and with
 * {@code include_usage} a final chunk with no choices and the usage.
 */
final class ChatStream implements Reply.EventSource {
    private final Exchange ex;
    private final LoadedModel m;
    private final ChatRequest req;
    private final ToolMode mode;
    private final Generation gen;
    private final ModelManager.Lease lease;
    private final ToolStreamFilter[] filters; // per choice, when tools are offered

    ChatStream(Exchange ex, LoadedModel m, ChatRequest req, ToolMode mode, Generation gen, ModelManager.Lease lease) {
        this.ex = ex;
        this.m = m;
        this.req = req;
        this.mode = mode;
        this.gen = gen;
        this.lease = lease;
        this.filters = new ToolStreamFilter[req.gen().n()];
        if (mode != ToolMode.NONE) for (int i = 0; i < filters.length; i++) filters[i] = new ToolStreamFilter(ToolMode.names(req));
    }

    @Override
    public void run(Reply.EventSink out) throws IOException {
        for (int i = 0; i < req.gen().n(); i++) out.data(chunk(i, new ChatWire.Delta("assistant", "", null), null, null));
        int prompt = 0, completion = 0;
        long keepAlive = out.keepAliveInterval().toMillis();
        try {
            while (gen.running()) {
                GenEvent e = gen.next(keepAlive);
                switch (e) {
                    case null -> out.keepAlive();
                    case GenEvent.Token t -> {
                        String text = filters[t.choice()] != null ? filters[t.choice()].push(t.text()) : t.text();
                        ChatWire.Logprobs lp = t.lp() != null && mode != ToolMode.FORCED ? LogprobFormat.chat(m.tokenizer(), List.of(t.lp())) : null;
                        if (!text.isEmpty() || lp != null) out.data(chunk(t.choice(), new ChatWire.Delta(null, text, null), lp, null));
                    }
                    case GenEvent.Done d -> {
                        finish(out, d);
                        prompt = d.promptTokens();
                        completion += d.completionTokens();
                    }
                    case GenEvent.Failed f -> throw gen.failure(f);
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ie);
        }
        if (req.gen().includeUsage())
            out.data(new ChatWire.Chunk("chatcmpl-" + ex.id(), ex.created(), m.id(), List.of(), Usage.of(prompt, completion)));
    }

    /** The choice's held-back text or tool calls, then its finish_reason. */
    private void finish(Reply.EventSink out, GenEvent.Done d) throws IOException {
        int i = d.choice();
        String reason = d.reason();
        ToolStreamFilter f = filters[i];
        String text = f != null ? f.push(d.tail()) : d.tail();
        if (f != null) {
            ToolStreamFilter.End end = reason.equals("length") ? new ToolStreamFilter.End(f.drain(), List.of()) : f.finish();
            text += end.content();
            if (!text.isEmpty()) out.data(chunk(i, new ChatWire.Delta(null, text, null), null, null));
            text = "";
            if (!end.calls().isEmpty()) {
                List<ChatWire.ToolCallDelta> calls = new ArrayList<>();
                for (int k = 0; k < end.calls().size(); k++) {
                    ParsedCall c = end.calls().get(k);
                    calls.add(new ChatWire.ToolCallDelta(k, ToolMode.callId(), "function", new ChatWire.FunctionDelta(c.name(), c.argumentsJson())));
                }
                out.data(chunk(i, new ChatWire.Delta(null, null, calls), null, null));
                reason = "tool_calls";
            }
        }
        if (!text.isEmpty()) out.data(chunk(i, new ChatWire.Delta(null, text, null), null, null));
        out.data(chunk(i, new ChatWire.Delta(null, null, null), null, reason));
    }

    private ChatWire.Chunk chunk(int choice, ChatWire.Delta delta, ChatWire.Logprobs lp, String finish) {
        return new ChatWire.Chunk("chatcmpl-" + ex.id(), ex.created(), m.id(), List.of(new ChatWire.ChunkChoice(choice, delta, lp, finish)), null);
    }

    @Override
    public void cancel() {
        gen.cancel();
    }

    @Override
    public void close() {
        gen.cancel(); // no-op for choices that ended
        lease.close();
    }
}
