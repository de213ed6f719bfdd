package dev.halyard.server.models;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** How much memory the machine and the JVM have left, for {@link MemoryPlan}. */
final class MemoryProbe {
    private MemoryProbe() {}

    /** Physical memory available to new allocations: Linux's MemAvailable, else the OS's free memory. */
    static long nativeAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getFreeMemorySize();
        return Long.MAX_VALUE;
    }

    /** The heap the JVM may grow to, less a reserve for everything that is not a model (a tenth, at least 64 MiB). */
    static long heapForModels() {
        long max = Runtime.getRuntime().maxMemory();
        return max - Math.max(64L << 20, max / 10);
    }
}
