package dev.halyard.server.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.constrain.Grammar;
import dev.halyard.model.constrain.GrammarConstraint;
import dev.halyard.model.constrain.LogitsProcessor;
import dev.halyard.model.constrain.ToolCallSchemas;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.openai.ResponseFormat;
import dev.halyard.server.openai.ToolSpec;
import java.util.List;
import java.util.function.Supplier;

/**
 * Output constrained while decoding: the grammar is compiled once per request, and each choice gets
 * its own {@link GrammarConstraint} (it tracks that choice's position in the grammar).
 */
final class OutputConstraint {
    private OutputConstraint() {}

    /** Processors for {@code response_format} / {@code grammar}, or null when the output is free text. */
    static Supplier<LogitsProcessor> forFormat(ResponseFormat rf, String gbnf, Tokenizer tok) {
        Grammar g;
        try {
            if (gbnf != null) g = Grammar.parse(gbnf);
            else if (rf.kind() == ResponseFormat.Kind.JSON_OBJECT) g = Grammar.jsonObject();
            else if (rf.kind() == ResponseFormat.Kind.JSON_SCHEMA) g = Grammar.fromJsonSchema(rf.schema());
            else return null;
        } catch (IllegalArgumentException e) { // GrammarException too
            throw ApiException.invalid(gbnf != null ? "grammar" : "response_format.json_schema.schema",
                    (gbnf != null ? "grammar" : "the JSON schema") + " cannot be used: " + e.getMessage());
        }
        return () -> new GrammarConstraint(g, tok);
    }

    /**
     * Processors that force one call, {@code {"name": ..., "arguments": {...}}}, of the named tool or of
     * any tool ("required"), with arguments valid under the tool's parameter schema.
     */
    static Supplier<LogitsProcessor> forToolCall(List<ToolSpec> tools, ToolSpec.Choice choice, Tokenizer tok) {
        List<ToolCallSchemas.Tool> allowed = tools.stream()
                .filter(t -> choice.mode() != ToolSpec.Choice.Mode.NAMED || t.name().equals(choice.name()))
                .map(t -> new ToolCallSchemas.Tool(t.name(), t.parameters()))
                .toList();
        JsonNode schema = ToolCallSchemas.anyOf(allowed);
        Grammar g;
        try {
            g = Grammar.fromJsonSchema(schema);
        } catch (IllegalArgumentException e) { // GrammarException too
            throw ApiException.invalid("tools", "a tool's parameters schema cannot be used: " + e.getMessage());
        }
        return () -> new GrammarConstraint(g, tok);
    }
}
