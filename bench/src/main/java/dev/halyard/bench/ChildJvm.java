package dev.halyard.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for child JVMs running Halyard: the same Java, class path and flags as the
 * {@code ./halyard} launcher (Vector API module, native access, parallel GC), plus any extra options.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** Flags every Halyard JVM needs, as in ./halyard. */
    static final List<String> FLAGS = List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC");

    public static List<String> command(String mainClass, List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(FLAGS);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}
