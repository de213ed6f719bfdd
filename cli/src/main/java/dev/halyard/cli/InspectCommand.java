package dev.halyard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halyard.kernels.GgmlType;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import dev.halyard.model.gguf.GgufValue;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code halyard inspect}: what a GGUF file holds, from its header only. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Describe a GGUF file: architecture, size, quantisation, tokenizer, metadata.")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "GGUF file")
    Path file;

    @Option(names = "--tensors", description = "also list every tensor")
    boolean tensors;

    @Option(names = "--json", description = "print a JSON object instead of text")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        GgufFile g = GgufFile.read(file);
        String arch = g.getString("general.architecture", "(none)");
        long params = 0;
        Map<GgmlType, long[]> mix = new TreeMap<>(); // type -> {tensors, elements, bytes}
        for (GgufTensorInfo t : g.tensors()) {
            params += t.elements();
            long[] m = mix.computeIfAbsent(t.type(), k -> new long[3]);
            m[0]++;
            m[1] += t.elements();
            m[2] += t.byteSize();
        }
        String[] tokens = g.has("tokenizer.ggml.tokens") ? g.getStringArray("tokenizer.ggml.tokens") : null;
        long ctx = g.has(arch + ".context_length") ? g.getLong(arch + ".context_length", 0) : -1;
        boolean template = g.has("tokenizer.chat_template");
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("file", file.toString());
            o.put("gguf_version", g.version());
            o.put("architecture", arch);
            o.put("name", g.getString("general.name", null));
            o.put("parameters", params);
            o.put("file_bytes", g.fileSize());
            o.put("context_length", ctx);
            ObjectNode q = o.putObject("quantization");
            mix.forEach((type, m) -> q.putObject(type.name()).put("tensors", m[0]).put("elements", m[1]).put("bytes", m[2]));
            ObjectNode tk = o.putObject("tokenizer");
            tk.put("model", g.getString("tokenizer.ggml.model", null));
            tk.put("pre", g.getString("tokenizer.ggml.pre", null));
            tk.put("vocab_size", tokens == null ? 0 : tokens.length);
            o.put("chat_template", template);
            ObjectNode md = o.putObject("metadata");
            g.metadata().forEach((k, v) -> md.put(k, v.display(8)));
            out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            out.flush();
            return 0;
        }
        out.printf("file:           %s (%s, GGUF v%d)%n", file, human(g.fileSize()), g.version());
        out.printf("architecture:   %s%n", arch);
        if (g.has("general.name")) out.printf("name:           %s%n", g.getString("general.name", ""));
        out.printf("parameters:     %,d (%s)%n", params, humanCount(params));
        out.printf("context length: %s%n", ctx < 0 ? "(not set)" : Long.toString(ctx));
        out.printf("quantization:   %s%n", g.tensors().isEmpty() ? "(no tensors: vocabulary only)" : "");
        mix.forEach((type, m) -> out.printf("  %-6s %4d tensors  %,15d elements  %10s  (%.1f%% of weights)%n",
                type, m[0], m[1], human(m[2]), 100.0 * m[1] / Math.max(1, sum(mix))));
        out.printf("tokenizer:      %s%s, %d tokens%n", g.getString("tokenizer.ggml.model", "(none)"),
                g.has("tokenizer.ggml.pre") ? " (pre: " + g.getString("tokenizer.ggml.pre", "") + ")" : "",
                tokens == null ? 0 : tokens.length);
        out.printf("chat template:  %s%n", template ? "yes (" + g.getString("tokenizer.chat_template", "").length() + " chars)" : "no");
        out.println("metadata:");
        for (Map.Entry<String, GgufValue> e : g.metadata().entrySet()) out.printf("  %-45s %s%n", e.getKey(), e.getValue().display(8));
        if (tensors) {
            out.println("tensors:");
            for (GgufTensorInfo t : g.tensors()) out.printf("  %-40s %-6s %s%n", t.name(), t.type(), t.shape());
        }
        out.flush();
        return 0;
    }

    private static long sum(Map<GgmlType, long[]> mix) {
        long s = 0;
        for (long[] m : mix.values()) s += m[1];
        return s;
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, u[i]);
    }

    static String humanCount(long n) {
        if (n >= 1_000_000_000) return String.format("%.2fB", n / 1e9);
        if (n >= 1_000_000) return String.format("%.1fM", n / 1e6);
        if (n >= 1_000) return String.format("%.1fK", n / 1e3);
        return Long.toString(n);
    }
}
