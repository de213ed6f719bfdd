package dev.halyard.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models directory: every {@code NAME.gguf} in it is a model served as {@code NAME}. Downloads
 * in progress live beside their target as {@code NAME.gguf.partial} and are not models yet.
 * I/O failures surface as {@link UncheckedIOException}; a missing directory is simply empty.
 */
public final class ModelStore {
    public static final String EXTENSION = ".gguf";
    public static final String PARTIAL_SUFFIX = ".partial";
    /** Environment variable naming the data directory (default {@code ~/.halyard}). */
    public static final String HOME_ENV = "HALYARD_HOME";
    static final int MAX_NAME_LENGTH = 200;

    /** One model file: its id, where it lies, its size and when it last changed. */
    public record StoredModel(String name, Path path, long sizeBytes, Instant modified) {
        public StoredModel {
            checkName(name);
            if (path == null) throw new IllegalArgumentException("path must not be null");
            if (sizeBytes < 0) throw new IllegalArgumentException("sizeBytes must be >= 0, got " + sizeBytes);
            if (modified == null) throw new IllegalArgumentException("modified must not be null");
        }
    }

    private final Path dir;

    public ModelStore(Path modelsDir) {
        if (modelsDir == null) throw new IllegalArgumentException("modelsDir must not be null");
        this.dir = modelsDir.toAbsolutePath().normalize();
    }

    public Path dir() { return dir; }

    /** Every model in the directory, sorted by name; empty when the directory does not exist. */
    public List<StoredModel> list() {
        List<StoredModel> models = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + EXTENSION)) {
            for (Path p : files) {
                String file = p.getFileName().toString();
                String name = file.substring(0, file.length() - EXTENSION.length());
                if (isValidName(name)) describe(name, p).ifPresent(models::add);
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list models in " + dir + ": " + e.getMessage(), e);
        }
        models.sort(Comparator.comparing(StoredModel::name));
        return List.copyOf(models);
    }

    /** The model called {@code name}; empty when absent or when the name could not be a model id. */
    public Optional<StoredModel> find(String name) {
        if (!isValidName(name)) return Optional.empty();
        return describe(name, path(name));
    }

    /**
     * Deletes model {@code name} and any partial download of it; true when something was removed.
     * @throws IllegalArgumentException for a name that is not a plain file name (separators, {@code ..})
     */
    public boolean remove(String name) {
        checkName(name);
        try {
            boolean model = Files.deleteIfExists(path(name));
            boolean partial = Files.deleteIfExists(partialPath(name));
            return model || partial;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove model " + name + " from " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Where model {@code name} lives (whether or not it exists). */
    public Path path(String name) {
        checkName(name);
        return dir.resolve(name + EXTENSION);
    }

    /** Where a download of model {@code name} accumulates before it is verified and renamed. */
    public Path partialPath(String name) {
        checkName(name);
        return dir.resolve(name + EXTENSION + PARTIAL_SUFFIX);
    }

    private static Optional<StoredModel> describe(String name, Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class); // follows links
            if (!a.isRegularFile()) return Optional.empty();
            return Optional.of(new StoredModel(name, p, a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // absent, or removed while listing
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** True when {@code name} can be a model id: a plain file name, no separators, not {@code .}/{@code ..}. */
    public static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) return false;
        if (name.equals(".") || name.equals("..") || name.startsWith(".")) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return false;
        }
        return !name.contains("..");
    }

    /** Throws unless {@link #isValidName} holds, naming the value and what is allowed. */
    public static void checkName(String name) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("model name must be a plain file name of 1 to " + MAX_NAME_LENGTH
                    + " characters without path separators, control characters, '..' or a leading '.', got "
                    + (name == null ? "null" : "'" + name.replaceAll("\\p{Cntrl}", "?") + "'"));
        }
    }

    /** {@code $HALYARD_HOME}, or {@code ~/.halyard}. */
    public static Path defaultDataDir() {
        return defaultDataDir(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The data directory given an environment and a home directory (testable form of {@link #defaultDataDir()}). */
    public static Path defaultDataDir(Map<String, String> env, Path home) {
        String h = env.get(HOME_ENV);
        return h != null && !h.isBlank() ? Path.of(h) : home.resolve(".halyard");
    }

    /** The models directory inside a data directory. */
    public static Path modelsDir(Path dataDir) {
        return dataDir.resolve("models");
    }

    /** The models directory a command uses: {@code --models} if given, else {@code --data}/models, else the default. */
    public static Path modelsDir(Path models, Path data) {
        if (models != null) return models;
        return modelsDir(data != null ? data : defaultDataDir());
    }
}
