package dev.halyard.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.server.store.ModelStore.StoredModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
    @TempDir Path dir;

    @Test
    void list_returns_every_gguf_sorted_by_name_with_size_and_time() throws Exception {
        Files.write(dir.resolve("zeta.gguf"), new byte[7]);
        Files.write(dir.resolve("alpha.gguf"), new byte[3]);
        Files.setLastModifiedTime(dir.resolve("alpha.gguf"), FileTime.from(Instant.parse("2024-01-02T03:04:05Z")));
        Files.write(dir.resolve("notes.txt"), new byte[1]);
        Files.write(dir.resolve("half.gguf.partial"), new byte[1]);
        Files.createDirectory(dir.resolve("folder.gguf"));

        List<StoredModel> models = new ModelStore(dir).list();

        assertEquals(List.of("alpha", "zeta"), models.stream().map(StoredModel::name).toList());
        assertEquals(3, models.get(0).sizeBytes());
        assertEquals(7, models.get(1).sizeBytes());
        assertEquals(Instant.parse("2024-01-02T03:04:05Z"), models.get(0).modified());
        assertEquals(dir.resolve("alpha.gguf").toAbsolutePath(), models.get(0).path());
    }

    @Test
    void a_missing_directory_lists_as_empty() {
        assertEquals(List.of(), new ModelStore(dir.resolve("absent")).list());
    }

    @Test
    void find_returns_the_model_or_empty_and_never_escapes_the_directory() throws Exception {
        Files.write(dir.resolve("m.gguf"), new byte[5]);
        Files.createDirectory(dir.resolve("sub"));
        Files.write(dir.resolve("sub/inner.gguf"), new byte[5]);
        ModelStore store = new ModelStore(dir.resolve("sub"));

        assertEquals(5, store.find("inner").orElseThrow().sizeBytes());
        assertTrue(store.find("absent").isEmpty());
        assertTrue(store.find("../m").isEmpty());
        assertTrue(store.find("..").isEmpty());
        assertTrue(store.find("").isEmpty());
        assertTrue(store.find(null).isEmpty());
    }

    @Test
    void remove_deletes_the_model_and_its_partial_download() throws Exception {
        Files.write(dir.resolve("m.gguf"), new byte[5]);
        Files.write(dir.resolve("m.gguf.partial"), new byte[2]);
        ModelStore store = new ModelStore(dir);

        assertTrue(store.remove("m"));
        assertFalse(Files.exists(dir.resolve("m.gguf")));
        assertFalse(Files.exists(dir.resolve("m.gguf.partial")));
        assertFalse(store.remove("m"), "a second remove finds nothing");
    }

    @Test
    void remove_refuses_names_that_are_paths() throws Exception {
        Files.createDirectory(dir.resolve("models"));
        Files.write(dir.resolve("victim.gguf"), new byte[5]);
        ModelStore store = new ModelStore(dir.resolve("models"));

        for (String bad : new String[] {"../victim", "..", "a/b", "a\\b", "/etc/passwd", ".hidden", "", "x\0y"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.remove(bad), bad);
            assertTrue(e.getMessage().startsWith("model name must be a plain file name"), e.getMessage());
        }
        assertTrue(Files.exists(dir.resolve("victim.gguf")));
    }

    @Test
    void names_may_hold_dots_dashes_and_colons() {
        for (String ok : new String[] {"llama-3.2-1b-instruct.Q4_K_M", "qwen2.5:0.5b", "stories260K"}) assertTrue(ModelStore.isValidName(ok), ok);
    }

    @Test
    void the_data_directory_is_halyard_home_or_dot_halyard() {
        Path home = Path.of("/home/u");
        assertEquals(Path.of("/srv/h"), ModelStore.defaultDataDir(Map.of("HALYARD_HOME", "/srv/h"), home));
        assertEquals(home.resolve(".halyard"), ModelStore.defaultDataDir(Map.of(), home));
        assertEquals(Path.of("/d/models"), ModelStore.modelsDir(null, Path.of("/d")));
        assertEquals(Path.of("/m"), ModelStore.modelsDir(Path.of("/m"), Path.of("/d")));
    }
}
