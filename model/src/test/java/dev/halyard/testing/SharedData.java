package dev.halyard.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's shared test data ({@code ../shared}: models, vocabularies, templates). The
 * path comes from the system property {@code halyard.shared} (set by the build), resolved once here.
 */
public final class SharedData {
    private SharedData() {}

    public static final Path ROOT = Path.of(System.getProperty("halyard.shared", "../shared")).toAbsolutePath().normalize();

    /**
     * The shared file at {@code relative}. Skips the calling test with a clear message when it is
     * absent on a developer machine; under CI (env CI set) a missing file fails instead.
     */
    public static Path require(String relative) {
        Path p = ROOT.resolve(relative);
        if (!Files.exists(p)) {
            String msg = "shared test data " + p + " is absent (set -Dhalyard.shared to the shared/ folder)";
            throw Prerequisite.missing(msg);
        }
        return p;
    }
}
