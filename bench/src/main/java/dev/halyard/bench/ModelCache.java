package dev.halyard.bench;

import dev.halyard.model.synth.SynthModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The random-weight GGUF files the benchmark measures, written once by the project's own writer
 * ({@link SynthModel}) into a cache directory (~/.halyard/bench by default) and reused afterwards.
 */
public final class ModelCache {
    private final Path dir;

    public ModelCache(Path dir) {
        this.dir = dir;
    }

    /** The default cache directory, ~/.halyard/bench. */
    public static Path defaultDir() {
        return Path.of(System.getProperty("user.home"), ".halyard", "bench");
    }

    /** The file of {@code c}, written first when absent (to a temporary name, then moved into place). */
    public Path ensure(ModelCase c, PrintWriter log) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(c.fileName());
        if (Files.isRegularFile(file)) return file;
        Path tmp = Files.createTempFile(dir, c.fileName(), ".part");
        try {
            long t0 = System.nanoTime();
            log.printf("writing %s -> %s%n", c.label(), file);
            log.flush();
            SynthModel.write(c.spec(), c.quantMix(), tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.printf("  %.0f MiB in %.1f s%n", Files.size(file) / 1048576.0, (System.nanoTime() - t0) / 1e9);
            return file;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
