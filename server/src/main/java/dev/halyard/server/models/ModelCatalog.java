package dev.halyard.server.models;

import dev.halyard.server.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which models exist: every {@code *.gguf} of the models directory (read afresh on each call, so files
 * pulled or removed while the server runs are seen at once) plus the files named with {@code --model}.
 * An explicit file wins over a directory entry with the same id.
 */
public final class ModelCatalog {
    private final ModelStore store;    // may be null: explicit files only
    private final List<Path> explicit;

    public ModelCatalog(Path dir, List<Path> explicit) {
        this.store = dir == null ? null : new ModelStore(dir);
        this.explicit = List.copyOf(explicit);
        Map<String, Path> seen = new LinkedHashMap<>();
        for (Path p : this.explicit) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("--model " + p + ": no such file");
            Path before = seen.put(ModelInfo.idOf(p), p);
            if (before != null) throw new IllegalArgumentException("--model " + before + " and " + p + " have the same id '" + ModelInfo.idOf(p) + "'");
        }
    }

    /** The models directory, or null. */
    public Path dir() {
        return store == null ? null : store.dir();
    }

    /** All models, sorted by id. */
    public List<ModelInfo> list() {
        Map<String, ModelInfo> byId = new LinkedHashMap<>();
        if (store != null)
            for (ModelStore.StoredModel m : store.list()) byId.put(m.name(), new ModelInfo(m.name(), m.path(), m.sizeBytes(), m.modified()));
        for (Path p : explicit) explicitInfo(p).ifPresent(m -> byId.put(m.id(), m));
        List<ModelInfo> out = new ArrayList<>(byId.values());
        out.sort(Comparator.comparing(ModelInfo::id));
        return out;
    }

    public Optional<ModelInfo> find(String id) {
        for (Path p : explicit) if (ModelInfo.idOf(p).equals(id)) return explicitInfo(p);
        if (store == null) return Optional.empty();
        return store.find(id).map(m -> new ModelInfo(m.name(), m.path(), m.sizeBytes(), m.modified()));
    }

    private static Optional<ModelInfo> explicitInfo(Path p) {
        try {
            return Optional.of(new ModelInfo(ModelInfo.idOf(p), p, Files.size(p), Files.getLastModifiedTime(p).toInstant()));
        } catch (IOException e) {
            return Optional.empty(); // removed since start
        }
    }
}
