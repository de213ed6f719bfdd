package dev.halyard.server.serving;

import dev.halyard.runtime.engine.TokenLogprob;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.openai.CompletionRequest;
import dev.halyard.server.openai.CompletionWire;
import dev.halyard.server.openai.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A completion as {@code text_completion} events: the echoed prompt first (when asked), then text as
 * it becomes visible with its tokens' logprobs, a last event per choice with its finish_reason, and
 * with {@code include_usage} a final event with no choices and the usage.
 */
final class CompletionStream implements Reply.EventSource {
    private final Exchange ex;
    private final LoadedModel m;
    private final CompletionRequest req;
    private final List<CompletionPrompt> prompts;
    private final Generation gen;
    private final ModelManager.Lease lease;
    private final int[] offsets; // per choice: characters of its text sent so far (text_offset)

    CompletionStream(Exchange ex, LoadedModel m, CompletionRequest req, List<CompletionPrompt> prompts, Generation gen, ModelManager.Lease lease) {
        this.ex = ex;
        this.m = m;
        this.req = req;
        this.prompts = prompts;
        this.gen = gen;
        this.lease = lease;
        this.offsets = new int[prompts.size() * req.gen().n()];
    }

    @Override
    public void run(Reply.EventSink out) throws IOException {
        if (req.echo()) {
            for (int c = 0; c < offsets.length; c++) {
                CompletionPrompt p = prompts.get(c / req.gen().n());
                List<Integer> ids = new ArrayList<>();
                for (int id : p.ids()) ids.add(id);
                out.data(chunk(c, p.text(), logprobs(c, ids, p.logprobs()), null));
                offsets[c] = p.text().length();
            }
        }
        int completion = 0;
        try {
            while (gen.running()) {
                GenEvent e = gen.next(out.keepAliveInterval().toMillis());
                switch (e) {
                    case null -> out.keepAlive();
                    case GenEvent.Token t -> {
                        CompletionWire.Logprobs lp = t.lp() == null ? null : logprobs(t.choice(), List.of(t.token()), List.of(t.lp()));
                        if (!t.text().isEmpty() || lp != null) out.data(chunk(t.choice(), t.text(), lp, null));
                        offsets[t.choice()] += t.text().length();
                    }
                    case GenEvent.Done d -> {
                        out.data(chunk(d.choice(), d.tail(), null, d.reason()));
                        completion += d.completionTokens();
                    }
                    case GenEvent.Failed f -> throw gen.failure(f);
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ie);
        }
        if (req.gen().includeUsage()) {
            int prompt = prompts.stream().mapToInt(p -> p.ids().length).sum();
            out.data(new CompletionWire.Completion("cmpl-" + ex.id(), ex.created(), m.id(), List.of(), Usage.of(prompt, completion)));
        }
    }

    private CompletionWire.Logprobs logprobs(int choice, List<Integer> tokens, List<TokenLogprob> lps) {
        if (req.logprobs() < 0) return null;
        return LogprobFormat.legacy(m.tokenizer(), tokens, lps == null ? List.of() : lps, offsets[choice]);
    }

    private CompletionWire.Completion chunk(int choice, String text, CompletionWire.Logprobs lp, String finish) {
        return new CompletionWire.Completion("cmpl-" + ex.id(), ex.created(), m.id(),
                List.of(new CompletionWire.Choice(choice, text, lp, finish)), null);
    }

    @Override
    public void cancel() {
        gen.cancel();
    }

    @Override
    public void close() {
        gen.cancel();
        lease.close();
    }
}
