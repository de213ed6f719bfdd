package dev.halyard.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Scheduling policy on plain data: a real paged cache with tiny blocks, no model; "sampling" appends token 7. */
class SchedulerTest {

    static PagedKvCache cache(int blocks, int blockSize, int slots) {
        return new PagedKvCache(new BlockPool(blocks, blockSize, 1, 1, 1, 1), slots, 1024, 1);
    }

    /** A request whose prompt is its own (tokens derived from the id), so prompts share no prefix. */
    static RequestState request(String id, int promptLength, int maxNew) {
        return new RequestState(id, IntStream.range(0, promptLength).map(i -> id.charAt(0) * 1000 + i).toArray(), maxNew);
    }

    /**
     * Runs one step as the engine would: returns the plan as "id:tokens" strings ("*" = logits wanted),
     * marks it computed, appends a token to each request with logits and removes requests that are done.
     */
    static List<String> step(Scheduler s) {
        SchedulePlan plan = s.schedule();
        List<String> out = new ArrayList<>();
        for (SchedulePlan.Chunk c : plan.chunks()) out.add(c.request().id + ":" + c.tokens().length + (c.logits() ? "*" : ""));
        s.onComputed(plan);
        for (SchedulePlan.Chunk c : plan.chunks()) {
            RequestState r = c.request();
            if (!c.logits()) continue;
            r.append(7);
            if (r.numTokens() == r.maxTotal) s.remove(r);
        }
        return out;
    }

    @Test
    void a_long_prompt_is_computed_in_chunks_within_the_token_budget() {
        Scheduler s = new Scheduler(cache(64, 4, 4), 8, 4);
        RequestState r = request("a", 20, 3);
        s.add(r);
        assertEquals(List.of("a:8"), step(s));
        assertEquals(List.of("a:8"), step(s));
        assertEquals(List.of("a:4*"), step(s), "logits only when the chunk reaches the last token");
        assertEquals(List.of("a:1*"), step(s), "then one token per decode step");
        assertEquals(22, r.numTokens());
        assertEquals(21, r.numComputed());
    }

    @Test
    void decode_steps_and_prompt_chunks_share_one_step_the_budget_bounding_prompt_tokens() {
        Scheduler s = new Scheduler(cache(64, 4, 4), 10, 4);
        s.add(request("a", 3, 20));
        assertEquals(List.of("a:3*"), step(s));
        s.add(request("b", 30, 5));
        s.add(request("c", 2, 5));
        assertEquals(List.of("a:1*", "b:10"), step(s), "a's decode token rides on top; c waits: the prompt budget is spent");
        assertEquals(List.of("a:1*", "b:10"), step(s));
        assertEquals(List.of("a:1*", "b:10*"), step(s));
        assertEquals(List.of("a:1*", "b:1*", "c:2*"), step(s));
        for (int i = 0; i < 5; i++) {
            SchedulePlan plan = s.schedule();
            int decoding = (int) plan.chunks().stream().filter(c -> c.tokens().length == 1).count();
            assertTrue(plan.tokens() - decoding <= 10, "step " + i + " has " + plan.tokens() + " tokens, " + decoding + " decoding");
            s.onComputed(plan);
            for (SchedulePlan.Chunk c : plan.chunks()) {
                if (!c.logits()) continue;
                c.request().append(7);
                if (c.request().numTokens() == c.request().maxTotal) s.remove(c.request());
            }
        }
    }

    @Test
    void prompts_that_fill_the_budget_exactly_are_not_split_by_sequences_decoding() {
        // the serving benchmark's shape in small: budget = 4 prompts, and earlier requests decoding
        Scheduler s = new Scheduler(cache(256, 4, 16), 32, 16);
        s.add(request("a", 8, 50));
        assertEquals(List.of("a:8*"), step(s));
        for (String id : List.of("b", "c", "d", "e", "f", "g", "h", "i")) s.add(request(id, 8, 50));
        assertEquals(List.of("a:1*", "b:8*", "c:8*", "d:8*", "e:8*"), step(s), "every admitted prompt completes in this step");
        assertEquals(List.of("a:1*", "b:1*", "c:1*", "d:1*", "e:1*", "f:8*", "g:8*", "h:8*", "i:8*"), step(s));
    }

    @Test
    void a_prompt_in_progress_that_finds_the_budget_spent_does_not_stop_later_sequences_decoding() {
        Scheduler s = new Scheduler(cache(256, 4, 4), 8, 4);
        s.add(request("a", 20, 50));
        s.add(request("b", 20, 50));
        assertEquals(List.of("a:8"), step(s));
        assertEquals(List.of("a:8"), step(s));
        assertEquals(List.of("a:4*", "b:4"), step(s));
        assertEquals(List.of("a:1*", "b:8"), step(s));
        s.add(request("c", 2, 50));
        assertEquals(List.of("a:1*", "b:8*"), step(s), "b takes the whole budget; c waits");
        assertEquals(List.of("a:1*", "b:1*", "c:2*"), step(s));
    }

    @Test
    void waiting_requests_are_admitted_first_come_first_served_without_skipping_the_head() {
        Scheduler s = new Scheduler(cache(6, 4, 4), 100, 4);
        s.add(request("a", 15, 2)); // 4 blocks
        s.add(request("b", 12, 1)); // 3 blocks: does not fit beside a
        s.add(request("c", 3, 1));  // 1 block: would fit, but must not overtake b
        assertEquals(List.of("a:15*"), step(s));
        assertEquals(1, s.running());
        assertEquals(2, s.waiting());
        assertEquals(List.of("a:1*"), step(s), "c does not overtake b");
        assertEquals(List.of("b:12*", "c:3*"), step(s), "a finished and freed its blocks; b then c");
    }

    @Test
    void no_more_than_max_running_requests_are_admitted() {
        Scheduler s = new Scheduler(cache(64, 4, 4), 100, 2);
        for (String id : List.of("a", "b", "c")) s.add(request(id, 2, 5));
        assertEquals(List.of("a:2*", "b:2*"), step(s));
        assertEquals(2, s.running());
        assertEquals(1, s.waiting());
    }

    @Test
    void when_the_pool_is_full_the_newest_running_request_is_preempted_to_the_front_of_the_queue() {
        Scheduler s = new Scheduler(cache(4, 4, 4), 100, 4);
        RequestState a = request("a", 4, 10), b = request("b", 4, 10), c = request("c", 4, 10), d = request("d", 4, 10);
        s.add(a);
        s.add(b);
        s.add(c);
        assertEquals(List.of("a:4*", "b:4*", "c:4*"), step(s)); // 3 of 4 blocks
        s.add(d);
        // each now needs a second block (position 4): a gets the last free one, b preempts c, and nobody is admitted
        SchedulePlan plan = s.schedule();
        assertEquals(List.of(c), plan.preempted());
        assertEquals(List.of("a", "b"), plan.chunks().stream().map(ch -> ch.request().id).toList());
        assertEquals(0, c.numComputed(), "c will be recomputed");
        assertEquals(-1, c.slot());
        assertEquals(2, s.waiting());
        assertEquals(1, s.preemptions());
        s.onComputed(plan);
        // a and b finish; c (preempted) is admitted before d although d waited longer in the queue
        s.remove(a);
        s.remove(b);
        plan = s.schedule();
        assertEquals(List.of("c", "d"), plan.chunks().stream().map(ch -> ch.request().id).toList());
        assertEquals(5, plan.chunks().getFirst().tokens().length, "c recomputes its prompt and its sampled token (b reused its freed block)");
    }

    @Test
    void a_prefix_cache_hit_leaves_only_the_tail_to_compute() {
        PagedKvCache kv = cache(64, 4, 4);
        Scheduler s = new Scheduler(kv, 100, 4);
        RequestState a = request("a", 11, 1);
        s.add(a);
        assertEquals(List.of("a:11*"), step(s));
        assertFalse(s.hasWork());
        s.add(new RequestState("b", java.util.Arrays.copyOf(a.tokens(), 11), 1));
        assertEquals(List.of("b:3*"), step(s), "two full blocks (8 tokens) came from the cache");
        assertEquals(8, s.prefixHitTokens());
        assertEquals(0, kv.pool().used());
    }
}
