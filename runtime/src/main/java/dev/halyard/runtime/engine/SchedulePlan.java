package dev.halyard.runtime.engine;

import java.util.List;

/**
 * One step's decision, plain data: which requests run and which tokens each contributes (a prompt
 * chunk, a recomputation, or a single decode token), and which requests were preempted to make room.
 *
 * @param chunks the work of this step, in batch order
 * @param preempted requests sent back to the front of the waiting queue (their blocks are freed)
 */
record SchedulePlan(List<Chunk> chunks, List<RequestState> preempted) {
    SchedulePlan {
        chunks = List.copyOf(chunks);
        preempted = List.copyOf(preempted);
    }

    /** Tokens in this step. */
    int tokens() {
        int n = 0;
        for (Chunk c : chunks) n += c.tokens().length;
        return n;
    }

    boolean isEmpty() {
        return chunks.isEmpty();
    }

    /**
     * Tokens {@code tokens} of {@code request} at positions {@code start, start+1, ...} of sequence
     * {@code slot}; {@code logits} when the chunk ends at the request's last token, so that the next
     * token can be sampled.
     */
    record Chunk(RequestState request, int slot, int start, int[] tokens, boolean logits) {
        Chunk {
            if (tokens.length == 0) throw new IllegalArgumentException("a chunk needs at least one token");
            if (start < 0) throw new IllegalArgumentException("start must be >= 0, got " + start);
            if (slot < 0) throw new IllegalArgumentException("slot must be >= 0, got " + slot);
        }
    }
}
