package dev.halyard.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one measured child process (a Halyard JVM or a llama.cpp harness) to completion: its stdout,
 * the tail of its stderr, and its peak resident memory, sampled from /proc while it runs (VmHWM only
 * grows, so the last sample before exit is close to the true peak; children that report their own
 * VmHWM at exit give the exact value, which callers prefer).
 */
public final class ChildProcess {
    private ChildProcess() {}

    /** Sampling period of the child's VmHWM. */
    static final Duration RSS_POLL = Duration.ofMillis(25);
    /** Bytes of stderr kept for error messages. */
    static final int STDERR_TAIL = 8192;

    /**
     * How a child ended.
     *
     * @param exitCode its exit status
     * @param stdout everything it wrote to stdout
     * @param stderrTail the last {@link #STDERR_TAIL} bytes of its stderr
     * @param peakRssKb the largest VmHWM seen while it ran, -1 if none was read
     * @param wallMs time from start to exit
     */
    public record Result(int exitCode, String stdout, String stderrTail, long peakRssKb, double wallMs) {}

    /** Runs {@code command} in {@code dir} (null: the current directory); fails after {@code timeout}. */
    public static Result run(List<String> command, Path dir, Duration timeout) throws IOException, InterruptedException {
        if (command.isEmpty()) throw new IllegalArgumentException("command must not be empty");
        ProcessBuilder pb = new ProcessBuilder(command);
        if (dir != null) pb.directory(dir.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TailBuffer err = new TailBuffer(STDERR_TAIL);
        Thread outReader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        AtomicLong peak = new AtomicLong(-1);
        Thread poller = watchPeakRss(p, peak);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                p.waitFor();
                throw new IOException("'" + command.getFirst() + "' did not finish within " + timeout.toSeconds() + " s; stderr: " + err);
            }
            outReader.join();
            errReader.join();
        } finally {
            poller.interrupt();
            if (p.isAlive()) p.destroyForcibly();
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(), peak.get(), (System.nanoTime() - t0) / 1e6);
    }

    /** Samples {@code p}'s VmHWM into {@code peak} every {@link #RSS_POLL} while it lives (a virtual thread; interrupt to stop). */
    static Thread watchPeakRss(Process p, AtomicLong peak) {
        return Thread.ofVirtual().start(() -> {
            while (p.isAlive()) {
                long kb = ProcStatus.peakRssKb(p.pid());
                if (kb > peak.get()) peak.set(kb);
                try {
                    Thread.sleep(RSS_POLL);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Ends {@code p} and its descendants at once. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static void copy(InputStream in, java.io.OutputStream sink) {
        try (in) {
            in.transferTo(sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Keeps the last {@code capacity} bytes written. */
    static final class TailBuffer extends java.io.OutputStream {
        private final byte[] ring;
        private long written;

        TailBuffer(int capacity) {
            ring = new byte[capacity];
        }

        @Override
        public synchronized void write(int b) {
            ring[(int) (written++ % ring.length)] = (byte) b;
        }

        @Override
        public synchronized String toString() {
            int n = (int) Math.min(written, ring.length);
            byte[] out = new byte[n];
            int start = (int) ((written - n) % ring.length);
            for (int i = 0; i < n; i++) out[i] = ring[(start + i) % ring.length];
            return new String(out, StandardCharsets.UTF_8).strip();
        }
    }
}
