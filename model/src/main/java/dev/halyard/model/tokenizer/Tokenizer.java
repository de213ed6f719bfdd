package dev.halyard.model.tokenizer;

import dev.halyard.model.gguf.GgufFile;
import java.nio.file.Path;

/**
 * Text <-> token ids, reproducing llama.cpp's tokenizers: SentencePiece ("llama"), byte-level BPE
 * ("gpt2", with the pre-tokenizer named by {@code tokenizer.ggml.pre}) and WordPiece ("bert").
 * Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {

    /** The tokenizer a GGUF file describes; {@link IllegalArgumentException} naming the key when its metadata is malformed. */
    static Tokenizer fromGguf(GgufFile gguf) {
        return GgufTokenizerLoader.load(gguf);
    }

    /**
     * A byte-level BPE tokenizer from a Hugging Face {@code tokenizer.json}; reads
     * {@code tokenizer_config.json} beside it, if present, for BOS/EOS, add_bos/add_eos and the chat template.
     */
    static Tokenizer fromHuggingFace(Path tokenizerJson) {
        return HuggingFaceTokenizerLoader.load(tokenizerJson);
    }

    /**
     * Token ids of {@code text}, as llama.cpp's {@code llama_tokenize}.
     *
     * @param addSpecial   add BOS/EOS as the model asks (BERT: [CLS] ... [SEP])
     * @param parseSpecial the text of control tokens (e.g. {@code <|im_start|>}) maps to their ids; otherwise
     *                     it is tokenized as plain text (user-defined tokens are always recognised)
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The raw vocabulary string of a token. */
    String tokenText(int id);

    /** The bytes this token contributes to decoded text (empty for control tokens); may be part of a UTF-8 character. */
    byte[] tokenBytes(int id);

    /**
     * The text of {@code ids}: their bytes concatenated, decoded as UTF-8 (invalid sequences become U+FFFD).
     * For SentencePiece the space the dummy prefix added is removed from the first piece that has text.
     */
    String decode(int[] ids);

    int vocabSize();

    /** -1 when absent. */
    int bosId();

    /** -1 when absent. */
    int eosId();

    boolean addBos();

    boolean addEos();

    /** EOS, EOT ({@code <|eot_id|>}, {@code <|im_end|>}, {@code <end_of_turn>}, ...), EOM: as llama.cpp marks end of generation. */
    boolean isEndOfGeneration(int id);

    boolean isControl(int id);

    /** The Jinja chat template, or null. */
    String chatTemplate();
}
