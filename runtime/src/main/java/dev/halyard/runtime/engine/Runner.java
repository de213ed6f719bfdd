package dev.halyard.runtime.engine;

import dev.halyard.model.arch.Batch;
import dev.halyard.model.arch.Model;

/**
 * Mechanism: runs a {@link SchedulePlan} as one forward pass. Every chunk's tokens go into one
 * {@link Batch} (sequence id = the request's engine slot), and the logits rows come back per chunk.
 */
final class Runner {
    private final Model model;
    private final PagedKvCache kv;

    Runner(Model model, PagedKvCache kv) {
        this.model = model;
        this.kv = kv;
    }

    /** Logits (V,) for each chunk that asked for them, null for the others; aligned with {@code plan.chunks()}. */
    float[][] execute(SchedulePlan plan) {
        int n = plan.tokens();
        int[] tokens = new int[n], positions = new int[n], seqIds = new int[n];
        boolean[] wants = new boolean[n];
        int i = 0;
        for (SchedulePlan.Chunk c : plan.chunks()) {
            for (int j = 0; j < c.tokens().length; j++, i++) {
                tokens[i] = c.tokens()[j];
                positions[i] = c.start() + j;
                seqIds[i] = c.slot();
            }
            wants[i - 1] = c.logits();
        }
        float[] logits = model.forward(new Batch(tokens, positions, seqIds, wants), kv); // (outputs, V)
        int vocab = model.config().vocabSize();
        float[][] rows = new float[plan.chunks().size()][];
        int row = 0;
        for (int c = 0; c < rows.length; c++) {
            if (!plan.chunks().get(c).logits()) continue;
            rows[c] = new float[vocab];
            System.arraycopy(logits, row++ * vocab, rows[c], 0, vocab);
        }
        return rows;
    }
}
