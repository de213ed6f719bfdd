package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.F32;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.ORDER;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** F32: little-endian IEEE floats, no blocks. */
public final class F32Kernel {
    private F32Kernel() {}

    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int i = 0; i < n; i++) dst[di + i] = w.get(Bytes.F32, off + 4L * i);
    }

    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        MemorySegment.copy(w, F32, off, dst, di, n);
    }

    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, off + 4L * i, ORDER);
            a0 = wv.fma(FloatVector.fromArray(F, x, xi + i), a0);
            FloatVector t = a0; // rotate: 4 independent FMA chains hide the FMA latency
            a0 = a1;
            a1 = a2;
            a2 = a3;
            a3 = t;
        }
        FloatVector folded = a0.add(a1).add(a2.add(a3));
        if (Simd.L == 16) folded = folded.add(folded.rearrange(Simd.FOLD8));
        if (Simd.L >= 8) folded = folded.add(folded.rearrange(Simd.FOLD4));
        folded = folded.add(folded.rearrange(Simd.FOLD2));
        folded = folded.add(folded.rearrange(Simd.FOLD1));
        float sum = folded.lane(0);
        for (; i < n; i++) sum += w.get(F32, off + 4L * i) * x[xi + i];
        return sum;
    }
}
