package dev.halyard.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A row-major weight matrix W (rows, cols) in any {@link GgmlType}, stored off-heap. A GGUF tensor with
 * ne = [cols, rows] maps to this directly (ggml's ne[0] is the contiguous dimension).
 *
 * @param type element type
 * @param data the segment holding the tensor (the tensor begins at {@code offset})
 * @param offset byte offset of row 0 in {@code data}
 * @param rows number of rows (output features)
 * @param cols number of columns (input features), a multiple of the type's block size
 */
public record WeightMatrix(GgmlType type, MemorySegment data, long offset, int rows, int cols) {
    public WeightMatrix {
        if (cols % type.blockSize != 0)
            throw new IllegalArgumentException("cols must be a multiple of " + type.blockSize + " for " + type + ", got " + cols);
    }

    /** Bytes in one row. */
    public long rowBytes() {
        return (long) cols / type.blockSize * type.typeSize;
    }

    /** Byte offset of row {@code i} within {@link #data()}. */
    public long rowOffset(int i) {
        return offset + i * rowBytes();
    }
}
