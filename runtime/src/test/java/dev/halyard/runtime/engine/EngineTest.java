package dev.halyard.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.sampling.SamplingParams;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.GenerationRequest;
import dev.halyard.runtime.Session;
import dev.halyard.testing.SharedData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching on the real stories260K model. "Alone" means the single-conversation
 * {@link Session} (a flat cache, one sequence, its own sampler with the same seed): a request must get
 * exactly those tokens whatever else shares its batches.
 */
class EngineTest {
    static final String[] PROMPTS = {
        "Once upon a time", "The little dog ran", "Lily and Tom went to the park", "One day, a bird",
        "The sun was shining", "Tim had a red ball", "There was a big tree", "A girl named Sue",
        "The cat sat on the mat", "Mom said", "In the forest", "Ben wanted to fly",
        "The boat was small", "It was a rainy day", "A frog jumped", "The king had a crown",
    };

    static Model model;
    static Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(SharedData.require("models/stories260K/stories260K.gguf"), ModelOptions.defaults().withThreads(2));
        tok = Tokenizer.fromGguf(model.gguf());
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** Request i: its own prompt, greedy or sampled with its own seed (some with penalties), its own length. */
    static EngineRequest request(int i, int contextLength) {
        SamplingParams p = i % 2 == 0 ? SamplingParams.greedy() : SamplingParams.defaults().withTemperature(1f).withSeed(1000 + i);
        if (i % 4 == 3) p = p.withPenalties(1.1f, 0.2f, 0.1f, 64);
        int[] prompt = tok.encode(PROMPTS[i % PROMPTS.length], true, true);
        return EngineRequest.of("r" + i, prompt, Math.min(24 + (i * 7) % 25, contextLength), p).withIgnoreEog(true);
    }

    static int[] alone(EngineRequest r, int contextLength) {
        return new Session(model, tok, contextLength).generate(
                new GenerationRequest(r.promptIds(), r.maxTokens(), r.sampling(), List.of(), true), s -> { }).ids();
    }

    static EngineConfig config(int kvBlocks, int tokenBudget, int maxRunning, int contextLength) {
        return new EngineConfig(kvBlocks, 16, tokenBudget, maxRunning, 64, contextLength);
    }

    @Test
    void sixteen_concurrent_requests_each_get_exactly_the_tokens_they_get_alone() throws Exception {
        List<EngineRequest> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) requests.add(request(i, 256));
        List<CollectingSink> sinks = new ArrayList<>();
        try (Engine engine = new Engine(model, tok, config(128, 64, 16, 256))) {
            for (EngineRequest r : requests) {
                CollectingSink s = new CollectingSink();
                sinks.add(s);
                engine.submit(r, s);
            }
            for (int i = 0; i < 16; i++) {
                EngineRequest r = requests.get(i);
                assertEquals(FinishReason.LENGTH, sinks.get(i).await(), r.id());
                assertArrayEquals(alone(r, 256), sinks.get(i).tokens(), r.id());
                assertEquals(r.promptIds().length, sinks.get(i).promptTokens);
                assertEquals(r.maxTokens(), sinks.get(i).completionTokens);
            }
            EngineStats st = engine.stats();
            assertEquals(0, st.kvBlocksUsed(), "every block is given back");
            assertTrue(st.kvBlocksCached() > 0, "finished requests' full blocks stay cached");
            assertEquals(0, st.running());
            assertEquals(0, st.waiting());
            assertEquals(16, st.finished());
            assertEquals(requests.stream().mapToInt(EngineRequest::maxTokens).sum(), st.generatedTokens());
            assertEquals(requests.stream().mapToInt(r -> r.promptIds().length).sum(), st.promptTokens());
            assertTrue(st.steps() < st.generatedTokens() / 4, "requests shared steps: " + st.steps() + " steps");
        }
    }

    @Test
    void a_warmed_up_engine_counts_nothing_caches_nothing_and_answers_as_a_fresh_one() throws Exception {
        List<EngineRequest> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) requests.add(request(i, 256));
        int[][] fresh = new int[requests.size()][];
        try (Engine engine = new Engine(model, tok, config(128, 64, 16, 256))) {
            for (int i = 0; i < requests.size(); i++) {
                CollectingSink s = new CollectingSink();
                engine.submit(requests.get(i), s);
                assertEquals(FinishReason.LENGTH, s.await());
                fresh[i] = s.tokens();
            }
        }
        try (Engine engine = new Engine(model, tok, config(128, 64, 16, 256))) {
            // longer than the budget (two prompt steps) and the context allows for 64 tokens: both clamped
            assertTrue(engine.warmUp(100, 300) >= 0);
            EngineStats st = engine.stats();
            assertEquals(0, st.finished());
            assertEquals(0, st.promptTokens());
            assertEquals(0, st.generatedTokens());
            assertEquals(0, st.steps());
            assertEquals(0, st.kvBlocksUsed());
            assertEquals(0, st.kvBlocksCached(), "the warm-up's blocks leave the prefix cache");
            for (int i = 0; i < requests.size(); i++) {
                CollectingSink s = new CollectingSink();
                engine.submit(requests.get(i), s);
                assertEquals(FinishReason.LENGTH, s.await());
                assertArrayEquals(fresh[i], s.tokens(), requests.get(i).id());
            }
            assertEquals(requests.size(), engine.stats().finished());
        }
    }

    @Test
    void six_clients_cancelling_midway_leave_the_others_unaffected() throws Exception {
        List<EngineRequest> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) requests.add(request(i, 256));
        List<Integer> cancelling = List.of(1, 4, 6, 9, 12, 15);
        List<CollectingSink> sinks = new ArrayList<>();
        try (Engine engine = new Engine(model, tok, config(128, 64, 16, 256))) {
            for (int i = 0; i < 16; i++) {
                CompletableFuture<RequestHandle> handle = new CompletableFuture<>();
                boolean cancels = cancelling.contains(i);
                // after its 5th token the client "disconnects": another thread cancels, and the engine
                // waits for it here only so that the test knows exactly how many tokens were delivered
                CollectingSink s = new CollectingSink(n -> {
                    if (cancels && n == 5) {
                        Thread t = Thread.ofPlatform().start(() -> handle.join().cancel());
                        try {
                            t.join();
                        } catch (InterruptedException e) {
                            throw new RuntimeException(e);
                        }
                    }
                    return true;
                });
                sinks.add(s);
                handle.complete(engine.submit(requests.get(i), s));
            }
            for (int i = 0; i < 16; i++) {
                EngineRequest r = requests.get(i);
                int[] want = alone(r, 256);
                if (cancelling.contains(i)) {
                    assertEquals(FinishReason.ABORT, sinks.get(i).await(), r.id());
                    assertArrayEquals(Arrays.copyOf(want, 5), sinks.get(i).tokens(), r.id());
                    assertEquals(5, sinks.get(i).completionTokens);
                } else {
                    assertEquals(FinishReason.LENGTH, sinks.get(i).await(), r.id());
                    assertArrayEquals(want, sinks.get(i).tokens(), r.id());
                }
            }
            assertEquals(0, engine.stats().kvBlocksUsed());
        }
    }

    @Test
    void a_second_request_with_the_same_long_prompt_computes_only_the_tail() throws Exception {
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                + "One day, she saw a big red ball. She ran to the ball and kicked it. The ball went up high. "
                + "Lily was very happy. Her mom came to see her and they played together all day long.";
        int[] prompt = tok.encode(text, true, true);
        assertTrue(prompt.length > 64, "a long prompt: " + prompt.length + " tokens");
        EngineRequest r = EngineRequest.of("long", prompt, 12, SamplingParams.greedy()).withIgnoreEog(true);
        try (Engine engine = new Engine(model, tok, config(64, 32, 4, 256))) {
            CollectingSink first = new CollectingSink();
            engine.submit(r, first);
            first.await();
            EngineStats before = engine.stats();
            assertEquals(0, before.prefixHitTokens());

            CollectingSink second = new CollectingSink();
            engine.submit(r, second);
            second.await();
            EngineStats after = engine.stats();
            int hit = (prompt.length - 1) / 16 * 16;
            assertEquals(hit, after.prefixHitTokens() - before.prefixHitTokens());
            assertEquals(prompt.length - hit + (12 - 1), after.computedTokens() - before.computedTokens(),
                    "the prompt's tail and 11 decode steps");
            assertArrayEquals(first.tokens(), second.tokens());
            assertArrayEquals(alone(r, 256), second.tokens());
            assertEquals(0, after.kvBlocksUsed());
        }
    }

    @Test
    void a_pool_too_small_for_all_running_requests_preempts_and_still_completes_every_request_correctly() throws Exception {
        List<EngineRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            EngineRequest r = request(i, 64);
            requests.add(new EngineRequest(r.id(), r.promptIds(), 40, r.sampling(), -1, true, null));
        }
        List<CollectingSink> sinks = new ArrayList<>();
        // 6 requests of ~50 positions (4 blocks each) against 6 blocks in all
        try (Engine engine = new Engine(model, tok, config(6, 32, 6, 64))) {
            for (EngineRequest r : requests) {
                CollectingSink s = new CollectingSink();
                sinks.add(s);
                engine.submit(r, s);
            }
            for (int i = 0; i < requests.size(); i++) {
                assertEquals(FinishReason.LENGTH, sinks.get(i).await());
                assertArrayEquals(alone(requests.get(i), 64), sinks.get(i).tokens(), requests.get(i).id());
            }
            EngineStats st = engine.stats();
            assertTrue(st.preemptions() > 0, "the pool forced preemptions");
            assertTrue(st.computedTokens() > st.promptTokens() + st.generatedTokens() - 6, "preempted work was recomputed");
            assertEquals(0, st.kvBlocksUsed());
        }
    }

    @Test
    void requests_submitted_together_share_their_first_step_and_get_their_tokens_alone() throws Exception {
        List<EngineRequest> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            EngineRequest r = request(i, 256);
            requests.add(EngineRequest.of(r.id(), r.promptIds(), 10, r.sampling()).withIgnoreEog(true));
        }
        List<CollectingSink> sinks = new ArrayList<>();
        for (int i = 0; i < 4; i++) sinks.add(new CollectingSink());
        try (Engine engine = new Engine(model, tok, config(128, 64, 16, 256))) {
            List<RequestHandle> handles = engine.submitAll(requests, sinks);
            assertEquals(List.of("r0", "r1", "r2", "r3"), handles.stream().map(RequestHandle::id).toList());
            for (int i = 0; i < 4; i++) {
                assertEquals(FinishReason.LENGTH, sinks.get(i).await());
                assertArrayEquals(alone(requests.get(i), 256), sinks.get(i).tokens(), requests.get(i).id());
            }
            // every prompt fits the first step, so ten steps give every request its ten tokens
            assertEquals(10, engine.stats().steps(), "all four were admitted before the first step");
        }
    }

    @Test
    void requests_submitted_together_are_queued_all_or_none() throws Exception {
        EngineConfig c = new EngineConfig(128, 16, 64, 16, 3, 256);
        try (Engine engine = new Engine(model, tok, c)) {
            List<EngineRequest> four = new ArrayList<>();
            for (int i = 0; i < 4; i++) four.add(request(i, 256));
            List<CollectingSink> sinks = List.of(new CollectingSink(), new CollectingSink(), new CollectingSink(), new CollectingSink());
            org.junit.jupiter.api.Assertions.assertThrows(QueueFullException.class, () -> engine.submitAll(four, sinks));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> engine.submitAll(four, sinks.subList(0, 3)));
            List<EngineRequest> bad = new ArrayList<>(four.subList(0, 2));
            bad.add(EngineRequest.of("bad", new int[] {0, Integer.MAX_VALUE}, 4, SamplingParams.greedy()));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> engine.submitAll(bad, sinks.subList(0, 3)));
            // nothing of the refused batches was queued: three fit, and run
            engine.submitAll(four.subList(0, 3), sinks.subList(0, 3));
            for (int i = 0; i < 3; i++) assertEquals(FinishReason.LENGTH, sinks.get(i).await());
            assertEquals(3, engine.stats().finished());
            assertEquals(0, sinks.get(3).tokens().length, "the fourth request never ran");
        }
    }

    /** Submits one request, records the engine's step count when its first chunk is scheduled. */
    static final class StepSink extends CollectingSink {
        final CompletableFuture<Long> firstStep = new CompletableFuture<>();
        private final Engine engine;

        StepSink(Engine engine) {
            this.engine = engine;
        }

        @Override
        public void onScheduled() {
            firstStep.complete(engine.stats().steps());
        }
    }

    @Test
    void a_request_arriving_within_the_queue_delay_joins_the_first_step_which_starts_once_full() throws Exception {
        // A alone does not fill the 64-token step; B, 150 ms later, does: the idle engine held A for it
        // (without the delay A's prompt step runs at once and B waits for it), and B's arrival ended the
        // wait long before the 60 s delay (the test's own timeout)
        int[] a = new int[40], b = new int[40];
        for (int i = 0; i < 40; i++) {
            a[i] = 1 + (7 * i) % 500;
            b[i] = 2 + (11 * i) % 500;
        }
        EngineConfig c = config(128, 64, 16, 256).withMaxQueueDelay(java.time.Duration.ofSeconds(60));
        try (Engine engine = new Engine(model, tok, c)) {
            StepSink sa = new StepSink(engine), sb = new StepSink(engine);
            EngineRequest ra = EngineRequest.of("a", a, 4, SamplingParams.greedy()).withIgnoreEog(true);
            EngineRequest rb = EngineRequest.of("b", b, 4, SamplingParams.greedy()).withIgnoreEog(true);
            engine.submit(ra, sa);
            Thread.sleep(150);
            assertEquals(0, engine.stats().steps(), "A waits for company");
            engine.submit(rb, sb);
            assertEquals(FinishReason.LENGTH, sa.await());
            assertEquals(FinishReason.LENGTH, sb.await());
            assertEquals(0L, sa.firstStep.get());
            assertEquals(0L, sb.firstStep.get(), "B was scheduled in A's first step");
            assertArrayEquals(alone(ra, 256), sa.tokens());
            assertArrayEquals(alone(rb, 256), sb.tokens());
        }
    }

    @Test
    void the_queue_delay_ends_when_the_batch_has_max_running_requests_and_close_ends_it_too() throws Exception {
        EngineConfig c = config(128, 512, 2, 256).withMaxQueueDelay(java.time.Duration.ofSeconds(60));
        try (Engine engine = new Engine(model, tok, c)) {
            StepSink s0 = new StepSink(engine), s1 = new StepSink(engine);
            engine.submit(request(0, 256), s0);
            Thread.sleep(100);
            engine.submit(request(1, 256), s1);
            assertEquals(FinishReason.LENGTH, s0.await());
            assertEquals(FinishReason.LENGTH, s1.await());
            assertEquals(0L, s0.firstStep.get());
            assertEquals(0L, s1.firstStep.get(), "two of two running: the step starts");
        }
        CollectingSink held = new CollectingSink();
        Engine engine = new Engine(model, tok, c);
        engine.submit(request(2, 256), held);
        Thread.sleep(50);
        engine.close(); // while the request is held for company
        assertEquals(FinishReason.ABORT, held.await());
        assertEquals(0, held.tokens().length);
    }

    @Test
    void the_queue_delay_is_a_fifth_of_the_expected_prompt_step_at_most_the_configured_one() {
        long max = 50_000_000L;
        assertEquals(max, Engine.queueDelayNanos(max, 10, 0), "no rate measured yet: the configured delay");
        assertEquals(4_000_000L, Engine.queueDelayNanos(max, 20, 1000), 1000, "20 tokens at 1000/s take 20 ms: a fifth");
        assertEquals(max, Engine.queueDelayNanos(max, 512, 1000), "capped");
        assertEquals(0, Engine.queueDelayNanos(0, 512, 1000), "zero turns it off");
        assertEquals(0, Engine.queueDelayNanos(0, 512, 0));
    }
}
