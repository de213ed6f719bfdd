package dev.halyard.cli;

import dev.halyard.model.arch.Model;
import dev.halyard.model.chat.ChatMessage;
import dev.halyard.model.chat.ModelChatTemplate;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.ContextLengthExceededException;
import dev.halyard.runtime.GenerationRequest;
import dev.halyard.runtime.GenerationResult;
import dev.halyard.runtime.Session;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code halyard chat}: an interactive conversation. Each turn is rendered with the model's chat
 * template (its own Jinja template, or a built-in one); the session's KV cache keeps earlier turns so
 * only the new text is processed.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Chat with a model interactively (/reset clears, /exit or Ctrl-D quits).")
public final class ChatCommand implements Callable<Integer> {
    @Mixin ModelOptionsMixin model;
    @Mixin SamplingOptionsMixin sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "system prompt")
    String system;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "1024", description = "tokens per reply at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Model m = Model.load(model.model, model.options())) {
            Tokenizer tok = Tokenizer.fromGguf(m.gguf());
            ModelChatTemplate template = ModelChatTemplate.of(tok);
            Session session = new Session(m, tok, model.contextSize(m.config().contextLength()));
            List<ChatMessage> messages = new ArrayList<>();
            if (system != null) messages.add(ChatMessage.system(system));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            out.printf("chat with %s (template: %s); /reset clears the conversation, /exit quits%n", model.model.getFileName(), template.name());
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.strip().equals("/reset")) {
                    messages.removeIf(msg -> !msg.role().equals("system"));
                    out.println("(conversation cleared)");
                    continue;
                }
                if (line.isBlank()) continue;
                messages.add(ChatMessage.user(line));
                int[] ids = tok.encode(template.render(messages, null, true, null), true, true);
                GenerationRequest req = new GenerationRequest(ids, maxTokens, sampling.params(), template.stops(), false);
                GenerationResult r;
                try {
                    r = session.generate(req, text -> {
                        out.print(text);
                        out.flush();
                    });
                } catch (ContextLengthExceededException e) {
                    out.println("(" + e.getMessage() + "; use /reset)");
                    messages.removeLast();
                    continue;
                }
                out.println();
                messages.add(ChatMessage.assistant(r.text().strip()));
            }
            return 0;
        }
    }
}
