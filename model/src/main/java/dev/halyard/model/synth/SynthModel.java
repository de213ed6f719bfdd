package dev.halyard.model.synth;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.Quantizer;
import dev.halyard.model.gguf.GgufValue;
import dev.halyard.model.gguf.GgufWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Writes a random-weight GGUF model of a real architecture that llama.cpp loads: the tensor names,
 * shapes and metadata its loader expects for llama, qwen2, qwen3, phi3 and gemma2, weights from
 * {@link SynthWeights} quantised per {@link QuantMix}. Rows are generated, quantised and streamed to
 * disk in parallel chunks, so real shapes (Llama-3.2-1B) never sit in memory whole.
 *
 * <pre>
 * java -cp ... dev.halyard.model.synth.SynthModel llama-3.2-1b Q4_K_M /tmp/llama1b.gguf
 * </pre>
 */
public final class SynthModel {
    private SynthModel() {}

    /** What was written: each tensor's type, and each token's designed greedy successor. */
    public record Written(Map<String, GgmlType> tensorTypes, int[] successor) {}

    public static Written write(SynthSpec spec, QuantMix mix, Path path) throws IOException {
        SynthWeights w = new SynthWeights(spec);
        GgufWriter out = new GgufWriter();
        metadata(spec, mix, out);
        Map<String, GgmlType> types = new LinkedHashMap<>();
        int dim = spec.dim(), ffn = spec.ffnDim(), n = spec.layers(), vocab = spec.vocabSize();
        String arch = spec.arch();

        matrix(out, types, mix, spec, "token_embd", -1, dim, vocab, w::embedding);
        if (spec.llama3Rope() != null)
            vector(out, types, "rope_freqs.weight", spec.llama3Rope().factors(spec.ropeTheta(), spec.headDim()));
        for (int l = 0; l < n; l++) {
            String b = "blk." + l + ".";
            vector(out, types, b + "attn_norm.weight", w.norm(b + "attn_norm", dim, 1f));
            if (arch.equals("phi3")) {
                int q = spec.qDim(), kv = spec.kvDim();
                // rows: Wq (q), Wk (kv), Wv (kv)
                matrix(out, types, mix, spec, "attn_qkv", l, dim, q + 2 * kv, r -> r < q + kv
                        ? w.matrixRow(b + "attn_qkv", r, dim, 1.5f)
                        : w.matrixRow(b + "attn_qkv", r, dim, 1f));
            } else {
                matrix(out, types, mix, spec, "attn_q", l, dim, spec.qDim(), r -> w.matrixRow(b + "attn_q", r, dim, 1.5f));
                matrix(out, types, mix, spec, "attn_k", l, dim, spec.kvDim(), r -> w.matrixRow(b + "attn_k", r, dim, 1.5f));
                matrix(out, types, mix, spec, "attn_v", l, dim, spec.kvDim(), r -> w.matrixRow(b + "attn_v", r, dim, 1f));
            }
            if (arch.equals("qwen2")) {
                vector(out, types, b + "attn_q.bias", w.bias(b + "attn_q.bias", spec.qDim()));
                vector(out, types, b + "attn_k.bias", w.bias(b + "attn_k.bias", spec.kvDim()));
                vector(out, types, b + "attn_v.bias", w.bias(b + "attn_v.bias", spec.kvDim()));
            }
            if (arch.equals("qwen3")) {
                vector(out, types, b + "attn_q_norm.weight", w.norm(b + "attn_q_norm", spec.headDim(), 1.5f));
                vector(out, types, b + "attn_k_norm.weight", w.norm(b + "attn_k_norm", spec.headDim(), 1.5f));
            }
            matrix(out, types, mix, spec, "attn_output", l, spec.qDim(), dim, r -> w.matrixRow(b + "attn_output", r, spec.qDim(), 1f));
            if (arch.equals("gemma2")) vector(out, types, b + "post_attention_norm.weight", w.norm(b + "post_attention_norm", dim, 0.5f));
            vector(out, types, b + "ffn_norm.weight", w.norm(b + "ffn_norm", dim, 1f));
            if (arch.equals("phi3")) {
                // rows: gate (ffn), up (ffn)
                matrix(out, types, mix, spec, "ffn_up", l, dim, 2 * ffn, r -> w.matrixRow(b + "ffn_up", r, dim, 1f));
            } else {
                matrix(out, types, mix, spec, "ffn_gate", l, dim, ffn, r -> w.matrixRow(b + "ffn_gate", r, dim, 1f));
                matrix(out, types, mix, spec, "ffn_up", l, dim, ffn, r -> w.matrixRow(b + "ffn_up", r, dim, 1f));
            }
            matrix(out, types, mix, spec, "ffn_down", l, ffn, dim, r -> w.matrixRow(b + "ffn_down", r, ffn, 1f));
            if (arch.equals("gemma2")) vector(out, types, b + "post_ffw_norm.weight", w.norm(b + "post_ffw_norm", dim, 0.5f));
        }
        vector(out, types, "output_norm.weight", w.outputNorm());
        if (!spec.tiedEmbeddings()) matrix(out, types, mix, spec, "output", -1, dim, vocab, w::output);
        out.write(path);
        return new Written(types, w.succ.clone());
    }

    private static void metadata(SynthSpec s, QuantMix mix, GgufWriter out) {
        String p = s.arch() + ".";
        out.put("general.architecture", GgufValue.string(s.arch()));
        out.put("general.name", GgufValue.string(s.name()));
        out.put("general.file_type", GgufValue.u32(mix.fileType()));
        out.put("general.quantization_version", GgufValue.u32(2));
        out.put(p + "vocab_size", GgufValue.u32(s.vocabSize()));
        out.put(p + "context_length", GgufValue.u32(s.contextLength()));
        out.put(p + "embedding_length", GgufValue.u32(s.dim()));
        out.put(p + "block_count", GgufValue.u32(s.layers()));
        out.put(p + "feed_forward_length", GgufValue.u32(s.ffnDim()));
        out.put(p + "attention.head_count", GgufValue.u32(s.heads()));
        out.put(p + "attention.head_count_kv", GgufValue.u32(s.kvHeads()));
        out.put(p + "attention.key_length", GgufValue.u32(s.headDim()));
        out.put(p + "attention.value_length", GgufValue.u32(s.headDim()));
        out.put(p + "attention.layer_norm_rms_epsilon", GgufValue.f32(s.rmsEps()));
        out.put(p + "rope.freq_base", GgufValue.f32(s.ropeTheta()));
        out.put(p + "rope.dimension_count", GgufValue.u32(s.headDim()));
        if (s.arch().equals("gemma2")) {
            out.put(p + "attention.sliding_window", GgufValue.u32(s.slidingWindow()));
            out.put(p + "attn_logit_softcapping", GgufValue.f32(s.attnSoftcap()));
            out.put(p + "final_logit_softcapping", GgufValue.f32(s.finalSoftcap()));
        }
        SynthVocab.write(s.vocab(), s.arch().equals("phi3") ? List.of("<|endoftext|>", "<|end|>") : List.of(), out);
    }

    private static void vector(GgufWriter out, Map<String, GgmlType> types, String name, float[] v) {
        out.tensor(name, new long[] {v.length}, GgmlType.F32, Quantizer.quantize(GgmlType.F32, v));
        types.put(name, GgmlType.F32);
    }

    /** A (rows, cols) matrix, ne = [cols, rows], whose row r is {@code row.apply(r)}. */
    private static void matrix(GgufWriter out, Map<String, GgmlType> types, QuantMix mix, SynthSpec spec, String role,
                               int layer, int cols, int rows, IntFunction<float[]> row) {
        long[] ne = {cols, rows};
        GgmlType type = mix.typeFor(role, layer, spec.layers(), ne, spec.tiedEmbeddings());
        String name = (layer >= 0 ? "blk." + layer + "." : "") + role + ".weight";
        types.put(name, type);
        out.tensor(name, ne, type, sink -> streamRows(sink, type, cols, rows, row));
    }

    /** Generates and quantises rows in parallel chunks of about 4 MiB, writing them in order. */
    private static void streamRows(OutputStream sink, GgmlType type, int cols, int rows, IntFunction<float[]> row) throws IOException {
        int rowBytes = Math.toIntExact(type.byteSize(cols));
        int chunk = Math.max(1, Math.min(rows, (4 << 20) / Math.max(rowBytes, cols * 4)));
        byte[] buf = new byte[chunk * rowBytes];
        for (int start = 0; start < rows; start += chunk) {
            int first = start, count = Math.min(chunk, rows - start);
            IntStream.range(0, count).parallel().forEach(i ->
                    Quantizer.quantize(type, row.apply(first + i), 0, cols, buf, i * rowBytes));
            sink.write(buf, 0, count * rowBytes);
        }
    }

    /** Writes a preset: {@code SynthModel <preset> <mix> <out.gguf>}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: SynthModel <smollm2-135m|qwen2.5-0.5b|llama-3.2-1b|tiny-ARCH> <F32|F16|BF16|Q8_0|Q4_0|Q4_1|Q5_0|Q5_1|Q4_K_M|Q5_K_M|Q6_K> <out.gguf>");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        Written w = write(SynthSpec.preset(args[0]), QuantMix.named(args[1]), Path.of(args[2]));
        System.out.printf("wrote %s: %d tensors in %.1f s%n", args[2], w.tensorTypes().size(), (System.nanoTime() - t0) / 1e9);
    }
}
