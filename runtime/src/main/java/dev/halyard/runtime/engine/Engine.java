package dev.halyard.runtime.engine;

import dev.halyard.model.arch.Model;
import dev.halyard.model.sampling.Sampler;
import dev.halyard.model.sampling.SamplingParams;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.ContextLengthExceededException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous batching over one model: many requests share each forward pass, joining and leaving
 * between steps. One thread runs the loop {@code schedule() → runner.execute(plan) → update}:
 * the {@link Scheduler} decides (plain data), the {@link Runner} runs the batch over a
 * {@link PagedKvCache}, and the update samples each request's next token with its own
 * {@link Sampler}, seeded from its parameters. The forward pass treats every row of a batch alike, so
 * a request's tokens do not depend on who else is in the batch.
 *
 * <p>With a {@link EngineConfig#maxQueueDelay}, an idle engine that is handed requests holds them a
 * moment for others to join their first step (at most a fifth of that step's expected time at the
 * prompt rate the engine has measured): clients that send together reach it milliseconds apart.
 *
 * <p>{@link #submit} and {@link RequestHandle#cancel} may be called from any thread; they hand a
 * command to the loop, which applies it between steps. Sinks are called on the loop thread and must
 * be cheap. The engine does not own the model: close the engine, then the model.
 */
public final class Engine implements AutoCloseable {
    private static final Runnable POISON = () -> { };
    /** Steps of at least this many tokens time the prompt rate (a decode step's rate per token is far lower). */
    private static final int PROMPT_RATE_MIN_TOKENS = 64;

    private final Model model;
    private final Tokenizer tokenizer;
    private final EngineConfig config;
    private final PagedKvCache kv;
    private final Scheduler scheduler;
    private final Runner runner;
    private float[] scoredScratch = new float[0]; // logits before sampling, for logprobs (loop thread only)
    private double promptRate; // tokens per second of steps of PROMPT_RATE_MIN_TOKENS or more, a moving average; 0 = none yet (loop thread)
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>(); // commands for the loop
    private final AtomicInteger queued = new AtomicInteger(); // submitted, not yet admitted nor ended
    private final Object submitLock = new Object();          // orders submissions before the close command
    private final Map<RequestState, Generation> live = new IdentityHashMap<>(); // loop thread only
    private final Thread thread;
    private volatile boolean closed;
    private volatile EngineStats stats;
    private volatile double secondsPerRequest = 1; // moving average of request durations, for retry-after
    // counters, written by the loop thread only
    private long promptTokens, generatedTokens, computedTokens, finished, steps;

    public Engine(Model model, Tokenizer tokenizer, EngineConfig config) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.config = config;
        this.kv = new PagedKvCache(model.config(), config.kvBlocks(), config.blockSize(), config.maxRunning(), config.contextLength(), config.kvType());
        this.scheduler = new Scheduler(kv, config.tokenBudget(), config.maxRunning());
        this.runner = new Runner(model, kv);
        publish();
        this.thread = Thread.ofPlatform().name("halyard-engine").daemon(true).unstarted(this::loop);
        thread.start();
    }

    public EngineConfig config() {
        return config;
    }

    /**
     * Queues a request. Fails at once, before admission, with {@link ContextLengthExceededException}
     * when the prompt leaves no room to generate, {@link IllegalArgumentException} for a token outside
     * the vocabulary, {@link QueueFullException} when {@code maxWaiting} requests already wait, and
     * {@link IllegalStateException} after {@link #close()}.
     */
    public RequestHandle submit(EngineRequest req, TokenSink sink) {
        return submitAll(java.util.Collections.singletonList(req), java.util.Collections.singletonList(sink)).getFirst();
    }

    /**
     * Queues requests together: the loop admits them between the same two steps, so requests that fit
     * the token budget share their first step (as llama.cpp's batch of N sequences does; one {@link
     * #submit} after another may let the loop start a step between them). All or none: each request
     * is checked as {@link #submit} does, and when the waiting queue has no room for all of them,
     * none is queued ({@link QueueFullException}). Handles in the order of the requests.
     */
    public List<RequestHandle> submitAll(List<EngineRequest> reqs, List<? extends TokenSink> sinks) {
        if (reqs.size() != sinks.size())
            throw new IllegalArgumentException(reqs.size() + " requests but " + sinks.size() + " sinks");
        List<Generation> gens = new java.util.ArrayList<>(reqs.size());
        for (int i = 0; i < reqs.size(); i++) gens.add(prepare(reqs.get(i), sinks.get(i)));
        synchronized (submitLock) {
            if (closed) throw new IllegalStateException("the engine is closed");
            if (queued.addAndGet(gens.size()) > config.maxWaiting()) {
                queued.addAndGet(-gens.size());
                throw new QueueFullException(config.maxWaiting(), retryAfter());
            }
            inbox.add(() -> {
                for (Generation g : gens) accept(g);
            });
        }
        return List.<RequestHandle>copyOf(gens);
    }

    /** A request checked (see {@link #submit}) and wrapped for the loop; nothing is queued yet. */
    private Generation prepare(EngineRequest req, TokenSink sink) {
        if (req == null) throw new IllegalArgumentException("request must not be null");
        if (sink == null) throw new IllegalArgumentException("sink must not be null");
        int[] prompt = req.promptIds();
        if (prompt.length >= config.contextLength())
            throw new ContextLengthExceededException("the prompt has " + prompt.length + " tokens, but the context length is "
                    + config.contextLength() + " tokens (at least one must be left to generate)");
        int vocab = model.config().vocabSize();
        for (int i = 0; i < prompt.length; i++)
            if (prompt[i] < 0 || prompt[i] >= vocab)
                throw new IllegalArgumentException("promptIds[" + i + "] = " + prompt[i] + " is outside the vocabulary [0, " + vocab + ")");
        int maxNew = Math.min(req.maxTokens(), config.contextLength() - prompt.length);
        return new Generation(req, sink, new RequestState(req.id(), prompt, maxNew));
    }

    /**
     * Runs one throwaway request through the loop (a prompt of {@code promptLength} ids, then {@code
     * maxTokens} greedy tokens), so that the JIT has compiled what requests run — the prompt's panels,
     * paged attention, the scheduler, sampling — before the first real one; then forgets it: its
     * prefix-cache entries and the counters are cleared, so stats and metrics count real requests only.
     * For a new engine, before anyone else submits. Returns the time it took, in milliseconds.
     */
    public long warmUp(int promptLength, int maxTokens) throws InterruptedException {
        long t0 = System.nanoTime();
        int gen = Math.max(1, Math.min(maxTokens, config.contextLength() / 2));
        int[] prompt = new int[Math.max(1, Math.min(promptLength, config.contextLength() - gen))];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (3 + 101 * i) % model.config().vocabSize();
        CountDownLatch done = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        submit(EngineRequest.of("warm-up", prompt, gen, SamplingParams.greedy()).withIgnoreEog(true), new TokenSink() {
            @Override
            public boolean onToken(int token, TokenLogprob lp) {
                return true;
            }

            @Override
            public void onFinish(FinishReason reason, int prompt, int completion) {
                done.countDown();
            }

            @Override
            public void onError(Throwable e) {
                failure[0] = e;
                done.countDown();
            }
        });
        done.await();
        if (failure[0] != null) throw new IllegalStateException("the warm-up request failed: " + failure[0].getMessage(), failure[0]);
        CountDownLatch reset = new CountDownLatch(1);
        synchronized (submitLock) {
            if (closed) throw new IllegalStateException("the engine is closed");
            inbox.add(() -> {
                promptTokens = generatedTokens = computedTokens = finished = steps = 0;
                secondsPerRequest = 1;
                kv.pool().forgetCached();
                publish();
                reset.countDown();
            });
        }
        reset.await();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** The latest snapshot (updated after every step and every finished request). */
    public EngineStats stats() {
        return stats;
    }

    /**
     * Aborts every request ({@link FinishReason#ABORT}) and waits for the loop thread to end (unless
     * called from it, e.g. by a sink: then the loop ends after the current step). Idempotent.
     */
    @Override
    public void close() {
        synchronized (submitLock) {
            if (!closed) inbox.add(POISON);
            closed = true;
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- the loop (engine thread only)

    private void loop() {
        try {
            while (true) {
                boolean idle = !scheduler.hasWork();
                if (!apply(idle ? inbox.take() : inbox.poll())) return;
                if (idle && scheduler.hasWork() && !gather()) return;
                if (!scheduler.hasWork()) continue;
                try {
                    step();
                } catch (RuntimeException | Error e) { // a bug in scheduling or the forward pass: fail what was in flight
                    for (RequestState r : scheduler.drain()) fail(live.get(r), e);
                }
                publish();
            }
        } catch (InterruptedException e) {
            for (RequestState r : scheduler.drain()) finish(live.get(r), FinishReason.ABORT);
        } finally {
            kv.close(); // the off-heap KV pool: no step runs after the loop
        }
    }

    /** Runs {@code cmd} (when not null) and every command queued behind it; false after the close command. */
    private boolean apply(Runnable cmd) {
        for (; cmd != null; cmd = inbox.poll()) {
            if (cmd == POISON) {
                for (RequestState r : scheduler.drain()) finish(live.get(r), FinishReason.ABORT);
                publish();
                return false;
            }
            cmd.run();
        }
        return true;
    }

    /**
     * The idle engine has just been given requests: waits for more to join their first step, until the
     * step is full or the queue delay has passed (see {@link EngineConfig#maxQueueDelay}). False after
     * the close command.
     */
    private boolean gather() throws InterruptedException {
        if (config.maxQueueDelay().isZero()) return true;
        long start = System.nanoTime();
        while (true) {
            long tokens = 0;
            for (RequestState r : live.keySet()) tokens += r.numPrompt;
            if (live.size() >= config.maxRunning() || tokens >= config.tokenBudget()) return true;
            long left = start + queueDelayNanos(config.maxQueueDelay().toNanos(), tokens, promptRate) - System.nanoTime();
            if (left <= 0) return true;
            Runnable cmd = inbox.poll(left, TimeUnit.NANOSECONDS);
            if (cmd == null) return true;
            if (!apply(cmd)) return false;
        }
    }

    /**
     * How long an idle engine holds {@code tokens} waiting prompt tokens for company: a fifth of the time
     * their step is expected to take at {@code promptRate} tokens per second (what a lone request gives
     * up, against the whole step a request arriving just after it would wait), at most {@code maxNanos};
     * {@code maxNanos} while the rate is not known yet (0).
     */
    static long queueDelayNanos(long maxNanos, long tokens, double promptRate) {
        if (promptRate <= 0) return maxNanos;
        return (long) Math.min(maxNanos, 0.2e9 * tokens / promptRate);
    }

    /** One step: schedule, run the batch, then sample and deliver a token for every chunk that asked. */
    private void step() {
        SchedulePlan plan = scheduler.schedule();
        if (plan.isEmpty()) return;
        for (SchedulePlan.Chunk c : plan.chunks()) {
            Generation g = live.get(c.request());
            if (!leaveQueue(g)) continue;
            promptTokens += c.request().numPrompt;
            try {
                g.sink.onScheduled();
            } catch (RuntimeException e) {
                // a sink's failure here is its own; the request runs on
            }
        }
        long t0 = System.nanoTime();
        float[][] logits = runner.execute(plan);
        if (plan.tokens() >= PROMPT_RATE_MIN_TOKENS) {
            double rate = plan.tokens() * 1e9 / Math.max(1, System.nanoTime() - t0);
            promptRate = promptRate == 0 ? rate : 0.7 * promptRate + 0.3 * rate;
        }
        steps++;
        computedTokens += plan.tokens();
        scheduler.onComputed(plan);
        List<SchedulePlan.Chunk> chunks = plan.chunks();
        for (int i = 0; i < chunks.size(); i++)
            if (logits[i] != null) update(live.get(chunks.get(i).request()), logits[i]);
    }

    /** Processors, logprobs, sampling, stop checks and delivery of one request's next token. */
    private void update(Generation g, float[] logits) {
        RequestState r = g.state;
        EngineRequest q = g.request;
        try {
            if (q.processor() != null) q.processor().apply(logits);
            float[] scored = null;                        // the sampler edits logits in place
            if (q.topLogprobs() >= 0) {
                if (scoredScratch.length != logits.length) scoredScratch = new float[logits.length];
                scored = scoredScratch;
                System.arraycopy(logits, 0, scored, 0, logits.length);
            }
            int token = g.sampler.sample(logits, r.tokens(), r.numTokens());
            if (q.processor() != null) q.processor().accept(token);
            r.append(token);
            generatedTokens++;
            if (!q.ignoreEog() && tokenizer.isEndOfGeneration(token)) {
                finish(g, FinishReason.STOP);
                return;
            }
            TokenLogprob lp = scored == null ? null : Logprobs.of(scored, token, q.topLogprobs());
            if (!g.sink.onToken(token, lp)) finish(g, FinishReason.STOP);
            else if (r.numTokens() == r.maxTotal) finish(g, FinishReason.LENGTH);
        } catch (RuntimeException | Error e) {
            fail(g, e);
        }
    }

    private void accept(Generation g) {
        live.put(g.state, g);
        scheduler.add(g.state);
    }

    /** The cancel command: a no-op once the request has ended. */
    private void abort(Generation g) {
        if (!g.done) finish(g, FinishReason.ABORT);
    }

    private void finish(Generation g, FinishReason reason) {
        if (!end(g)) return;
        try {
            g.sink.onFinish(reason, g.state.numPrompt, g.state.generated());
        } catch (RuntimeException e) {
            // the sink's own failure ends nothing else; the request is over either way
        }
    }

    private void fail(Generation g, Throwable e) {
        if (!end(g)) return;
        try {
            g.sink.onError(e);
        } catch (RuntimeException ignored) {
            // as in finish
        }
    }

    /** Frees the request's blocks and slot and publishes the stats before its sink hears of it. */
    private boolean end(Generation g) {
        if (g == null || g.done) return false;
        g.done = true;
        leaveQueue(g);
        scheduler.remove(g.state);
        live.remove(g.state);
        finished++;
        double seconds = (System.nanoTime() - g.submitted) / 1e9;
        secondsPerRequest = 0.9 * secondsPerRequest + 0.1 * seconds;
        publish();
        return true;
    }

    /** Counts a request out of the submission queue once (first admission, or ending before it); true the first time. */
    private boolean leaveQueue(Generation g) {
        if (g.counted) return false;
        g.counted = true;
        queued.decrementAndGet();
        return true;
    }

    private void publish() {
        BlockPool pool = kv.pool();
        stats = new EngineStats(scheduler.running(), scheduler.waiting(), pool.used(), pool.cached(), pool.blocks(),
                scheduler.prefixHitTokens(), promptTokens, generatedTokens, computedTokens, scheduler.preemptions(), finished, steps);
    }

    /** Time for the queue to drain at the recent pace, in [1, 60] seconds. */
    private Duration retryAfter() {
        double rounds = (double) queued.get() / config.maxRunning() + 1;
        return Duration.ofSeconds(Math.max(1, Math.min(60, (long) Math.ceil(secondsPerRequest * rounds))));
    }

    /** A submitted request as the engine tracks it, and the caller's handle. */
    private final class Generation implements RequestHandle {
        final EngineRequest request;
        final TokenSink sink;
        final RequestState state;
        final Sampler sampler;     // this request's own random stream
        final long submitted = System.nanoTime();
        volatile boolean done;     // ended (written by the loop thread)
        boolean counted;           // left the submission queue (loop thread)

        Generation(EngineRequest request, TokenSink sink, RequestState state) {
            this.request = request;
            this.sink = sink;
            this.state = state;
            this.sampler = new Sampler(request.sampling());
        }

        @Override
        public String id() {
            return request.id();
        }

        @Override
        public void cancel() {
            if (!done && !closed) inbox.add(() -> abort(this));
        }
    }
}
