package dev.halyard.kernels;

import dev.halyard.kernels.quant.Q4_0Kernel;
import dev.halyard.kernels.quant.Q4_KKernel;
import dev.halyard.kernels.quant.Q4_KTiles;
import dev.halyard.kernels.quant.Q5_0Kernel;
import dev.halyard.kernels.quant.Q6_KTiles;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix W (rows, cols) in any {@link GgmlType}, stored off-heap. A GGUF tensor with
 * ne = [cols, rows] maps to this directly (ggml's ne[0] is the contiguous dimension).
 *
 * <p>Two layouts. {@code tiled4 == false}: the file's, row after row. {@code tiled4 == true} (Q8_0,
 * Q4_0, Q5_0, Q4_K and Q6_K, made by {@link #tile4} at load time): rows are grouped in fours and, for each
 * block column, the four rows' blocks sit together — for Q8_0 their four f16 scales, then their four
 * quant payloads (8 + 4 x 32 = 136 bytes per block column); Q4_0 interleaves its four payloads nibble
 * by nibble for its kernel (see {@code Q4_0Kernel.tileColumn}), Q5_0 likewise with the fifth bits after
 * the nibbles ({@code Q5_0Kernel.tileColumn}); the K-quants put their scales,
 * rearranged for vector decoding, before their quants (see {@link Q4_KTiles#tile}). The decode
 * kernels then read one sequential stream instead of four interleaved ones, which the hardware
 * prefetchers follow far better once the weights come from DRAM (llama.cpp repacks for the same
 * reason). Same size but for Q4_0 and Q5_0 (f32 scales: 80 instead of 72, 96 instead of 88 bytes per
 * block column) and for the padding and placement of Q4_0, Q5_0 and Q8_0 tiles, which the prefetchers
 * stream up to twice as fast when no tile starts or ends in the first 64 bytes of a 256-byte run
 * (see {@link #PLACE}). The layout is for this JVM only (Q4_0's and Q5_0's depend on its vector width): it lives
 * in memory, never in a file.
 *
 * <p>Wide Q8_0, Q4_0, Q4_K and Q6_K matrices (more than {@link #SLICED_ABOVE} columns, e.g. a down projection of
 * 8192) are tiled <b>slice-major</b>: the columns are cut into slices of {@link #SLICE} (the last may be
 * narrower), and slice after slice holds every tile's block columns of that slice, tile after tile.
 * A decode step then walks slice by slice, each thread streaming its tiles' part of the slice from
 * contiguous memory while that slice of the activations (8 KiB) stays in L1; the kernels carry each
 * row's accumulator from one slice to the next, so the bits do not change. With whole rows, a tile's
 * weights (18 KiB for 8192 Q4_0 columns) and the 32 KiB activation vector no longer fit the 48 KiB L1
 * together, and such matrices streamed ~35% slower than narrow ones (Llama-3.2-1B's down projection,
 * 2 threads: ~15 -> ~19 GB/s; 2048-column slices measured a little better than 4096). The slices are
 * further <b>group-major</b>: the tiles are grouped by {@link #GROUP}, and each group holds its
 * slices one after another, so a thread streams a group as one ascending run rather than runs a whole
 * slice apart (Llama-3.2-1B's 2048x8192 down projections from DRAM, 2 threads: Q4_K / Q6_K whole rows
 * 11-13 GB/s, slice-major ~15, group-major ~18-20, about the rate of its 2048-column matrices; Q4_0
 * 0.311-0.317 -> 0.290-0.296 ms, Q8_0 0.508-0.528 -> 0.479-0.481 ms against plain slice-major).
 *
 * @param type element type
 * @param data the segment holding the tensor (the tensor begins at {@code offset})
 * @param offset byte offset of row 0 in {@code data}
 * @param rows number of rows (output features)
 * @param cols number of columns (input features), a multiple of the type's block size
 * @param tiled4 whether the rows are interleaved in groups of four (see above)
 */
public record WeightMatrix(GgmlType type, MemorySegment data, long offset, int rows, int cols, boolean tiled4) {
    public WeightMatrix {
        if (cols % type.blockSize != 0)
            throw new IllegalArgumentException("cols must be a multiple of " + type.blockSize + " for " + type + ", got " + cols);
        if (tiled4 && !canTile(type, rows))
            throw new IllegalArgumentException("a " + type + " matrix with " + rows + " rows cannot be tiled by 4");
    }

    /** The file's row-after-row layout. */
    public WeightMatrix(GgmlType type, MemorySegment data, long offset, int rows, int cols) {
        this(type, data, offset, rows, cols, false);
    }

    /** Bytes in one row. */
    public long rowBytes() {
        return (long) cols / type.blockSize * type.typeSize;
    }

    /** Byte offset of row {@code i} within {@link #data()} (row layout only). */
    public long rowOffset(int i) {
        if (tiled4) throw new IllegalStateException("rows of a tiled matrix are not contiguous");
        return offset + i * rowBytes();
    }

    /** Byte offset of rows [4t, 4t+4) within {@link #data()} (whole rows, not slice-major). */
    public long tileOffset(int t) {
        return offset + (long) t * tileStride();
    }

    /**
     * Bytes from one tile to the next (whole rows): the tile's block columns, then any padding ({@link
     * #PLACE}). The decode loops take it once per run of tiles rather than calling {@link #tileOffset(int)} per tile.
     */
    public long tileStride() {
        return tiled4 ? tiledStride(type, cols) : (cols / type.blockSize) * columnBytes();
    }

    private static long tiledStride(GgmlType type, int cols) {
        long bytes = (cols / type.blockSize) * tiledColumnBytes(type);
        if (!placed(type) || sliceMajor(type, cols)) return bytes;
        int pad = PAD[(int) (bytes % PLACE)];
        return pad * PAD_AT_MOST <= bytes ? bytes + pad : bytes;
    }

    /**
     * Tiles are padded by at most 1/PAD_AT_MOST of their size (64 bytes on Qwen2.5-0.5B's 2,240-byte Q4_0
     * tiles). SmolLM2-135M's 576-column tiles would take 96 (Q4_0, +6.7%) and 112 bytes (Q8_0, +4.6%);
     * padded, its Q4_0 generation read 0.93x the unplaced build, unpadded 1.00-1.02x ({@code bench ab},
     * 6-10 rounds; near this host's noise), so the padding does not pay for its memory there.
     */
    static final int PAD_AT_MOST = 32;

    /**
     * Where a tile starts and ends within an aligned run of {@value #PLACE} bytes changes how fast the
     * decode kernels stream it from DRAM, by up to 2x on this machine (AMD EPYC, Zen 5). One thread, the
     * same Q4_0 kernel on the same 2048 x 1024 tiles (2,560 bytes apart) in one JVM: 20.6-21.2 GB/s with
     * every tile starting 64, 128, 192 or 224 bytes into a run, 10.9-11.2 with 0, 16, 32, 48 or 240;
     * 2048 x 2048 Q4_0 14.0 at 0 against 23.2-23.4 at 64 or 128, Q8_0 18.0 against 23.9-24.4. In cache
     * the placement does not matter: it is the hardware prefetchers' doing. Tiles that neither start nor
     * end in the first 64 bytes of a run measured fast in every case tried, so Q4_0, Q5_0 and Q8_0 tiles
     * are placed that way: the stride is padded, where needed, to a multiple of 128 bytes (so tiles start
     * at no more than two offsets in a run) and the matrix starts at the first of 128, 192 or 64 bytes
     * into a run that keeps every start and end out of the first 64 bytes ({@link #placeAt}). Qwen2.5-0.5B's
     * 896-column Q4_0 tiles (2,240 bytes, whose starts went through every offset in turn) get 64 bytes of
     * padding, +2.9% of memory: 14.6 -> 20.3 GB/s on one thread, and the model generates 1.19-1.24x as fast
     * ({@code bench ab}, 6 and 8 rounds, all faster). Where no padding below 128 bytes works (e.g. Q4_0
     * with 1,152 columns: 192 bytes of padding measured slow at both offsets), or it would cost more than
     * {@link #PAD_AT_MOST} allows, the stride stays unpadded. The K-quants are limited by their
     * decoding rather than the stream and measured alike at every offset (Q4_K again with its wider
     * layout, {@code bench decode --offsets}); they are not placed.
     */
    static final int PLACE = 256;
    /** By a tile's bytes % PLACE: the padding after it, and where in a run the matrix starts. */
    private static final int[] PAD = new int[PLACE], START = new int[PLACE];

    static {
        for (int r = 0; r < PLACE; r++) {
            START[r] = 128;
            int pad = Math.floorMod(-r, PLACE / 2); // to the next multiple of 128
            for (int s : new int[] {128, 192, 64})
                if (fast(s, r, pad)) {
                    PAD[r] = pad;
                    START[r] = s;
                    break;
                }
        }
    }

    /**
     * Whether tiles of r (mod PLACE) bytes plus pad, the first starting s bytes into a run, all start
     * and end outside the first 64 bytes of a run (the stride being a multiple of 128, two cases).
     */
    private static boolean fast(int s, int r, int pad) {
        for (int k = 0; k < 2; k++) {
            int start = (s + k * (r + pad)) % PLACE, end = (start + r) % PLACE;
            if (start < 64 || end < 64) return false;
        }
        return true;
    }

    /**
     * The first offset at or after {@code at} in {@code seg} where a tiled matrix of this type and width
     * should start ({@link #PLACE}); {@code at} itself for the types that are not placed.
     * {@link #tiledGrowth} leaves room for the difference.
     */
    public static long placeAt(GgmlType type, int cols, MemorySegment seg, long at) {
        if (!placed(type)) return at;
        boolean sliced = sliceMajor(type, cols); // its runs are its 2048-column slices, unpadded
        long bytes = ((sliced ? SLICE : cols) / type.blockSize) * tiledColumnBytes(type), stride = sliced ? bytes : tiledStride(type, cols);
        if (stride % (PLACE / 2) != 0) return at; // its tiles start at every offset in turn wherever it starts
        return at + Math.floorMod(START[(int) (bytes % PLACE)] - (seg.address() + at), PLACE);
    }

    /** Whether tiled matrices of this type are placed and padded ({@link #PLACE}). */
    private static boolean placed(GgmlType type) {
        return type == GgmlType.Q4_0 || type == GgmlType.Q5_0 || type == GgmlType.Q8_0;
    }

    /**
     * Bytes of one block column of four rows: four blocks, but for tiled Q4_0 and Q5_0, whose layouts
     * widen their scales to f32 ({@link Q4_0Kernel#TILE_COLUMN}, {@link Q5_0Kernel#TILE_COLUMN}), and
     * Q4_K, whose layout widens d and dmin to f32 and unpacks its 6-bit scales ({@link Q4_KKernel#TILE_COLUMN}).
     */
    long columnBytes() {
        return tiled4 ? tiledColumnBytes(type) : 4L * type.typeSize;
    }

    private static long tiledColumnBytes(GgmlType type) {
        return switch (type) {
            case Q4_0 -> Q4_0Kernel.TILE_COLUMN;
            case Q5_0 -> Q5_0Kernel.TILE_COLUMN;
            case Q4_K -> Q4_KKernel.TILE_COLUMN;
            default -> 4L * type.typeSize;
        };
    }

    /** Columns per slice of the slice-major tiled layout. */
    public static final int SLICE = 2048;
    /** Tiled Q8_0 / Q4_0 / Q4_K / Q6_K matrices with more columns than this are slice-major (see above). */
    public static final int SLICED_ABOVE = 6144;

    /** Column slices of the layout: 1 but for slice-major matrices. */
    public int slices() {
        return tiled4 && sliceMajor(type, cols) ? (cols + SLICE - 1) / SLICE : 1;
    }

    /** Columns in slice {@code s} (all of them if there is one slice). */
    public int sliceCols(int s) {
        return slices() == 1 ? cols : Math.min(SLICE, cols - s * SLICE);
    }

    /** Byte offset of tile t's block columns of slice s; {@code tileOffset(t, 0) == tileOffset(t)} with one slice. */
    public long tileOffset(int t, int s) {
        if (slices() == 1) return tileOffset(t);
        // group-major: GROUP tiles' slices one after another, so a group is one stream
        int g = t / GROUP * GROUP, n = Math.min(GROUP, rows / 4 - g); // the group's first tile, its tiles
        long tile = (long) (cols / type.blockSize) * columnBytes(), slice = (SLICE / type.blockSize) * columnBytes();
        return offset + g * tile + (long) n * s * slice + (long) (t - g) * (sliceCols(s) / type.blockSize) * columnBytes();
    }

    /** Bytes of tile t's block columns of slice s, from {@link #tileOffset(int, int)} on (whole rows: the tile without padding). */
    public long tileSliceBytes(int s) {
        return (long) (sliceCols(s) / type.blockSize) * columnBytes();
    }

    /** Tiles per group of a slice-major matrix (see {@link #tileOffset(int, int)}). */
    public static final int GROUP = 32;

    private static boolean sliceMajor(GgmlType type, int cols) {
        return (type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || kQuant(type)) && cols > SLICED_ABOVE;
    }

    /** Byte offset of block column b of tile t (tiled layout, either order). */
    private long columnOffset(int t, int b) {
        long column = columnBytes();
        if (slices() == 1) return tileOffset(t) + b * column;
        int perSlice = SLICE / type.blockSize;
        return tileOffset(t, b / perSlice) + (b % perSlice) * column;
    }

    /** dst[di .. di+cols) = row {@code i}, dequantised (e.g. an embedding lookup), in either layout. */
    public void dequantizeRow(Kernels k, int i, float[] dst, int di) {
        if (!tiled4) {
            k.dequantize(type, data, rowOffset(i), dst, di, cols);
            return;
        }
        int blocks = cols / type.blockSize, ts = (int) type.typeSize, payload = ts - 2, j = i & 3;
        if (kQuant(type)) { // per block column: copy it out, rebuild row j's ggml block, dequantise
            byte[] column = new byte[(int) columnBytes()], block = new byte[ts];
            MemorySegment tmp = MemorySegment.ofArray(block);
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, columnOffset(i >> 2, b), column, 0, column.length);
                if (type == GgmlType.Q4_K) Q4_KTiles.untile(column, 0, j, block, 0);
                else Q6_KTiles.untile(column, 0, j, block, 0);
                ScalarKernels.REFERENCE.dequantize(type, tmp, 0, dst, di + b * type.blockSize, type.blockSize);
            }
            return;
        }
        byte[] block = new byte[ts];
        MemorySegment tmp = MemorySegment.ofArray(block);
        for (int b = 0; b < blocks; b++) {
            long col = columnOffset(i >> 2, b);
            if (type == GgmlType.Q4_0) {
                Q4_0Kernel.untileBlock(data, col, j, block);
            } else if (type == GgmlType.Q5_0) {
                Q5_0Kernel.untileBlock(data, col, j, block);
            } else {
                MemorySegment.copy(data, col + 2L * j, tmp, 0, 2);
                MemorySegment.copy(data, col + 8 + (long) j * payload, tmp, 2, payload);
            }
            ScalarKernels.REFERENCE.dequantize(type, tmp, 0, dst, di + b * type.blockSize, type.blockSize);
        }
    }

    /** Whether {@link #tile4} applies: Q8_0, Q4_0, Q5_0, Q4_K or Q6_K with a multiple of 4 rows. */
    public static boolean canTile(GgmlType type, int rows) {
        return (type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || type == GgmlType.Q5_0 || kQuant(type)) && rows % 4 == 0 && rows > 0;
    }

    /** The K-quants with a tiled layout of their own (see {@link Q4_KTiles#tile}, {@link Q6_KTiles#tile}). */
    private static boolean kQuant(GgmlType type) {
        return type == GgmlType.Q4_K || type == GgmlType.Q6_K;
    }

    /**
     * Rewrites a row-layout matrix into the tiled layout in place (its segment must be writable and
     * not shared with another matrix view) and returns the tiled view. Tile by tile through a
     * 4-row heap buffer, so memory does not grow; a slice-major matrix moves bytes between tiles, so
     * it is read from a temporary copy. Q4_0's, Q5_0's and Q8_0's tiled layouts are larger than the
     * file's (f32 scales, padding and placement, {@link #tiledGrowth}): they go to a new segment, placed
     * ({@link #placeAt}); a model loader rather uses {@link #tile4(MemorySegment, long)} with room it left.
     */
    public WeightMatrix tile4() {
        return tile4((Parallel) null);
    }

    /**
     * {@link #tile4()} with the tiles rewritten on {@code parallel}'s threads (null: this thread alone);
     * the segment must then be accessible from every thread (a shared or automatic arena's). The same bytes.
     */
    public WeightMatrix tile4(Parallel parallel) {
        if (tiled4) return this;
        if (!canTile(type, rows)) throw new IllegalArgumentException("a " + type + " matrix with " + rows + " rows cannot be tiled by 4");
        if (tiledGrowth(type, rows, cols) > 0) {
            MemorySegment to = java.lang.foreign.Arena.ofAuto().allocate(rowBytes() * rows + tiledGrowth(type, rows, cols), 64);
            return tile4(to, placeAt(type, cols, to, 0), parallel);
        }
        WeightMatrix tiled = new WeightMatrix(type, data, offset, rows, cols, true);
        try (java.lang.foreign.Arena tmp = java.lang.foreign.Arena.ofShared()) {
            MemorySegment from = data;
            long fromOffset = offset;
            if (tiled.slices() > 1) {
                from = tmp.allocate(rowBytes() * rows);
                MemorySegment.copy(data, offset, from, 0, from.byteSize());
                fromOffset = 0;
            }
            tileInto(from, fromOffset, tiled, false, parallel);
        }
        return tiled;
    }

    /**
     * The tiled layout written to {@code to} at {@code toOffset} ({@code rowBytes() * rows +
     * tiledGrowth(..)} bytes; they may overlap this matrix's own). Moving a matrix up in its own
     * segment with whole rows per tile, the tiles go last first, each read into the 4-row buffer
     * before its wider destination is written: that destination starts at or above the end of the
     * tiles below, still unread, so no copy is needed (a temporary copy of Llama-3.2-1B's 147 MB Q4_0
     * embedding table raised the load's peak RSS by as much). Otherwise the matrix is read from a
     * temporary copy.
     */
    public WeightMatrix tile4(MemorySegment to, long toOffset) {
        return tile4(to, toOffset, null);
    }

    /** {@link #tile4(MemorySegment, long)} on {@code parallel}'s threads (null: this thread), as {@link #tile4(Parallel)}. */
    public WeightMatrix tile4(MemorySegment to, long toOffset, Parallel parallel) {
        if (tiled4) throw new IllegalStateException("already tiled");
        if (!canTile(type, rows)) throw new IllegalArgumentException("a " + type + " matrix with " + rows + " rows cannot be tiled by 4");
        WeightMatrix tiled = new WeightMatrix(type, to, toOffset, rows, cols, true);
        if (to == data && toOffset >= offset && tiled.slices() == 1 && tiled.tileOffset(1) - toOffset >= 4 * rowBytes()) {
            tileInto(data, offset, tiled, true, parallel);
            return tiled;
        }
        try (java.lang.foreign.Arena tmp = java.lang.foreign.Arena.ofShared()) {
            MemorySegment from = tmp.allocate(rowBytes() * rows);
            MemorySegment.copy(data, offset, from, 0, from.byteSize());
            tileInto(from, 0, tiled, false, parallel);
        }
        return tiled;
    }

    /**
     * How many bytes more than the file's the tiled layout of such a matrix takes: Q4_0's and Q5_0's f32
     * scales, Q4_K's f32 d / dmin and unpacked scales, the padding of placed tiles and room to place the matrix ({@link #PLACE}); none for Q6_K.
     */
    public static long tiledGrowth(GgmlType type, int rows, int cols) {
        if (!canTile(type, rows)) return 0;
        long file = (long) rows * (cols / type.blockSize) * type.typeSize;
        return (long) rows / 4 * tiledStride(type, cols) - file + (placed(type) ? PLACE - 1 : 0);
    }

    /**
     * Writes this row-layout matrix, read from {@code from} at {@code fromOffset}, into {@code tiled}'s
     * layout, tile by tile, the last tile first if {@code lastFirst}. On {@code parallel}'s threads the
     * tiles go in batches of a few MiB: every tile of a batch is read and rewritten into a heap buffer
     * of its own before any of the batch is written back, so a tile moving up in place (lastFirst)
     * still overwrites only tiles already read, as one at a time does. The rewriting (bit shuffling:
     * 1.8 s of Llama-3.2-1B Q4_K_M's load on one thread with the scalar Q6_K repack, ~0.5 GB/s; Q6_K
     * and Q4_K now go through their {@code tileFast}, 1.8-5.5 GB/s once compiled) is what splits.
     */
    private void tileInto(MemorySegment from, long fromOffset, WeightMatrix tiled, boolean lastFirst, Parallel parallel) {
        int tiles = rows / 4, tileBytes = (int) (cols / type.blockSize * tiled.columnBytes());
        if (parallel == null || parallel.threads() == 1 || tiles < 2 * parallel.threads()) {
            byte[] src = new byte[(int) (4 * rowBytes())], dst = new byte[tileBytes];
            for (int i = 0; i < tiles; i++) {
                int t = lastFirst ? tiles - 1 - i : i;
                tileOne(from, fromOffset, t, src, dst, 0, tiled);
                writeTile(dst, 0, t, tiled);
            }
            return;
        }
        int batch = (int) Math.min(tiles, Math.max(8L * parallel.threads(), (4L << 20) / tileBytes));
        byte[] out = BATCH.getAndSet(null); // tile k of a batch at k * tileBytes
        if (out == null || out.length < (long) batch * tileBytes) out = new byte[Math.multiplyExact(batch, tileBytes)];
        final byte[] buffer = out;
        for (int first = 0; first < tiles; first += batch) {
            int n = Math.min(batch, tiles - first), base = first;
            parallel.forRange(n, 1, (lo, hi) -> {
                byte[] src = new byte[(int) (4 * rowBytes())];
                for (int k = lo; k < hi; k++) tileOne(from, fromOffset, lastFirst ? tiles - 1 - (base + k) : base + k, src, buffer, k * tileBytes, tiled);
            });
            parallel.forRange(n, 1, (lo, hi) -> {
                for (int k = lo; k < hi; k++) writeTile(buffer, k * tileBytes, lastFirst ? tiles - 1 - (base + k) : base + k, tiled);
            });
        }
        if (buffer.length <= KEPT_BATCH) BATCH.set(buffer);
    }

    /**
     * The batch buffer of the last parallel repacking, for the next: a model's load repacks a hundred
     * or more matrices, and a fresh ~4 MiB buffer per matrix outlived young collections (it is live
     * for the whole matrix), so each was promoted into the old generation, where nothing collected
     * it: Llama-3.2-1B's peak RSS was 303-357 MiB over file + KV cache (runs cu, cv; 187-257 before
     * the parallel repacking), and is 202-267 with one buffer, reused (Q8_0 / Q4_0 / Q4_K_M, stop 48).
     * Kept only up to {@link #KEPT_BATCH} bytes (a machine with many threads batches more).
     */
    private static final java.util.concurrent.atomic.AtomicReference<byte[]> BATCH = new java.util.concurrent.atomic.AtomicReference<>();

    private static final int KEPT_BATCH = 16 << 20;

    /** Tile t's four rows, read from {@code from} through {@code src}, into {@code dst} from {@code at} as its block columns in order. */
    private void tileOne(MemorySegment from, long fromOffset, int t, byte[] src, byte[] dst, int at, WeightMatrix tiled) {
        int blocks = cols / type.blockSize, ts = (int) type.typeSize, payload = ts - 2;
        long rb = rowBytes(), column = tiled.columnBytes();
        MemorySegment.copy(from, java.lang.foreign.ValueLayout.JAVA_BYTE, fromOffset + 4L * t * rb, src, 0, src.length);
        int[] rowBlk = new int[4]; // the four rows' blocks of a column in src
        byte[] scratch = type == GgmlType.Q6_K ? new byte[256] : null;
        for (int b = 0; b < blocks; b++) {
            int col = at + (int) (b * column);
            if (type == GgmlType.Q4_0 || type == GgmlType.Q5_0) {
                for (int r = 0; r < 4; r++) rowBlk[r] = (int) (r * rb) + b * ts;
                if (type == GgmlType.Q4_0) Q4_0Kernel.tileColumnFast(src, rowBlk, dst, col);
                else Q5_0Kernel.tileColumnFast(src, rowBlk, dst, col);
                continue;
            }
            if (type == GgmlType.Q4_K) Q4_KTiles.tileFast(src, b * ts, (int) rb, dst, col);
            else if (type == GgmlType.Q6_K) Q6_KTiles.tileFast(src, b * ts, (int) rb, dst, col, scratch);
            else for (int r = 0; r < 4; r++) {
                int blk = (int) (r * rb) + b * ts;
                dst[col + 2 * r] = src[blk];
                dst[col + 2 * r + 1] = src[blk + 1];
                System.arraycopy(src, blk + 2, dst, col + 8 + r * payload, payload);
            }
        }
    }

    /** Tile t's block columns, in order in {@code dst} from {@code at}, to their places in {@code tiled} (a slice-major matrix puts each slice's run elsewhere). */
    private void writeTile(byte[] dst, int at, int t, WeightMatrix tiled) {
        for (int s = 0, c = at; s < tiled.slices(); s++) {
            int bytes = (int) (tiled.sliceCols(s) / type.blockSize * tiled.columnBytes());
            MemorySegment.copy(dst, c, tiled.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, tiled.tileOffset(t, s), bytes);
            c += bytes;
        }
    }
}
