package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.S;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.S2I;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** BF16: little-endian bfloat16 (the top 16 bits of a float), no blocks. */
public final class Bf16Kernel {
    private Bf16Kernel() {}

    static float bf16(MemorySegment w, long at) {
        return Float.intBitsToFloat((w.get(Bytes.I16, at) & 0xffff) << 16);
    }

    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int i = 0; i < n; i++) dst[di + i] = bf16(w, off + 2L * i);
    }

    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            IntVector v = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, ORDER).convertShape(S2I, I, 0);
            v.lanewise(LSHL, 16).reinterpretAsFloats().intoArray(dst, di + i);
        }
        for (; i < n; i++) dst[di + i] = Float.intBitsToFloat((w.get(I16, off + 2L * i) & 0xffff) << 16);
    }

    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            IntVector v = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, ORDER).convertShape(S2I, I, 0);
            FloatVector wv = v.lanewise(LSHL, 16).reinterpretAsFloats();
            a0 = wv.fma(FloatVector.fromArray(F, x, xi + i), a0);
            FloatVector t = a0; // rotate: 4 independent FMA chains
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
        for (; i < n; i++) sum += Float.intBitsToFloat((w.get(I16, off + 2L * i) & 0xffff) << 16) * x[xi + i];
        return sum;
    }
}
