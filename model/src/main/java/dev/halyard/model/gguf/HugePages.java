package dev.halyard.model.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Off-heap memory for weights on 2 MiB pages where the OS offers them: an anonymous private mapping,
 * aligned to 2 MiB and advised {@code MADV_HUGEPAGE} before it is touched, unmapped when its arena
 * closes. Transparent huge pages are often {@code madvise}-only (as on these VMs), so memory from
 * {@code Arena.allocate} sits on 4 KiB pages. Llama-3.2-1B, {@code bench ab} with 4-6 processes per
 * side: 512-token prompts 1.044 (Q4_K_M, 6 of 6 rounds faster), 1.050 (Q8_0, 4 of 4), 1.034 (Q4_0,
 * 3 of 4); generation level (0.993, 0.980, 1.005). Elsewhere (no {@code mmap}, or {@code madvise}
 * refused: not Linux, THP disabled) {@link #allocate} returns null and the caller allocates as usual.
 * {@code -Dhalyard.hugepages=false} turns it off.
 */
final class HugePages {
    private HugePages() {}

    static final long PAGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2, MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20, MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            try {
                Linker l = Linker.nativeLinker();
                mmap = l.downcallHandle(l.defaultLookup().find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = l.downcallHandle(l.defaultLookup().find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = l.downcallHandle(l.defaultLookup().find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException | LinkageError e) {
                mmap = madvise = munmap = null; // no such symbols, or native access denied: the caller allocates as usual
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    /** Whether {@link #allocate} may return memory (this OS has the calls and they are not turned off). */
    static boolean available() {
        return MMAP != null && Boolean.parseBoolean(System.getProperty("halyard.hugepages", "true"));
    }

    /**
     * {@code size} zeroed bytes starting on a 2 MiB boundary, advised onto huge pages, freed when {@code
     * arena} closes; null if that cannot be had (the caller then allocates as usual).
     */
    static MemorySegment allocate(Arena arena, long size) {
        if (!available() || size <= 0) return null;
        long len = (size + PAGE - 1) & -PAGE, span = len + PAGE; // room to align the start
        try {
            MemorySegment raw = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, span, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            long base = raw.address();
            if (base == -1L || base == 0L) return null; // MAP_FAILED
            long at = (base + PAGE - 1) & -PAGE;
            if ((int) MADVISE.invokeExact(MemorySegment.ofAddress(at), len, MADV_HUGEPAGE) != 0) {
                unmap(base, span);
                return null;
            }
            return MemorySegment.ofAddress(at).reinterpret(size, arena, s -> unmap(base, span));
        } catch (Throwable t) {
            return null;
        }
    }

    private static void unmap(long base, long span) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(base), span);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }
}
