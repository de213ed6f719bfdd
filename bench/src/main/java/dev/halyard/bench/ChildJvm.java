package dev.halyard.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for child JVMs running Halyard: the same Java, class path and flags as the
 * {@code ./halyard} launcher (Vector API module, native access, serial GC), plus any extra options.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * Flags every Halyard JVM gets, as in ./halyard: the Vector API module, native access, and a small
     * heap footprint. Weights and KV cache live off-heap; the heap holds per-step activations that die
     * young, so the serial collector with a 16 MiB young generation pauses for about a millisecond a
     * few times a second, while the throughput collectors grow the young generation to hundreds of MiB
     * (parallel GC: probe peak RSS 837 vs 285 MiB on SmolLM2-135M, serve 1221 vs 524 MiB). The size
     * is the launcher's (see ./halyard for how it was chosen).
     */
    static final List<String> FLAGS = List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
            "-XX:+UseSerialGC", "-Xmn16m");

    public static List<String> command(String mainClass, List<String> jvmOptions, List<String> args) {
        return command(System.getProperty("java.class.path"), mainClass, jvmOptions, args);
    }

    /** As {@link #command(String, List, List)}, on another class path (another build of Halyard). */
    public static List<String> command(String classPath, String mainClass, List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(FLAGS);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}
