package dev.halyard.server;

import static dev.halyard.server.Api.obj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/embeddings, /tokenize, /detokenize. */
class EmbeddingsAndTokensTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    static float[] vector(JsonNode e) {
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) e.get(i).asDouble();
        return v;
    }

    @Test
    void embeddings_are_unit_length_vectors_of_the_model_width_one_per_input() {
        Api.Response r = ts.api.post("/v1/embeddings", obj("model", TestServer.MODEL, "input", List.of("The cat sat.", "A dog ran.", "The cat sat.")));
        assertEquals(200, r.status(), r.text());
        JsonNode b = r.json();
        assertEquals("list", b.get("object").asText());
        assertEquals(3, b.get("data").size());
        float[][] v = new float[3][];
        for (int i = 0; i < 3; i++) {
            JsonNode d = b.get("data").get(i);
            assertEquals("embedding", d.get("object").asText());
            assertEquals(i, d.get("index").asInt());
            v[i] = vector(d.get("embedding"));
            assertEquals(64, v[i].length);
            double norm = 0;
            for (float x : v[i]) norm += x * x;
            assertEquals(1.0, Math.sqrt(norm), 1e-5);
        }
        assertArrayEquals(v[0], v[2], "the same text embeds the same way");
        assertNotEquals(v[0][0], v[1][0]);
        assertTrue(b.get("usage").get("prompt_tokens").asInt() > 6);
        assertEquals(b.get("usage").get("prompt_tokens").asInt(), b.get("usage").get("total_tokens").asInt());
    }

    @Test
    void base64_embeddings_decode_to_the_same_floats() {
        JsonNode f = ts.api.post("/v1/embeddings", obj("input", "Once upon a time")).json();
        JsonNode b = ts.api.post("/v1/embeddings", obj("input", "Once upon a time", "encoding_format", "base64")).json();
        ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(b.get("data").get(0).get("embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[buf.remaining() / 4];
        for (int i = 0; i < decoded.length; i++) decoded[i] = buf.getFloat();
        assertArrayEquals(vector(f.get("data").get(0).get("embedding")), decoded);
    }

    @Test
    void tokenize_then_detokenize_gives_the_text_back() {
        String text = "Lily and Tom went to the park. They saw a big dog!";
        JsonNode toks = ts.api.post("/tokenize", obj("content", text)).json().get("tokens");
        assertTrue(toks.size() > 5);
        assertTrue(toks.get(0).asInt() != 1, "no BOS unless add_special");
        assertEquals(text, ts.api.post("/detokenize", obj("tokens", toks)).json().get("content").asText());
    }

    @Test
    void tokenize_adds_bos_with_add_special_and_gives_pieces_on_request() {
        assertEquals(1, ts.api.post("/tokenize", obj("content", "Hi", "add_special", true)).json().get("tokens").get(0).asInt());
        JsonNode pieces = ts.api.post("/tokenize", obj("content", "The cat", "with_pieces", true)).json().get("tokens");
        StringBuilder s = new StringBuilder();
        for (JsonNode p : pieces) {
            assertTrue(p.get("id").isInt());
            s.append(p.get("piece").asText());
        }
        assertEquals(" The cat", s.toString()); // SentencePiece's dummy prefix
    }
}
