package dev.halyard.kernels;

import static dev.halyard.kernels.ScalarKernels.requireWholeBlocks;
import static dev.halyard.kernels.ScalarKernels.unsupported;

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
import dev.halyard.kernels.quant.Simd;
import java.lang.foreign.MemorySegment;

/**
 * Vector API kernels, the fast twins of {@link ScalarKernels}: blocks are decoded in registers and
 * multiplied into float accumulators, with no allocation per call (see {@link Simd} for the species and
 * why each kernel is one method). {@code dot} differs from the reference only by summation order;
 * {@code dequantize} is bit-identical, vectorised for F32, F16, BF16, Q8_0, Q4_0 and Q8_K (the other
 * formats use the reference: dequantising whole rows is not on the inference hot path).
 */
public final class VectorKernels implements Kernels {

    private final ScalarKernels reference = new ScalarKernels();

    @Override
    public String name() {
        return "vector" + Simd.F.vectorBitSize();
    }

    @Override
    public void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOffset, int n) {
        requireWholeBlocks(type, n);
        switch (type) {
            case F32 -> F32Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case F16 -> F16Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case BF16 -> Bf16Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q8_0 -> Q8_0Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q4_0 -> Q4_0Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q8_K -> Q8_KKernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q4_1 -> Q4_1Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q5_0 -> Q5_0Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q5_1 -> Q5_1Kernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q4_K -> Q4_KKernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q5_K -> Q5_KKernel.dequantizeVector(w, off, dst, dstOffset, n);
            case Q6_K -> Q6_KKernel.dequantizeVector(w, off, dst, dstOffset, n);
            default -> throw unsupported(type);
        }
    }

    @Override
    public float dot(GgmlType type, MemorySegment w, long off, float[] x, int xOffset, int n) {
        requireWholeBlocks(type, n);
        return switch (type) {
            case F32 -> F32Kernel.dot(w, off, x, xOffset, n);
            case F16 -> F16Kernel.dot(w, off, x, xOffset, n);
            case BF16 -> Bf16Kernel.dot(w, off, x, xOffset, n);
            case Q8_0 -> Q8_0Kernel.dot(w, off, x, xOffset, n);
            case Q4_0 -> Q4_0Kernel.dot(w, off, x, xOffset, n);
            case Q4_1 -> Q4_1Kernel.dot(w, off, x, xOffset, n);
            case Q5_0 -> Q5_0Kernel.dot(w, off, x, xOffset, n);
            case Q5_1 -> Q5_1Kernel.dot(w, off, x, xOffset, n);
            case Q4_K -> Q4_KKernel.dot(w, off, x, xOffset, n);
            case Q5_K -> Q5_KKernel.dot(w, off, x, xOffset, n);
            case Q6_K -> Q6_KKernel.dot(w, off, x, xOffset, n);
            case Q8_K -> Q8_KKernel.dot(w, off, x, xOffset, n);
            default -> throw unsupported(type);
        };
    }
}
