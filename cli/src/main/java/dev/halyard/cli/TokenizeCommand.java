package dev.halyard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code halyard tokenize}: text to token ids. Reads only the header, so vocab-only files work. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of TEXT.")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "GGUF model or vocabulary file")
    Path model;

    @Option(names = "--add-special", description = "add BOS/EOS as the model does (default: off)")
    boolean addSpecial;

    @Option(names = "--parse-special", description = "map special-token text such as <s> to its id (default: off)")
    boolean parseSpecial;

    @Option(names = "--pieces", description = "print one line per token: id and piece")
    boolean pieces;

    @Option(names = "--json", description = "print {\"ids\":[...],\"pieces\":[...]}")
    boolean json;

    @Parameters(paramLabel = "TEXT", description = "the text to tokenize")
    String text;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.read(model));
        int[] ids = tok.encode(text, addSpecial, parseSpecial);
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.set("ids", mapper.valueToTree(ids));
            ArrayNode p = o.putArray("pieces");
            for (int id : ids) p.add(new String(tok.tokenBytes(id), StandardCharsets.UTF_8));
            out.println(mapper.writeValueAsString(o));
        } else if (pieces) {
            for (int id : ids) out.printf("%6d -> '%s'%n", id, tok.tokenText(id));
        } else {
            StringJoiner j = new StringJoiner(" ");
            for (int id : ids) j.add(Integer.toString(id));
            out.println(j);
        }
        out.flush();
        return 0;
    }
}
