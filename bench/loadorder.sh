#!/usr/bin/env bash
# Start-up benchmark and check of CMakeLists.txt's NARVARO_LOAD_ORDER: builds narvaro with
# and without it (build-bench and build-noorder, RelWithDebInfo), then
#   - compares where the dynamic loader binds every symbol at the start of `narvaro
#     --version` (LD_DEBUG=bindings: which library each library's every symbol comes
#     from): the option must change no binding, only how soon each is found;
#   - counts the start-up's instructions with callgrind (when valgrind is there) and
#     prints the libraries in load order with their look-ups, the figures the option's list
#     was chosen by.
# Run it after an upgrade of GDAL or of the libraries it loads: a binding that moves means
# the list in CMakeLists.txt no longer keeps the load order, and must be put right.
#
# Environment: KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "bench: $*" >&2; }
scripts/setup build-bench
scripts/setup build-noorder -DNARVARO_LOAD_ORDER=OFF
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nvbench-loadorder-XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

# "binding file A [0] to B [0]: normal symbol `s' [V]", the process id, namespace numbers
# and the binary's own path taken out, sorted.
bindings() {
  rm -f "$WORK"/ld.*
  LD_DEBUG=bindings LD_DEBUG_OUTPUT="$WORK/ld" "$1" --version >/dev/null
  sed -E 's/^ *[0-9]+:[[:space:]]*//' "$WORK"/ld.* | grep '^binding file' |
    sed -E "s/ \[[0-9]+\]//g; s|$1|narvaro|g" | sort -u
}
bindings "$PWD/build-noorder/narvaro" >"$WORK/without"
bindings "$PWD/build-bench/narvaro" >"$WORK/with"
moved=$(diff "$WORK/without" "$WORK/with" | grep -c '^[<>]' || true)
say "$(wc -l <"$WORK/with") bindings at start-up, $moved lines differ with NARVARO_LOAD_ORDER"
[ "$moved" = 0 ] || diff "$WORK/without" "$WORK/with" | head -20 >&2

echo "| libraries in load order (with NARVARO_LOAD_ORDER) | look-ups that end there |"
echo "|---|---:|"
awk '{sub(/:$/, "", $5); print $5}' "$WORK/with" | xargs -n1 basename | sort | uniq -c >"$WORK/counts"
ldd build-bench/narvaro | awk '{print $1}' | while read -r lib; do
  n=$(awk -v l="$lib" '$2 == l {print $1}' "$WORK/counts")
  echo "| $lib | ${n:-0} |"
done

if command -v valgrind >/dev/null; then
  for b in noorder bench; do
    ir=$(valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$b" "build-$b/narvaro" --version 2>&1 >/dev/null |
      awk '/refs:/ {print $NF}')
    say "narvaro --version, build-$b: $ir instructions"
  done
fi
[ "$moved" = 0 ]
