package dev.halyard.model.arch;

import dev.halyard.kernels.Kernels;
import dev.halyard.model.gguf.GgufFile;

/**
 * How to load a model.
 *
 * @param threads worker threads for matrix multiplication and attention (≥ 1)
 * @param loadMode {@code READ} into off-heap memory (default) or {@code MMAP}
 * @param kernels the kernel implementation (vector by default; scalar for reference runs)
 * @param kvType how KV caches made for this model store keys and values (F16 by default, as llama.cpp)
 */
public record ModelOptions(int threads, GgufFile.LoadMode loadMode, Kernels kernels, KvType kvType) {
    public ModelOptions {
        if (threads < 1 || threads > 1024) throw new IllegalArgumentException("threads must be in [1, 1024], got " + threads);
        if (loadMode == null) throw new IllegalArgumentException("loadMode must not be null");
        if (kernels == null) throw new IllegalArgumentException("kernels must not be null");
        if (kvType == null) throw new IllegalArgumentException("kvType must not be null");
    }

    public static ModelOptions defaults() {
        return new ModelOptions(Runtime.getRuntime().availableProcessors(), GgufFile.LoadMode.READ, Kernels.best(), KvType.F16);
    }

    public ModelOptions withThreads(int n) {
        return new ModelOptions(n, loadMode, kernels, kvType);
    }

    public ModelOptions withLoadMode(GgufFile.LoadMode m) {
        return new ModelOptions(threads, m, kernels, kvType);
    }

    public ModelOptions withKernels(Kernels k) {
        return new ModelOptions(threads, loadMode, k, kvType);
    }

    public ModelOptions withKvType(KvType t) {
        return new ModelOptions(threads, loadMode, kernels, t);
    }
}
