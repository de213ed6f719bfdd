package dev.halyard.model.gguf;

/**
 * A malformed or unsupported GGUF file. The message names the field and the offending value, e.g.
 * {@code tensor_count 18446744073709551615 exceeds what a 512-byte file can hold}.
 */
public final class GgufFormatException extends RuntimeException {
    public GgufFormatException(String message) {
        super(message);
    }
}
