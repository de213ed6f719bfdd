package dev.halyard.server.clients;

import dev.halyard.testing.Prerequisite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Node SDK (npm {@code openai}) against real Halyard servers: runs
 * {@code server/src/test/js/openai-sdk.test.mjs} with {@code node --test} and requires every case to
 * pass. Node's report is printed, so a failing case shows its assertion here.
 */
class OpenAiNodeSdkTest {
    private static final String SCRIPT = "openai-sdk.test.mjs";

    @Test
    void the_official_node_sdk_passes_every_case() throws Exception {
        requireNode();
        Path sdk = NpmClients.requireOpenAiSdk();
        try (var standard = TestServers.start(TestServers.Kind.STANDARD);
             var smallQueue = TestServers.start(TestServers.Kind.SMALL_QUEUE);
             var noLoadWait = TestServers.start(TestServers.Kind.NO_LOAD_WAIT)) {
            ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-reporter=spec", NpmClients.SCRIPTS.resolve(SCRIPT).toString())
                    .redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("HALYARD_OPENAI_SDK", sdk.toString());
            env.put("HALYARD_BASE_URL", standard.baseUrl());
            env.put("HALYARD_SMALL_QUEUE_BASE_URL", smallQueue.baseUrl());
            env.put("HALYARD_LOADING_BASE_URL", noLoadWait.baseUrl());
            env.put("HALYARD_MODEL", TestServers.MODEL_ID);
            env.put("HALYARD_EMBEDDING_DIM", Integer.toString(TestServers.embeddingDim()));
            env.put("HALYARD_CONTEXT_LENGTH", Integer.toString(TestServers.CONTEXT));
            env.put("HALYARD_MAX_BODY_BYTES", Long.toString(standard.config().limits().maxBodyBytes()));
            env.put("HALYARD_EXPECTED_JSON", TestServers.expectedJson().toString());
            env.put("NO_COLOR", "1");
            Process node = pb.start();
            String report = new String(node.getInputStream().readAllBytes());
            boolean exited = node.waitFor(120, TimeUnit.SECONDS);
            if (!exited) node.destroyForcibly();
            System.out.println("node --test " + SCRIPT + ":\n" + report);
            assertTrue(exited, "node --test timed out:\n" + report);
            assertEquals(0, node.exitValue(), "node --test failed:\n" + report);
            assertEquals("0", summary(report, "fail"), report);
            assertTrue(Integer.parseInt(summary(report, "pass")) >= 18, "every case ran:\n" + report);
        }
    }

    /** A count from node's closing summary ("ℹ pass 18"). */
    private static String summary(String report, String key) {
        Matcher m = Pattern.compile("(?m)^\\S*\\s*" + key + " (\\d+)$").matcher(report);
        String last = null;
        while (m.find()) last = m.group(1);
        assertTrue(last != null, "no '" + key + "' count in node's report:\n" + report);
        return last;
    }

    /** Node 20 or later on the PATH; fails under CI, skips elsewhere. */
    private static void requireNode() {
        String version = "";
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            version = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            version = "";
        }
        Matcher m = Pattern.compile("v(\\d+)\\.").matcher(version);
        boolean ok = m.lookingAt() && Integer.parseInt(m.group(1)) >= 20;
        String msg = "node >= 20 is required for the OpenAI Node SDK test, found '" + version + "'";
        if (!ok) throw Prerequisite.missing(msg);
    }
}
