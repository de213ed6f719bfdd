package dev.halyard.cli;

import dev.halyard.server.store.ModelStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code halyard rm}: delete models (and any partial downloads of them) from the models directory. */
@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove models from the models directory.")
public final class RmCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "model name, as `halyard list` shows it")
    List<String> names;

    @Option(names = "--models", paramLabel = "DIR", description = "models directory (default: DATA/models)")
    Path models;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory (default: $HALYARD_HOME or ~/.halyard)")
    Path data;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ModelStore store = new ModelStore(ModelStore.modelsDir(models, data));
        int code = 0;
        for (String name : names) {
            if (store.remove(name)) {
                out.println("removed " + name);
            } else {
                err.println("error: no model named " + name + " in " + store.dir() + " (see: halyard list)");
                code = 1;
            }
        }
        out.flush();
        err.flush();
        return code;
    }
}
