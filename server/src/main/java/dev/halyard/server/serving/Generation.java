package dev.halyard.server.serving;

import dev.halyard.model.tokenizer.StreamingDecoder;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.StopMatcher;
import dev.halyard.runtime.engine.EngineRequest;
import dev.halyard.runtime.engine.FinishReason;
import dev.halyard.runtime.engine.RequestHandle;
import dev.halyard.runtime.engine.TokenLogprob;
import dev.halyard.runtime.engine.TokenSink;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.errors.ErrorMapper;
import dev.halyard.server.metrics.ServerMetrics;
import dev.halyard.server.models.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The choices of one request running in a model's engine. Each choice's sink, on the engine thread,
 * turns tokens into text (whole UTF-8 characters, stop strings cut and held back as they form), stops
 * its request when a stop string appears, records latency metrics, and queues {@link GenEvent}s for
 * the request's own thread, which reads them with {@link #next}.
 */
final class Generation {
    /** One choice to run: its engine request, stop strings, and whether its text starts the document. */
    record Choice(int index, EngineRequest request, List<String> stops, boolean atTextStart, boolean countsPrompt) {}

    /** What a choice produced, for non-streamed responses. */
    record Result(int index, String text, List<Integer> tokens, List<TokenLogprob> logprobs, String finishReason,
                  int promptTokens, int completionTokens) {}

    private final LinkedBlockingQueue<GenEvent> events = new LinkedBlockingQueue<>();
    private final List<RequestHandle> handles = new ArrayList<>();
    private final int choices;
    private int done; // choices ended, as seen by next()

    private Generation(int choices) {
        this.choices = choices;
    }

    /**
     * Submits every choice together (the engine admits them between the same two steps); if the engine
     * refuses one (queue full, context), none is queued and the error propagates.
     */
    static Generation start(LoadedModel m, List<Choice> choices, Exchange ex, ServerMetrics metrics) {
        Generation g = new Generation(choices.size());
        List<Sink> sinks = new ArrayList<>(choices.size());
        for (Choice c : choices) sinks.add(g.new Sink(m, c, ex, metrics));
        g.handles.addAll(m.engine().submitAll(choices.stream().map(Choice::request).toList(), sinks));
        return g;
    }

    /** True while some choice has not ended. */
    boolean running() {
        return done < choices;
    }

    /** The next event, or null after {@code timeoutMillis} without one. */
    GenEvent next(long timeoutMillis) throws InterruptedException {
        GenEvent e = events.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (e instanceof GenEvent.Done || e instanceof GenEvent.Failed) done++;
        return e;
    }

    /** Ends every choice now (client gone, or another choice failed); frees their KV blocks. */
    void cancel() {
        for (RequestHandle h : handles) h.cancel();
    }

    /** Waits for every choice and returns what each produced; a failed choice fails the whole request. */
    List<Result> collect() {
        List<StringBuilder> text = new ArrayList<>();
        List<List<Integer>> tokens = new ArrayList<>();
        List<List<TokenLogprob>> lps = new ArrayList<>();
        Result[] results = new Result[choices];
        for (int i = 0; i < choices; i++) {
            text.add(new StringBuilder());
            tokens.add(new ArrayList<>());
            lps.add(new ArrayList<>());
        }
        try {
            while (running()) {
                GenEvent e = next(60_000);
                switch (e) {
                    case null -> { }
                    case GenEvent.Token t -> {
                        text.get(t.choice()).append(t.text());
                        tokens.get(t.choice()).add(t.token());
                        if (t.lp() != null) lps.get(t.choice()).add(t.lp());
                    }
                    case GenEvent.Done d -> {
                        int i = d.choice();
                        text.get(i).append(d.tail());
                        results[i] = new Result(i, text.get(i).toString(), tokens.get(i), lps.get(i), d.reason(), d.promptTokens(), d.completionTokens());
                    }
                    case GenEvent.Failed f -> throw failure(f);
                }
            }
        } catch (InterruptedException ie) {
            cancel();
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted", "the server is shutting down", java.time.Duration.ofSeconds(5));
        }
        return List.of(results);
    }

    /** The error a failed choice reports to the client (the others are cancelled). */
    ApiException failure(GenEvent.Failed f) {
        cancel();
        ApiException e = ErrorMapper.map(f.error()); // e.g. constraints no token can satisfy: the request's fault, a 400
        return new ApiException(e.status(), e.type(), e.code(), e.param(), "generation failed: " + e.getMessage(), null);
    }

    /** One choice's sink: runs on the engine thread, so it only decodes, matches stops and queues. */
    private final class Sink implements TokenSink {
        private final int index;
        private final String model;
        private final Exchange ex;
        private final ServerMetrics metrics;
        private final boolean countsPrompt;
        private final StreamingDecoder decoder;
        private final StopMatcher stops;
        private long lastToken; // nanoTime of the previous token, 0 before the first

        Sink(LoadedModel m, Choice c, Exchange ex, ServerMetrics metrics) {
            this.index = c.index();
            this.model = m.id();
            this.ex = ex;
            this.metrics = metrics;
            this.countsPrompt = c.countsPrompt();
            Tokenizer tok = m.tokenizer();
            this.decoder = new StreamingDecoder(tok, c.atTextStart());
            this.stops = new StopMatcher(c.stops());
        }

        @Override
        public void onScheduled() {
            metrics.queueTime(model, (System.nanoTime() - ex.arrivalNanos()) / 1e9);
        }

        @Override
        public boolean onToken(int token, TokenLogprob lp) {
            long now = System.nanoTime();
            if (lastToken == 0) {
                metrics.timeToFirstToken(model, (now - ex.arrivalNanos()) / 1e9);
                ex.firstToken(now);
            } else {
                metrics.interTokenLatency(model, (now - lastToken) / 1e9);
            }
            lastToken = now;
            String shown = stops.push(decoder.push(token));
            events.add(new GenEvent.Token(index, token, lp, shown));
            return !stops.stopped();
        }

        @Override
        public void onFinish(FinishReason reason, int promptTokens, int completionTokens) {
            String tail = stops.stopped() ? "" : stops.push(decoder.flush()) + stops.flush();
            String r = switch (reason) {
                case STOP -> "stop";
                case LENGTH -> "length";
                case ABORT -> "abort";
            };
            metrics.endToEnd(model, (System.nanoTime() - ex.arrivalNanos()) / 1e9);
            metrics.finished(model, r, countsPrompt ? promptTokens : 0, completionTokens);
            if (countsPrompt) ex.addPromptTokens(promptTokens);
            ex.addCompletionTokens(completionTokens);
            events.add(new GenEvent.Done(index, r, tail, promptTokens, completionTokens));
        }

        @Override
        public void onError(Throwable e) {
            events.add(new GenEvent.Failed(index, e));
        }
    }
}
