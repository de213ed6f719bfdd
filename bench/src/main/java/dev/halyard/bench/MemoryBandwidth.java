package dev.halyard.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's memory read bandwidth as Java sees it: threads sum disjoint slices of one off-heap
 * buffer (much larger than the last-level cache) with the Vector API, four independent accumulators
 * each, the way a generation step streams its weights. Reported as STREAM does: the best of several
 * passes, in GB/s (10^9 bytes per second).
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int UNROLL = 4;
    /** Passes run before timing, so that the summing loop is JIT-compiled. */
    static final int WARMUP_PASSES = 3;

    /**
     * Read bandwidth in GB/s.
     *
     * @param bytes buffer size (make it ≫ the last-level cache; rounded down to whole vector groups)
     * @param threads readers, each over its own contiguous slice
     * @param passes timed passes over the whole buffer; the fastest counts
     */
    public static double measure(long bytes, int threads, int passes) throws InterruptedException {
        long group = (long) F.vectorByteSize() * UNROLL;
        if (bytes < group * threads) throw new IllegalArgumentException("bytes must be >= " + group * threads + ", got " + bytes);
        if (threads < 1 || threads > 1024) throw new IllegalArgumentException("threads must be in [1, 1024], got " + threads);
        if (passes < 1) throw new IllegalArgumentException("passes must be >= 1, got " + passes);
        long slice = bytes / threads / group * group;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(slice * threads, 64);
            buf.fill((byte) 1); // touches every page; floats 2.4e-38, never NaN
            List<Callable<Float>> readers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long from = t * slice;
                readers.add(() -> sum(buf, from, from + slice));
            }
            long best = BestPass.nanos(readers, WARMUP_PASSES, passes, "bandwidth reader");
            return (double) slice * threads / best;
        }
    }

    /** Sum of the floats in [from, to), a whole number of vector groups. */
    static float sum(MemorySegment seg, long from, long to) {
        long step = F.vectorByteSize();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (long o = from; o < to; o += UNROLL * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, seg, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, seg, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, seg, o + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, seg, o + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
