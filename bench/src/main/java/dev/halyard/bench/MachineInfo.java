package dev.halyard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Names for the report's header: the CPU, and the llama.cpp build the harnesses link. */
final class MachineInfo {
    private MachineInfo() {}

    /** The flags of /proc/cpuinfo that {@link CpuKind#isa} keeps, in this order. */
    static final List<String> ISA_FLAGS = List.of("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_int8");

    /** This machine's CPU kind: /proc/cpuinfo's first processor and cpu0's caches in sysfs. */
    static CpuKind cpuKind() {
        int l1d = -1, l2 = -1;
        Path caches = Path.of("/sys/devices/system/cpu/cpu0/cache");
        for (int i = 0; i < 8; i++) {
            Path idx = caches.resolve("index" + i);
            try {
                String level = Files.readString(idx.resolve("level")).strip(), type = Files.readString(idx.resolve("type")).strip();
                int kib = kib(Files.readString(idx.resolve("size")).strip());
                if (level.equals("1") && type.equals("Data")) l1d = kib;
                if (level.equals("2")) l2 = kib;
            } catch (IOException | RuntimeException e) {
                // no such cache index, or not Linux
            }
        }
        return parseCpuKind(cpuinfo(), l1d, l2);
    }

    /** sysfs cache sizes: "32K", "1024K", "32M"; -1 when unreadable. */
    static int kib(String size) {
        try {
            if (size.endsWith("K")) return Integer.parseInt(size.substring(0, size.length() - 1));
            if (size.endsWith("M")) return Integer.parseInt(size.substring(0, size.length() - 1)) * 1024;
            return Integer.parseInt(size) / 1024;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The kind from /proc/cpuinfo's text (its first processor) and the cache sizes. */
    static CpuKind parseCpuKind(String cpuinfo, int l1dKib, int l2Kib) {
        Map<String, String> first = firstProcessor(cpuinfo);
        String vendor = first.getOrDefault("vendor_id", System.getProperty("os.arch"));
        int family = parseInt(first.getOrDefault("cpu family", "")), model = parseInt(first.getOrDefault("model", ""));
        Set<String> flags = Set.copyOf(Arrays.asList(first.getOrDefault("flags", "").split("\\s+")));
        List<String> isa = new ArrayList<>();
        for (String f : ISA_FLAGS) if (flags.contains(f)) isa.add(f);
        return new CpuKind(vendor, family, model, parseInt(first.getOrDefault("stepping", "")), microarchitecture(vendor, family, model), l1dKib, l2Kib, isa);
    }

    /** The "key : value" lines of /proc/cpuinfo's first processor block. */
    static Map<String, String> firstProcessor(String cpuinfo) {
        Map<String, String> fields = new HashMap<>();
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                if (!fields.isEmpty()) break; // the first processor's block is enough
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) fields.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        return fields;
    }

    /** /proc/cpuinfo's text, or "" where there is none. */
    private static String cpuinfo() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return ""; // not Linux
        }
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * AMD's core generations by family and model (AMD's revision guides); "" for the rest, whose
     * family and model numbers stand in the label anyway.
     */
    static String microarchitecture(String vendor, int family, int model) {
        if (!"AuthenticAMD".equals(vendor)) return "";
        return switch (family) {
            case 0x17 -> model < 0x30 ? "Zen / Zen+" : "Zen 2";
            case 0x19 -> (model >= 0x10 && model <= 0x1F) || (model >= 0x60 && model <= 0x7F) || (model >= 0xA0 && model <= 0xAF) ? "Zen 4" : "Zen 3";
            case 0x1A -> "Zen 5";
            default -> "";
        };
    }

    /** The first "model name" of /proc/cpuinfo, or os.arch when there is none. */
    static String cpuName() {
        String name = firstProcessor(cpuinfo()).get("model name");
        return name == null || name.isEmpty() ? System.getProperty("os.arch") : name;
    }

    /**
     * The Halyard build in the checkout around {@code from} (the benchmark runs the jars that {@code
     * ./halyard} built from it, rebuilt whenever its sources change): {@code git rev-parse --short=7
     * HEAD}, with "-dirty" when {@code git status} lists changed tracked files; null when there is no
     * checkout or no git, so that results from a release or a copy simply carry none.
     */
    static String halyardBuild(Path from) {
        Path repo = LlamaHarness.findRepo(from);
        if (repo == null || !Files.exists(repo.resolve(".git"))) return null;
        try {
            ChildProcess.Result head = ChildProcess.run(List.of("git", "rev-parse", "--short=7", "HEAD"), repo, Duration.ofSeconds(20));
            String commit = head.stdout().strip();
            if (head.exitCode() != 0 || !commit.matches("[0-9a-f]{7,40}")) return null;
            ChildProcess.Result status = ChildProcess.run(List.of("git", "status", "--porcelain", "--untracked-files=no"), repo, Duration.ofSeconds(20));
            if (status.exitCode() != 0) return commit + "-unknown";
            return status.stdout().isBlank() ? commit : commit + "-dirty";
        } catch (IOException e) {
            return null; // no git on this machine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
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
