package dev.halyard.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * Unicode facts as llama.cpp's {@code unicode.cpp} sees them: one category per code point (N, L, M, P,
 * S, Z, C or undefined), the White_Space set (not Java's {@link Character#isWhitespace}), simple lower
 * case, "NFD" as the first code point of the canonical decomposition, and GPT-2's byte-to-unicode map.
 */
final class Unicode {
    private Unicode() {}

    // ---------------------------------------------------------------- categories

    static final int UNDEFINED = 0;
    static final int NUMBER = 1;      // \p{N}
    static final int LETTER = 2;      // \p{L}
    static final int MARK = 3;        // \p{M} (llama.cpp: ACCENT_MARK)
    static final int PUNCTUATION = 4; // \p{P}
    static final int SYMBOL = 5;      // \p{S}
    static final int SEPARATOR = 6;   // \p{Z}
    static final int CONTROL = 7;     // \p{C} without Cn

    /** The general category of {@code cp}, folded to llama.cpp's flags. */
    static int category(int cp) {
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            default -> UNDEFINED;
        };
    }

    static boolean isLetter(int cp) { return category(cp) == LETTER; }
    static boolean isNumber(int cp) { return category(cp) == NUMBER; }

    /** Unicode's White_Space property (PropList.txt), which llama.cpp uses for {@code \s}. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Simple (one code point) lower-case mapping, as llama.cpp's {@code unicode_tolower}. */
    static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }

    /** The first code point of the canonical decomposition (llama.cpp's {@code unicode_cpts_normalize_nfd}). */
    static int nfdFirst(int cp) {
        if (cp < 0xC0) return cp; // nothing below U+00C0 decomposes
        String nfd = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD);
        return nfd.codePointAt(0);
    }

    /** The code points of {@code s}; an unpaired surrogate becomes U+FFFD as invalid UTF-8 does in llama.cpp. */
    static int[] codePoints(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] >= 0xD800 && cps[i] <= 0xDFFF) cps[i] = 0xFFFD;
        }
        return cps;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- GPT-2 byte-level map

    /** byte (0..255) -> the printable character GPT-2 stands it for. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** character (0..323) -> the byte it stands for, or -1. */
    private static final int[] CHAR_TO_BYTE = new int[324];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        boolean[] printable = new boolean[256];
        for (int b = 0x21; b <= 0x7E; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) {
            char c = printable[b] ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    static char byteToChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte that byte-level character {@code c} stands for, or -1 if it is not one of the 256. */
    static int charToByte(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The UTF-8 bytes of {@code s}, each replaced by its byte-level character. */
    static String byteEncode(String s) {
        byte[] bytes = utf8(s);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** Undoes {@link #byteEncode}; characters outside the map contribute their own UTF-8. */
    static byte[] byteDecode(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        s.codePoints().forEach(cp -> {
            int b = charToByte(cp);
            if (b >= 0) out.write(b);
            else out.writeBytes(utf8(Character.toString(cp)));
        });
        return out.toByteArray();
    }
}
