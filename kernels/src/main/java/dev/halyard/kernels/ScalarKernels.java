package dev.halyard.kernels;

import dev.halyard.kernels.quant.Bf16Kernel;
import dev.halyard.kernels.quant.F16Kernel;
import dev.halyard.kernels.quant.F32Kernel;
import dev.halyard.kernels.quant.Q4_0Kernel;
import dev.halyard.kernels.quant.Q4_1Kernel;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q5_0Kernel;
import dev.halyard.kernels.quant.Q5_1Kernel;
import dev.halyard.kernels.quant.Q5_KKernel;
import dev.halyard.kernels.quant.Q6_KKernel;
import dev.halyard.kernels.quant.Q8_0Kernel;
import dev.halyard.kernels.quant.Q8_KKernel;
import java.lang.foreign.MemorySegment;

/**
 * Plain, obviously-correct reference kernels: dequantise exactly as ggml's dequantize_row_* does, and
 * take dot products as dequantise-then-multiply-add, one element at a time. {@link VectorKernels} is
 * tested against these.
 */
public final class ScalarKernels implements Kernels {

    /** A shared instance (stateless). */
    public static final ScalarKernels REFERENCE = new ScalarKernels();

    /** Elements dequantised at a time by {@link #dot}. */
    private static final int CHUNK = 256;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOffset, int n) {
        requireWholeBlocks(type, n);
        switch (type) {
            case F32 -> F32Kernel.dequantize(w, off, dst, dstOffset, n);
            case F16 -> F16Kernel.dequantize(w, off, dst, dstOffset, n);
            case BF16 -> Bf16Kernel.dequantize(w, off, dst, dstOffset, n);
            case Q8_0 -> Q8_0Kernel.dequantize(w, off, dst, dstOffset, n);
            case Q4_0 -> Q4_0Kernel.dequantize(w, off, dst, dstOffset, n);
            case Q4_1 -> Q4_1Kernel.dequantize(w, off, dst, dstOffset, n);
            case Q5_0 -> Q5_0Kernel.dequantize(w, off, dst, dstOffset, n);
            case Q5_1 -> Q5_1Kernel.dequantize(w, off, dst, dstOffset, n);
            case Q4_K -> Q4_KKernel.dequantize(w, off, dst, dstOffset, n);
            case Q5_K -> Q5_KKernel.dequantize(w, off, dst, dstOffset, n);
            case Q6_K -> Q6_KKernel.dequantize(w, off, dst, dstOffset, n);
            case Q8_K -> Q8_KKernel.dequantize(w, off, dst, dstOffset, n);
            default -> throw unsupported(type);
        }
    }

    /** Dequantises CHUNK elements at a time into a small buffer and sums products in double precision. */
    @Override
    public float dot(GgmlType type, MemorySegment w, long off, float[] x, int xOffset, int n) {
        requireWholeBlocks(type, n);
        float[] buf = new float[CHUNK]; // one chunk of dequantised weights
        double sum = 0;
        for (int i = 0; i < n; i += CHUNK) {
            int m = Math.min(CHUNK, n - i);
            dequantize(type, w, off + type.byteSize(i), buf, 0, m);
            for (int j = 0; j < m; j++) sum += (double) buf[j] * x[xOffset + i + j];
        }
        return (float) sum;
    }

    static void requireWholeBlocks(GgmlType type, int n) {
        if (n < 0 || n % type.blockSize != 0)
            throw new IllegalArgumentException(
                    "n must be a non-negative multiple of " + type.blockSize + " for " + type + ", got " + n);
    }

    static IllegalArgumentException unsupported(GgmlType type) {
        return new IllegalArgumentException("no kernel for tensor type " + type);
    }
}
