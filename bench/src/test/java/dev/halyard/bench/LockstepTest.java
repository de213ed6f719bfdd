package dev.halyard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LockstepTest {

    private static List<String> child(String... args) {
        return ChildJvm.command(TestPacedMain.class.getName(), List.of(), List.of(args));
    }

    @Test
    void children_take_turns_run_by_run() throws Exception {
        int repeat = 3;
        List<ChildProcess.Result> results = Lockstep.run(List.of(child("--repeat", "3"), child("--repeat", "3"), child("--repeat", "3")),
                repeat, Duration.ofMinutes(2));
        assertEquals(3, results.size());
        long[][] start = new long[3][repeat], end = new long[3][repeat];
        for (int c = 0; c < 3; c++) {
            ChildProcess.Result r = results.get(c);
            assertEquals(0, r.exitCode(), r.stderrTail());
            JsonNode runs = SingleStream.lastJsonLine(r.stdout()).get("runs");
            assertEquals(repeat, runs.size());
            for (int i = 0; i < repeat; i++) {
                start[c][i] = runs.get(i).get("start_us").asLong();
                end[c][i] = runs.get(i).get("end_us").asLong();
            }
        }
        // round by round, child by child, never two at once: each run ends before the next one starts
        long last = Long.MIN_VALUE;
        for (int i = 0; i < repeat; i++)
            for (int c = 0; c < 3; c++) {
                assertTrue(start[c][i] >= last, "child " + c + " run " + i + " started before the previous run ended");
                assertTrue(end[c][i] > start[c][i]);
                last = end[c][i];
            }
    }

    /** What a child does after awaitEnd (Halyard's closing core check) starts once every child's runs are over, one child at a time, the last command's first. */
    @Test
    void closing_steps_wait_for_the_end_of_every_run_and_take_turns() throws Exception {
        List<ChildProcess.Result> results = Lockstep.run(List.of(child("--repeat", "2", "--closing-ms", "150"), child("--repeat", "2", "--closing-ms", "150")),
                2, Duration.ofMinutes(2));
        JsonNode a = SingleStream.lastJsonLine(results.get(0).stdout()), b = SingleStream.lastJsonLine(results.get(1).stdout());
        long lastRunEnd = Math.max(a.get("runs").get(1).get("end_us").asLong(), b.get("runs").get(1).get("end_us").asLong());
        assertTrue(b.get("closing_start_us").asLong() >= lastRunEnd, "the last child's closing step overlapped a run");
        // the last command's child ends first: the first one's closing step comes after it has exited
        assertTrue(a.get("closing_start_us").asLong() >= b.get("closing_end_us").asLong(), "the closing steps overlapped");
    }

    @Test
    void a_child_that_fails_is_reported_and_the_others_go_on() throws Exception {
        List<ChildProcess.Result> results = Lockstep.run(List.of(child("--repeat", "2"), child("--repeat", "2", "--die-before-ready")),
                2, Duration.ofMinutes(2));
        assertEquals(0, results.get(0).exitCode(), results.get(0).stderrTail());
        assertEquals(2, SingleStream.parse("a", results.get(0).stdout(), -1).genTokS().size());
        assertNotEquals(0, results.get(1).exitCode());
        assertTrue(results.get(1).stderrTail().contains("exited before printing 'ready'"), results.get(1).stderrTail());
    }

    @Test
    void a_child_that_runs_too_few_steps_is_out_of_step() throws Exception {
        // told to repeat once, paced for two runs: it prints its JSON and exits while the controller waits for "ok"
        List<ChildProcess.Result> results = Lockstep.run(List.of(child("--repeat", "1")), 2, Duration.ofMinutes(2));
        assertNotEquals(0, results.get(0).exitCode());
        assertTrue(results.get(0).stderrTail().contains("lockstep"), results.get(0).stderrTail());
    }

    @Test
    void a_reversed_round_runs_the_children_the_other_way_round() throws Exception {
        List<ChildProcess.Result> results;
        try (Lockstep.Session s = new Lockstep.Session(List.of(child("--repeat", "2"), child("--repeat", "2")), Duration.ofMinutes(2))) {
            s.warmUp();
            s.round(false);
            s.round(true);
            results = s.finish();
        }
        long[][] start = new long[2][2];
        for (int c = 0; c < 2; c++) {
            assertEquals(0, results.get(c).exitCode(), results.get(c).stderrTail());
            JsonNode runs = SingleStream.lastJsonLine(results.get(c).stdout()).get("runs");
            for (int i = 0; i < 2; i++) start[c][i] = runs.get(i).get("start_us").asLong();
        }
        assertTrue(start[0][0] < start[1][0], "round 0: the first child first");
        assertTrue(start[1][1] < start[0][1], "round 1, reversed: the second child first");
    }
}
