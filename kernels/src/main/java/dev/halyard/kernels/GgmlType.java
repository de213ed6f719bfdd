package dev.halyard.kernels;

/**
 * Tensor element types as numbered by ggml (the ids stored in GGUF files).
 *
 * <p>Every type carries its block geometry so that sizes of tensors can be validated for any file,
 * including types Halyard cannot compute with ({@link #computable()} is false for those).
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, true),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false);

    /** ggml's numeric id, as stored in GGUF tensor descriptors. */
    public final int id;
    /** Elements per block (1 for plain types). */
    public final int blockSize;
    /** Bytes per block. */
    public final int typeSize;
    private final boolean computable;

    GgmlType(int id, int blockSize, int typeSize, boolean computable) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.computable = computable;
    }

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    /** The type with this id, or null when the id is unknown to ggml (or retired). */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** True when Halyard has kernels (dequantise + dot) for this type. */
    public boolean computable() {
        return computable;
    }

    /** Whether this is a block-quantised type. */
    public boolean quantized() {
        return blockSize > 1;
    }

    /**
     * Bytes needed for {@code elements} elements, or -1 when elements is not a whole number of blocks.
     * The caller checks {@code elements} for overflow first; this multiplies exactly.
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) return -1;
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }
}
