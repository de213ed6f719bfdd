package dev.halyard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halyard.server.store.ModelInfo;
import dev.halyard.server.store.ModelStore;
import dev.halyard.server.store.ModelStore.StoredModel;
import dev.halyard.server.store.Sizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code halyard list}: the models in the models directory, described from their GGUF headers. */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the models in the models directory.")
public final class ListCommand implements Callable<Integer> {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

    @Option(names = "--models", paramLabel = "DIR", description = "models directory (default: DATA/models)")
    Path models;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory (default: $HALYARD_HOME or ~/.halyard)")
    Path data;

    @Option(names = "--json", description = "print a JSON object instead of a table")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    /** One listed model; {@code info} is null and {@code error} says why when its header is unreadable. */
    record Row(StoredModel model, ModelInfo info, String error) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ModelStore store = new ModelStore(ModelStore.modelsDir(models, data));
        List<Row> rows = new ArrayList<>();
        for (StoredModel m : store.list()) {
            try {
                rows.add(new Row(m, ModelInfo.read(m.path()), null));
            } catch (Exception e) { // one bad file must not hide the others
                rows.add(new Row(m, null, Main.describe(e)));
            }
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("models_dir", store.dir().toString());
            ArrayNode list = o.putArray("models");
            for (Row r : rows) {
                ObjectNode m = list.addObject();
                m.put("name", r.model().name());
                m.put("path", r.model().path().toString());
                m.put("size_bytes", r.model().sizeBytes());
                m.put("modified", r.model().modified().toString());
                if (r.info() != null) {
                    m.put("architecture", r.info().architecture());
                    m.put("quantization", r.info().quantization());
                    m.put("parameters", r.info().parameters());
                    m.put("context_length", r.info().contextLength());
                } else {
                    m.put("error", r.error());
                }
            }
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else if (rows.isEmpty()) {
            out.println("no models in " + store.dir() + " (add one with: halyard pull URL)");
        } else {
            int w = Math.max(4, rows.stream().mapToInt(r -> r.model().name().length()).max().orElse(0));
            String fmt = "%-" + w + "s  %9s  %-16s  %-12s  %-8s  %s%n";
            out.printf(fmt, "NAME", "SIZE", "MODIFIED", "ARCH", "QUANT", "PARAMS");
            for (Row r : rows) {
                StoredModel m = r.model();
                if (r.info() == null) {
                    out.printf("%-" + w + "s  %9s  %-16s  unreadable: %s%n", m.name(), Sizes.bytes(m.sizeBytes()), WHEN.format(m.modified()), r.error());
                } else {
                    out.printf(fmt, m.name(), Sizes.bytes(m.sizeBytes()), WHEN.format(m.modified()), r.info().architecture(),
                            r.info().quantization(), InspectCommand.humanCount(r.info().parameters()));
                }
            }
        }
        out.flush();
        return 0;
    }
}
