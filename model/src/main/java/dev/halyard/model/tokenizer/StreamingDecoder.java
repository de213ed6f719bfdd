package dev.halyard.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token ids into text piece by piece without ever splitting a UTF-8 character:
 * bytes of a character that is still incomplete are held back until the tokens that complete it
 * arrive (an emoji can span several byte tokens). The concatenation of everything {@link #push}
 * and {@link #flush} return equals {@link Tokenizer#decode} of all the ids (with the same
 * leading-space rule). Not thread-safe: one per stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private boolean stripLeadingSpace; // still to drop one ' ' from the first bytes that arrive
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(); // bytes not yet emitted

    /**
     * @param stripLeadingSpace drop one leading ' ' of the first text (SentencePiece's dummy prefix after BOS,
     *                          as llama2.c does)
     */
    public StreamingDecoder(Tokenizer tokenizer, boolean stripLeadingSpace) {
        if (tokenizer == null) throw new IllegalArgumentException("tokenizer must not be null");
        this.tokenizer = tokenizer;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /** Adds one token; returns the text that is complete so far ("" while a character is incomplete). */
    public String push(int id) {
        byte[] piece = tokenizer.tokenBytes(id);
        if (piece.length == 0) return "";
        int skip = stripLeadingSpace && piece[0] == ' ' ? 1 : 0;
        stripLeadingSpace = false;
        pending.write(piece, skip, piece.length - skip);
        byte[] bytes = pending.toByteArray();
        int complete = bytes.length - incompleteTail(bytes);
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return new String(bytes, 0, complete, StandardCharsets.UTF_8);
    }

    /** Whatever bytes remain, invalid ones as U+FFFD. */
    public String flush() {
        String s = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return s;
    }

    /**
     * How many bytes at the end form the beginning of a UTF-8 sequence that more bytes could still
     * complete: a lead byte (C2..F4) followed by fewer continuation bytes than it announces.
     */
    static int incompleteTail(byte[] b) {
        for (int k = 1; k <= Math.min(3, b.length); k++) {
            int c = b[b.length - k] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: look further back
            int need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
            return need > k ? k : 0;
        }
        return 0;
    }
}
