package dev.halyard.server.store;

import dev.halyard.kernels.GgmlType;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * What a model's GGUF header says about it, for listings: architecture, quantisation, parameter count
 * and context length. Only the header is read.
 *
 * @param quantization llama.cpp's file-type name from {@code general.file_type} (e.g. {@code Q4_K_M}), else
 *     the tensor type holding most weights; {@code "vocab only"} for a file without tensors
 * @param contextLength training context length, -1 when not set
 */
public record ModelInfo(String architecture, String quantization, long parameters, long contextLength) {
    public ModelInfo {
        if (architecture == null || architecture.isEmpty()) throw new IllegalArgumentException("architecture must not be empty");
        if (quantization == null) throw new IllegalArgumentException("quantization must not be null");
        if (parameters < 0) throw new IllegalArgumentException("parameters must be >= 0, got " + parameters);
    }

    /** llama.cpp's {@code llama_ftype} values (llama.h) by number; gaps are retired formats. */
    private static final Map<Integer, String> FILE_TYPES = Map.ofEntries(
            Map.entry(0, "F32"), Map.entry(1, "F16"), Map.entry(2, "Q4_0"), Map.entry(3, "Q4_1"), Map.entry(7, "Q8_0"),
            Map.entry(8, "Q5_0"), Map.entry(9, "Q5_1"), Map.entry(10, "Q2_K"), Map.entry(11, "Q3_K_S"), Map.entry(12, "Q3_K_M"),
            Map.entry(13, "Q3_K_L"), Map.entry(14, "Q4_K_S"), Map.entry(15, "Q4_K_M"), Map.entry(16, "Q5_K_S"),
            Map.entry(17, "Q5_K_M"), Map.entry(18, "Q6_K"), Map.entry(19, "IQ2_XXS"), Map.entry(20, "IQ2_XS"),
            Map.entry(21, "Q2_K_S"), Map.entry(22, "IQ3_XS"), Map.entry(23, "IQ3_XXS"), Map.entry(24, "IQ1_S"),
            Map.entry(25, "IQ4_NL"), Map.entry(26, "IQ3_S"), Map.entry(27, "IQ3_M"), Map.entry(28, "IQ2_S"),
            Map.entry(29, "IQ2_M"), Map.entry(30, "IQ4_XS"), Map.entry(31, "IQ1_M"), Map.entry(32, "BF16"),
            Map.entry(36, "TQ1_0"), Map.entry(37, "TQ2_0"));

    /** Reads the header of {@code file}. */
    public static ModelInfo read(Path file) throws IOException {
        return of(GgufFile.read(file));
    }

    public static ModelInfo of(GgufFile g) {
        String arch = g.getString("general.architecture", "unknown");
        long params = 0;
        Map<GgmlType, Long> elementsByType = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : g.tensors()) {
            params += t.elements();
            elementsByType.merge(t.type(), t.elements(), Long::sum);
        }
        long ctx = g.getLong(arch + ".context_length", -1);
        return new ModelInfo(arch, quantization(g, elementsByType), params, ctx);
    }

    private static String quantization(GgufFile g, Map<GgmlType, Long> elementsByType) {
        if (elementsByType.isEmpty()) return "vocab only";
        long fileType = g.has("general.file_type") ? g.getLong("general.file_type", -1) : -1;
        String named = fileType >= 0 && fileType <= Integer.MAX_VALUE ? FILE_TYPES.get((int) fileType) : null;
        if (named != null) return named;
        return elementsByType.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey().name();
    }
}
