package dev.halyard.model.gguf;

import dev.halyard.kernels.GgmlType;
import java.util.Arrays;

/**
 * A tensor descriptor. {@code ne} follows ggml: ne[0] is the contiguous (innermost) dimension, so a
 * weight matrix W (rows, cols) has ne = [cols, rows].
 *
 * @param offset byte offset relative to the start of the tensor data section
 * @param byteSize bytes the tensor occupies
 */
public record GgufTensorInfo(String name, long[] ne, GgmlType type, long offset, long byteSize) {
    public long elements() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    public String shape() {
        return Arrays.toString(ne);
    }
}
