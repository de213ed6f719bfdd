package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcStatusTest {
    static final String STATUS = """
            Name:\tjava
            Umask:\t0022
            State:\tS (sleeping)
            VmPeak:\t 9019712 kB
            VmSize:\t 8951100 kB
            VmHWM:\t  412340 kB
            VmRSS:\t  398100 kB
            Threads:\t27
            """;

    @Test
    void reads_the_peak_and_current_resident_sizes_in_kib() {
        assertEquals(412340, ProcStatus.parse(STATUS, "VmHWM"));
        assertEquals(398100, ProcStatus.parse(STATUS, "VmRSS"));
    }

    @Test
    void a_missing_line_gives_minus_one() {
        assertEquals(-1, ProcStatus.parse("Name:\tkthreadd\nState:\tS\n", "VmHWM"));
    }

    @Test
    void a_line_without_kib_is_an_error_naming_the_line() {
        var e = assertThrows(IllegalArgumentException.class, () -> ProcStatus.parse("VmHWM:\t12 MB\n", "VmHWM"));
        assertTrue(e.getMessage().contains("VmHWM:\t12 MB"), e.getMessage());
    }

    @Test
    void this_process_has_a_peak_at_least_its_current_size() {
        assumeTrue(Files.exists(Path.of("/proc/self/status")), "needs Linux /proc");
        long pid = ProcessHandle.current().pid();
        long rss = ProcStatus.rssKb(pid), peak = ProcStatus.peakRssKb(pid);
        assertTrue(rss > 1000, "a JVM's RSS is over 1 MiB, got " + rss);
        assertTrue(peak >= rss, peak + " < " + rss);
    }

    @Test
    void a_process_that_is_gone_gives_minus_one() {
        assertEquals(-1, ProcStatus.peakRssKb(Long.MAX_VALUE));
    }
}
