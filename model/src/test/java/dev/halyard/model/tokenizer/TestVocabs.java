package dev.halyard.model.tokenizer;

import dev.halyard.model.gguf.GgufFile;
import dev.halyard.testing.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The shared vocab-only GGUF files (llama.cpp's ggml-vocab-*.gguf) and their tokenizers. */
final class TestVocabs {
    private TestVocabs() {}

    static Path path(String name) {
        return SharedData.require("vocab/ggml-vocab-" + name + ".gguf");
    }

    static Tokenizer load(String name) {
        try {
            return Tokenizer.fromGguf(GgufFile.read(path(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
