package dev.halyard.model.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Off-heap memory for weights on 2 MiB pages where the OS offers them: an anonymous private mapping,
 * aligned to 2 MiB and advised {@code MADV_HUGEPAGE} before it is touched, unmapped when its arena
 * closes. Transparent huge pages are often {@code madvise}-only (as on these VMs), so memory from
 * {@code Arena.allocate} sits on 4 KiB pages. Llama-3.2-1B, {@code bench ab} with 4-6 processes per
 * side: 512-token prompts 1.044 (Q4_K_M, 6 of 6 rounds faster), 1.050 (Q8_0, 4 of 4), 1.034 (Q4_0,
 * 3 of 4); generation level (0.993, 0.980, 1.005); on a Zen 4 host (6 rounds, 3 processes a side)
 * prompts 1.044 (4 of 6), generation 1.055 (6 of 6). But on a VM that backs guest memory when first
 * touched, fresh huge pages are an order of magnitude dearer to fill than 4 KiB ones: the loader reads
 * chunk by chunk, each chunk's range advised onto or off huge pages as {@link PageChoice} measures them
 * ({@link #allocate(Arena, long, boolean)} without advice, then {@link #advise}). Elsewhere (no {@code
 * mmap}, or {@code madvise} refused: not Linux, THP disabled) {@link #allocate} returns null and the
 * caller allocates as usual. {@code -Dhalyard.hugepages=false} turns it off, {@code =always} advises
 * every chunk onto huge pages whatever they cost.
 */
final class HugePages {
    private HugePages() {}

    static final long PAGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2, MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15;
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

    /**
     * Whether {@link #allocate} may return memory: this OS has the calls and {@code -Dhalyard.hugepages}
     * is not {@code false} ({@code true}, {@code auto} and {@code always} are the others: see {@link PageChoice#configured}).
     */
    static boolean available() {
        String v = System.getProperty("halyard.hugepages", "auto");
        if (!List.of("true", "auto", "always", "false").contains(v))
            throw new IllegalArgumentException("-Dhalyard.hugepages must be auto, always or false (true: auto), got '" + v + "'");
        return MMAP != null && !v.equals("false");
    }

    /**
     * {@code size} zeroed bytes starting on a 2 MiB boundary, advised onto huge pages, freed when {@code
     * arena} closes; null if that cannot be had (the caller then allocates as usual).
     */
    static MemorySegment allocate(Arena arena, long size) {
        return allocate(arena, size, true);
    }

    /**
     * {@link #allocate(Arena, long)}, advised onto huge pages as a whole only if {@code advise}; without,
     * the caller advises its ranges before it touches them ({@link #advise}; unadvised, THP's
     * {@code madvise} mode gives 4 KiB pages).
     */
    static MemorySegment allocate(Arena arena, long size, boolean advise) {
        if (!available() || size <= 0) return null;
        long len = (size + PAGE - 1) & -PAGE, span = len + PAGE; // room to align the start
        try {
            MemorySegment raw = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, span, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            long base = raw.address();
            if (base == -1L || base == 0L) return null; // MAP_FAILED
            long at = (base + PAGE - 1) & -PAGE;
            if (advise && (int) MADVISE.invokeExact(MemorySegment.ofAddress(at), len, MADV_HUGEPAGE) != 0) {
                unmap(base, span);
                return null;
            }
            return MemorySegment.ofAddress(at).reinterpret(size, arena, s -> unmap(base, span));
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * Advises bytes [offset, offset + length) of {@code seg} (from {@link #allocate(Arena, long,
     * boolean)}) onto huge pages or off them, from the 4 KiB page holding {@code offset}; pages already
     * touched keep their size. Advice only: whether the kernel took it is returned, nothing fails.
     */
    static boolean advise(MemorySegment seg, long offset, long length, boolean huge) {
        if (MADVISE == null || length <= 0) return false;
        long from = (seg.address() + offset) & -4096L, to = seg.address() + offset + length;
        try {
            return (int) MADVISE.invokeExact(MemorySegment.ofAddress(from), to - from, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) == 0;
        } catch (Throwable t) {
            return false;
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
