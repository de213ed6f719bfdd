#!/usr/bin/env bash
# Profile any halyard command with async-profiler (CPU samples, every thread) and print where the time
# goes by the deepest dev.halyard frame of each sample: the vector kernels' samples land in inlined
# Vector API frames (laneHelper, convert0, …), which a flat profile would show instead of the kernel.
#
#   tools/profile/profile.sh [--interval 500us] [--out FILE] [--top N] -- generate --model M --prompt P …
#
# async-profiler comes from Maven Central (tools.profiler:async-profiler:3.0, linux-x64 classifier: the
# jar carries libasyncProfiler.so) and is unpacked into .cache/async-profiler on first use. The raw
# collapsed stacks stay in --out (default .cache/profile.collapsed) for flame graphs or other cuts.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
interval=500us out="$here/.cache/profile.collapsed" top=25
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --interval) interval="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --top) top="$2"; shift 2 ;;
    *) echo "profile.sh: unknown option $1 (options: --interval, --out, --top, then -- and a halyard command)" >&2; exit 2 ;;
  esac
done
[[ "${1:-}" == "--" ]] && shift
[[ $# -gt 0 ]] || { echo "usage: tools/profile/profile.sh [--interval 500us] [--out FILE] [--top N] -- HALYARD-COMMAND…" >&2; exit 2; }

for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
  if [[ -n "$candidate" && -x "$candidate/bin/java" ]]; then export JAVA_HOME="$candidate"; break; fi
done

version=3.0
lib="$here/.cache/async-profiler/$version/linux-x64/libasyncProfiler.so"
if [[ ! -f "$lib" ]]; then
  (cd "$here" && ./mvnw -q dependency:get -Dartifact="tools.profiler:async-profiler:$version:jar:linux-x64" >&2)
  jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version-linux-x64.jar"
  mkdir -p "$here/.cache/async-profiler/$version"
  (cd "$here/.cache/async-profiler/$version" && "$JAVA_HOME/bin/jar" xf "$jar" linux-x64/libasyncProfiler.so)
fi

mkdir -p "$(dirname "$out")"
rm -f "$out"
HALYARD_JAVA_OPTS="${HALYARD_JAVA_OPTS:-} -agentpath:$lib=start,event=cpu,interval=$interval,file=$out,collapsed" \
  "$here/halyard" "$@"

# one line per sample stack: "frame;frame;…;frame COUNT"; attribute each to its deepest dev/halyard frame
awk -v top="$top" '
  { n = $NF; total += n; sub(/ [0-9]+$/, "");
    k = split($0, f, ";"); key = "(outside halyard) " f[k];
    for (i = k; i >= 1; i--) if (f[i] ~ /^dev\/halyard\//) { key = f[i]; break }
    sum[key] += n }
  END {
    if (total == 0) { print "profile.sh: no samples" > "/dev/stderr"; exit 1 }
    printf "%d samples; share by the deepest dev.halyard frame:\n", total
    for (key in sum) printf "%6.1f%%  %s\n", 100 * sum[key] / total, key | "sort -rn | head -n " top
  }' "$out"
echo "collapsed stacks: $out"
