package dev.halyard.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.halyard.kernels.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading tensor data in chunks, each chunk's page size chosen as it goes ({@link PageChoice}). */
class GgufLoadTest {
    @TempDir
    Path dir;

    private static final int MIB = 1 << 20;

    private Path file(byte[] payload) throws IOException {
        Path p = dir.resolve("w.gguf");
        new GgufWriter().put("general.alignment", GgufValue.u32(32))
                .tensor("w", new long[] {payload.length / 4}, GgmlType.F32, payload)
                .write(p);
        return p;
    }

    @Test
    void chunk_by_chunk_the_bytes_are_the_files_and_the_room_after_them_is_zeroed_and_writable() throws IOException {
        byte[] payload = new byte[5 * MIB + 4 * 77];
        new Random(7).nextBytes(payload);
        Path p = file(payload);
        GgufFile f = GgufFile.read(p);
        long room = 3 * MIB + 13, section = Files.size(p) - f.dataStart();
        for (int chunk : new int[] {MIB, 2 * MIB, 3 * MIB + 4096 + 1, GgufFile.CHUNK})
            for (String hp : new String[] {"true", "false"}) {
                String before = System.getProperty("halyard.hugepages");
                System.setProperty("halyard.hugepages", hp);
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment data = f.load(arena, GgufFile.LoadMode.READ, room, chunk, new PageChoice());
                    String at = "chunk " + chunk + ", hugepages " + hp;
                    assertEquals(section + room, data.byteSize(), at);
                    assertArrayEquals(payload, data.asSlice(f.tensors().get(0).offset(), payload.length).toArray(ValueLayout.JAVA_BYTE), at);
                    for (long i = section; i < data.byteSize(); i += 4099) assertEquals(0, data.get(ValueLayout.JAVA_BYTE, i), at);
                    data.set(ValueLayout.JAVA_LONG_UNALIGNED, data.byteSize() - 8, -1L);
                    assertEquals(-1L, data.get(ValueLayout.JAVA_LONG_UNALIGNED, data.byteSize() - 8));
                } finally {
                    if (before == null) System.clearProperty("halyard.hugepages");
                    else System.setProperty("halyard.hugepages", before);
                }
            }
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> f.load(arena, GgufFile.LoadMode.READ, 0, 0, new PageChoice()));
        }
    }

    @Test
    void chunks_on_either_page_size_in_any_order_hold_the_files_bytes_and_end_advised_onto_huge_pages() throws IOException {
        assumeTrue(HugePages.available() && Files.isReadable(Path.of("/proc/self/smaps")), "no madvise or smaps here");
        byte[] payload = new byte[8 * MIB + 4 * 5];
        new Random(11).nextBytes(payload);
        GgufFile f = GgufFile.read(file(payload));
        for (String pattern : new String[] {"HSHS", "SSH", "S", "H"}) {
            List<Boolean> asked = new ArrayList<>();
            PageChoice forced = new PageChoice() {
                @Override
                boolean nextHuge() {
                    boolean huge = pattern.charAt(asked.size() % pattern.length()) == 'H';
                    asked.add(huge);
                    return huge;
                }
            };
            try (Arena arena = Arena.ofShared()) {
                MemorySegment data = f.load(arena, GgufFile.LoadMode.READ, MIB, 2 * MIB, forced);
                assertArrayEquals(payload, data.asSlice(f.tensors().get(0).offset(), payload.length).toArray(ValueLayout.JAVA_BYTE), pattern);
                long section = data.byteSize() - MIB;
                int chunks = (int) ((section + 2 * MIB - 1) / (2 * MIB));
                assertEquals(chunks + 1, asked.size(), pattern + ": one choice per chunk and one for the room");
                long small = 0;
                for (int i = 0; i < chunks; i++) if (!asked.get(i)) small += Math.min(2 * MIB, section - (long) i * 2 * MIB);
                assertEquals(small, forced.smallBytes(), pattern);
                // VmFlags "hg": MADV_HUGEPAGE; chunks read onto 4 KiB pages are advised so afterwards (khugepaged)
                for (long at = 0; at < section; at += 2 * MIB)
                    assertTrue(flags(data.address() + at).contains("hg"), pattern + " at " + at + ": " + flags(data.address() + at));
            }
        }
    }

    /** The VmFlags of the mapping of this process that holds {@code address}. */
    private static List<String> flags(long address) throws IOException {
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                in = Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
            } else if (in && line.startsWith("VmFlags:")) {
                return List.of(line.substring("VmFlags:".length()).trim().split("\\s+"));
            }
        }
        throw new AssertionError("no mapping holds 0x" + Long.toHexString(address));
    }
}
