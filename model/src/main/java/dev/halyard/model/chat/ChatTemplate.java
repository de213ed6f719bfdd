package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.CollectionTooBigException;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.tree.Node;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model's chat template (the Jinja source in {@code tokenizer.chat_template}), compiled once and
 * rendered into the prompt text the way Hugging Face transformers does: the same variables
 * ({@code messages}, {@code tools}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, {@code raise_exception}, {@code strftime_now}), the same whitespace rules, the
 * same Python semantics for the methods and filters templates use.
 *
 * <p>Templates come from model files, so they are untrusted: each render runs in a sandbox (plain data
 * only, no Java objects, no template loading) on a worker thread, bounded by {@link RenderLimits}.
 * Every failure is a {@link ChatTemplateException}. Instances are immutable and thread-safe.
 */
public final class ChatTemplate {
    private static final Set<String> RESERVED = Set.of("messages", "tools", "add_generation_prompt");

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final RenderLimits limits;
    private final Clock clock;
    private final SandboxedJinja engine;
    private final Node root; // the parsed template, shared by all renders

    private ChatTemplate(String source, String bosToken, String eosToken, RenderLimits limits, Clock clock) {
        if (source == null) throw new IllegalArgumentException("chat template source must not be null");
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.limits = limits;
        this.clock = clock;
        this.engine = new SandboxedJinja(limits);
        this.root = engine.parse(JinjaLexer.translate(source));
    }

    /**
     * Compiles {@code jinjaSource}; {@code bosToken} and {@code eosToken} are the model's special
     * tokens as text (null for none). Syntax errors fail here.
     */
    public static ChatTemplate of(String jinjaSource, String bosToken, String eosToken) {
        return new ChatTemplate(jinjaSource, bosToken, eosToken, RenderLimits.defaults(), Clock.systemDefaultZone());
    }

    /** A built-in template for models without one: chatml, llama3, llama2, phi3, gemma, plain. */
    public static ChatTemplate builtin(String name) {
        BuiltinTemplates.Builtin b = BuiltinTemplates.get(name);
        return of(b.source(), b.bosToken(), b.eosToken());
    }

    /** The same template with other limits. */
    public ChatTemplate withLimits(RenderLimits newLimits) {
        return new ChatTemplate(source, bosToken, eosToken, newLimits, clock);
    }

    /** The same template reading the time for {@code strftime_now} from {@code newClock}. */
    public ChatTemplate withClock(Clock newClock) {
        return new ChatTemplate(source, bosToken, eosToken, limits, newClock);
    }

    public String source() {
        return source;
    }

    /**
     * The prompt for {@code messages}.
     *
     * @param tools OpenAI tool definitions as maps ({@code {type: 'function', function: {...}}}), or null
     * @param addGenerationPrompt end with the header that starts the assistant's turn
     * @param extraVariables more template variables (e.g. {@code enable_thinking}, {@code date_string}),
     *     may be null; they may not replace messages, tools or add_generation_prompt
     */
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt, Map<String, Object> extraVariables) {
        Map<String, Object> vars = variables(messages, tools, addGenerationPrompt, extraVariables);
        Future<String> job;
        try {
            job = WORKERS.submit(() -> renderHere(vars));
        } catch (RejectedExecutionException e) {
            throw new ChatTemplateException("too many chat template renders in progress; try again", e);
        }
        try {
            return job.get(limits.timeout().toMillis() * 2 + 1000, TimeUnit.MILLISECONDS); // the worker enforces the limit; this is the backstop
        } catch (TimeoutException e) {
            job.cancel(true);
            throw new ChatTemplateException("render took longer than the time limit of " + limits.timeout().toMillis() + " ms");
        } catch (InterruptedException e) {
            job.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChatTemplateException("interrupted while rendering the chat template", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ChatTemplateException c) throw c;
            throw new ChatTemplateException("chat template render failed: " + e.getCause(), e.getCause());
        }
    }

    private Map<String, Object> variables(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt, Map<String, Object> extras) {
        var vars = new HashMap<String, Object>();
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (extras != null) {
            for (var e : extras.entrySet()) {
                String k = e.getKey();
                if (k == null || !k.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("extra variable name must be an identifier, got '" + k + "'");
                if (RESERVED.contains(k)) throw new IllegalArgumentException("extra variable '" + k + "' may not replace a render argument (messages, tools, add_generation_prompt)");
                vars.put(k, TemplateValues.plain(e.getValue(), k, 0));
            }
        }
        vars.put("messages", TemplateValues.messages(messages));
        if (tools != null) vars.put("tools", TemplateValues.plain(tools, "tools", 0));
        vars.put("add_generation_prompt", addGenerationPrompt);
        return vars;
    }

    /** One render on the calling (worker) thread, under a {@link RenderGuard}. */
    private String renderHere(Map<String, Object> vars) {
        RenderGuard guard = RenderGuard.begin(limits, clock);
        JinjavaInterpreter interp = engine.newInterpreter(vars);
        JinjavaInterpreter.pushCurrent(interp);
        try {
            String out = interp.render(root);
            guard.rethrowPending();
            EngineErrors.check(interp, 0, limits);
            if (out.length() > limits.maxOutputChars())
                throw new ChatTemplateException("output exceeds the limit of " + limits.maxOutputChars() + " characters");
            return out;
        } catch (RenderGuard.Abort a) {
            throw new ChatTemplateException(a.getMessage());
        } catch (StackOverflowError e) {
            throw new ChatTemplateException("template recursion is too deep (stack exhausted)");
        } catch (OutputTooBigException e) {
            throw new ChatTemplateException("output exceeds the limit of " + limits.maxOutputChars() + " characters");
        } catch (CollectionTooBigException e) {
            throw new ChatTemplateException("a list or dict exceeds the limit of " + limits.maxCollectionSize() + " items");
        } catch (InterpretException e) {
            if (guard.pending() != null) throw new ChatTemplateException(guard.pending().getMessage());
            throw failure(e.getMessage(), e.getLineNumber());
        } finally {
            JinjavaInterpreter.popCurrent();
            RenderGuard.end();
        }
    }

    /** An engine error, with the template's own message when it was an abort the engine wrapped. */
    private ChatTemplateException failure(String message, int line) {
        RenderGuard g = RenderGuard.current();
        if (g.pending() != null) return new ChatTemplateException(g.pending().getMessage());
        return new ChatTemplateException("template error" + (line > 0 ? " at line " + line : "") + ": " + message);
    }

    /** Render workers: daemon threads with deep stacks, at most one per core, a bounded queue. */
    private static final ExecutorService WORKERS = workers();

    private static ExecutorService workers() {
        int n = Math.max(2, Runtime.getRuntime().availableProcessors());
        var count = new AtomicInteger();
        var pool = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4096), r -> {
            Thread t = new Thread(null, r, "chat-template-" + count.incrementAndGet(), 16L << 20);
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
