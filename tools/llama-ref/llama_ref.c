// llama_ref: runs a GGUF model through llama.cpp (the prebuilt libllama of npm @node-llama-cpp/linux-x64)
// and prints, as one JSON object on stdout, the logits of the last prompt position, a greedy
// continuation (argmax, lowest id on ties, no stop at EOS) and timings. Halyard's parity tests and
// benchmarks compare against it. Built by build.sh next to this file.
//
// usage: llama_ref --model PATH --tokens 1,2,3 [--tokens-file PATH] [--threads N] [--gen N]
//                  [--kv f32|f16|q8_0] [--flash-attn] [--ctx N] [--no-logits] [--step-logits] [--verbose]
//                  [--load-mode none|mmap|auto|mlock|mmap_mlock|direct_io] [--warmup N] [--repeat N] [--paced]
//
// Output keys: logits (last prompt position), tokens (greedy), margins (top-1 minus top-2 logit of
// each distribution a greedy token was taken from: prompt end, then each step), step_logits (with
// --step-logits: the logits after feeding tokens[i], for i < gen-1), timings in ms and tok/s, runs
// (the timings of each of the --repeat runs, after --warmup unreported ones; the other keys describe
// the last run) and peak_rss_kb (VmHWM). --load-mode none (the default) reads the weights into
// memory, llama.cpp's strongest CPU configuration; mmap is llama.cpp's own default.
//
// --paced: the benchmark's lockstep mode, to interleave engines run by run on the same cores. After
// loading, print "ready"; then wait for a line on stdin before the warm-up runs and before each measured
// run, and print "ok" after each; the JSON object follows the last run as usual.
//
// Defaults favour exactness over speed: the KV cache is F32 and flash attention is off, so that the
// only approximations left are the ones llama.cpp makes in its matrix products (activations rounded
// to the weights' dot type: F16, BF16, Q8_0/Q8_1 or Q8_K).
#include "harness.h"

#include <math.h>

static llama_token argmax(const float *logits, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
}

// top-1 minus top-2 logit: how far greedy decoding is from a tie
static float margin(const float *logits, int n, int best) {
    float second = -INFINITY;
    for (int i = 0; i < n; i++) if (i != best && logits[i] > second) second = logits[i];
    return logits[best] - second;
}

static void print_floats(const float *v, int n) {
    putchar('[');
    for (int i = 0; i < n; i++) printf(i ? ",%.9g" : "%.9g", v[i]);
    putchar(']');
}

// Decodes tokens[0..n) at positions pos0.. as one batch; only the last position yields logits.
static void decode(struct llama_context *ctx, const llama_token *tokens, int n, int pos0) {
    struct llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = pos0 + i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = i == n - 1;
    }
    batch.n_tokens = n;
    int rc = llama_decode(ctx, batch);
    llama_batch_free(batch);
    if (rc != 0) die("llama_decode failed with %d at position %d", rc, pos0);
}

// One measured run: the prompt as one batch, then n_gen greedy tokens (n_gen - 1 decode steps).
struct run_timing {
    double prompt_ms, gen_ms;
    int steps;
};

// Runs the prompt and the greedy continuation from an empty cache. Fills logits (V,), gen (n_gen),
// margins (n_gen) and, when steps_out is not NULL, steps_out (n_gen-1, V).
static struct run_timing run_once(struct llama_context *ctx, const llama_token *prompt, int n_prompt, int n_gen, int n_vocab,
                                  float *logits, llama_token *gen, float *margins, float *steps_out) {
    struct run_timing t = {0};
    llama_memory_clear(llama_get_memory(ctx), true);
    double t0 = now_ms();
    decode(ctx, prompt, n_prompt, 0);
    const float *last = llama_get_logits_ith(ctx, -1);
    if (!last) die("llama.cpp returned no logits for the last prompt position");
    memcpy(logits, last, sizeof(float) * (size_t) n_vocab);
    t.prompt_ms = now_ms() - t0;

    // greedy continuation: n_gen argmax tokens, each fed back one at a time
    t0 = now_ms();
    const float *cur = logits;
    for (int i = 0; i < n_gen; i++) {
        gen[i] = argmax(cur, n_vocab);
        margins[i] = margin(cur, n_vocab, gen[i]);
        if (i == n_gen - 1) break;
        decode(ctx, &gen[i], 1, n_prompt + i);
        t.steps++;
        cur = llama_get_logits_ith(ctx, -1);
        if (!cur) die("llama.cpp returned no logits at generation step %d", i);
        if (steps_out) memcpy(steps_out + (size_t) i * (size_t) n_vocab, cur, sizeof(float) * (size_t) n_vocab);
    }
    t.gen_ms = now_ms() - t0;
    return t;
}

static void print_timing(struct run_timing t, int n_prompt) {
    printf("\"prompt_ms\":%.3f,\"prompt_tok_s\":%.3f", t.prompt_ms, t.prompt_ms > 0 ? n_prompt * 1e3 / t.prompt_ms : 0.0);
    printf(",\"gen_steps\":%d,\"gen_ms\":%.3f,\"gen_tok_s\":%.3f", t.steps, t.gen_ms,
           t.gen_ms > 0 && t.steps > 0 ? t.steps * 1e3 / t.gen_ms : 0.0);
}

int main(int argc, char **argv) {
    harness_name = "llama_ref";
    const char *model_path = NULL;
    llama_token *prompt = NULL;
    int n_prompt = 0, cap = 0;
    int threads = 1, n_gen = 0, n_ctx = 0, flash = 0, print_logits = 1, step_logits = 0, repeat = 1, warmup = 0, paced = 0;
    enum ggml_type kv_type = GGML_TYPE_F32;
    enum llama_load_mode load_mode = LLAMA_LOAD_MODE_NONE;
    const char *load_mode_name = "none";

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--model") && v) { model_path = v; i++; }
        else if (!strcmp(a, "--tokens") && v) { parse_tokens(v, &prompt, &n_prompt, &cap); i++; }
        else if (!strcmp(a, "--tokens-file") && v) { char *s = read_file(v); parse_tokens(s, &prompt, &n_prompt, &cap); free(s); i++; }
        else if (!strcmp(a, "--threads") && v) { threads = (int) parse_long(v, "--threads", 1, 512); i++; }
        else if (!strcmp(a, "--gen") && v) { n_gen = (int) parse_long(v, "--gen", 0, 1 << 20); i++; }
        else if (!strcmp(a, "--ctx") && v) { n_ctx = (int) parse_long(v, "--ctx", 1, 1 << 24); i++; }
        else if (!strcmp(a, "--kv") && v) { kv_type = parse_kv_type(v); i++; }
        else if (!strcmp(a, "--load-mode") && v) { load_mode = parse_load_mode(v); load_mode_name = v; i++; }
        else if (!strcmp(a, "--repeat") && v) { repeat = (int) parse_long(v, "--repeat", 1, 1000); i++; }
        else if (!strcmp(a, "--warmup") && v) { warmup = (int) parse_long(v, "--warmup", 0, 1000); i++; }
        else if (!strcmp(a, "--flash-attn")) flash = 1;
        else if (!strcmp(a, "--no-logits")) print_logits = 0;
        else if (!strcmp(a, "--step-logits")) step_logits = 1;
        else if (!strcmp(a, "--verbose")) verbose = 1;
        else if (!strcmp(a, "--paced")) paced = 1;
        else die("unknown or incomplete argument '%s' (see the usage line at the top of llama_ref.c)", a);
    }
    if (!model_path) die("--model is required");
    if (n_prompt == 0) die("--tokens or --tokens-file must give at least one token id");

    init_backends();
    struct llama_model_params mp = llama_model_default_params();
    mp.load_mode = load_mode;
    mp.n_gpu_layers = 0;
    double t0 = now_ms();
    struct llama_model *model = llama_model_load_from_file(model_path, mp);
    if (!model) die("llama.cpp could not load %s (rerun with --verbose for its log)", model_path);
    double load_ms = now_ms() - t0;

    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    for (int i = 0; i < n_prompt; i++)
        if (prompt[i] >= n_vocab) die("token id %d is outside the vocabulary [0, %d)", prompt[i], n_vocab);

    int need = n_prompt + n_gen;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_ctx > 0 ? (uint32_t) n_ctx : (uint32_t) ((need + 255) / 256 * 256);
    if ((int) cp.n_ctx < need) die("--ctx %d is smaller than prompt + generated tokens (%d)", n_ctx, need);
    cp.n_batch = cp.n_ubatch = (uint32_t) (n_prompt > 512 ? n_prompt : 512);
    cp.n_seq_max = 1;
    cp.n_threads = cp.n_threads_batch = threads;
    cp.flash_attn_type = flash ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.type_k = cp.type_v = kv_type;
    cp.no_perf = 1;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) die("llama_init_from_model failed (rerun with --verbose for its log)");

    float *logits = malloc(sizeof(float) * (size_t) n_vocab);
    llama_token *gen = malloc(sizeof(llama_token) * (size_t) (n_gen > 0 ? n_gen : 1));
    float *margins = malloc(sizeof(float) * (size_t) (n_gen > 0 ? n_gen : 1));
    // (gen-1, V): logits after each fed-back token, kept only with --step-logits
    float *steps_out = step_logits && n_gen > 1 ? malloc(sizeof(float) * (size_t) (n_gen - 1) * (size_t) n_vocab) : NULL;
    struct run_timing *runs = malloc(sizeof(struct run_timing) * (size_t) repeat);
    if (!logits || !gen || !margins || !runs || (step_logits && n_gen > 1 && !steps_out)) die("out of memory");

    // warm-up runs (as llama-bench does) are not reported; the outputs printed are the last run's
    if (paced) {
        say("ready");
        await_go();
    }
    for (int r = 0; r < warmup; r++) run_once(ctx, prompt, n_prompt, n_gen, n_vocab, logits, gen, margins, NULL);
    for (int r = 0; r < repeat; r++) {
        if (paced) {
            say("ok");
            await_go();
        }
        runs[r] = run_once(ctx, prompt, n_prompt, n_gen, n_vocab, logits, gen, margins, r == repeat - 1 ? steps_out : NULL);
    }
    if (paced) say("ok");

    printf("{\"model\":");
    print_json_string(model_path);
    printf(",\"n_vocab\":%d,\"threads\":%d,\"load_mode\":", n_vocab, threads);
    print_json_string(load_mode_name);
    printf(",\"prompt_tokens\":%d,\"load_ms\":%.3f,", n_prompt, load_ms);
    print_timing(runs[repeat - 1], n_prompt);
    printf(",\"runs\":[");
    for (int r = 0; r < repeat; r++) {
        printf(r ? ",{" : "{");
        print_timing(runs[r], n_prompt);
        putchar('}');
    }
    printf("],\"peak_rss_kb\":%ld", peak_rss_kb());
    printf(",\"tokens\":[");
    for (int i = 0; i < n_gen; i++) printf(i ? ",%d" : "%d", gen[i]);
    printf("],\"margins\":");
    print_floats(margins, n_gen);
    if (print_logits) {
        printf(",\"logits\":");
        print_floats(logits, n_vocab);
    }
    if (steps_out) {
        printf(",\"step_logits\":[");
        for (int i = 0; i < n_gen - 1; i++) {
            if (i) putchar(',');
            print_floats(steps_out + (size_t) i * (size_t) n_vocab, n_vocab);
        }
        printf("]");
    }
    printf("}\n");

    free(runs);
    free(logits);
    free(gen);
    free(margins);
    free(steps_out);
    free(prompt);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
