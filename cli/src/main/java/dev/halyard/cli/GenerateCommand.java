package dev.halyard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halyard.model.arch.Model;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.GenerationRequest;
import dev.halyard.runtime.GenerationResult;
import dev.halyard.runtime.Session;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code halyard generate}: continue a prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Continue a prompt with a model.")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOptionsMixin model;
    @Mixin SamplingOptionsMixin sampling;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "the prompt (special-token text such as <|im_start|> is parsed)")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256", description = "tokens to generate at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop when this text appears (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--ignore-eos", description = "keep generating past end-of-generation tokens")
    boolean ignoreEos;

    @Option(names = "--json", description = "print one JSON object: prompt_ids, ids, text, timings")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        try (Model m = Model.load(model.model, model.options())) {
            long loadNanos = System.nanoTime() - t0;
            Tokenizer tok = Tokenizer.fromGguf(m.gguf());
            int[] ids = tok.encode(prompt, true, true);
            Session session = new Session(m, tok, model.contextSize(m.config().contextLength()));
            GenerationRequest req = new GenerationRequest(ids, maxTokens, sampling.params(), stop, ignoreEos);
            GenerationResult r = session.generate(req, text -> {
                if (!json) {
                    out.print(text);
                    out.flush();
                }
            });
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.set("prompt_ids", mapper.valueToTree(r.promptIds()));
                o.set("ids", mapper.valueToTree(r.ids()));
                o.put("text", r.text());
                o.put("finish_reason", r.finish().name().toLowerCase());
                ObjectNode t = o.putObject("timings");
                t.put("load_ms", loadNanos / 1e6);
                t.put("prompt_tokens", r.timings().promptTokens());
                t.put("prompt_ms", r.timings().promptNanos() / 1e6);
                t.put("prompt_tokens_per_second", r.timings().promptTokensPerSecond());
                t.put("generated_tokens", r.timings().generatedTokens());
                t.put("generation_ms", r.timings().generationNanos() / 1e6);
                t.put("generation_tokens_per_second", r.timings().generationTokensPerSecond());
                out.println(mapper.writeValueAsString(o));
            } else {
                out.println();
                err.printf("prompt: %d tokens, %.1f tok/s | generation: %d tokens, %.1f tok/s | finish: %s%n",
                        r.timings().promptTokens(), r.timings().promptTokensPerSecond(), r.timings().generatedTokens(),
                        r.timings().generationTokensPerSecond(), r.finish().name().toLowerCase());
            }
            out.flush();
            return 0;
        }
    }
}
