package dev.halyard.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HugePagesTest {

    @Test
    void memory_on_huge_pages_starts_on_2_mib_is_zeroed_writable_and_freed_with_its_arena() {
        // Linux with transparent huge pages compiled in (any mode: madvise is what asks for them)
        assumeTrue(Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")), "no transparent huge pages here");
        long size = 3 * HugePages.PAGE + 5;
        MemorySegment seg;
        try (Arena arena = Arena.ofConfined()) {
            seg = HugePages.allocate(arena, size);
            assertNotNull(seg, "Linux with THP should give huge-page memory");
            assertEquals(0, seg.address() % HugePages.PAGE);
            assertEquals(size, seg.byteSize());
            assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, size - 1));
            seg.set(ValueLayout.JAVA_LONG_UNALIGNED, size - 8, 0x0123456789abcdefL);
            seg.set(ValueLayout.JAVA_INT, 0, 42);
            assertEquals(0x0123456789abcdefL, seg.get(ValueLayout.JAVA_LONG_UNALIGNED, size - 8));
            assertEquals(42, seg.get(ValueLayout.JAVA_INT, 0));
        }
        assertFalse(seg.scope().isAlive(), "closing the arena unmaps it");
    }

    @Test
    void turned_off_or_asked_for_nothing_it_gives_nothing_and_the_caller_allocates() {
        try (Arena arena = Arena.ofConfined()) {
            assertNull(HugePages.allocate(arena, 0));
            String before = System.getProperty("halyard.hugepages");
            System.setProperty("halyard.hugepages", "false");
            try {
                assertFalse(HugePages.available());
                assertNull(HugePages.allocate(arena, 1 << 20));
            } finally {
                if (before == null) System.clearProperty("halyard.hugepages");
                else System.setProperty("halyard.hugepages", before);
            }
        }
    }
}
