package dev.halyard.model.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.loader.ResourceLocator;
import com.hubspot.jinjava.tree.Node;
import java.io.IOException;
import java.nio.charset.Charset;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.ExpressionFactory;

/**
 * The Jinja engine (Jinjava) configured as a sandbox that renders like Hugging Face's
 * ImmutableSandboxedEnvironment: whitelist resolver instead of Java bean access, no template loading
 * (include / import / extends refused), no re-rendering of output, Python-style filters, tests,
 * globals and for loops, and the render limits wired into its hooks.
 */
final class SandboxedJinja {
    private final Jinjava jinjava;
    private final JinjavaConfig config;

    /**
     * Tags, filters and functions that reach outside the template or re-render strings, and the
     * format filter, whose Java format widths ("%999999999d") allocate before any check.
     */
    private static final Map<Context.Library, Set<String>> DISABLED = Map.of(
            Context.Library.TAG, Set.of("include", "import", "from", "extends", "block"),
            Context.Library.FILTER, Set.of("render", "fromyaml", "toyaml", "pprint", "format"),
            Context.Library.FUNCTION, Set.of("super"));

    SandboxedJinja(RenderLimits limits) {
        this.config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false) // JinjaLexer applies Jinja2's whitespace rules itself
                .withLstripBlocks(false)
                .withElResolver(new SandboxResolver())
                .withNestedInterpretationEnabled(false)
                .withMaxOutputSize(limits.maxOutputChars())
                .withMaxListSize(limits.maxCollectionSize())
                .withMaxMapSize(limits.maxCollectionSize())
                .withRangeLimit(limits.maxCollectionSize())
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(limits.maxRecursionDepth())
                .withFailOnUnknownTokens(false)
                .withDisabled(DISABLED)
                .withLocale(Locale.ROOT)
                .withTimeZone(ZoneOffset.UTC)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .build())
                .withProcessors(JinjavaProcessors.newBuilder().withNodePreProcessor(SandboxedJinja::beforeNode).build())
                .build();
        this.jinjava = new PythonicJinjava(config);
        jinjava.setResourceLocator(new RefuseAll());
        Context g = jinjava.getGlobalContext();
        PyFilters.all().forEach(g::registerFilter);
        PyTests.all().forEach(g::registerExpTest);
        ChatFunctions.all().forEach(g::registerFunction);
        g.registerTag(new SandboxForTag());
        g.registerTag(new GenerationTag());
    }

    /** Runs before every node: the deadline, and failures the engine recorded instead of raising. */
    private static void beforeNode(Node node, JinjavaInterpreter interp) {
        RenderGuard g = RenderGuard.current();
        g.rethrowPending();
        g.checkTime();
        if (interp.getLastError().isPresent()) g.errorsSeen = EngineErrors.check(interp, g.errorsSeen, g.limits);
    }

    /** A fresh interpreter for one parse or render. */
    JinjavaInterpreter newInterpreter(Map<String, Object> variables) {
        var context = new Context(jinjava.getGlobalContextCopy(), variables, config.getDisabled());
        context.setExpressionStrategy(new PythonOutput());
        return new JinjavaInterpreter(jinjava, context, config);
    }

    /** Parses translated source; any error (an unknown or unclosed tag) fails here. */
    Node parse(String engineSource) {
        JinjavaInterpreter interp = newInterpreter(Map.of());
        JinjavaInterpreter.pushCurrent(interp);
        try {
            Node root = interp.parse(engineSource);
            for (TemplateError e : interp.getErrorsCopy()) throw new ChatTemplateException(syntaxError(e.getLineno(), e.getMessage()));
            return root;
        } catch (InterpretException e) {
            throw new ChatTemplateException(syntaxError(e.getLineNumber(), e.getMessage()), e);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    /**
     * The engine with Python's str() wherever it converts a value to text (the {@code ~} operator,
     * string arguments): {@code 'a' ~ true} is {@code aTrue}, {@code 'a' ~ ['b']} is {@code a['b']}.
     */
    private static final class PythonicJinjava extends Jinjava {
        private final ExpressionFactory factory;

        PythonicJinjava(JinjavaConfig config) {
            super(config);
            var properties = new Properties();
            properties.setProperty(TreeBuilder.class.getName(), ExtendedSyntaxBuilder.class.getName());
            this.factory = new ExpressionFactoryImpl(properties, new TruthyTypeConverter() {
                @Override
                protected String coerceToString(Object value) {
                    return PyValues.str(value);
                }
            });
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return factory;
        }
    }

    private static String syntaxError(int line, String message) {
        return "template syntax error" + (line > 0 ? " at line " + line : "") + ": " + message;
    }

    /** Templates may not load other templates: every lookup fails. */
    private static final class RefuseAll implements ResourceLocator {
        @Override
        public String getString(String fullName, Charset encoding, JinjavaInterpreter interpreter) throws IOException {
            throw new IOException("chat templates may not load other templates ('" + fullName + "')");
        }
    }
}
