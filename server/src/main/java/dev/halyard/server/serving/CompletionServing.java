package dev.halyard.server.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.constrain.LogitsProcessor;
import dev.halyard.runtime.engine.TokenLogprob;
import dev.halyard.server.metrics.ServerMetrics;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.openai.CompletionRequest;
import dev.halyard.server.openai.CompletionWire;
import dev.halyard.server.openai.Limits;
import dev.halyard.server.openai.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /v1/completions}: every prompt gets {@code n} choices (choice {@code p × n + i} is
 * prompt p's i-th), all run in one go; {@code echo} prepends the prompt (and its logprobs).
 */
public final class CompletionServing {
    private final ModelManager models;
    private final ServerMetrics metrics;
    private final Limits limits;

    public CompletionServing(ModelManager models, ServerMetrics metrics, Limits limits) {
        this.models = models;
        this.metrics = metrics;
        this.limits = limits;
    }

    public Reply create(JsonNode body, Exchange ex) {
        CompletionRequest req = CompletionRequest.parse(body, limits);
        ModelManager.Lease lease = models.acquire(req.model());
        try {
            LoadedModel m = lease.model();
            ex.model(m.id());
            Supplier<LogitsProcessor> processor = OutputConstraint.forFormat(req.responseFormat(), req.grammar(), m.tokenizer());
            int n = req.gen().n();
            List<CompletionPrompt> prompts = new ArrayList<>();
            List<Generation.Choice> choices = new ArrayList<>();
            for (int p = 0; p < req.prompts().size(); p++) {
                CompletionPrompt cp = CompletionPrompt.of(m, p, req.prompts().get(p));
                choices.addAll(Choices.of(m, ex.id(), cp.ids(), req.gen(), req.logprobs(), req.gen().stop(), processor, p * n,
                        CompletionRequest.DEFAULT_MAX_TOKENS, "prompt"));
                prompts.add(req.echo() && req.logprobs() >= 0 ? cp.scored(m, req.logprobs()) : cp);
            }
            Generation gen = Generation.start(m, choices, ex, metrics);
            if (req.gen().stream()) return new Reply.Stream(new CompletionStream(ex, m, req, prompts, gen, lease));
            try (lease) {
                return Reply.Json.ok(respond(ex, m, req, prompts, gen.collect()));
            }
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    private static CompletionWire.Completion respond(Exchange ex, LoadedModel m, CompletionRequest req, List<CompletionPrompt> prompts,
                                                     List<Generation.Result> results) {
        List<CompletionWire.Choice> choices = new ArrayList<>();
        int completion = 0;
        for (Generation.Result r : results) {
            CompletionPrompt p = prompts.get(r.index() / req.gen().n());
            String text = req.echo() ? p.text() + r.text() : r.text();
            CompletionWire.Logprobs lps = null;
            if (req.logprobs() >= 0) {
                List<Integer> tokens = new ArrayList<>();
                List<TokenLogprob> values = new ArrayList<>();
                if (req.echo()) {
                    for (int id : p.ids()) tokens.add(id);
                    values.addAll(p.logprobs());
                }
                tokens.addAll(r.tokens());
                values.addAll(r.logprobs());
                lps = LogprobFormat.legacy(m.tokenizer(), tokens, values, 0);
            }
            choices.add(new CompletionWire.Choice(r.index(), text, lps, r.finishReason()));
            completion += r.completionTokens();
        }
        int prompt = prompts.stream().mapToInt(p -> p.ids().length).sum();
        return new CompletionWire.Completion("cmpl-" + ex.id(), ex.created(), m.id(), choices, Usage.of(prompt, completion));
    }
}
