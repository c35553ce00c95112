#!/usr/bin/env bash
# Runs one libFuzzer harness as a test: usage run.sh FUZZER SEED_DIR WORK_DIR SECONDS
#  1. replays every input of SEED_DIR (seeds and earlier findings: regression inputs);
#  2. fuzzes for SECONDS, starting from SEED_DIR, new inputs going to WORK_DIR/corpus;
# and fails on any finding (a crash, a sanitizer report, a leak, a timeout, running out
# of memory), which it leaves in WORK_DIR/findings/ to be added to SEED_DIR.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/findings"
common=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -artifact_prefix="$work/findings/")
# Leaks of the libraries themselves (not of narvaro) are suppressed as in the rest of the suite.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "== $(basename "$fuzzer"): replaying $(ls "$seeds" | wc -l) inputs of $seeds"
"$fuzzer" "${common[@]}" -runs=0 "$seeds"
echo "== $(basename "$fuzzer"): fuzzing for $seconds s"
if ! "$fuzzer" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 "$work/corpus" "$seeds" \
        > "$work/log" 2>&1; then
    tail -60 "$work/log"
    echo "FAIL: $(basename "$fuzzer") found a problem: $(ls "$work/findings")"
    echo "      reproduce with: $fuzzer $work/findings/<file>; then add the file to $seeds"
    exit 1
fi
tail -12 "$work/log"
