// harness.h: helpers shared by the llama.cpp harnesses (llama_ref.c, llama_serve.c): errors, clocks,
// argument parsing, token-id lists, backend and model loading, peak resident memory.
// Header-only (static functions): each harness is one translation unit.
#ifndef HALYARD_LLAMA_HARNESS_H
#define HALYARD_LLAMA_HARNESS_H

#include "llama.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int verbose = 0;
static const char *harness_name = "llama harness";

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", harness_name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void log_cb(enum ggml_log_level level, const char *text, void *user) {
    (void) user;
    if (verbose || level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long parse_long(const char *s, const char *what, long min, long max) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) die("%s must be an integer in [%ld, %ld], got '%s'", what, min, max, s);
    return v;
}

// Parses ids separated by commas, spaces, tabs or newlines (all of them, when stop_at_newline is 0;
// up to the first newline otherwise) into a growing array; returns where parsing stopped.
static const char *parse_tokens_until(const char *s, llama_token **out, int *n, int *cap, int stop_at_newline) {
    const char *p = s;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\r' || (!stop_at_newline && *p == '\n')) p++;
        if (!*p || *p == '\n') break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v < 0 || v > 0x7fffffff) die("bad token id near '%.20s'", p);
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *out = realloc(*out, sizeof(llama_token) * (size_t) *cap);
            if (!*out) die("out of memory");
        }
        (*out)[(*n)++] = (llama_token) v;
        p = end;
    }
    return p;
}

static inline void parse_tokens(const char *s, llama_token **out, int *n, int *cap) {
    parse_tokens_until(s, out, n, cap, 0);
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (len < 0) die("cannot size %s", path);
    char *buf = malloc((size_t) len + 1);
    if (!buf || fread(buf, 1, (size_t) len, f) != (size_t) len) die("cannot read %s", path);
    buf[len] = 0;
    fclose(f);
    return buf;
}

// --load-mode names: none reads the weights into memory (llama.cpp's strongest CPU mode: it can then
// repack Q4_0/Q8_0 blocks into interleaved layouts), mmap maps the file (llama.cpp's default).
static enum llama_load_mode parse_load_mode(const char *v) {
    if (!strcmp(v, "none")) return LLAMA_LOAD_MODE_NONE;
    if (!strcmp(v, "mmap")) return LLAMA_LOAD_MODE_MMAP;
    if (!strcmp(v, "auto")) return LLAMA_LOAD_MODE_AUTO;
    if (!strcmp(v, "mlock")) return LLAMA_LOAD_MODE_MLOCK;
    if (!strcmp(v, "mmap_mlock")) return LLAMA_LOAD_MODE_MMAP_MLOCK;
    if (!strcmp(v, "direct_io")) return LLAMA_LOAD_MODE_DIRECT_IO;
    die("--load-mode must be none, mmap, auto, mlock, mmap_mlock or direct_io, got '%s'", v);
    return LLAMA_LOAD_MODE_NONE;
}

static enum ggml_type parse_kv_type(const char *v) {
    if (!strcmp(v, "f32")) return GGML_TYPE_F32;
    if (!strcmp(v, "f16")) return GGML_TYPE_F16;
    if (!strcmp(v, "q8_0")) return GGML_TYPE_Q8_0; // needs --flash-attn for the values
    die("--kv must be f32, f16 or q8_0, got '%s'", v);
    return GGML_TYPE_F32;
}

// Loads the CPU backends (one library per instruction set next to libggml; the best one is picked;
// build.sh compiles in where they are, LLAMA_REF_BACKEND_DIR overrides it) and initialises llama.cpp.
static void init_backends(void) {
    llama_log_set(log_cb, NULL);
    const char *backend_dir = getenv("LLAMA_REF_BACKEND_DIR");
#ifdef BACKEND_DIR
    if (!backend_dir || !*backend_dir) backend_dir = BACKEND_DIR;
#endif
    if (backend_dir && *backend_dir) ggml_backend_load_all_from_path(backend_dir);
    else ggml_backend_load_all();
    llama_backend_init();
}

// Peak resident set size of this process in KiB (VmHWM of /proc/self/status), or -1 if unknown.
static long peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

static void print_json_string(const char *s) {
    putchar('"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        putchar(*p);
    }
    putchar('"');
}

// --paced (the benchmark's lockstep, see bench/.../Lockstep.java): say() prints one protocol line
// ("ready", "ok") and flushes it; await_go() reads the controller's go-ahead, one line from stdin,
// whose end means the controller is gone.
static void say(const char *what) {
    printf("%s\n", what);
    fflush(stdout);
}

static void await_go(void) {
    char line[64];
    if (!fgets(line, sizeof line, stdin)) die("--paced: stdin closed before the runs were done");
}

#endif
