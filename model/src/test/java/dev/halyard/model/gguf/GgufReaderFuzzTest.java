package dev.halyard.model.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Coverage-guided fuzzing of the GGUF reader with Jazzer. The only acceptable outcomes for any bytes
 * are a parsed, self-consistent file or a GgufFormatException (see {@link GgufReadContract}).
 *
 * <p>Plain {@code mvn test} replays the seeds in {@code GgufReaderFuzzTestInputs/<method>/} (small
 * valid files, which the fuzzer mutates). To fuzz for maxDuration:
 * <pre>JAZZER_FUZZ=1 ./mvnw -pl model -am test -Dtest=GgufReaderFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dmaven.compiler.release=23</pre>
 * Jazzer 0.24's bytecode library reads class files up to Java 23; with the build's release 25 the
 * reader is not instrumented ("Unsupported class file major version 69") and the fuzzer runs without
 * coverage feedback, hence the release override. Findings are written next to the seeds and are
 * replayed by every later {@code mvn test}.
 */
class GgufReaderFuzzTest {

    private static Path file; // one scratch file, overwritten per input

    @FuzzTest(maxDuration = "60s")
    void arbitrary_bytes_either_parse_or_fail_with_a_format_exception(byte[] data) throws IOException {
        Files.write(scratch(), data);
        GgufReadContract.parsesOrRejects(file, () -> "input " + HexFormat.of().formatHex(data));
    }

    private static synchronized Path scratch() {
        if (file == null) {
            try {
                file = Files.createTempFile("gguf-fuzz", ".gguf");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            file.toFile().deleteOnExit();
        }
        return file;
    }
}
