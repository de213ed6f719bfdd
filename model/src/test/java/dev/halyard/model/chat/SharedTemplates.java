package dev.halyard.model.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** Loads the real chat templates from shared/: the .jinja files and the tokenizer_config.json ones. */
final class SharedTemplates {
    private SharedTemplates() {}

    static String jinja(String fileName) {
        try {
            return Files.readString(SharedData.require("templates/" + fileName));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The template and special tokens in tokenizers/{model}/tokenizer_config.json. */
    static ChatTemplate fromTokenizerConfig(String model) {
        try {
            JsonNode config = new ObjectMapper().readTree(SharedData.require("tokenizers/" + model + "/tokenizer_config.json").toFile());
            return ChatTemplate.of(config.get("chat_template").asText(), text(config.get("bos_token")), text(config.get("eos_token")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(JsonNode n) {
        if (n == null || n.isNull()) return null;
        return n.isTextual() ? n.asText() : n.get("content").asText();
    }
}
