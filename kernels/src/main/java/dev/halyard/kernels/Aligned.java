package dev.halyard.kernels;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a float[]'s elements meet a 64-byte (cache line) boundary.
 *
 * <p>A JVM places an array's elements 16 bytes after its 8-byte-aligned header, so a 512-bit
 * vector load from a float[] almost always spans two cache lines, and the F32 register tiles of the
 * prompt matmul ({@link Tiles#tile4x4}: 8 vector loads per 16 FMAs) pay it on every load. Measured
 * here (one thread, 16-row panel times 512 tokens): 1024 columns 128-134 -> 167-180 GFLOP/s, 2048
 * columns 111-112 -> 134-137, 8192 columns 108 -> 114 with the panel and the activations aligned.
 * Off-heap segments are aligned but their loads cost more than an array's (bounds and liveness
 * checks C2 does not hoist for several bases): 2048 columns 84-88 GFLOP/s aligned.
 *
 * <p>Java gives no address for a heap array, so {@link #shift} asks C: {@code memmove(a, a, 0)}
 * returns its first argument, and a <em>critical</em> downcall passes a heap array's address
 * straight through (no copy, no GC in between). The answer holds until a collection moves the array;
 * the callers ask per matrix multiplication, and long-lived scratch buffers move rarely (old
 * generation). Alignment changes speed only, never a result. Where native access is not granted
 * every shift is 0.
 */
public final class Aligned {
    private Aligned() {}

    /** Floats per 64-byte line: the most an aligned view of an array skips. */
    public static final int LINE_FLOATS = 16;

    private static final MethodHandle ADDRESS_OF = addressOf();

    private static MethodHandle addressOf() {
        try {
            Linker linker = Linker.nativeLinker();
            MemorySegment memmove = linker.defaultLookup().find("memmove").orElse(null);
            if (memmove == null) return null;
            return linker.downcallHandle(memmove,
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                    Linker.Option.critical(true));
        } catch (RuntimeException | Error e) { // no native access (IllegalCallerException), no linker on this platform
            return null;
        }
    }

    /**
     * The number of elements (0-15) to skip so that {@code a[shift]} starts a cache line; 0 where the
     * address cannot be known.
     */
    public static int shift(float[] a) {
        if (ADDRESS_OF == null || a.length == 0) return 0;
        try {
            MemorySegment s = MemorySegment.ofArray(a);
            long address = ((MemorySegment) ADDRESS_OF.invokeExact(s, s, 0L)).address();
            return (int) (((64 - (address & 63)) & 63) >>> 2);
        } catch (Throwable e) {
            return 0;
        }
    }
}
