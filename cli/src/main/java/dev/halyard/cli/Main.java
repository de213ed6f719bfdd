package dev.halyard.cli;

import dev.halyard.model.arch.UnsupportedModelException;
import dev.halyard.model.gguf.GgufFormatException;
import dev.halyard.runtime.ContextLengthExceededException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code halyard} command. Each subcommand is one small class; errors become one clear line. */
@Command(name = "halyard", mixinStandardHelpOptions = true, version = "halyard 0.1.0",
        description = "Large models as a service, in Java.",
        subcommands = {GenerateCommand.class, ChatCommand.class, TokenizeCommand.class, InspectCommand.class, ServeCommand.class,
                PullCommand.class, ListCommand.class, RmCommand.class, PsCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true); // --statistic best, --kv f16, --serve all
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("error: " + describe(e));
            err.flush();
            return 1;
        });
        return cl.execute(args);
    }

    static String describe(Throwable e) {
        return switch (e) {
            case NoSuchFileException f -> "no such file: " + f.getFile();
            case GgufFormatException g -> g.getMessage();
            case UnsupportedModelException u -> "unsupported model: " + u.getMessage();
            case ContextLengthExceededException c -> c.getMessage();
            case IllegalArgumentException i -> i.getMessage();
            case IOException io -> io.getClass().getSimpleName() + ": " + io.getMessage();
            case OutOfMemoryError o -> "out of memory: the model needs more memory than the JVM may use (raise -Xmx or use --mmap)";
            default -> e.toString();
        };
    }
}
