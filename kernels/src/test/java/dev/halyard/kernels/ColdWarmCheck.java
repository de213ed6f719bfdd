package dev.halyard.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Child-JVM program: each format's vector dot product, computed first in a cold JVM (interpreter,
 * Vector API fallback code) and again after C2 has compiled it, must give the same bits. Prints
 * "cold/warm identical: N formats" on success, exits 1 with the differing format otherwise.
 */
public final class ColdWarmCheck {
    public static void main(String[] args) {
        Kernels k = new VectorKernels();
        Random rnd = new Random(7);
        int n = 4096;
        GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
                GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] w = new MemorySegment[types.length];
            float[] x = RandomBlocks.gaussian(n, rnd);
            float[] cold = new float[types.length];
            for (int t = 0; t < types.length; t++) {
                w[t] = RandomBlocks.allocate(arena, types[t], n, 0, rnd);
                cold[t] = k.dot(types[t], w[t], 0, x, 0, n);
            }
            for (int rep = 0; rep < 30_000; rep++)
                for (int t = 0; t < types.length; t++) k.dot(types[t], w[t], 0, x, 0, n);
            for (int t = 0; t < types.length; t++) {
                float warm = k.dot(types[t], w[t], 0, x, 0, n);
                if (Float.floatToRawIntBits(warm) != Float.floatToRawIntBits(cold[t])) {
                    System.out.println(types[t] + ": cold " + cold[t] + " != warm " + warm);
                    System.exit(1);
                }
            }
        }
        System.out.println("cold/warm identical: " + types.length + " formats");
    }
}
