package dev.halyard.bench;

import java.util.List;

/**
 * What kind of CPU a run had, beyond its marketing name: cloud hosts all call themselves "AMD EPYC",
 * yet one session's VM ran on a core with two 512-bit FMA pipes (FP32 FMA peak ~220 GFLOP/s per
 * thread) and another's on one that splits 512-bit operations in two (~113), and Halyard's ratios
 * against llama.cpp differ between them. Runs of different kinds must not share a median ({@link
 * RunSummary} groups by {@link #label}). Read by {@link MachineInfo#cpuKind()}.
 *
 * @param vendor vendor_id ("AuthenticAMD", "GenuineIntel"), or os.arch where there is no /proc/cpuinfo
 * @param family cpu family (-1: unknown)
 * @param model model number (-1: unknown)
 * @param stepping stepping (-1: unknown)
 * @param microarchitecture the core's name where the family and model say it ("Zen 4"), else ""
 * @param l1dKib level-1 data cache per core, KiB (-1: unknown)
 * @param l2Kib level-2 cache per core, KiB (-1: unknown)
 * @param isa the vector extensions the kernels and llama.cpp care about, as /proc/cpuinfo names them
 */
public record CpuKind(String vendor, int family, int model, int stepping, String microarchitecture, int l1dKib, int l2Kib, List<String> isa) {
    public CpuKind {
        isa = List.copyOf(isa);
    }

    /** E.g. "AuthenticAMD family 25 model 17 stepping 1 (Zen 4), L1d 32 KiB, L2 1024 KiB, avx512f avx512_vnni". */
    public String label() {
        StringBuilder sb = new StringBuilder(vendor);
        if (family >= 0) sb.append(" family ").append(family).append(" model ").append(model).append(" stepping ").append(stepping);
        if (!microarchitecture.isEmpty()) sb.append(" (").append(microarchitecture).append(')');
        if (l1dKib > 0) sb.append(", L1d ").append(l1dKib).append(" KiB");
        if (l2Kib > 0) sb.append(", L2 ").append(l2Kib).append(" KiB");
        if (!isa.isEmpty()) sb.append(", ").append(String.join(" ", isa));
        return sb.toString();
    }
}
