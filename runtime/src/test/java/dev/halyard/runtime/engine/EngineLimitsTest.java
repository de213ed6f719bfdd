package dev.halyard.runtime.engine;

import dev.halyard.model.constrain.LogitsProcessor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.sampling.SamplingParams;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.ContextLengthExceededException;
import dev.halyard.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Admission limits, finishing rules, logprobs and logits processors on the real stories260K model. */
class EngineLimitsTest {
    static Model model;
    static Tokenizer tok;
    static int[] prompt;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(SharedData.require("models/stories260K/stories260K.gguf"), ModelOptions.defaults().withThreads(2));
        tok = Tokenizer.fromGguf(model.gguf());
        prompt = tok.encode("Once upon a time", true, true);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    static Engine engine(int maxRunning, int maxWaiting, int contextLength) {
        return new Engine(model, tok, new EngineConfig(64, 16, 64, maxRunning, maxWaiting, contextLength));
    }

    static EngineRequest greedy(String id, int maxTokens) {
        return EngineRequest.of(id, prompt, maxTokens, SamplingParams.greedy()).withIgnoreEog(true);
    }

    @Test
    void a_full_queue_refuses_submissions_with_a_retry_after_hint() throws Exception {
        CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1);
        try (Engine engine = engine(1, 2, 128)) {
            // the first request holds the engine thread in its sink, so nothing leaves the queue meanwhile
            CollectingSink first = new CollectingSink(n -> {
                running.countDown();
                try {
                    return release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            engine.submit(greedy("first", 3), first);
            assertTrue(running.await(30, TimeUnit.SECONDS));
            CollectingSink second = new CollectingSink(), third = new CollectingSink();
            engine.submit(greedy("second", 3), second);
            engine.submit(greedy("third", 3), third);
            QueueFullException e = assertThrows(QueueFullException.class, () -> engine.submit(greedy("fourth", 3), new CollectingSink()));
            assertTrue(e.getMessage().contains("queue is full (2 requests waiting)"), e.getMessage());
            assertTrue(e.retryAfter().toSeconds() >= 1, "retry after " + e.retryAfter());
            release.countDown();
            for (CollectingSink s : List.of(first, second, third)) assertEquals(FinishReason.LENGTH, s.await());
            CollectingSink later = new CollectingSink();
            engine.submit(greedy("later", 2), later);
            assertEquals(FinishReason.LENGTH, later.await(), "the queue has room again");
        }
    }

    @Test
    void a_prompt_that_fills_the_context_is_refused_before_admission() throws Exception {
        try (Engine engine = engine(2, 1, 16)) {
            int[] longPrompt = new int[16];
            longPrompt[0] = tok.bosId();
            for (int i = 1; i < 16; i++) longPrompt[i] = prompt[1 + i % 4];
            var e = assertThrows(ContextLengthExceededException.class,
                    () -> engine.submit(EngineRequest.of("long", longPrompt, 4, SamplingParams.greedy()), new CollectingSink()));
            assertTrue(e.getMessage().contains("16 tokens, but the context length is 16 tokens"), e.getMessage());
            var bad = assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(EngineRequest.of("bad", new int[] {1, 99999}, 4, SamplingParams.greedy()), new CollectingSink()));
            assertTrue(bad.getMessage().contains("promptIds[1] = 99999 is outside the vocabulary [0, 512)"), bad.getMessage());
            CollectingSink ok = new CollectingSink();
            engine.submit(greedy("ok", 4), ok);
            assertEquals(FinishReason.LENGTH, ok.await(), "refusals took no place in the queue");
            assertEquals(0, engine.stats().promptTokens() - prompt.length);
        }
    }

    @Test
    void generation_ends_with_length_at_the_context_length() throws Exception {
        try (Engine engine = engine(2, 4, 16)) {
            CollectingSink s = new CollectingSink();
            engine.submit(greedy("ctx", 100), s);
            assertEquals(FinishReason.LENGTH, s.await());
            assertEquals(16 - prompt.length, s.tokens().length);
            assertEquals(16 - prompt.length, s.completionTokens);
            assertArrayEquals(model.greedy(prompt, 16 - prompt.length), s.tokens());
        }
    }

    @Test
    void a_sink_that_returns_false_stops_its_request() throws Exception {
        try (Engine engine = engine(2, 4, 128)) {
            CollectingSink s = new CollectingSink(n -> n < 3);
            engine.submit(greedy("stop", 50), s);
            assertEquals(FinishReason.STOP, s.await());
            assertEquals(3, s.tokens().length);
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
    }

    @Test
    void logprobs_are_the_log_softmax_of_the_model_logits_with_the_top_alternatives() throws Exception {
        float[] logits = model.lastLogits(prompt);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) max = Math.max(max, l);
        for (float l : logits) sum += Math.exp(l - max);
        double lse = max + Math.log(sum);
        try (Engine engine = engine(2, 4, 128)) {
            CollectingSink s = new CollectingSink();
            engine.submit(greedy("lp", 4).withTopLogprobs(3), s);
            s.await();
            List<TokenLogprob> lps = s.logprobs();
            assertEquals(4, lps.size());
            TokenLogprob first = lps.getFirst();
            assertEquals(s.tokens()[0], first.token());
            assertEquals(logits[first.token()] - lse, first.logprob(), 1e-5);
            assertEquals(3, first.top().size());
            assertEquals(first.token(), first.top().getFirst().token(), "greedy picks the most likely token");
            for (int i = 0; i < 3; i++) {
                TokenLogprob.Top t = first.top().get(i);
                assertEquals(logits[t.token()] - lse, t.logprob(), 1e-5);
                if (i > 0) assertTrue(t.logprob() <= first.top().get(i - 1).logprob());
            }
            for (TokenLogprob lp : lps) assertTrue(lp.logprob() <= 0f);
        }
    }

    @Test
    void a_logits_processor_constrains_every_token_and_sees_each_choice() throws Exception {
        List<Integer> accepted = new ArrayList<>();
        LogitsProcessor evenOnly = new LogitsProcessor() {
            @Override
            public void apply(float[] logits) {
                for (int i = 1; i < logits.length; i += 2) logits[i] = Float.NEGATIVE_INFINITY;
            }

            @Override
            public void accept(int token) {
                accepted.add(token);
            }
        };
        try (Engine engine = engine(2, 4, 128)) {
            CollectingSink s = new CollectingSink();
            engine.submit(EngineRequest.of("even", prompt, 20, SamplingParams.defaults().withSeed(7))
                    .withIgnoreEog(true).withTopLogprobs(2).withProcessor(evenOnly), s);
            s.await();
            int[] got = s.tokens();
            assertEquals(20, got.length);
            for (int t : got) assertEquals(0, t % 2, "token " + t);
            assertEquals(accepted, java.util.Arrays.stream(got).boxed().toList());
            for (TokenLogprob lp : s.logprobs()) for (TokenLogprob.Top t : lp.top()) assertEquals(0, t.token() % 2, "logprobs come after processors");
        }
    }

    @Test
    void a_failing_logits_processor_fails_only_its_own_request() throws Exception {
        LogitsProcessor broken = new LogitsProcessor() {
            @Override
            public void apply(float[] logits) {
                throw new IllegalStateException("grammar exhausted");
            }

            @Override
            public void accept(int token) { }
        };
        try (Engine engine = engine(4, 4, 128)) {
            CollectingSink bad = new CollectingSink(), good = new CollectingSink();
            engine.submit(greedy("bad", 10).withProcessor(broken), bad);
            engine.submit(greedy("good", 10), good);
            var e = assertThrows(java.util.concurrent.ExecutionException.class, bad::await);
            assertEquals("grammar exhausted", e.getCause().getMessage());
            assertEquals(FinishReason.LENGTH, good.await());
            assertArrayEquals(model.greedy(prompt, 10), good.tokens());
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
    }

    @Test
    void an_end_of_generation_token_stops_with_stop_and_is_not_delivered() throws Exception {
        int eos = tok.eosId();
        LogitsProcessor eosOnly = new LogitsProcessor() {
            @Override
            public void apply(float[] logits) {
                for (int i = 0; i < logits.length; i++) if (i != eos) logits[i] = Float.NEGATIVE_INFINITY;
            }

            @Override
            public void accept(int token) { }
        };
        try (Engine engine = engine(2, 4, 128)) {
            CollectingSink s = new CollectingSink();
            engine.submit(EngineRequest.of("eos", prompt, 20, SamplingParams.greedy()).withProcessor(eosOnly), s);
            assertEquals(FinishReason.STOP, s.await());
            assertEquals(0, s.tokens().length);
            assertEquals(1, s.completionTokens, "the end-of-generation token counts as generated");
        }
    }

    @Test
    void closing_the_engine_aborts_what_is_in_flight_and_refuses_new_requests() throws Exception {
        Engine engine = engine(1, 4, 128);
        CountDownLatch submitted = new CountDownLatch(1);
        CollectingSink running = new CollectingSink(n -> {
            try {
                submitted.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
            engine.close(); // from the engine thread: takes effect after this step
            return true;
        });
        CollectingSink waiting = new CollectingSink();
        engine.submit(greedy("running", 100), running);
        engine.submit(greedy("waiting", 100), waiting);
        submitted.countDown();
        assertEquals(FinishReason.ABORT, running.await());
        assertEquals(FinishReason.ABORT, waiting.await());
        assertEquals(1, running.tokens().length);
        engine.close();
        assertThrows(IllegalStateException.class, () -> engine.submit(greedy("late", 1), new CollectingSink()));
        assertEquals(0, engine.stats().kvBlocksUsed());
        assertFalse(engine.stats().running() > 0);
    }
}
