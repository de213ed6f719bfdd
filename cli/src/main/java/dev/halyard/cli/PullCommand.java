package dev.halyard.cli;

import dev.halyard.server.store.ModelPuller;
import dev.halyard.server.store.ModelSource;
import dev.halyard.server.store.ModelStore;
import dev.halyard.server.store.ProgressBar;
import dev.halyard.server.store.PullException;
import dev.halyard.server.store.Sizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code halyard pull}: download a GGUF into the models directory. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a GGUF model into the models directory: resumable, checked against a given or published SHA-256, written atomically.",
                "Set HF_TOKEN for gated or private Hugging Face repositories."})
public final class PullCommand implements Callable<Integer> {
    @Parameters(paramLabel = "URL", description = "https:// URL of a .gguf file, or hf:OWNER/REPO/FILE.gguf[@REVISION]")
    String source;

    @Option(names = "--sha256", paramLabel = "HEX", description = "expected SHA-256 of the file (default: the checksum the server publishes, if any)")
    String sha256;

    @Option(names = "--name", paramLabel = "NAME", description = "model name (default: the file name without .gguf)")
    String name;

    @Option(names = "--models", paramLabel = "DIR", description = "models directory (default: DATA/models)")
    Path models;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory (default: $HALYARD_HOME or ~/.halyard)")
    Path data;

    @Option(names = "--force", description = "download again even when the model is already there")
    boolean force;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ModelStore store = new ModelStore(ModelStore.modelsDir(models, data));
        ModelSource src = ModelSource.parse(source);
        boolean terminal = System.console() != null && System.console().isTerminal();
        ModelPuller.Result r;
        try (ModelPuller puller = new ModelPuller(store, ModelPuller.Options.defaults(), new ProgressBar(err, terminal))) {
            r = puller.pull(src, name, sha256, force);
        } catch (PullException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (r.alreadyPresent()) {
            out.printf("%s is already in %s (%s); pass --force to download it again%n", r.model().name(), store.dir(), Sizes.bytes(r.model().sizeBytes()));
        } else {
            out.printf("pulled %s (%s) to %s%n", r.model().name(), Sizes.bytes(r.model().sizeBytes()), r.model().path());
        }
        if (r.sha256() != null) {
            out.printf("sha256 %s (%s)%n", r.sha256(), switch (r.check()) {
                case GIVEN -> "matches --sha256";
                case PUBLISHED -> "matches the checksum published in the " + r.checkedBy();
                case NONE -> "not verified: none was given or published; pass --sha256 to check it";
            });
        }
        out.flush();
        return 0;
    }
}
