package dev.halyard.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    final StringWriter out = new StringWriter();
    final AtomicLong clock = new AtomicLong(); // nanoseconds

    @Test
    void without_a_terminal_it_prints_one_line_per_ten_percent_with_rate_and_eta() {
        ProgressBar bar = new ProgressBar(new PrintWriter(out, true), false, clock::get);
        bar.started("tiny", URI.create("https://huggingface.co/o/r/resolve/main/tiny.gguf"), 0, 100_000_000);
        for (long done = 1_000_000; done <= 100_000_000; done += 1_000_000) {
            clock.addAndGet(100_000_000); // 10 MB/s
            bar.progress(done, 100_000_000);
        }
        bar.finished(100_000_000);
        String[] lines = out.toString().split("\n");
        assertEquals("pulling tiny from https://huggingface.co (100 MB)", lines[0]);
        assertEquals(11, lines.length, out.toString());
        assertEquals("tiny   10%  10.0 MB / 100 MB  10.0 MB/s  ETA 0:09", lines[1]);
        assertEquals("tiny  100%  100 MB / 100 MB  10.0 MB/s  ETA 0:00", lines[10]);
    }

    @Test
    void on_a_terminal_it_redraws_one_line_with_a_bar() {
        ProgressBar bar = new ProgressBar(new PrintWriter(out, true), true, clock::get);
        bar.started("tiny", URI.create("http://127.0.0.1:8/x.gguf"), 50_000_000, 100_000_000);
        clock.addAndGet(1_000_000_000);
        bar.progress(75_000_000, 100_000_000);
        bar.finished(75_000_000);
        String s = out.toString();
        assertTrue(s.startsWith("pulling tiny from http://127.0.0.1:8 (100 MB), resuming at 50.0 MB\n"), s);
        assertTrue(s.contains("\rtiny  [==================>     ]   75%  75.0 MB / 100 MB  25.0 MB/s  ETA 0:01"), s);
    }

    @Test
    void sizes_read_as_people_write_them() {
        assertEquals("999 B", Sizes.bytes(999));
        assertEquals("1.2 MB", Sizes.bytes(1_185_472));
        assertEquals("4.7 GB", Sizes.bytes(4_661_224_676L));
        assertEquals("1:02:03", Sizes.duration(3723));
    }
}
