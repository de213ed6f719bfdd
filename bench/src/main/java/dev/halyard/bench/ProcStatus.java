package dev.halyard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Resident memory of a process from Linux's {@code /proc/<pid>/status}: VmHWM is the peak resident set
 * size ("high water mark"), VmRSS the current one, both in KiB.
 */
public final class ProcStatus {
    private ProcStatus() {}

    /** Peak resident set size of process {@code pid} in KiB, or -1 when it is gone or not on Linux. */
    public static long peakRssKb(long pid) {
        return field(pid, "VmHWM");
    }

    /** Current resident set size of process {@code pid} in KiB, or -1 when unknown. */
    public static long rssKb(long pid) {
        return field(pid, "VmRSS");
    }

    private static long field(long pid, String name) {
        try {
            return parse(Files.readString(Path.of("/proc", Long.toString(pid), "status")), name);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            return -1; // the process exited while being read, or /proc is not readable
        }
    }

    /**
     * The value in KiB of the {@code name:} line of a /proc status text ("VmHWM:\t  123456 kB"), or -1
     * when the line is absent (kernel threads have no Vm lines).
     */
    static long parse(String status, String name) {
        for (String line : status.split("\n")) {
            if (!line.startsWith(name + ":")) continue;
            String[] parts = line.substring(name.length() + 1).trim().split("\\s+");
            if (parts.length != 2 || !parts[1].equals("kB"))
                throw new IllegalArgumentException("unexpected /proc status line '" + line + "'");
            return Long.parseLong(parts[0]);
        }
        return -1;
    }
}
