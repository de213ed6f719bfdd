package dev.halyard.server.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.openai.Limits;
import dev.halyard.server.openai.ModelWire;
import dev.halyard.server.openai.TokenizeRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** llama-server's {@code POST /tokenize} and {@code POST /detokenize}. */
public final class TokenizeServing {
    private final ModelManager models;
    private final Limits limits;

    public TokenizeServing(ModelManager models, Limits limits) {
        this.models = models;
        this.limits = limits;
    }

    public Reply tokenize(JsonNode body, Exchange ex) {
        TokenizeRequest.Encode req = TokenizeRequest.Encode.parse(body, limits);
        try (ModelManager.Lease lease = models.acquire(req.model())) {
            ex.model(lease.model().id());
            Tokenizer tok = lease.model().tokenizer();
            int[] ids = tok.encode(req.content(), req.addSpecial(), req.parseSpecial());
            List<Object> out = new ArrayList<>(ids.length);
            for (int id : ids) out.add(req.withPieces() ? new ModelWire.Piece(id, piece(tok.tokenBytes(id))) : id);
            ex.addPromptTokens(ids.length);
            return Reply.Json.ok(new ModelWire.Tokens(out));
        }
    }

    public Reply detokenize(JsonNode body, Exchange ex) {
        TokenizeRequest.Decode req = TokenizeRequest.Decode.parse(body, limits);
        try (ModelManager.Lease lease = models.acquire(req.model())) {
            ex.model(lease.model().id());
            Tokenizer tok = lease.model().tokenizer();
            for (int i = 0; i < req.tokens().length; i++)
                if (req.tokens()[i] >= tok.vocabSize())
                    throw ApiException.invalid("tokens[" + i + "]", "tokens[" + i + "] = " + req.tokens()[i] + " is outside the vocabulary [0, " + tok.vocabSize() + ")");
            return Reply.Json.ok(new ModelWire.Detokenized(tok.decode(req.tokens())));
        }
    }

    /** The token's text when its bytes are valid UTF-8, else the bytes (as llama-server reports pieces). */
    private static Object piece(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            List<Integer> out = new ArrayList<>(bytes.length);
            for (byte b : bytes) out.add(b & 0xFF);
            return out;
        }
    }
}
