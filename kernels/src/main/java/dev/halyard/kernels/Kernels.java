package dev.halyard.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The per-format primitives the model needs: dequantise a run of elements and take a dot product of
 * quantised weights with float activations. {@link ScalarKernels} is the plain reference;
 * {@link VectorKernels} the fast twin. Tests compare the two for every format.
 *
 * <p>Weights live off-heap in a {@link MemorySegment}; {@code byteOffset} points at the first block
 * of the run; {@code n} elements are a whole number of the type's blocks.
 */
public interface Kernels {

    /** dst[dstOffset .. dstOffset+n) = dequantise(w at byteOffset, n elements). */
    void dequantize(GgmlType type, MemorySegment w, long byteOffset, float[] dst, int dstOffset, int n);

    /** sum_i dequantise(w)[i] * x[xOffset + i] for i in [0, n). */
    float dot(GgmlType type, MemorySegment w, long byteOffset, float[] x, int xOffset, int n);

    /** A short name for logs and benchmarks. */
    String name();

    /** The kernels this JVM should use: the Vector API twin unless {@code -Dhalyard.kernels=scalar}. */
    static Kernels best() {
        return "scalar".equals(System.getProperty("halyard.kernels")) ? new ScalarKernels() : new VectorKernels();
    }
}
