package dev.halyard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Names for the report's header: the CPU, and the llama.cpp build the harnesses link. */
final class MachineInfo {
    private MachineInfo() {}

    /** The first "model name" of /proc/cpuinfo, or os.arch when there is none. */
    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) return line.substring(colon + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    /**
     * "npm @node-llama-cpp/linux-x64 VERSION (llama.cpp RELEASE)" from build.sh's stamp and the headers'
     * release.json, or "unknown build" when they are absent.
     */
    static String llamaVersion(Path dir) {
        String pkg = "?", release = "?";
        try {
            String stamp = Files.readString(dir.resolve("stamp")).strip();
            pkg = stamp.split("\\s+")[0];
        } catch (IOException e) {
            // no stamp: built by hand
        }
        try {
            String json = Files.readString(dir.resolve("include/release.json"));
            var m = java.util.regex.Pattern.compile("\"release\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
            if (m.find()) release = m.group(1);
        } catch (IOException e) {
            // no headers copy
        }
        return pkg.equals("?") && release.equals("?") ? "unknown build" : "npm @node-llama-cpp/linux-x64 " + pkg + " (binaries " + release + ")";
    }
}
