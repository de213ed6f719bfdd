// llama_serve: llama.cpp's side of Halyard's serving benchmark. N sequences arrive together and are
// decoded as llama-server does it with --parallel N and continuous batching: each llama_decode call
// carries one token of every sequence that is generating, then as many prompt tokens of the
// sequences still in prefill as fit in --batch. Greedy (argmax) sampling, no stop at EOS: every
// sequence generates exactly --gen tokens (the first from its prompt's logits). Built by build.sh.
//
// usage: llama_serve --model PATH --prompts-file PATH --parallel N --gen N [--threads N]
//                    [--load-mode none|mmap|...] [--kv f32|f16|q8_0] [--flash-attn] [--kv-unified]
//                    [--batch N] [--warmup N] [--repeat N] [--paced] [--verbose]
//
// --prompts-file holds one prompt per line (token ids separated by commas or spaces); sequence i
// takes line i, so it needs at least N lines. Prints one JSON object: per run, the wall time from
// the start until the last token (wall_ms), the tokens generated (generated), their rate
// (gen_tok_s = generated / wall) and each sequence's time to its first token (ttft_ms); and the
// process's peak resident memory (peak_rss_kb). Runs start from an empty cache; --warmup runs are
// not reported. --paced: llama_ref's lockstep protocol ("ready" once loaded, then a line on stdin before
// the warm-ups and before each run, "ok" after each).
#include "harness.h"

#include <math.h>

// One sequence's progress through a run.
struct seq {
    const llama_token *prompt; // its prompt ids
    int n_prompt;
    int fed;                   // prompt tokens already in the cache
    int generated;             // tokens sampled so far
    llama_token next;          // the last sampled token, fed in the next step
    double ttft_ms;            // time from the run's start to the first sampled token
    int done;
};

struct run_result {
    double wall_ms;
    long generated;
    double *ttft_ms; // (parallel,)
};

static llama_token argmax(const float *logits, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
}

static void batch_add(struct llama_batch *b, llama_token tok, int pos, int seq, int logits) {
    int i = b->n_tokens++;
    b->token[i] = tok;
    b->pos[i] = pos;
    b->n_seq_id[i] = 1;
    b->seq_id[i][0] = seq;
    b->logits[i] = (int8_t) logits;
}

// Runs all sequences to completion from an empty cache.
static struct run_result run_once(struct llama_context *ctx, struct seq *seqs, int n_seq, int n_gen, int n_batch, int n_vocab) {
    llama_memory_t mem = llama_get_memory(ctx);
    llama_memory_clear(mem, true);
    for (int s = 0; s < n_seq; s++) {
        seqs[s].fed = seqs[s].generated = seqs[s].done = 0;
        seqs[s].ttft_ms = -1;
    }
    struct llama_batch batch = llama_batch_init(n_batch, 0, 1);
    int *owner = malloc(sizeof(int) * (size_t) n_batch); // (n_batch,) sequence of each batch entry
    if (!owner) die("out of memory");
    struct run_result r = {0};
    r.ttft_ms = malloc(sizeof(double) * (size_t) n_seq);
    if (!r.ttft_ms) die("out of memory");

    double t0 = now_ms();
    int remaining = n_seq;
    while (remaining > 0) {
        batch.n_tokens = 0;
        // decode steps first: one token for every sequence past its prompt
        for (int s = 0; s < n_seq; s++) {
            struct seq *q = &seqs[s];
            if (q->done || q->generated == 0) continue;
            owner[batch.n_tokens] = s;
            batch_add(&batch, q->next, q->n_prompt + q->generated - 1, s, 1);
        }
        // then prompt chunks, in arrival order, while the batch has room
        for (int s = 0; s < n_seq && batch.n_tokens < n_batch; s++) {
            struct seq *q = &seqs[s];
            if (q->fed == q->n_prompt) continue;
            int take = q->n_prompt - q->fed;
            if (take > n_batch - batch.n_tokens) take = n_batch - batch.n_tokens;
            for (int i = 0; i < take; i++) {
                int pos = q->fed + i;
                owner[batch.n_tokens] = s;
                batch_add(&batch, q->prompt[pos], pos, s, pos == q->n_prompt - 1);
            }
            q->fed += take;
        }
        if (batch.n_tokens == 0) die("internal error: nothing to decode with %d sequences unfinished", remaining);
        int rc = llama_decode(ctx, batch);
        if (rc != 0) die("llama_decode failed with %d (batch of %d tokens)", rc, batch.n_tokens);
        double t = now_ms();
        for (int i = 0; i < batch.n_tokens; i++) {
            if (!batch.logits[i]) continue;
            struct seq *q = &seqs[owner[i]];
            const float *logits = llama_get_logits_ith(ctx, i);
            if (!logits) die("llama.cpp returned no logits for batch entry %d", i);
            q->next = argmax(logits, n_vocab);
            if (q->generated++ == 0) q->ttft_ms = t - t0;
            if (q->generated == n_gen) {
                q->done = 1;
                remaining--;
                llama_memory_seq_rm(mem, owner[i], -1, -1);
            }
        }
    }
    r.wall_ms = now_ms() - t0;
    for (int s = 0; s < n_seq; s++) {
        r.generated += seqs[s].generated;
        r.ttft_ms[s] = seqs[s].ttft_ms;
    }
    free(owner);
    llama_batch_free(batch);
    return r;
}

int main(int argc, char **argv) {
    harness_name = "llama_serve";
    const char *model_path = NULL, *prompts_path = NULL;
    int threads = 1, n_par = 0, n_gen = 0, n_batch = 2048, flash = 0, unified = 0, repeat = 1, warmup = 0, paced = 0;
    enum ggml_type kv_type = GGML_TYPE_F16;
    enum llama_load_mode load_mode = LLAMA_LOAD_MODE_NONE;
    const char *load_mode_name = "none";

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--model") && v) { model_path = v; i++; }
        else if (!strcmp(a, "--prompts-file") && v) { prompts_path = v; i++; }
        else if (!strcmp(a, "--parallel") && v) { n_par = (int) parse_long(v, "--parallel", 1, 1024); i++; }
        else if (!strcmp(a, "--gen") && v) { n_gen = (int) parse_long(v, "--gen", 1, 1 << 20); i++; }
        else if (!strcmp(a, "--threads") && v) { threads = (int) parse_long(v, "--threads", 1, 512); i++; }
        else if (!strcmp(a, "--batch") && v) { n_batch = (int) parse_long(v, "--batch", 1, 1 << 16); i++; }
        else if (!strcmp(a, "--kv") && v) { kv_type = parse_kv_type(v); i++; }
        else if (!strcmp(a, "--load-mode") && v) { load_mode = parse_load_mode(v); load_mode_name = v; i++; }
        else if (!strcmp(a, "--repeat") && v) { repeat = (int) parse_long(v, "--repeat", 1, 1000); i++; }
        else if (!strcmp(a, "--warmup") && v) { warmup = (int) parse_long(v, "--warmup", 0, 1000); i++; }
        else if (!strcmp(a, "--flash-attn")) flash = 1;
        else if (!strcmp(a, "--kv-unified")) unified = 1;
        else if (!strcmp(a, "--verbose")) verbose = 1;
        else if (!strcmp(a, "--paced")) paced = 1;
        else die("unknown or incomplete argument '%s' (see the usage line at the top of llama_serve.c)", a);
    }
    if (!model_path) die("--model is required");
    if (!prompts_path) die("--prompts-file is required");
    if (n_par == 0) die("--parallel is required");
    if (n_gen == 0) die("--gen is required");
    if (n_batch < n_par) die("--batch (%d) must be at least --parallel (%d): every generating sequence needs a slot per step", n_batch, n_par);

    // prompts: line i -> sequence i
    char *text = read_file(prompts_path);
    struct seq *seqs = calloc((size_t) n_par, sizeof(struct seq));
    llama_token **owned = calloc((size_t) n_par, sizeof(llama_token *));
    if (!seqs || !owned) die("out of memory");
    const char *p = text;
    int longest = 0;
    for (int s = 0; s < n_par; s++) {
        int n = 0, cap = 0;
        while (*p == '\n' || *p == '\r') p++;
        p = parse_tokens_until(p, &owned[s], &n, &cap, 1);
        if (n == 0) die("%s holds %d prompts, --parallel %d needs one per sequence", prompts_path, s, n_par);
        seqs[s].prompt = owned[s];
        seqs[s].n_prompt = n;
        if (n > longest) longest = n;
    }
    free(text);

    init_backends();
    struct llama_model_params mp = llama_model_default_params();
    mp.load_mode = load_mode;
    mp.n_gpu_layers = 0;
    double t0 = now_ms();
    struct llama_model *model = llama_model_load_from_file(model_path, mp);
    if (!model) die("llama.cpp could not load %s (rerun with --verbose for its log)", model_path);
    double load_ms = now_ms() - t0;
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    for (int s = 0; s < n_par; s++)
        for (int i = 0; i < seqs[s].n_prompt; i++)
            if (seqs[s].prompt[i] >= n_vocab) die("prompt %d: token id %d is outside the vocabulary [0, %d)", s, seqs[s].prompt[i], n_vocab);

    struct llama_context_params cp = llama_context_default_params();
    uint32_t per_seq = (uint32_t) ((longest + n_gen + 255) / 256 * 256);
    cp.n_ctx = per_seq * (uint32_t) n_par; // without a unified cache each sequence gets n_ctx / n_seq_max cells
    cp.n_batch = (uint32_t) n_batch;
    cp.n_ubatch = (uint32_t) (n_batch < 512 ? n_batch : 512);
    cp.n_seq_max = (uint32_t) n_par;
    cp.kv_unified = unified;
    cp.n_threads = cp.n_threads_batch = threads;
    cp.flash_attn_type = flash ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.type_k = cp.type_v = kv_type;
    cp.no_perf = 1;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) die("llama_init_from_model failed (rerun with --verbose for its log)");

    struct run_result *runs = malloc(sizeof(struct run_result) * (size_t) repeat);
    if (!runs) die("out of memory");
    if (paced) {
        say("ready");
        await_go();
    }
    for (int r = 0; r < warmup; r++) free(run_once(ctx, seqs, n_par, n_gen, n_batch, n_vocab).ttft_ms);
    for (int r = 0; r < repeat; r++) {
        if (paced) {
            say("ok");
            await_go();
        }
        runs[r] = run_once(ctx, seqs, n_par, n_gen, n_batch, n_vocab);
    }
    if (paced) say("ok");

    printf("{\"model\":");
    print_json_string(model_path);
    printf(",\"threads\":%d,\"load_mode\":", threads);
    print_json_string(load_mode_name);
    printf(",\"parallel\":%d,\"gen\":%d,\"batch\":%d,\"load_ms\":%.3f,\"runs\":[", n_par, n_gen, n_batch, load_ms);
    for (int r = 0; r < repeat; r++) {
        printf("%s{\"wall_ms\":%.3f,\"generated\":%ld,\"gen_tok_s\":%.3f,\"ttft_ms\":[", r ? "," : "", runs[r].wall_ms,
               runs[r].generated, runs[r].wall_ms > 0 ? runs[r].generated * 1e3 / runs[r].wall_ms : 0.0);
        for (int s = 0; s < n_par; s++) printf(s ? ",%.3f" : "%.3f", runs[r].ttft_ms[s]);
        printf("]}");
        free(runs[r].ttft_ms);
    }
    printf("],\"peak_rss_kb\":%ld}\n", peak_rss_kb());

    free(runs);
    for (int s = 0; s < n_par; s++) free(owned[s]);
    free(owned);
    free(seqs);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
