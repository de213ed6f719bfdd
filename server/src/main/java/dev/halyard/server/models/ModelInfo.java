package dev.halyard.server.models;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A model the server can serve: a GGUF file and the id clients use for it (the file name without
 * {@code .gguf}).
 */
public record ModelInfo(String id, Path path, long sizeBytes, Instant modified) {
    public ModelInfo {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("model id must be a non-blank string, got " + id);
        if (path == null) throw new IllegalArgumentException("model path must not be null");
    }

    /** The id for a file: its name without the {@code .gguf} extension. */
    public static String idOf(Path file) {
        String name = file.getFileName().toString();
        return name.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }
}
