package dev.halyard.kernels.quant;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The shapes every vector kernel works in.
 *
 * <p>Quants are loaded 16 bytes at a time (a 128-bit {@link ByteVector}, native on every SIMD ISA),
 * decoded in byte lanes and widened to {@link #PARTS} float vectors of {@link #L} lanes. All species
 * are {@code static final} so that C2 sees constants; the float width is the machine's preferred one
 * (128, 256 or 512 bits), chosen once per JVM. Tests run the other widths in child JVMs capped with
 * {@code -XX:MaxVectorSize}.
 *
 * <p>Each vector kernel is one method that calls nothing but the JDK's force-inlined Vector API and
 * memory-segment accessors (and intrinsics such as {@link Float#float16ToFloat}), on purpose:
 * <ul>
 *   <li>a helper method taking or returning vectors is called far more often than the kernel, so C2
 *       compiles it on its own first; its code is then too big to inline ("already compiled into a big
 *       method") and every vector crossing the call is boxed on the heap: silently ~100x slower;
 *   <li>a kernel's vector code is large enough that C2 stops inlining ordinary methods inside it
 *       ({@code NodeCountInliningCutoff}), so even a tiny scalar helper becomes a real call, which
 *       spills every vector register: scalar fields are therefore read inline, in bulk where possible.
 * </ul>
 * {@code VectorSelfCheck} asserts, for every width, that warm kernels allocate nothing.
 */
public final class Simd {
    private Simd() {}

    /** Float lanes of every kernel: the preferred species, clamped to [128, 512] bits. */
    public static final VectorSpecies<Float> F = pickFloatSpecies();
    /** Lanes per float vector: 4, 8 or 16. */
    public static final int L = F.length();
    /** 16 bytes of quants per load. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Float vectors per 16 int8 lanes: 4, 2 or 1. */
    public static final int PARTS = 16 / L;
    /** L shorts (F16 / BF16 loads) and L ints (their widening). */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN; // ggml files are little-endian

    /**
     * Lane permutations i -> i ^ k for a fixed-order pairwise sum of a vector's lanes. The Vector
     * API's {@code reduceLanes(ADD)} on floats may add in a different order once C2 intrinsifies it
     * than in the interpreter's fallback, so the same dot product changed in its last bit as the JIT
     * warmed up; lanewise adds of these permutations give the same bits in every tier. Each kernel
     * folds inline: {@code s = s.add(s.rearrange(FOLD8))} (16 lanes), FOLD4 (8+), FOLD2, FOLD1, then
     * {@code s.lane(0)}.
     */
    public static final VectorShuffle<Float> FOLD8 = VectorShuffle.fromOp(F, i -> (i ^ 8) & (F.length() - 1));
    public static final VectorShuffle<Float> FOLD4 = VectorShuffle.fromOp(F, i -> (i ^ 4) & (F.length() - 1));
    public static final VectorShuffle<Float> FOLD2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    public static final VectorShuffle<Float> FOLD1 = VectorShuffle.fromOp(F, i -> i ^ 1);

    /**
     * Lanes whose index has bit k set (HI8: bit 3, ... HI1: bit 0), for folding many accumulators at
     * once at 16 lanes: {@code u = x.blend(y, HIk); v = y.blend(x, HIk).rearrange(FOLDk); x' = u.add(v)}
     * does x's FOLDk step in the lanes without bit k and y's in those with it, with the very operands
     * and order of {@code x.add(x.rearrange(FOLDk))} (lane j of both: x[j] + x[j ^ k]). Four such
     * levels over 16 accumulators leave accumulator j's fold in lane j (see {@code Tiles.tile4x4}): 60
     * vector operations where 16 separate folds take 144.
     */
    public static final VectorMask<Float> HI8 = VectorMask.fromLong(F, L == 16 ? 0xFF00L : 0);
    /** At 16 lanes, lanes 4t..4t+3: token t's four rows after a 4x4 tile's blended fold (HI8..HI1). */
    public static final VectorMask<Float> QUAD0 = VectorMask.fromLong(F, 0x000FL & ((1L << L) - 1)),
            QUAD1 = VectorMask.fromLong(F, 0x00F0L & ((1L << L) - 1)), QUAD2 = VectorMask.fromLong(F, 0x0F00L & ((1L << L) - 1)),
            QUAD3 = VectorMask.fromLong(F, 0xF000L & ((1L << L) - 1));
    public static final VectorMask<Float> HI4 = VectorMask.fromLong(F, 0xF0F0L & ((1L << L) - 1));
    public static final VectorMask<Float> HI2 = VectorMask.fromLong(F, 0xCCCCL & ((1L << L) - 1));
    public static final VectorMask<Float> HI1 = VectorMask.fromLong(F, 0xAAAAL & ((1L << L) - 1));

    /**
     * out[oi + r] = the folded sum of the accumulator vector acc[ai + r*L .. +L), r = 0..3: the end of
     * a kernel whose accumulators were carried through column slices ({@code dotTile4Acc}), with the
     * same fold as the kernels that end in registers, so the same bits.
     */
    public static void fold4(float[] acc, int ai, float[] out, int oi) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ai), a1 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, ai + 2 * L), a3 = FloatVector.fromArray(F, acc, ai + 3 * L);
        if (L == 16) {
            a0 = a0.add(a0.rearrange(FOLD8));
            a1 = a1.add(a1.rearrange(FOLD8));
            a2 = a2.add(a2.rearrange(FOLD8));
            a3 = a3.add(a3.rearrange(FOLD8));
        }
        if (L >= 8) {
            a0 = a0.add(a0.rearrange(FOLD4));
            a1 = a1.add(a1.rearrange(FOLD4));
            a2 = a2.add(a2.rearrange(FOLD4));
            a3 = a3.add(a3.rearrange(FOLD4));
        }
        a0 = a0.add(a0.rearrange(FOLD2));
        a1 = a1.add(a1.rearrange(FOLD2));
        a2 = a2.add(a2.rearrange(FOLD2));
        a3 = a3.add(a3.rearrange(FOLD2));
        out[oi] = a0.add(a0.rearrange(FOLD1)).lane(0);
        out[oi + 1] = a1.add(a1.rearrange(FOLD1)).lane(0);
        out[oi + 2] = a2.add(a2.rearrange(FOLD1)).lane(0);
        out[oi + 3] = a3.add(a3.rearrange(FOLD1)).lane(0);
    }

    private static VectorSpecies<Float> pickFloatSpecies() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (bits >= 512) return FloatVector.SPECIES_512;
        if (bits >= 256) return FloatVector.SPECIES_256;
        return FloatVector.SPECIES_128;
    }

    /**
     * Q5_0 / Q5_1 fifth bits: lane j of {@code bytes.rearrange(SPREAD_01).and(BIT_OF_LANE)} is non-zero
     * when bit j of the little-endian 16-bit field in bytes 0..1 is set (SPREAD_23: bytes 2..3).
     */
    static final VectorShuffle<Byte> SPREAD_01 =
            VectorShuffle.fromValues(B16, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    static final VectorShuffle<Byte> SPREAD_23 =
            VectorShuffle.fromValues(B16, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    static final ByteVector BIT_OF_LANE = ByteVector.fromArray(
            B16, new byte[] {1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128}, 0);
}
