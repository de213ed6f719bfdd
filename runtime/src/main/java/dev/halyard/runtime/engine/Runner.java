package dev.halyard.runtime.engine;

import dev.halyard.model.arch.Batch;
import dev.halyard.model.arch.Model;

import java.util.Arrays;

/**
 * Mechanism: runs a {@link SchedulePlan} as one forward pass. Every chunk's tokens go into one
 * {@link Batch} (sequence id = the request's engine slot), and the logits rows come back per chunk.
 */
final class Runner {
    private final Model model;
    private final PagedKvCache kv;
    private float[] logits = new float[0]; // (outputs, V) of the last step, reused step after step
    private float[][] rows = new float[0][]; // (V,) each: the rows handed out, reused likewise

    Runner(Model model, PagedKvCache kv) {
        this.model = model;
        this.kv = kv;
    }

    /**
     * Logits (V,) for each chunk that asked for them, null for the others; aligned with {@code
     * plan.chunks()}. The arrays are this runner's and are overwritten by the next call: the engine
     * samples from them before it runs the next step. Reusing them keeps a decode step of 16
     * sequences from leaving 16 MiB of garbage (logits and rows) at a vocabulary of 128,256.
     */
    float[][] execute(SchedulePlan plan) {
        int n = plan.tokens();
        int[] tokens = new int[n], positions = new int[n], seqIds = new int[n];
        boolean[] wants = new boolean[n];
        int i = 0, outputs = 0;
        for (SchedulePlan.Chunk c : plan.chunks()) {
            for (int j = 0; j < c.tokens().length; j++, i++) {
                tokens[i] = c.tokens()[j];
                positions[i] = c.start() + j;
                seqIds[i] = c.slot();
            }
            wants[i - 1] = c.logits();
            if (c.logits()) outputs++;
        }
        int vocab = model.config().vocabSize();
        if (logits.length < outputs * vocab) logits = new float[outputs * vocab];
        if (rows.length < outputs) {
            float[][] grown = Arrays.copyOf(rows, outputs);
            for (int r = rows.length; r < outputs; r++) grown[r] = new float[vocab];
            rows = grown;
        }
        model.forwardInto(new Batch(tokens, positions, seqIds, wants), kv, logits); // (outputs, V)
        float[][] out = new float[plan.chunks().size()][];
        int row = 0;
        for (int c = 0; c < out.length; c++) {
            if (!plan.chunks().get(c).logits()) continue;
            out[c] = rows[row];
            System.arraycopy(logits, row++ * vocab, out[c], 0, vocab);
        }
        return out;
    }
}
