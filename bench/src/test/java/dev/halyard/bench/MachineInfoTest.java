package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CPU kind a result records: /proc/cpuinfo's first processor, sysfs cache sizes. */
class MachineInfoTest {

    static final String GENOA = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 17
            model name\t: AMD EPYC
            stepping\t: 1
            flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512_bf16 avx512_vnni
            
            processor\t: 1
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 143
            """;

    @Test
    void the_first_processor_names_the_kind() {
        CpuKind k = MachineInfo.parseCpuKind(GENOA, 32, 1024);
        assertEquals(new CpuKind("AuthenticAMD", 25, 17, 1, "Zen 4", 32, 1024, List.of("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16")), k);
        assertEquals("AuthenticAMD family 25 model 17 stepping 1 (Zen 4), L1d 32 KiB, L2 1024 KiB, avx2 fma avx512f avx512_vnni avx512_bf16", k.label());
    }

    @Test
    void amd_generations_and_unknowns() {
        assertEquals("Zen 3", MachineInfo.microarchitecture("AuthenticAMD", 25, 1));
        assertEquals("Zen 4", MachineInfo.microarchitecture("AuthenticAMD", 25, 0xA0));
        assertEquals("Zen 5", MachineInfo.microarchitecture("AuthenticAMD", 26, 2));
        assertEquals("Zen 2", MachineInfo.microarchitecture("AuthenticAMD", 23, 0x31));
        assertEquals("", MachineInfo.microarchitecture("GenuineIntel", 6, 143));
        CpuKind none = MachineInfo.parseCpuKind("", -1, -1);
        assertEquals(System.getProperty("os.arch"), none.label(), "no /proc/cpuinfo: the architecture alone");
        CpuKind garbled = MachineInfo.parseCpuKind("vendor_id : X\ncpu family : ?\nmodel\n", -1, -1);
        assertEquals(-1, garbled.family());
        assertEquals("X", garbled.label(), "no family: none printed");
        CpuKind repeated = MachineInfo.parseCpuKind("vendor_id : V\nflags : avx2\tavx2  fma\n", -1, -1);
        assertEquals(List.of("avx2", "fma"), repeated.isa(), "a flag twice, tabs and runs of spaces");
        assertEquals("AMD EPYC", MachineInfo.firstProcessor(GENOA).get("model name"));
        assertEquals("AuthenticAMD", MachineInfo.firstProcessor(GENOA).get("vendor_id"), "the first processor's, not the second's");
    }

    @Test
    void sysfs_cache_sizes() {
        assertEquals(32, MachineInfo.kib("32K"));
        assertEquals(32768, MachineInfo.kib("32M"));
        assertEquals(-1, MachineInfo.kib("big"));
    }

    /** The build is the checkout's commit, "-dirty" with changed tracked files, and null outside a checkout. */
    @Test
    void the_halyard_build_is_the_checkouts_commit(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(git(dir, "--version") == 0, "git is not installed");
        Path repo = dir.resolve("checkout"), tools = repo.resolve("tools/llama-ref");
        Files.createDirectories(tools);
        Files.writeString(tools.resolve("build.sh"), "echo\n");
        assertEquals(0, git(repo, "init", "-q"));
        assertEquals(0, git(repo, "add", "."));
        assertEquals(0, git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one"));
        String build = MachineInfo.halyardBuild(tools); // from a folder inside the checkout
        assertTrue(build != null && build.matches("[0-9a-f]{7}"), String.valueOf(build));
        Files.writeString(tools.resolve("build.sh"), "echo changed\n");
        assertEquals(build + "-dirty", MachineInfo.halyardBuild(repo));
        Files.writeString(repo.resolve("untracked.txt"), "x");
        assertEquals(build + "-dirty", MachineInfo.halyardBuild(repo), "still dirty; untracked files do not count");
        Path outside = Files.createDirectories(dir.resolve("elsewhere"));
        assertEquals(null, MachineInfo.halyardBuild(outside));
    }

    private static int git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        try {
            return ChildProcess.run(cmd, dir, Duration.ofSeconds(30)).exitCode();
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void this_machine_has_a_kind() {
        CpuKind k = MachineInfo.cpuKind();
        assertTrue(!k.vendor().isBlank() && k.label().length() <= 200, k.label());
    }
}
