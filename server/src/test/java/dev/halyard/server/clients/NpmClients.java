package dev.halyard.server.clients;

import dev.halyard.testing.Prerequisite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The official OpenAI Node SDK (npm {@code openai}, pinned to {@link #OPENAI_VERSION}) installed into
 * {@code <repo>/.cache/npm-clients}, and the node test scripts in {@code server/src/test/js}. The SDK
 * is installed on first use; when node, npm or the registry is unavailable the calling test fails
 * under CI (env CI set) and is skipped elsewhere, with a message saying what is missing.
 */
final class NpmClients {
    private NpmClients() {}

    /** The last release line that runs on Node 20 (openai 7 requires Node 22). */
    static final String OPENAI_VERSION = "5.23.2";

    static final Path REPO = findRepo();
    static final Path SCRIPTS = REPO.resolve("server/src/test/js");
    static final Path PREFIX = REPO.resolve(".cache/npm-clients");
    static final Path OPENAI = PREFIX.resolve("node_modules/openai");

    private static boolean installAttempted;
    private static String installLog = "";

    private static Path findRepo() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent())
            if (Files.isDirectory(q.resolve("server/src/test/js"))) return q;
        return p;
    }

    /** The directory of the installed {@code openai} package (holding {@code index.mjs}). */
    static synchronized Path requireOpenAiSdk() {
        if (!installed() && !installAttempted) {
            installAttempted = true;
            install();
        }
        if (!installed()) {
            String msg = "npm openai@" + OPENAI_VERSION + " is absent from " + PREFIX + " and could not be installed"
                    + " (needs node >= 20 and npm with registry access): " + installLog;
            throw Prerequisite.missing(msg);
        }
        return OPENAI;
    }

    private static boolean installed() {
        Path pkg = OPENAI.resolve("package.json");
        try {
            return Files.exists(OPENAI.resolve("index.mjs")) && Files.readString(pkg).contains("\"version\": \"" + OPENAI_VERSION + "\"");
        } catch (IOException e) {
            return false;
        }
    }

    private static void install() {
        try {
            Files.createDirectories(PREFIX);
            Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", PREFIX.toString(),
                    "openai@" + OPENAI_VERSION).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                installLog = "npm install timed out";
            } else if (p.exitValue() != 0) {
                installLog = "npm install failed (exit " + p.exitValue() + "): " + log.strip();
            }
        } catch (IOException | InterruptedException e) {
            installLog = "npm could not run: " + e;
        }
    }
}
