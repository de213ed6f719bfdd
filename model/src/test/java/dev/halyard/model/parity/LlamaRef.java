package dev.halyard.model.parity;

import dev.halyard.model.arch.KvType;
import dev.halyard.testing.Prerequisite;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Runs the llama.cpp reference harness ({@code tools/llama-ref}, built by its build.sh into
 * {@code <repo>/.cache/llama.cpp/llama_ref}) and parses its JSON.
 */
final class LlamaRef {
    private LlamaRef() {}

    /**
     * What llama.cpp computed.
     *
     * @param logits (V,) logits of the last prompt position
     * @param tokens greedy continuation
     * @param margins top-1 minus top-2 logit of each distribution a greedy token was taken from
     * @param stepLogits (gen-1, V): logits after feeding tokens[i]; empty unless asked for
     */
    record Result(float[] logits, int[] tokens, float[] margins, float[][] stepLogits, double promptTokS, double genTokS) {}

    static final Path REPO = findRepo();
    static final Path BINARY = REPO.resolve(".cache/llama.cpp/llama_ref");

    private static Path findRepo() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent())
            if (Files.exists(q.resolve("tools/llama-ref/build.sh"))) return q;
        return p;
    }

    /**
     * The harness binary. When it is absent the calling test fails under CI (env CI set) and is
     * skipped elsewhere, with a message saying how to build it.
     */
    static synchronized Path require() {
        if (!Files.isExecutable(BINARY) && !buildAttempted) {
            buildAttempted = true;
            build();
        }
        if (!Files.isExecutable(BINARY)) {
            String msg = "llama.cpp reference harness " + BINARY + " is absent: run tools/llama-ref/build.sh (needs npm, gcc, git)";
            throw Prerequisite.missing(msg);
        }
        return BINARY;
    }

    private static boolean buildAttempted;

    /** Runs tools/llama-ref/build.sh once (it fetches llama.cpp from npm and compiles the harness). */
    private static void build() {
        try {
            Process p = new ProcessBuilder("bash", REPO.resolve("tools/llama-ref/build.sh").toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(600, TimeUnit.SECONDS)) p.destroyForcibly();
            if (p.exitValue() != 0) System.err.println("tools/llama-ref/build.sh failed:\n" + log);
        } catch (IOException | InterruptedException | IllegalThreadStateException e) {
            System.err.println("tools/llama-ref/build.sh could not run: " + e);
        }
    }

    static Result run(Path model, int[] prompt, int gen, int threads, boolean stepLogits) throws IOException, InterruptedException {
        return run(model, prompt, gen, threads, stepLogits, KvType.F32);
    }

    /** As above, with llama.cpp's KV cache in {@code kv} (llama_ref's default is F32, for exactness). */
    static Result run(Path model, int[] prompt, int gen, int threads, boolean stepLogits, KvType kv) throws IOException, InterruptedException {
        StringJoiner ids = new StringJoiner(",");
        for (int t : prompt) ids.add(Integer.toString(t));
        List<String> cmd = new ArrayList<>(List.of(require().toString(), "--model", model.toString(), "--tokens", ids.toString(),
                "--gen", Integer.toString(gen), "--threads", Integer.toString(threads)));
        if (stepLogits) cmd.add("--step-logits");
        cmd.addAll(List.of("--kv", kv.id()));
        if (kv == KvType.Q8_0) cmd.add("--flash-attn"); // llama.cpp quantises the values only under flash attention
        Path err = Files.createTempFile("llama_ref", ".err");
        try {
            Process proc = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            byte[] out = proc.getInputStream().readAllBytes();
            if (!proc.waitFor(120, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new IOException("llama_ref timed out on " + model);
            }
            if (proc.exitValue() != 0)
                throw new IOException("llama_ref failed (exit " + proc.exitValue() + ") on " + model + ": " + Files.readString(err).strip());
            JsonNode j = new ObjectMapper().readTree(out);
            JsonNode steps = j.get("step_logits");
            float[][] stepArr = new float[steps == null ? 0 : steps.size()][];
            for (int i = 0; i < stepArr.length; i++) stepArr[i] = floats(steps.get(i));
            return new Result(floats(j.get("logits")), ints(j.get("tokens")), floats(j.get("margins")), stepArr,
                    j.get("prompt_tok_s").asDouble(), j.get("gen_tok_s").asDouble());
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static float[] floats(JsonNode n) {
        float[] a = new float[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = (float) n.get(i).asDouble();
        return a;
    }

    private static int[] ints(JsonNode n) {
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = n.get(i).asInt();
        return a;
    }
}
