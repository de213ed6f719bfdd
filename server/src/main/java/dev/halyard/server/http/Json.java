package dev.halyard.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.openai.Limits;
import java.io.IOException;

/**
 * JSON in and out: request bodies are parsed into trees under the limits (nesting depth, string and
 * number lengths, trailing data rejected); responses are written from the wire records in snake_case.
 */
public final class Json {
    private final ObjectMapper reader;
    private final ObjectMapper writer;

    public Json(Limits limits) {
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxJsonDepth())
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, limits.maxBodyBytes()))
                        .maxNumberLength(100)
                        .maxNameLength(1024)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.reader = new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.writer = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    /** The body as a tree; 400 with the parser's reason when it is not JSON within the limits. */
    public JsonNode parse(byte[] body) {
        if (body.length == 0) throw ApiException.badJson("the body is empty");
        try {
            JsonNode n = reader.readTree(body);
            if (n == null || n.isMissingNode()) throw ApiException.badJson("the body is empty");
            return n;
        } catch (StreamConstraintsException e) {
            throw ApiException.badJson(e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiException.badJson(e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badJson(e.getMessage());
        }
    }

    public byte[] write(Object value) {
        try {
            return writer.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** For the OpenAPI document and tests. */
    public ObjectMapper writer() {
        return writer;
    }
}
