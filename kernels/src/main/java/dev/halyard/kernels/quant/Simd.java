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
     * same fold as the kernels that end in registers, so the same bits. Those kernels each keep their
     * own copy of this fold on purpose: a helper taking the four vectors as arguments (stop 49) was not
     * inlined into the larger kernels, and warm tiled Q5_0 then allocated 4,784 bytes per call (boxed
     * vectors; VectorSelfCheck's allocation checks failed with -Xbatch).
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

    /**
     * {@link #fold4} for a quad of tokens at 16 lanes: the 16 accumulators at {@code acc[ai + (4t + r)L]}
     * (token t, row r) folded together with blends ({@link #HI8}: 60 vector operations where four
     * {@code fold4}s take about 150), row r of token t into {@code out[oi + t*os + r]}. The same bits
     * as {@code fold4} per token: every lane sum is the one of the plain fold.
     */
    public static void fold16(float[] acc, int ai, float[] out, int oi, int os) {
        if (L != 16) throw new IllegalStateException("fold16 needs 16 lanes, not " + L);
        FloatVector a00 = FloatVector.fromArray(F, acc, ai), a10 = FloatVector.fromArray(F, acc, ai + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ai + 2 * L), a30 = FloatVector.fromArray(F, acc, ai + 3 * L);
        FloatVector a01 = FloatVector.fromArray(F, acc, ai + 4 * L), a11 = FloatVector.fromArray(F, acc, ai + 5 * L);
        FloatVector a21 = FloatVector.fromArray(F, acc, ai + 6 * L), a31 = FloatVector.fromArray(F, acc, ai + 7 * L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ai + 8 * L), a12 = FloatVector.fromArray(F, acc, ai + 9 * L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ai + 10 * L), a32 = FloatVector.fromArray(F, acc, ai + 11 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ai + 12 * L), a13 = FloatVector.fromArray(F, acc, ai + 13 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ai + 14 * L), a33 = FloatVector.fromArray(F, acc, ai + 15 * L);
        // as Tiles.tile4x4's ending: accumulator 4*token + row ends in lane 4*token + row
        FloatVector c0 = a00.blend(a02, HI8).add(a02.blend(a00, HI8).rearrange(FOLD8));
        FloatVector c1 = a10.blend(a12, HI8).add(a12.blend(a10, HI8).rearrange(FOLD8));
        FloatVector c2 = a20.blend(a22, HI8).add(a22.blend(a20, HI8).rearrange(FOLD8));
        FloatVector c3 = a30.blend(a32, HI8).add(a32.blend(a30, HI8).rearrange(FOLD8));
        FloatVector c4 = a01.blend(a03, HI8).add(a03.blend(a01, HI8).rearrange(FOLD8));
        FloatVector c5 = a11.blend(a13, HI8).add(a13.blend(a11, HI8).rearrange(FOLD8));
        FloatVector c6 = a21.blend(a23, HI8).add(a23.blend(a21, HI8).rearrange(FOLD8));
        FloatVector c7 = a31.blend(a33, HI8).add(a33.blend(a31, HI8).rearrange(FOLD8));
        c0 = c0.blend(c4, HI4).add(c4.blend(c0, HI4).rearrange(FOLD4));
        c1 = c1.blend(c5, HI4).add(c5.blend(c1, HI4).rearrange(FOLD4));
        c2 = c2.blend(c6, HI4).add(c6.blend(c2, HI4).rearrange(FOLD4));
        c3 = c3.blend(c7, HI4).add(c7.blend(c3, HI4).rearrange(FOLD4));
        c0 = c0.blend(c2, HI2).add(c2.blend(c0, HI2).rearrange(FOLD2));
        c1 = c1.blend(c3, HI2).add(c3.blend(c1, HI2).rearrange(FOLD2));
        c0 = c0.blend(c1, HI1).add(c1.blend(c0, HI1).rearrange(FOLD1));
        c0.intoArray(out, oi, QUAD0);
        c0.intoArray(out, oi + os - 4, QUAD1);
        c0.intoArray(out, oi + 2 * os - 8, QUAD2);
        c0.intoArray(out, oi + 3 * os - 12, QUAD3);
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
