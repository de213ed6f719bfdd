package dev.halyard.bench;

import java.io.IOException;
import java.time.Instant;
import java.util.Locale;

/**
 * A child speaking {@link Lockstep}'s protocol for its tests, with no model: each measured run sleeps
 * {@code --run-ms} and records when it started and ended (wall clock, comparable across processes);
 * the JSON line lists them as {@code runs[].start_us} / {@code end_us}. {@code --die-before-ready}
 * exits with status 3 before printing "ready". {@code --closing-ms N}: after the last run, waits for the
 * end ({@link Lockstep.Pacer#awaitEnd}) and sleeps N ms, as HalyardProbe's closing core check, listed
 * as {@code closing_start_us} / {@code closing_end_us}.
 *
 * <pre>
 * TestPacedMain --repeat N [--run-ms N] [--closing-ms N] [--die-before-ready]
 * </pre>
 */
public final class TestPacedMain {
    private TestPacedMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        int repeat = 1, runMs = 20, closingMs = -1;
        boolean die = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--run-ms" -> runMs = Integer.parseInt(args[++i]);
                case "--closing-ms" -> closingMs = Integer.parseInt(args[++i]);
                case "--die-before-ready" -> die = true;
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        if (die) System.exit(3);
        Lockstep.Pacer pacer = new Lockstep.Pacer(true);
        pacer.loaded();
        Thread.sleep(runMs); // the warm-ups
        long[] start = new long[repeat], end = new long[repeat];
        for (int r = 0; r < repeat; r++) {
            pacer.nextRun();
            start[r] = micros();
            Thread.sleep(runMs);
            end[r] = micros();
        }
        pacer.done();
        long closingStart = -1, closingEnd = -1;
        if (closingMs >= 0) {
            pacer.awaitEnd();
            closingStart = micros();
            Thread.sleep(closingMs);
            closingEnd = micros();
        }
        StringBuilder sb = new StringBuilder("{\"closing_start_us\":" + closingStart + ",\"closing_end_us\":" + closingEnd + ",\"runs\":[");
        for (int r = 0; r < repeat; r++)
            sb.append(r == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"start_us\":%d,\"end_us\":%d,\"prompt_tok_s\":1,\"gen_tok_s\":1}", start[r], end[r]));
        System.out.println(sb.append("],\"peak_rss_kb\":-1}"));
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
