package dev.halyard.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * The prompts of the benchmark: token ids drawn uniformly from the vocabulary with a fixed seed, so
 * both engines see the same ids (no tokenizer in the measurement) and every run is reproducible.
 */
public final class Prompts {
    private Prompts() {}

    /** {@code n} ids in [0, vocab) from {@code seed}. */
    public static int[] random(int n, int vocab, long seed) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        if (vocab < 1) throw new IllegalArgumentException("vocab must be >= 1, got " + vocab);
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
        return ids;
    }

    /**
     * The prompt of serving stream {@code stream} in round {@code round}: {@code n} ids from seed
     * {@code seed + round * 1024 + stream}, distinct per round and stream so that no cached prefix helps.
     * Halyard's serving rounds (through HTTP and in-process) and llama_serve's prompts all come from here.
     */
    public static int[] serving(int n, int vocab, long seed, int round, int stream) {
        return random(n, vocab, seed + round * 1024L + stream);
    }

    /** "1,2,3": the form llama_ref's --tokens-file and llama_serve's prompt lines read. */
    public static String format(int[] ids) {
        StringJoiner j = new StringJoiner(",");
        for (int id : ids) j.add(Integer.toString(id));
        return j.toString();
    }

    /** Ids separated by commas or white space. */
    public static int[] parse(String s) {
        String t = s.strip();
        if (t.isEmpty()) throw new IllegalArgumentException("no token ids");
        return Arrays.stream(t.split("[,\\s]+")).mapToInt(v -> {
            try {
                int id = Integer.parseInt(v);
                if (id < 0) throw new IllegalArgumentException("token ids must be >= 0, got " + id);
                return id;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad token id '" + v + "'");
            }
        }).toArray();
    }
}
