package dev.halyard.runtime.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Policy: which requests run in the next step and how many tokens each, as plain data. Running
 * requests come first (oldest admission first), then waiting ones in arrival order (FCFS, never
 * skipping the head), so prompt chunks and decode steps share a batch. The token budget bounds the
 * prompt tokens of a step; every running request's decode token rides on top of it (at most
 * maxRunning more), as a decode token costs a big batch next to nothing while the weights stream
 * once for all. When decode tokens counted against it, a step of four 128-token prompts with one
 * sequence decoding left the fourth prompt's last token for the next step: that request's first token
 * came one whole step (~4 s on Llama-3.2-1B, two cores) later, and 16 concurrent prompts took five
 * prompt steps instead of four. When the KV pool cannot grow a running request, the most recently
 * admitted request is preempted: its blocks are freed and it goes back to the front of the waiting queue, to be recomputed
 * (cheaply, if its blocks are still in the prefix cache) when there is room.
 *
 * <p>Not thread-safe: the engine thread owns it.
 */
final class Scheduler {
    private final PagedKvCache kv;
    private final int tokenBudget, maxRunning;
    private final ArrayDeque<RequestState> waiting = new ArrayDeque<>();
    private final List<RequestState> running = new ArrayList<>(); // in admission order
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private long prefixHitTokens; // prompt tokens served from the prefix cache
    private long preemptions;

    Scheduler(PagedKvCache kv, int tokenBudget, int maxRunning) {
        if (tokenBudget < 1) throw new IllegalArgumentException("tokenBudget must be >= 1, got " + tokenBudget);
        if (maxRunning < 1 || maxRunning > kv.slots())
            throw new IllegalArgumentException("maxRunning must be in [1, " + kv.slots() + "] (the cache's slots), got " + maxRunning);
        this.kv = kv;
        this.tokenBudget = tokenBudget;
        this.maxRunning = maxRunning;
        for (int s = 0; s < maxRunning; s++) freeSlots.addLast(s);
    }

    /** Queues a new request behind the others. */
    void add(RequestState r) {
        waiting.addLast(r);
    }

    int running() { return running.size(); }
    int waiting() { return waiting.size(); }
    long prefixHitTokens() { return prefixHitTokens; }
    long preemptions() { return preemptions; }

    boolean hasWork() {
        return !running.isEmpty() || !waiting.isEmpty();
    }

    /** Decides the next step. Blocks are allocated for the planned tokens; nothing is computed yet. */
    SchedulePlan schedule() {
        int budget = tokenBudget;
        List<SchedulePlan.Chunk> chunks = new ArrayList<>();
        List<RequestState> preempted = new ArrayList<>();

        // running requests: continue their prompts or decode, preempting the newest when the pool is full
        for (int i = 0; i < running.size(); i++) {
            RequestState r = running.get(i);
            int pending = r.pending();
            int n = pending == 1 ? 1 : Math.min(pending, budget); // a decode token (or a prompt's last) is free
            if (n == 0) continue; // a prompt in progress, and the budget is spent: later ones may still decode
            boolean fits;
            while (!(fits = kv.allocate(r.slot(), new int[0], r.numComputed() + n))) {
                RequestState victim = running.getLast();
                preempt(victim);
                preempted.add(victim);
                if (victim == r) break;
            }
            if (!fits) break; // r itself went back to waiting, and everything admitted after it
            chunks.add(chunk(r, n));
            if (pending > 1) budget -= n;
        }

        // waiting requests, first come first served, unless this step had to preempt
        while (preempted.isEmpty() && budget > 0 && !waiting.isEmpty() && running.size() < maxRunning) {
            RequestState r = waiting.peekFirst();
            int[] hits = kv.findCachedPrefix(r);
            int computed = hits.length * kv.blockSize();
            int n = Math.min(r.numTokens() - computed, budget);
            int slot = freeSlots.peekFirst();
            if (!kv.allocate(slot, hits, computed + n)) break;
            waiting.pollFirst();
            freeSlots.pollFirst();
            r.admit(slot, computed);
            running.add(r);
            prefixHitTokens += computed;
            chunks.add(chunk(r, n));
            budget -= n;
        }
        return new SchedulePlan(chunks, preempted);
    }

    /** After the plan ran: its tokens are in the cache, and newly full blocks enter the prefix cache. */
    void onComputed(SchedulePlan plan) {
        for (SchedulePlan.Chunk c : plan.chunks()) {
            c.request().addComputed(c.tokens().length);
            kv.cacheComputedBlocks(c.slot(), c.request());
        }
    }

    /** Takes {@code r} out (finished or cancelled), freeing its blocks; no-op when it is not here. */
    void remove(RequestState r) {
        if (running.remove(r)) release(r);
        else waiting.remove(r);
    }

    /** Every request, running then waiting, and empties the scheduler (for shutdown). */
    List<RequestState> drain() {
        List<RequestState> all = new ArrayList<>(running);
        all.addAll(waiting);
        for (RequestState r : List.copyOf(running)) remove(r);
        waiting.clear();
        return all;
    }

    private SchedulePlan.Chunk chunk(RequestState r, int n) {
        int start = r.numComputed();
        return new SchedulePlan.Chunk(r, r.slot(), start, Arrays.copyOfRange(r.tokens(), start, start + n), start + n == r.numTokens());
    }

    private void preempt(RequestState r) {
        running.remove(r);
        release(r);
        waiting.addFirst(r);
        preemptions++;
    }

    private void release(RequestState r) {
        kv.free(r.slot());
        freeSlots.addFirst(r.slot());
        r.evict();
    }
}
