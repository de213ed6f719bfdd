package dev.halyard.model.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.arch.Batch;
import dev.halyard.model.arch.FlatKvCache;
import dev.halyard.model.arch.KvCache;
import dev.halyard.model.arch.Model;
import dev.halyard.model.arch.ModelOptions;
import dev.halyard.model.sampling.Sampler;
import dev.halyard.model.sampling.SamplingParams;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sampling from the real stories260K model (which knows no JSON) at temperature 1 over its whole
 * vocabulary, constrained by a schema: every output must finish, parse and validate.
 */
class ConstrainedGenerationTest {
    static final int MAX_TOKENS = 480;
    static Model model;
    static Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(SharedData.require("models/stories260K/stories260K.gguf"), ModelOptions.defaults().withThreads(2));
        tok = Tokenizer.fromGguf(model.gguf());
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    record Output(int[] ids, String text, boolean finished) {}

    /** Samples up to MAX_TOKENS after BOS; with a processor, until it accepts end-of-generation or can go no further. */
    static Output generate(LogitsProcessor constraint, long seed) {
        SamplingParams p = SamplingParams.defaults().withTemperature(1f).withTopK(0).withTopP(1f).withMinP(0f).withSeed(seed);
        Sampler sampler = new Sampler(p);
        KvCache kv = new FlatKvCache(model.config(), 1, MAX_TOKENS + 1);
        int[] history = new int[MAX_TOKENS + 1];
        history[0] = tok.bosId();
        float[] logits = model.forward(Batch.ofSequence(0, 0, new int[] {tok.bosId()}), kv);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int n = 0;
        boolean finished = false;
        while (n < MAX_TOKENS) {
            if (constraint != null) constraint.apply(logits);
            int t = sampler.sample(logits, history, n + 1);
            if (constraint != null) constraint.accept(t);
            if (tok.isEndOfGeneration(t)) {
                finished = true;
                break;
            }
            history[++n] = t;
            bytes.writeBytes(tok.tokenBytes(t));
            if (constraint instanceof GrammarConstraint g && !g.canContinue()) {
                finished = true; // only end-of-generation could follow
                break;
            }
            logits = model.forward(Batch.ofSequence(0, n, new int[] {t}), kv);
        }
        return new Output(Arrays.copyOfRange(history, 1, n + 1), bytes.toString(StandardCharsets.UTF_8), finished);
    }

    static final String PERSON = "{'type':'object','properties':{'name':{'type':'string','maxLength':12},'age':{'type':'integer'}},'required':['name','age']}";

    @ParameterizedTest
    @ValueSource(strings = {
        PERSON,
        "{'enum':['red','green','blue']}",
        "{'type':'object','properties':{'color':{'enum':['red','green','blue']},'sure':{'type':'boolean'}},'required':['color','sure'],'additionalProperties':false}",
        "{'type':'array','items':{'type':'boolean'},'maxItems':5}",
        "{'type':'object','properties':{'id':{'type':'integer','minimum':1,'maximum':999},'tags':{'type':'array','items':{'$ref':'#/$defs/tag'},"
                + "'minItems':1,'maxItems':3},'ok':{'type':['boolean','null']}},'required':['id','tags','ok'],'additionalProperties':false,"
                + "'$defs':{'tag':{'type':'string','minLength':1,'maxLength':6}}}",
    })
    void sampled_outputs_always_parse_and_validate(String schemaText) throws Exception {
        JsonNode schema = JsonSchemaGrammarTest.schema(schemaText);
        Grammar grammar = Grammar.fromJsonSchema(schema);
        SchemaValidator validator = new SchemaValidator(schema);
        for (long seed = 1; seed <= 5; seed++) {
            Output out = generate(new GrammarConstraint(grammar, tok), seed);
            assertTrue(out.finished(), "seed " + seed + " did not finish in " + MAX_TOKENS + " tokens: " + out.text());
            JsonNode doc = JsonObjectGrammarTest.STRICT.readTree(out.text());
            assertEquals(List.of(), validator.errors(doc), "seed " + seed + ": " + out.text());
            assertEquals(out.text(), tok.decode(out.ids()), "the detokenised text is what the grammar saw");
            System.out.printf("seed %d, %d tokens: %s%n", seed, out.ids().length, out.text().replace("\n", "\\n"));
        }
    }

    @Test
    void the_same_seed_unconstrained_is_not_json() {
        Output free = generate(null, 1);
        assertNull(JsonObjectGrammarTest.parseOrNull(free.text()), free.text());
        assertFalse(Grammar.fromJsonSchema(JsonSchemaGrammarTest.schema(PERSON)).matches(free.text()));
    }

    @Test
    void json_object_mode_starts_an_object_and_every_prefix_stays_valid() {
        GrammarConstraint c = new GrammarConstraint(Grammar.jsonObject(), tok);
        Output out = generate(c, 7);
        assertTrue(out.text().startsWith("{"), out.text());
        if (out.finished()) assertTrue(JsonObjectGrammarTest.parseOrNull(out.text()).isObject(), out.text());
        else assertFalse(c.state().isDead(), "an unfinished object is still a live prefix");
    }
}
