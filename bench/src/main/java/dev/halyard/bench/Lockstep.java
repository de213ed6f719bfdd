package dev.halyard.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Engines measured in turn, run by run, each in its own process on the same cores: the children load
 * their models one after the other, then the first does its warm-up runs while the others wait, then
 * the second, and so on; then each does its first measured run in turn, then each its second, and so
 * on. A run of one engine and the same run of the next are seconds apart, so a slow phase of a shared
 * host (here the same binary varies up to 2x within minutes) falls on both sides of a pair rather than
 * on one engine's whole series, and the ratio of a pair compares like with like.
 *
 * <p>The protocol, spoken with {@code --paced} by llama_ref, llama_serve, {@link HalyardProbe} and
 * {@link EngineServeProbe} (their Java side: {@link Pacer}): the child
 * prints the line "ready" once its model is loaded; then before its warm-up runs and before each
 * measured run it reads one line from stdin (the go-ahead) and after each it prints "ok"; after the
 * last run it prints its JSON line and exits ({@link HalyardProbe} first waits for its stdin to close,
 * the end of every child's runs, and checks its core: see {@link Pacer#awaitEnd}). Only the controller's lines on stdin pace a child: an
 * idle child waits on a blocking read (Halyard's workers park within 2 ms, llama.cpp's threads sleep).
 */
public final class Lockstep {
    private Lockstep() {}

    // ---- the child's side

    /** A probe's steps, paced by the controller when the probe runs {@code --paced}; otherwise it does nothing. */
    static final class Pacer {
        private final BufferedReader in; // null when not paced

        Pacer(boolean paced) {
            in = paced ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)) : null;
        }

        /** Once the model is loaded, before the warm-up runs: "ready", then the go-ahead. */
        void loaded() throws IOException {
            step("ready");
        }

        /** Before each measured run: "ok" for the step before, then the go-ahead. */
        void nextRun() throws IOException {
            step("ok");
        }

        /** After the last run, before the JSON line. */
        void done() {
            if (in != null) say("ok");
        }

        /**
         * After {@link #done}: waits until the controller closes stdin, which it does once every child has
         * done its runs ({@link Session#finish}), so that what the child does next (Halyard's closing
         * {@link CoreCheck}) runs while no other child does.
         */
        void awaitEnd() throws IOException {
            if (in == null) return;
            while (in.readLine() != null) {
                // the controller says nothing more; it only closes stdin
            }
        }

        private void step(String line) throws IOException {
            if (in == null) return;
            say(line);
            if (in.readLine() == null) throw new IOException("--paced: stdin closed before the runs were done");
        }

        private static void say(String line) {
            System.out.println(line);
            System.out.flush();
        }
    }

    // ---- the controller's side

    /** One child: its process, its stdin, its stdout lines as they come, its stderr tail and peak RSS. */
    private static final class Child {
        final Process process;
        final Writer stdin;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder stdout = new StringBuilder();
        final ChildProcess.TailBuffer stderr = new ChildProcess.TailBuffer(ChildProcess.STDERR_TAIL);
        final AtomicLong peak = new AtomicLong(-1);
        final long started = System.nanoTime();
        final List<Thread> helpers = new ArrayList<>();
        /** Why this child left the lockstep early, or null while it keeps pace. */
        String failure;

        /** End of stdout in {@link #lines}. */
        static final String EOF = new String("<eof>");

        Child(List<String> command) throws IOException {
            process = new ProcessBuilder(command).start();
            stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            helpers.add(Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (stdout) {
                            stdout.append(line).append('\n');
                        }
                        lines.add(line);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    lines.add(EOF);
                }
            }));
            helpers.add(Thread.ofVirtual().start(() -> {
                try (var err = process.getErrorStream()) {
                    err.transferTo(stderr);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
            helpers.add(ChildProcess.watchPeakRss(process, peak));
        }

        /** Waits for the protocol line {@code expected}; on anything else the child leaves the lockstep. */
        void await(String expected, long deadlineNanos) throws InterruptedException {
            if (failure != null) return;
            for (;;) {
                long left = deadlineNanos - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    failure = "did not print '" + expected + "' in time";
                    return;
                }
                if (line == EOF) {
                    failure = "exited before printing '" + expected + "'";
                    return;
                }
                if (line.strip().equals(expected)) return;
                // other lines (a JVM warning on stdout, say) are kept in stdout and skipped here
            }
        }

        /** Gives the go-ahead for its next step. */
        void go() {
            if (failure != null) return;
            try {
                stdin.write("go\n");
                stdin.flush();
            } catch (IOException e) {
                failure = "stdin closed: " + e.getMessage();
            }
        }

        /** Waits for the child to exit (killing it when the deadline passes) and collects what it printed. */
        ChildProcess.Result finish(long deadlineNanos) throws InterruptedException {
            try {
                stdin.close();
            } catch (IOException e) {
                // it may have exited already
            }
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
                ChildProcess.kill(process);
                process.waitFor();
                if (failure == null) failure = "did not finish in time";
            }
            for (Thread t : helpers.subList(0, 2)) t.join();
            helpers.get(2).interrupt();
            String out;
            synchronized (stdout) {
                out = stdout.toString();
            }
            int code = process.exitValue();
            String err = stderr.toString();
            if (failure != null && code == 0) code = -1; // a child out of step is a failed measurement even if it exited cleanly
            if (failure != null) err = "lockstep: " + failure + (err.isEmpty() ? "" : "; stderr: " + err);
            return new ChildProcess.Result(code, out, err, peak.get(), (System.nanoTime() - started) / 1e6);
        }
    }

    /**
     * Runs each command (a child speaking the protocol above) in lockstep: loads one by one, warm-ups one
     * by one, then {@code repeat} rounds of one measured run each. Returns each child's result, in the
     * order of {@code commands}, as {@link ChildProcess#run} would; a child that fails or falls out of
     * step is ended and reported with a non-zero exit code, and the others go on without it.
     *
     * @param timeout the longest the whole lockstep may take
     */
    public static List<ChildProcess.Result> run(List<List<String>> commands, int repeat, Duration timeout) throws IOException, InterruptedException {
        if (repeat < 1) throw new IllegalArgumentException("repeat must be >= 1, got " + repeat);
        try (Session s = new Session(commands, timeout)) {
            s.warmUp();
            for (int r = 0; r < repeat; r++) s.round();
            return s.finish();
        }
    }

    /**
     * Children in lockstep, driven step by step, so that the caller can take turns too (the bench's own
     * rounds of streaming clients against {@code halyard serve} go before each round of the children).
     */
    public static final class Session implements AutoCloseable {
        private final List<Child> children = new ArrayList<>();
        private final long deadline;

        /** Starts the children one by one, each once the previous one is loaded ("ready"). */
        public Session(List<List<String>> commands, Duration timeout) throws IOException, InterruptedException {
            deadline = System.nanoTime() + timeout.toNanos();
            try {
                for (List<String> command : commands) {
                    if (command.isEmpty()) throw new IllegalArgumentException("command must not be empty");
                    Child c = new Child(command);
                    children.add(c);
                    c.await("ready", deadline);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        /** Each child's warm-up runs, one child after the other. */
        public void warmUp() throws InterruptedException {
            round();
        }

        /** One measured run of each child, one after the other. */
        public void round() throws InterruptedException {
            round(false);
        }

        /**
         * One measured run of each child, in the order of the commands or, when {@code reversed}, the
         * other way round (alternating the two cancels a drift of the host within a round: A B, B A…).
         */
        public void round(boolean reversed) throws InterruptedException {
            for (int i = 0; i < children.size(); i++) {
                Child c = children.get(reversed ? children.size() - 1 - i : i);
                c.go();
                c.await("ok", deadline);
            }
        }

        /**
         * Ends the lockstep: each child prints its JSON and exits, the last command's first, so that the
         * first (Halyard's, in the benchmark) does its closing step ({@link Pacer#awaitEnd}) after the
         * others have exited — llama.cpp freeing its model disturbed Halyard's closing core check; their
         * results in the order of the commands.
         */
        public List<ChildProcess.Result> finish() throws InterruptedException {
            ChildProcess.Result[] results = new ChildProcess.Result[children.size()];
            for (int i = children.size() - 1; i >= 0; i--) results[i] = children.get(i).finish(deadline);
            return List.of(results);
        }

        @Override
        public void close() {
            for (Child c : children)
                if (c.process.isAlive()) ChildProcess.kill(c.process);
        }
    }
}
