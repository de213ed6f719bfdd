package dev.halyard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.halyard.model.arch.ModelOptions;
import dev.halyard.server.models.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code src/test/node/openai-sdk.test.mjs}, the official OpenAI Node SDK (npm {@code openai}),
 * against three servers: a normal one with an API key, one with a one-request queue (429) and one
 * whose model is still loading (503). Installs the SDK with {@code npm ci} when it is missing; skips
 * when Node.js is absent (fails under CI).
 */
class OpenAiNodeSdkTest {
    static final Path DIR = Path.of("src/test/node").toAbsolutePath();

    @Test
    void the_official_openai_node_sdk_works_unchanged() throws Exception {
        requireNodeSdk();
        CountDownLatch never = new CountDownLatch(1);
        ModelLoader standard = ModelLoader.standard(ModelOptions.defaults().withThreads(1));
        ModelLoader stuck = (info, gguf, plan) -> {
            try {
                never.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return standard.load(info, gguf, plan);
        };
        try (TestServer main = TestServer.start(c -> c.withApiKey("sk-test"));
             TestServer busy = TestServer.start(c -> c.withModels(c.models().withMaxRunning(1).withMaxWaiting(1)));
             TestServer slow = TestServer.start(c -> c.withModels(c.models().withLoadWait(Duration.ZERO)), stuck)) {
            ProcessBuilder pb = new ProcessBuilder("node", "--test", "openai-sdk.test.mjs").directory(DIR.toFile()).redirectErrorStream(true);
            pb.environment().put("HALYARD_URL", main.api.base);
            pb.environment().put("HALYARD_BUSY_URL", busy.api.base);
            pb.environment().put("HALYARD_SLOW_URL", slow.api.base);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            boolean finished = p.waitFor(120, TimeUnit.SECONDS);
            never.countDown();
            assertEquals(true, finished, "node did not finish:\n" + out);
            assertEquals(0, p.exitValue(), out);
            System.out.println(out.lines().filter(l -> l.matches("# (tests|pass|fail) .*")).toList()); // node:test summary
        }
    }

    /** The SDK in node_modules, installed from the lock file if needed; skips without Node.js (fails under CI). */
    static void requireNodeSdk() throws IOException, InterruptedException {
        boolean ci = System.getenv("CI") != null;
        if (!Files.isDirectory(DIR.resolve("node_modules/openai"))) {
            Process p;
            try {
                p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(DIR.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                if (ci) throw new AssertionError("npm is needed for the OpenAI Node SDK test", e);
                assumeTrue(false, "npm is absent: skipping the OpenAI Node SDK test");
                return;
            }
            String out = new String(p.getInputStream().readAllBytes());
            boolean ok = p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0;
            if (!ok && ci) throw new AssertionError("npm ci failed:\n" + out);
            assumeTrue(ok, "npm ci failed (offline?): skipping the OpenAI Node SDK test\n" + out);
        }
        try {
            Process v = new ProcessBuilder(List.of("node", "--version")).redirectErrorStream(true).start();
            assumeTrue(v.waitFor(30, TimeUnit.SECONDS) && v.exitValue() == 0 || ci, "node does not run");
        } catch (IOException e) {
            if (ci) throw new AssertionError("node is needed for the OpenAI Node SDK test", e);
            assumeTrue(false, "node is absent: skipping the OpenAI Node SDK test");
        }
    }
}
