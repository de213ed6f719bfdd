package dev.halyard.model.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What reading an untrusted file may do: parse, or throw {@link GgufFormatException}. Anything else
 * (another exception, an Error) breaks the contract. A parsed file must also be self-consistent: every
 * tensor inside the data section, and the data section loadable.
 */
final class GgufReadContract {
    private GgufReadContract() {}

    /** True when {@code p} parsed, false when it was rejected with a GgufFormatException; fails otherwise. */
    static boolean parsesOrRejects(Path p, Supplier<String> what) {
        GgufFile f;
        try {
            f = GgufReader.read(p);
        } catch (GgufFormatException e) {
            if (!e.getMessage().startsWith("invalid GGUF: "))
                throw new AssertionError(what.get() + ": rejection without the 'invalid GGUF: ' prefix: " + e.getMessage(), e);
            return false;
        } catch (Throwable t) {
            throw new AssertionError(what.get() + ": reading threw " + t + " instead of GgufFormatException", t);
        }
        checkConsistent(f, what.get());
        return true;
    }

    private static void checkConsistent(GgufFile f, String what) {
        long dataSize = f.fileSize() - f.dataStart();
        if (dataSize < 0 || (f.dataStart() % f.alignment() != 0 && !f.tensors().isEmpty()))
            throw new AssertionError(what + ": data section [" + f.dataStart() + ", " + f.fileSize() + ") is malformed");
        for (GgufTensorInfo t : f.tensors()) {
            if (t.offset() < 0 || t.byteSize() <= 0 || t.offset() + t.byteSize() > dataSize)
                throw new AssertionError(what + ": tensor " + t.name() + " [" + t.offset() + ", +" + t.byteSize() + ") lies outside " + dataSize + " data bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = f.load(arena, GgufFile.LoadMode.READ);
            if (data.byteSize() != Math.max(dataSize, 1))
                throw new AssertionError(what + ": loaded " + data.byteSize() + " data bytes, expected " + dataSize);
        } catch (Exception e) {
            throw new AssertionError(what + ": a parsed file failed to load: " + e, e);
        }
    }
}
