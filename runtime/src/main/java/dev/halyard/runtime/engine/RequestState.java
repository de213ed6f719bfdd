package dev.halyard.runtime.engine;

import java.util.Arrays;

/**
 * What the scheduler knows of one request: its tokens (prompt, then generated), how many of them the
 * KV cache holds ({@code numComputed}), and the slot it runs in. Prefill is not special: a request
 * wants {@code numTokens - numComputed} tokens computed, whether they are a prompt, a prompt's tail
 * after a prefix-cache hit, a recomputation after preemption, or the one token of a decode step.
 *
 * <p>Mutable; touched only by the engine thread.
 */
final class RequestState {
    final String id;
    final int numPrompt;   // prompt tokens
    final int maxTotal;    // prompt + the most tokens it may generate
    private int[] tokens;  // (numTokens) prompt then generated, capacity maxTotal
    private int numTokens;
    private int numComputed;           // tokens whose keys and values are in the cache
    private int slot = -1;             // engine slot (sequence id) while running, else -1
    private boolean admitted;          // has run at least once (left the submission queue)
    private long[] blockHashes = new long[4]; // chain hashes of the full blocks of tokens
    private int hashedBlocks;
    private int registeredBlocks;      // leading blocks of the current table offered to the prefix cache

    RequestState(String id, int[] prompt, int maxNewTokens) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token");
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        this.id = id;
        this.numPrompt = prompt.length;
        this.maxTotal = prompt.length + maxNewTokens;
        this.tokens = Arrays.copyOf(prompt, maxTotal);
        this.numTokens = prompt.length;
    }

    /** Backing array; entries [0, numTokens) are valid. */
    int[] tokens() { return tokens; }
    int numTokens() { return numTokens; }
    int numComputed() { return numComputed; }
    int generated() { return numTokens - numPrompt; }
    int slot() { return slot; }
    boolean admitted() { return admitted; }
    int hashedBlocks() { return hashedBlocks; }
    long blockHash(int i) { return blockHashes[i]; }
    int registeredBlocks() { return registeredBlocks; }

    /** Tokens still to run through the model before the next token can be sampled. */
    int pending() { return numTokens - numComputed; }

    void append(int token) {
        if (numTokens == maxTotal) throw new IllegalStateException("request " + id + " already holds its " + maxTotal + " tokens");
        tokens[numTokens++] = token;
    }

    void addComputed(int n) {
        if (n < 0 || numComputed + n > numTokens)
            throw new IllegalStateException("request " + id + ": " + numComputed + " + " + n + " computed tokens exceed its " + numTokens + " tokens");
        numComputed += n;
    }

    /** Placed in {@code slot} with its first {@code computed} tokens already cached (prefix hit). */
    void admit(int slot, int computed) {
        this.slot = slot;
        this.numComputed = computed;
        this.registeredBlocks = 0;
        this.admitted = true;
    }

    /** Out of its slot (finished or preempted): nothing of it is cached any more. */
    void evict() {
        this.slot = -1;
        this.numComputed = 0;
        this.registeredBlocks = 0;
    }

    void addBlockHash(long h) {
        if (hashedBlocks == blockHashes.length) blockHashes = Arrays.copyOf(blockHashes, hashedBlocks * 2);
        blockHashes[hashedBlocks++] = h;
    }

    void registeredBlocks(int n) { registeredBlocks = n; }

    @Override
    public String toString() {
        return "request " + id + " (" + numComputed + "/" + numTokens + " tokens computed, slot " + slot + ")";
    }
}
