package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

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

    @Test
    void this_machine_has_a_kind() {
        CpuKind k = MachineInfo.cpuKind();
        assertTrue(!k.vendor().isBlank() && k.label().length() <= 200, k.label());
    }
}
