package dev.halyard.server;

import static dev.halyard.server.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import dev.halyard.model.gguf.GgufValue;
import dev.halyard.model.gguf.GgufWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose GGUF carries its own {@code tokenizer.chat_template}: the server renders chats with it,
 * tools included when the template uses them, and the tokenizer's BOS is not doubled.
 */
class ModelTemplateTest {
    static final String TEMPLATE = """
            {{- bos_token }}
            {%- if tools %}<tools>{% for t in tools %}{{ t.function.name }};{% endfor %}</tools>
            {% endif %}
            {%- for m in messages %}{{ m.role }}: {{ m.content }}
            {% endfor %}
            {%- if add_generation_prompt %}assistant:{% endif %}""";

    /** stories260K with {@code tokenizer.chat_template} added. */
    static Path withTemplate(Path dir) throws IOException {
        Path src = TestServer.modelFile();
        GgufFile g = GgufFile.read(src);
        GgufWriter w = new GgufWriter();
        g.metadata().forEach(w::put);
        w.put("tokenizer.chat_template", GgufValue.string(TEMPLATE));
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            for (GgufTensorInfo t : g.tensors()) {
                var buf = java.nio.ByteBuffer.allocate((int) t.byteSize());
                ch.read(buf, g.dataStart() + t.offset());
                w.tensor(t.name(), t.ne(), t.type(), buf.array());
            }
        }
        Path out = dir.resolve("templated.gguf");
        w.write(out);
        return out;
    }

    @Test
    void the_models_own_template_renders_the_chat_and_its_tools(@TempDir Path dir) throws Exception {
        Path model = withTemplate(dir);
        try (TestServer ts = TestServer.start(c -> new ServerConfig(c.host(), 0, null, List.of(model), c.models(), c.limits(), null, c.sseKeepAlive()))) {
            var tool = obj("type", "function", "function", obj("name", "get_time", "parameters", obj("type", "object")));
            var body = obj("model", "templated", "max_tokens", 2, "temperature", 0, "tools", List.of(tool),
                    "messages", List.of(obj("role", "system", "content", "Be brief."), obj("role", "user", "content", "Hi")));
            Api.Response r = ts.api.post("/v1/chat/completions", body);
            assertEquals(200, r.status(), r.text());
            String expected = "<tools>get_time;</tools>\nsystem: Be brief.\nuser: Hi\nassistant:";
            JsonNode ids = ts.api.post("/tokenize", obj("model", "templated", "content", expected, "add_special", true)).json().get("tokens");
            assertEquals(1, ids.get(0).asInt(), "one BOS, from the tokenizer");
            assertEquals(ids.size(), r.json().get("usage").get("prompt_tokens").asInt(), "the prompt is exactly the template's text: " + r.text());
            assertTrue(Files.size(model) > 1_000_000);
        }
    }
}
