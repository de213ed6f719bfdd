package dev.halyard.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API kernels: the fast twins of {@link ScalarKernels}. */
public final class VectorKernels implements Kernels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private final ScalarKernels scalar = new ScalarKernels();

    @Override
    public String name() {
        return "vector" + F.vectorBitSize();
    }

    @Override
    public void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOffset, int n) {
        scalar.dequantize(type, w, off, dst, dstOffset, n);
    }

    @Override
    public float dot(GgmlType type, MemorySegment w, long off, float[] x, int xOffset, int n) {
        return switch (type) {
            case F32 -> dotF32(w, off, x, xOffset, n);
            default -> scalar.dot(type, w, off, x, xOffset, n);
        };
    }

    private static float dotF32(MemorySegment w, long off, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            FloatVector a = FloatVector.fromMemorySegment(F, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN);
            FloatVector b = FloatVector.fromArray(F, x, xOffset + i);
            acc = a.fma(b, acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += w.get(ScalarKernels.F32, off + 4L * i) * x[xOffset + i];
        return sum;
    }
}
