package dev.halyard.model.gguf;

import static dev.halyard.model.gguf.GgufBytes.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 20,000 deterministic mutations of valid files (bit flips, boundary bytes, truncations, inflated
 * length fields, boundary u32/u64 overwrites, spliced bytes): each must parse or fail with a
 * GgufFormatException. The fixed seed makes any failure reproducible; the message holds the input.
 */
class GgufReaderMutationTest {

    static final int MUTATIONS = 20_000;
    static final byte[] BOUNDARY_BYTES = {0, (byte) 0xff, 0x7f, (byte) 0x80};
    static final long[] BOUNDARY_U32 = {0, 1, 2, 3, 4, 5, 9, 12, 13, 31, 64, 0x7fffffffL, 0x80000000L, 0xffffffffL};
    static final long[] BOUNDARY_U64 = {0, 1, 1L << 31, 1L << 32, (1L << 62) + 1, Long.MAX_VALUE, Long.MIN_VALUE, -1L};

    @TempDir Path dir;

    @Test
    void twenty_thousand_mutations_of_valid_files_either_parse_or_fail_with_a_format_exception() throws IOException {
        List<GgufBytes> seeds = List.of(sample(), alignedSample());
        Random rnd = new Random(20_261_129);
        Path p = dir.resolve("mutant.gguf");
        int parsed = 0, rejected = 0;
        try (FileChannel out = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        for (int i = 0; i < MUTATIONS; i++) {
            GgufBytes seed = seeds.get(i % seeds.size());
            byte[] b = seed.bytes();
            StringBuilder how = new StringBuilder("mutation #" + i + " of seed " + (i % seeds.size()) + ":");
            int rounds = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
            for (int r = 0; r < rounds; r++) b = mutate(b, seed.lengthFields(), rnd, how);
            out.write(ByteBuffer.wrap(b), 0);
            out.truncate(b.length); // overwrite in place: far cheaper than a new file per mutant
            byte[] input = b;
            if (GgufReadContract.parsesOrRejects(p, () -> how + " input " + HexFormat.of().formatHex(input))) parsed++;
            else rejected++;
        }
        }
        // both outcomes must be common, or the mutations are not exercising the reader
        assertTrue(parsed > MUTATIONS / 100, "only " + parsed + " mutants parsed");
        assertTrue(rejected > MUTATIONS / 2, "only " + rejected + " mutants were rejected");
    }

    private static byte[] mutate(byte[] b, List<Integer> lengthFields, Random rnd, StringBuilder how) {
        if (b.length == 0) return b;
        int at = rnd.nextInt(b.length);
        switch (rnd.nextInt(7)) {
            case 0 -> {
                int bit = rnd.nextInt(8);
                b[at] ^= (byte) (1 << bit);
                how.append(" flip bit ").append(bit).append(" of byte ").append(at);
            }
            case 1 -> {
                b[at] = BOUNDARY_BYTES[rnd.nextInt(BOUNDARY_BYTES.length)];
                how.append(" byte ").append(at).append(" = ").append(b[at]);
            }
            case 2 -> {
                how.append(" truncate to ").append(at);
                return Arrays.copyOf(b, at);
            }
            case 3 -> {
                int field = lengthFields.get(rnd.nextInt(lengthFields.size()));
                if (field + 8 > b.length) return b;
                long old = ByteBuffer.wrap(b, field, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                long[] choices = {old + 1, old * 2 + 1, b.length - field, b.length, old + (1L << 32)};
                long v = rnd.nextBoolean() ? choices[rnd.nextInt(choices.length)] : BOUNDARY_U64[rnd.nextInt(BOUNDARY_U64.length)];
                put(b, field, v, 8);
                how.append(" length field at ").append(field).append(" = ").append(Long.toUnsignedString(v));
            }
            case 4 -> {
                int pos = Math.min(at & ~3, Math.max(0, b.length - 4));
                long v = BOUNDARY_U32[rnd.nextInt(BOUNDARY_U32.length)];
                put(b, pos, v, 4);
                how.append(" u32 at ").append(pos).append(" = ").append(v);
            }
            case 5 -> {
                int pos = Math.max(0, Math.min(at, b.length - 8));
                long v = BOUNDARY_U64[rnd.nextInt(BOUNDARY_U64.length)];
                put(b, pos, v, 8);
                how.append(" u64 at ").append(pos).append(" = ").append(Long.toUnsignedString(v));
            }
            default -> {
                // splice: copy a slice of the file over another place (moves records around)
                int from = rnd.nextInt(b.length), len = 1 + rnd.nextInt(Math.min(32, b.length - from));
                byte[] out = new byte[b.length + len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, from, out, at, len);
                System.arraycopy(b, at, out, at + len, b.length - at);
                how.append(" insert ").append(len).append(" bytes from ").append(from).append(" at ").append(at);
                return out;
            }
        }
        return b;
    }

    private static void put(byte[] b, int pos, long v, int width) {
        for (int k = 0; k < width && pos + k < b.length; k++) b[pos + k] = (byte) (v >>> (8 * k));
    }
}
