package dev.halyard.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * llama.cpp's side of the benchmark: the project's C harnesses over the prebuilt libllama of npm
 * {@code @node-llama-cpp/linux-x64} (tools/llama-ref: llama_ref for one sequence, llama_serve for
 * parallel sequences), built by tools/llama-ref/build.sh into {@code <repo>/.cache/llama.cpp}.
 *
 * @param dir the directory holding llama_ref and llama_serve
 * @param kv KV-cache type passed to both harnesses (f16 is llama.cpp's default; q8_0 needs flash attention)
 * @param flashAttn whether to enable flash attention (what llama.cpp's "auto" picks on CPU)
 * @param timeout the longest one harness process may run
 */
public record LlamaHarness(Path dir, String kv, boolean flashAttn, Duration timeout) {
    public LlamaHarness {
        if (!BenchConfig.KV_TYPES.contains(kv)) throw new IllegalArgumentException("kv must be f16, f32 or q8_0, got '" + kv + "'");
    }

    /** llama.cpp's load modes the benchmark compares: weights read into memory (strongest) and mmap (default). */
    public enum LoadMode {
        NONE("none", "llama.cpp"), MMAP("mmap", "llama.cpp mmap");

        final String flag;
        final String engine;

        LoadMode(String flag, String engine) {
            this.flag = flag;
            this.engine = engine;
        }
    }

    public Path llamaRef() {
        return dir.resolve("llama_ref");
    }

    public Path llamaServe() {
        return dir.resolve("llama_serve");
    }

    public boolean available() {
        return Files.isExecutable(llamaRef()) && Files.isExecutable(llamaServe());
    }

    /**
     * The harness directory of the Halyard checkout around {@code start} (or around the code's own
     * location), built with tools/llama-ref/build.sh when it is missing; null when there is no checkout.
     */
    public static Path locate(Path start, PrintWriter log) {
        Path repo = findRepo(start);
        if (repo == null) {
            try {
                repo = findRepo(Path.of(LlamaHarness.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (Exception e) {
                repo = null;
            }
        }
        if (repo == null) return null;
        Path dir = repo.resolve(".cache/llama.cpp");
        if (!Files.isExecutable(dir.resolve("llama_serve")) || !Files.isExecutable(dir.resolve("llama_ref"))) build(repo, log);
        return dir;
    }

    static Path findRepo(Path from) {
        for (Path q = from.toAbsolutePath(); q != null; q = q.getParent())
            if (Files.isRegularFile(q.resolve("tools/llama-ref/build.sh"))) return q;
        return null;
    }

    private static void build(Path repo, PrintWriter log) {
        log.println("building the llama.cpp harnesses: tools/llama-ref/build.sh (npm, gcc, git)");
        log.flush();
        try {
            ChildProcess.Result r = ChildProcess.run(List.of("bash", repo.resolve("tools/llama-ref/build.sh").toString()), repo, Duration.ofMinutes(10));
            if (r.exitCode() != 0) log.println("tools/llama-ref/build.sh failed:\n" + r.stdout() + r.stderrTail());
        } catch (IOException e) {
            log.println("tools/llama-ref/build.sh could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The llama_ref command of a single-sequence measurement in lockstep with other engines ({@link
     * Lockstep}): {@code warmup} unreported runs, then {@code repeat} measured ones, in one process.
     */
    public List<String> singleStreamCommand(Path model, Path tokensFile, int gen, int threads, LoadMode mode, int warmup, int repeat) {
        List<String> cmd = new ArrayList<>(List.of(llamaRef().toString(), "--model", model.toString(), "--tokens-file", tokensFile.toString(),
                "--gen", Integer.toString(gen), "--threads", Integer.toString(threads), "--no-logits", "--load-mode", mode.flag,
                "--warmup", Integer.toString(warmup), "--repeat", Integer.toString(repeat), "--paced"));
        addCommon(cmd);
        return cmd;
    }

    /** The measurements of a {@link #singleStreamCommand} process that has ended. */
    public static SingleStream singleStream(LoadMode mode, ChildProcess.Result r) {
        if (r.exitCode() != 0) return SingleStream.failed(mode.engine, "llama_ref exit " + r.exitCode() + ": " + r.stderrTail());
        try {
            return SingleStream.parse(mode.engine, r.stdout(), r.peakRssKb());
        } catch (IllegalArgumentException e) {
            return SingleStream.failed(mode.engine, e.getMessage());
        }
    }

    /**
     * The llama_serve command of {@code clients} sequences decoded together, llama-server style, in lockstep
     * with the other serving engines ({@link Lockstep}); prompts one per line in {@code promptsFile}.
     */
    public List<String> servingCommand(Path model, Path promptsFile, int clients, int gen, int threads, int warmup, int repeat) {
        List<String> cmd = new ArrayList<>(List.of(llamaServe().toString(), "--model", model.toString(), "--prompts-file", promptsFile.toString(),
                "--parallel", Integer.toString(clients), "--gen", Integer.toString(gen), "--threads", Integer.toString(threads),
                "--load-mode", LoadMode.NONE.flag, "--warmup", Integer.toString(warmup), "--repeat", Integer.toString(repeat), "--paced"));
        addCommon(cmd);
        return cmd;
    }

    /** The measurements of a {@link #servingCommand} process that has ended. */
    public static ServingPoint serving(int clients, ChildProcess.Result r) {
        if (r.exitCode() != 0) return ServingPoint.failed("llama.cpp", clients, "llama_serve exit " + r.exitCode() + ": " + r.stderrTail());
        try {
            return ServingPoint.parseLlama(r.stdout(), clients, r.peakRssKb());
        } catch (IllegalArgumentException e) {
            return ServingPoint.failed("llama.cpp", clients, e.getMessage());
        }
    }

    private void addCommon(List<String> cmd) {
        cmd.add("--kv");
        cmd.add(kv);
        if (flashAttn) cmd.add("--flash-attn");
    }
}
