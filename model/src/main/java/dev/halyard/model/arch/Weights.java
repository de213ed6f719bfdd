package dev.halyard.model.arch;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.Kernels;
import dev.halyard.kernels.Parallel;
import dev.halyard.kernels.VectorKernels;
import dev.halyard.kernels.WeightMatrix;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import java.lang.foreign.MemorySegment;

/**
 * All weights of a model, found by llama.cpp's tensor names. Matrices stay in the off-heap segment in
 * their file format; norms and biases (small) are dequantised to float[]. Names follow ggml:
 * {@code blk.N.attn_q.weight} has ne = [dim, qDim], i.e. a (qDim rows × dim cols) matrix.
 */
public final class Weights {

    /** One transformer block. Fields absent in an architecture are null. */
    public static final class Layer {
        public float[] attnNorm;                 // (dim,)
        public WeightMatrix wq, wk, wv;          // (qDim, dim), (kvDim, dim), (kvDimV, dim)
        public WeightMatrix wqkv;                // Phi-3: (qDim + kvDim + kvDimV, dim)
        public float[] bq, bk, bv;               // Qwen2 biases: (qDim,), (kvDim,), (kvDimV,)
        public float[] qNorm, kNorm;             // Qwen3: (headDim,)
        public WeightMatrix wo;                  // (dim, qDimV)
        public float[] attnPostNorm;             // Gemma 2: (dim,)
        public float[] ffnNorm;                  // (dim,)
        public WeightMatrix w1, w3;              // gate and up: (ffnDim, dim)
        public WeightMatrix w13;                 // Phi-3: fused gate+up (2*ffnDim, dim)
        public WeightMatrix w2;                  // down: (dim, ffnDim)
        public float[] ffnPostNorm;              // Gemma 2: (dim,)
    }

    public WeightMatrix tokenEmbedding;          // (vocab, dim)
    public final Layer[] layers;
    public final float[] outputNorm;             // (dim,)
    public WeightMatrix output;                  // (vocab, dim); the embedding table when tied
    public final float[] ropeFactors;            // (ropeDims/2,) Llama 3 / LongRoPE frequency factors, or null

    private final GgufFile gguf;
    private final MemorySegment data;
    private final Kernels kernels;

    public Weights(GgufFile gguf, MemorySegment data, Kernels kernels, ModelConfig c) {
        this(gguf, data, kernels, c, null);
    }

    /**
     * The weights, their matrices repacked ({@link #tileAll}) on {@code parallel}'s threads (null: this
     * thread alone; then {@code data} may be confined to it).
     */
    public Weights(GgufFile gguf, MemorySegment data, Kernels kernels, ModelConfig c, Parallel parallel) {
        this.gguf = gguf;
        this.data = data;
        this.kernels = kernels;
        tokenEmbedding = matrix("token_embd.weight", c.dim(), c.vocabSize());
        outputNorm = vector("output_norm.weight", c.dim());
        output = gguf.tensor("output.weight") != null ? matrix("output.weight", c.dim(), c.vocabSize()) : tokenEmbedding;
        float[] rf = gguf.tensor("rope_freqs.weight") != null ? vector("rope_freqs.weight", c.ropeDims() / 2) : null;
        if (rf == null && gguf.tensor("rope_factors_short.weight") != null) rf = vector("rope_factors_short.weight", c.ropeDims() / 2);
        ropeFactors = rf;
        layers = new Layer[c.layers()];
        for (int i = 0; i < c.layers(); i++) layers[i] = layer(i, c);
        if (kernels instanceof VectorKernels && !data.isReadOnly()) tileAll(parallel);
    }

    /**
     * Spare bytes {@link GgufFile#load} should leave after the data for {@link #tileAll}: what the
     * tiled layouts of all the file's tileable matrices add (Q4_0's and Q5_0's f32 scales, the padding
     * and placement of Q4_0, Q5_0 and Q8_0 tiles: see {@code WeightMatrix.PLACE}), if they will be tiled.
     */
    public static long tilingRoom(GgufFile gguf, Kernels kernels) {
        if (!(kernels instanceof VectorKernels)) return 0;
        long room = 0;
        for (GgufTensorInfo t : gguf.tensors())
            if (t.ne().length >= 2 && t.ne()[0] % t.type().blockSize == 0 && t.ne()[1] <= Integer.MAX_VALUE && t.ne()[0] <= Integer.MAX_VALUE)
                room += WeightMatrix.tiledGrowth(t.type(), (int) t.ne()[1], (int) t.ne()[0]);
        return room;
    }

    /**
     * Repacks every Q8_0 / Q4_0 / Q5_0 / Q4_K / Q6_K matrix into the four-row tiled layout its decode
     * kernels stream fastest (see {@link WeightMatrix}), in place: the weights were read into memory
     * we own (a read-only memory map keeps the file's layout). The tied embedding/output table is
     * repacked once. Q4_0's, Q5_0's and Q8_0's layouts are larger than the file's: with the room {@link #tilingRoom} left
     * after the data, the matrices move up, highest first, each by what the growing matrices below it
     * grow, then up to 255 bytes more to start where {@link WeightMatrix#placeAt} says (the vectors
     * were already copied out); without that room they go to new segments.
     */
    private void tileAll(Parallel parallel) {
        java.util.Map<WeightMatrix, WeightMatrix> done = new java.util.IdentityHashMap<>();
        java.util.List<WeightMatrix> all = new java.util.ArrayList<>();
        for (Layer l : layers) for (WeightMatrix m : new WeightMatrix[] {l.wq, l.wk, l.wv, l.wqkv, l.wo, l.w1, l.w3, l.w13, l.w2}) if (m != null) all.add(m);
        all.add(tokenEmbedding);
        all.add(output);
        all = new java.util.ArrayList<>(all.stream().filter(m -> m.data() == data).collect(java.util.stream.Collectors.toMap(
                m -> m, m -> m, (a, b) -> a, java.util.IdentityHashMap::new)).keySet());
        all.sort(java.util.Comparator.comparingLong(WeightMatrix::offset));
        long growth = 0, end = 0;
        for (WeightMatrix m : all) {
            growth += WeightMatrix.tiledGrowth(m.type(), m.rows(), m.cols());
            end = Math.max(end, m.offset() + m.rowBytes() * m.rows());
        }
        if (growth > 0 && end + growth <= data.byteSize()) {
            long[] shift = new long[all.size()]; // what the matrices below matrix i grow
            for (int i = 1; i < all.size(); i++) {
                WeightMatrix m = all.get(i - 1);
                shift[i] = shift[i - 1] + WeightMatrix.tiledGrowth(m.type(), m.rows(), m.cols());
            }
            for (int i = all.size() - 1; i >= 0; i--) {
                WeightMatrix m = all.get(i);
                long to = m.offset() + shift[i];
                WeightMatrix moved;
                if (WeightMatrix.tiledGrowth(m.type(), m.rows(), m.cols()) > 0) { // up to 255 bytes higher, in its room
                    moved = m.tile4(data, WeightMatrix.placeAt(m.type(), m.cols(), data, to), parallel);
                } else {
                    MemorySegment.copy(data, m.offset(), data, to, m.rowBytes() * m.rows()); // as memmove
                    moved = new WeightMatrix(m.type(), data, to, m.rows(), m.cols());
                    if (WeightMatrix.canTile(m.type(), m.rows())) moved = moved.tile4(parallel);
                }
                done.put(m, moved);
            }
        }
        java.util.function.UnaryOperator<WeightMatrix> tile = m -> m == null ? null : done.containsKey(m) ? done.get(m)
                : !WeightMatrix.canTile(m.type(), m.rows()) ? m : done.computeIfAbsent(m, w -> w.tile4(parallel));
        for (Layer l : layers) {
            l.wq = tile.apply(l.wq);
            l.wk = tile.apply(l.wk);
            l.wv = tile.apply(l.wv);
            l.wqkv = tile.apply(l.wqkv);
            l.wo = tile.apply(l.wo);
            l.w1 = tile.apply(l.w1);
            l.w3 = tile.apply(l.w3);
            l.w13 = tile.apply(l.w13);
            l.w2 = tile.apply(l.w2);
        }
        tokenEmbedding = tile.apply(tokenEmbedding);
        output = tile.apply(output);
    }

    private Layer layer(int i, ModelConfig c) {
        String b = "blk." + i + ".";
        Layer l = new Layer();
        l.attnNorm = vector(b + "attn_norm.weight", c.dim());
        if (c.arch() == Architecture.PHI3) {
            l.wqkv = matrix(b + "attn_qkv.weight", c.dim(), c.qDim() + c.kvDim() + c.kvDimV());
        } else {
            l.wq = matrix(b + "attn_q.weight", c.dim(), c.qDim());
            l.wk = matrix(b + "attn_k.weight", c.dim(), c.kvDim());
            l.wv = matrix(b + "attn_v.weight", c.dim(), c.kvDimV());
        }
        l.bq = optionalVector(b + "attn_q.bias", c.qDim());
        l.bk = optionalVector(b + "attn_k.bias", c.kvDim());
        l.bv = optionalVector(b + "attn_v.bias", c.kvDimV());
        if (c.arch() == Architecture.QWEN3) {
            l.qNorm = vector(b + "attn_q_norm.weight", c.headDim());
            l.kNorm = vector(b + "attn_k_norm.weight", c.headDim());
        }
        l.wo = matrix(b + "attn_output.weight", c.heads() * c.headDimV(), c.dim());
        l.ffnNorm = vector(b + "ffn_norm.weight", c.dim());
        if (c.arch() == Architecture.PHI3) {
            l.w13 = matrix(b + "ffn_up.weight", c.dim(), 2 * c.ffnDim());
        } else {
            l.w1 = matrix(b + "ffn_gate.weight", c.dim(), c.ffnDim());
            l.w3 = matrix(b + "ffn_up.weight", c.dim(), c.ffnDim());
        }
        l.w2 = matrix(b + "ffn_down.weight", c.ffnDim(), c.dim());
        if (c.arch() == Architecture.GEMMA2) {
            l.attnPostNorm = vector(b + "post_attention_norm.weight", c.dim());
            l.ffnPostNorm = vector(b + "post_ffw_norm.weight", c.dim());
        }
        return l;
    }

    private GgufTensorInfo require(String name) {
        GgufTensorInfo t = gguf.tensor(name);
        if (t == null) throw new UnsupportedModelException("tensor '" + name + "' is missing");
        return t;
    }

    /** A matrix with ne = [cols, rows] (optionally a third dimension of 1). */
    private WeightMatrix matrix(String name, int cols, int rows) {
        GgufTensorInfo t = require(name);
        long[] ne = t.ne();
        boolean ok = ne.length >= 2 && ne[0] == cols && ne[1] == rows;
        for (int d = 2; d < ne.length; d++) ok &= ne[d] == 1;
        if (!ok) throw new UnsupportedModelException("tensor '" + name + "' has shape " + t.shape() + ", expected [" + cols + ", " + rows + "]");
        checkType(t);
        return new WeightMatrix(t.type(), data, t.offset(), rows, cols);
    }

    private float[] vector(String name, int n) {
        GgufTensorInfo t = require(name);
        if (t.elements() != n) throw new UnsupportedModelException("tensor '" + name + "' has shape " + t.shape() + ", expected " + n + " elements");
        checkType(t);
        float[] v = new float[n];
        kernels.dequantize(t.type(), data, t.offset(), v, 0, n);
        return v;
    }

    private float[] optionalVector(String name, int n) {
        return gguf.tensor(name) == null ? null : vector(name, n);
    }

    private static void checkType(GgufTensorInfo t) {
        GgmlType type = t.type();
        if (!type.computable())
            throw new UnsupportedModelException("tensor '" + t.name() + "' has type " + type + ", which Halyard cannot compute with yet (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, Q8_K)");
    }
}
