package dev.halyard.cli;

import dev.halyard.model.arch.KvType;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.gguf.GgufFile;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that load a model. */
public final class ModelOptionsMixin {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--mmap", description = "memory-map the weights instead of reading them into memory")
    boolean mmap;

    @Option(names = "--ctx-size", paramLabel = "N", description = "context window in tokens (default: the model's, at most 4096)")
    Integer contextSize;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f16",
            description = "KV cache element type: f16 (half the memory, as llama.cpp), f32 (exact) or q8_0 (8 bits and a scale per 32, 56%% of f16's memory) (default: ${DEFAULT-VALUE})")
    String kvType;

    ModelOptions options() {
        ModelOptions o = ModelOptions.defaults();
        if (threads != null) o = o.withThreads(threads);
        if (mmap) o = o.withLoadMode(GgufFile.LoadMode.MMAP);
        return o.withKvType(KvType.parse(kvType));
    }

    int contextSize(int trained) {
        int c = contextSize != null ? contextSize : Math.min(trained, 4096);
        if (c < 1) throw new IllegalArgumentException("--ctx-size must be >= 1, got " + c);
        return c;
    }
}
