#!/usr/bin/env bash
# Builds hsdis-amd64.so, so that the JVM can print C2's machine code (-XX:+UnlockDiagnosticVMOptions
# -XX:CompileCommand=print,Class::method). Debian ships hsdis only as libhsdis0-fcml, whose entry point
# (decode_instructions) predates JDK 25's (decode_instructions_virtual); shim.c forwards one to the other.
# Usage: tools/hsdis/build.sh [OUT_DIR]   then run java with LD_LIBRARY_PATH=OUT_DIR
set -euo pipefail
out="${1:-$(dirname "$0")/../../.cache/hsdis}"
if [[ ! -e /usr/lib/x86_64-linux-gnu/libhsdis.so.0 ]]; then
  apt-get install -y -qq libhsdis0-fcml >/dev/null
fi
mkdir -p "$out"
gcc -shared -fPIC -O2 -o "$out/hsdis-amd64.so" "$(dirname "$0")/shim.c" -ldl
echo "$out/hsdis-amd64.so"
