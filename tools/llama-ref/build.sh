#!/usr/bin/env bash
# Builds the llama.cpp harnesses used by Halyard's parity tests and benchmarks.
#
#   tools/llama-ref/build.sh            -> <repo>/.cache/llama.cpp/llama_ref   (one sequence: logits, greedy, timings)
#                                          <repo>/.cache/llama.cpp/llama_serve (N parallel sequences: serving throughput, TTFT)
#
# llama.cpp comes prebuilt from the npm registry: @node-llama-cpp/linux-x64 ships libllama and the
# ggml CPU backends (one per instruction set, chosen at run time); node-llama-cpp ships the matching
# llama.cpp source as a git bundle, from which only the public headers are taken. Idempotent: a
# second run with the same versions and the same harness sources does nothing.
set -euo pipefail

VERSION=3.21.1                     # node-llama-cpp release; its llama.cpp tag is in llama/binariesGithubRelease.json
LIBLLAMA=libllama.v0.4.0.so
LIBGGML=libggml.v0.4.0.so

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DEST="$REPO/.cache/llama.cpp"
LIB="$DEST/lib"
INC="$DEST/include"
BIN="$DEST/llama_ref"
SERVE_BIN="$DEST/llama_serve"
STAMP="$DEST/stamp"

for tool in npm tar gcc git; do
    command -v "$tool" >/dev/null || { echo "build.sh: '$tool' is required but not installed" >&2; exit 1; }
done

want="$VERSION $(cat "$HERE"/*.c "$HERE"/*.h | sha256sum | cut -c1-64)"
if [[ -x "$BIN" && -x "$SERVE_BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "llama_ref and llama_serve are up to date: $DEST"
    exit 0
fi

mkdir -p "$DEST/dl"
cd "$DEST/dl"

# 1. prebuilt libraries
if [[ ! -f "$LIB/$LIBLLAMA" ]]; then
    [[ -f node-llama-cpp-linux-x64-$VERSION.tgz ]] || npm pack --silent "@node-llama-cpp/linux-x64@$VERSION" >/dev/null
    rm -rf bins-x64 && mkdir bins-x64
    tar xzf "node-llama-cpp-linux-x64-$VERSION.tgz" -C bins-x64
    rm -rf "$LIB" && mkdir -p "$LIB"
    cp bins-x64/package/bins/linux-x64/*.so bins-x64/package/bins/linux-x64/_nlcBuildMetadata.json "$LIB/"
    rm -rf bins-x64
fi

# 2. headers of the same llama.cpp release
if [[ ! -f "$INC/llama.h" ]]; then
    [[ -f node-llama-cpp-$VERSION.tgz ]] || npm pack --silent "node-llama-cpp@$VERSION" >/dev/null
    rm -rf src-pkg && mkdir src-pkg
    tar xzf "node-llama-cpp-$VERSION.tgz" -C src-pkg package/llama/gitRelease.bundle package/llama/binariesGithubRelease.json
    rm -rf llama-src
    git clone --quiet --no-checkout src-pkg/package/llama/gitRelease.bundle llama-src
    rm -rf "$INC" && mkdir -p "$INC"
    git -C llama-src archive HEAD include/llama.h ggml/include | tar x -C "$INC" --strip-components=1 include/llama.h
    git -C llama-src archive HEAD ggml/include | tar x -C "$INC" --strip-components=2
    cp src-pkg/package/llama/binariesGithubRelease.json "$INC/release.json"
    rm -rf llama-src src-pkg
fi

# 3. the harnesses
for name in llama_ref llama_serve; do
    gcc -O2 -std=gnu11 -Wall -Wextra -o "$DEST/$name.tmp" "$HERE/$name.c" \
        -I"$HERE" -I"$INC" -DBACKEND_DIR="\"$LIB\"" \
        "$LIB/$LIBLLAMA" "$LIB/$LIBGGML" "$LIB/libggml-base.so" \
        -Wl,-rpath,"$LIB"
    mv "$DEST/$name.tmp" "$DEST/$name"
done
echo "$want" > "$STAMP"
echo "built $BIN and $SERVE_BIN (llama.cpp $(cat "$INC/release.json" | tr -d ' \n'))"
