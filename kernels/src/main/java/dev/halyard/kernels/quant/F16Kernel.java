package dev.halyard.kernels.quant;

import static dev.halyard.kernels.quant.Bytes.I16;
import static dev.halyard.kernels.quant.Simd.F;
import static dev.halyard.kernels.quant.Simd.I;
import static dev.halyard.kernels.quant.Simd.ORDER;
import static dev.halyard.kernels.quant.Simd.S;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.OR;
import static jdk.incubator.vector.VectorOperators.S2I;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * F16: little-endian IEEE halves, no blocks. JDK 25's Vector API has no lanewise half-to-float
 * conversion, so the vector path converts with bit operations, exactly as {@link Float#float16ToFloat}:
 * the 15 exponent/mantissa bits are moved into float position and multiplied by 2^112, which rebiases
 * normals and subnormals in one exact multiply; exponent 31 (inf, NaN) becomes 255 with the payload
 * kept and NaNs quieted, as the JDK does.
 */
public final class F16Kernel {
    private F16Kernel() {}

    public static void dequantize(MemorySegment w, long off, float[] dst, int di, int n) {
        for (int i = 0; i < n; i++) dst[di + i] = Bytes.half(w, off + 2L * i);
    }

    public static void dequantizeVector(MemorySegment w, long off, float[] dst, int di, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            IntVector v = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, ORDER).convertShape(S2I, I, 0);
            IntVector magnitude = v.and(0x7fff);
            IntVector shifted = magnitude.lanewise(LSHL, 13);
            IntVector special = shifted.or(0x7f80_0000).lanewise(OR, 0x0040_0000, magnitude.compare(GT, 0x7c00));
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(special, magnitude.compare(GE, 0x7c00));
            bits.or(v.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().intoArray(dst, di + i);
        }
        for (; i < n; i++) dst[di + i] = Float.float16ToFloat(w.get(I16, off + 2L * i));
    }

    public static float dot(MemorySegment w, long off, float[] x, int xi, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            IntVector v = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, ORDER).convertShape(S2I, I, 0);
            IntVector magnitude = v.and(0x7fff);
            IntVector shifted = magnitude.lanewise(LSHL, 13);
            IntVector special = shifted.or(0x7f80_0000).lanewise(OR, 0x0040_0000, magnitude.compare(GT, 0x7c00));
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(special, magnitude.compare(GE, 0x7c00));
            FloatVector wv = bits.or(v.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats();
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
        for (; i < n; i++) sum += Float.float16ToFloat(w.get(I16, off + 2L * i)) * x[xi + i];
        return sum;
    }
}
