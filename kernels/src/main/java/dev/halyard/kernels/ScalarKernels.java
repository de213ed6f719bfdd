package dev.halyard.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain, obviously-correct reference kernels: dequantise to floats, then multiply-add one element at a
 * time. The fast {@link VectorKernels} are tested against these.
 */
public final class ScalarKernels implements Kernels {

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOffset, int n) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = w.get(F32, off + 4L * i);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float16.toFloat(w.get(I16, off + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = Float16.bf16ToFloat(w.get(I16, off + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = off + 34L * b;
                    float d = Float16.toFloat(w.get(I16, blk));
                    for (int j = 0; j < 32; j++) dst[dstOffset + 32 * b + j] = d * w.get(ValueLayout.JAVA_BYTE, blk + 2 + j);
                }
            }
            default -> throw new IllegalArgumentException("no kernel for tensor type " + type);
        }
    }

    @Override
    public float dot(GgmlType type, MemorySegment w, long off, float[] x, int xOffset, int n) {
        float[] tmp = new float[n];
        dequantize(type, w, off, tmp, 0, n);
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += tmp[i] * x[xOffset + i];
        return sum;
    }
}
