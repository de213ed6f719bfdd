package dev.halyard.model.gguf;

import static dev.halyard.model.gguf.GgufBytes.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files past 2 GiB and 4 GiB, made sparse (RandomAccessFile.setLength) so nothing but the header and
 * a few tensor bytes is written. Offsets above 2^31 and 2^32 must survive the reader's arithmetic.
 */
class GgufReaderLargeFileTest {

    static final long MID = (1L << 31) - 32; // "mid" straddles the 2^31 boundary of the data section
    static final long FAR = 5L << 30; // "far" lies past 4 GiB

    @TempDir Path dir;

    @Test
    void tensors_past_2_and_4_gib_are_located_and_mapped() throws IOException {
        GgufBytes header = header(3, 3, 1).kvString("general.architecture", "llama")
                .tensor("near", new long[] {8}, F32, 0)
                .tensor("mid", new long[] {16}, F32, MID)
                .tensor("far", new long[] {4, 2}, F32, FAR)
                .align(32);
        long dataStart = header.size();
        Path p = dir.resolve("big.gguf");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(dataStart + FAR + 32);
            f.write(header.bytes());
            f.write(floats(0, 8));
            f.seek(dataStart + MID);
            f.write(floats(100, 16));
            f.seek(dataStart + FAR);
            f.write(floats(200, 8));
        }

        GgufFile g = GgufReader.read(p);
        assertEquals(dataStart, g.dataStart());
        assertEquals(dataStart + FAR + 32, g.fileSize());
        assertEquals(0, g.tensor("near").offset());
        assertEquals(MID, g.tensor("mid").offset());
        assertEquals(64, g.tensor("mid").byteSize());
        assertEquals(FAR, g.tensor("far").offset());
        assertEquals(32, g.tensor("far").byteSize());

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = g.load(arena, GgufFile.LoadMode.MMAP);
            assertEquals(FAR + 32, data.byteSize());
            assertFloats(data, 0, 0, 8);
            assertFloats(data, MID, 100, 16);
            assertFloats(data, FAR, 200, 8);
        }
    }

    @Test
    void a_tensor_one_byte_short_of_a_5_gib_file_is_rejected_with_exact_numbers() throws IOException {
        GgufBytes header = header(3, 1, 0).tensor("far", new long[] {8}, F32, FAR).align(32);
        Path p = dir.resolve("short.gguf");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(header.size() + FAR + 31);
            f.write(header.bytes());
        }
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufReader.read(p));
        assertTrue(e.getMessage().contains("tensor 'far' data [5368709120, +32) runs past the end of the file (data section is 5368709151 bytes)"),
                e.getMessage());
    }

    @Test
    void a_tensor_count_is_bounded_by_the_size_of_a_huge_file() throws IOException {
        // 2^40 descriptors cannot fit in a 6 GiB file: rejected from the count alone, nothing read
        Path p = dir.resolve("count.gguf");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(6L << 30);
            f.write(header(3, 1L << 40, 0).bytes());
        }
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufReader.read(p));
        assertTrue(e.getMessage().contains("tensor_count 1099511627776 exceeds what the remaining 6442450920 bytes"), e.getMessage());
    }

    private static byte[] floats(float first, int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat(first + i);
        return b.array();
    }

    private static void assertFloats(MemorySegment data, long offset, float first, int n) {
        var le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) assertEquals(first + i, data.get(le, offset + 4L * i), "float at " + (offset + 4L * i));
    }
}
