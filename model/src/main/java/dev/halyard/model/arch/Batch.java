package dev.halyard.model.arch;

/**
 * The tokens of one forward pass. They may belong to several sequences and mix prompt chunks with
 * decode steps: token i sits at position {@code positions[i]} of sequence {@code seqIds[i]}, and
 * {@code logits[i]} says whether the caller wants its next-token logits. Within one sequence,
 * positions must be contiguous with what the KV cache already holds.
 */
public record Batch(int[] tokens, int[] positions, int[] seqIds, boolean[] logits) {
    public Batch {
        int n = tokens.length;
        if (n == 0) throw new IllegalArgumentException("a batch needs at least one token");
        if (positions.length != n || seqIds.length != n || logits.length != n)
            throw new IllegalArgumentException("batch arrays must all have " + n + " entries");
        for (int i = 0; i < n; i++) {
            if (positions[i] < 0) throw new IllegalArgumentException("positions[" + i + "] must be >= 0, got " + positions[i]);
            if (seqIds[i] < 0) throw new IllegalArgumentException("seqIds[" + i + "] must be >= 0, got " + seqIds[i]);
        }
    }

    public int size() {
        return tokens.length;
    }

    public int outputs() {
        int n = 0;
        for (boolean b : logits) if (b) n++;
        return n;
    }

    /** A prompt chunk of one sequence starting at {@code start}; logits for the last token only. */
    public static Batch ofSequence(int seq, int start, int[] tokens) {
        int n = tokens.length;
        int[] pos = new int[n], ids = new int[n];
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
            pos[i] = start + i;
            ids[i] = seq;
        }
        out[n - 1] = true;
        return new Batch(tokens.clone(), pos, ids, out);
    }
}
