#!/usr/bin/env bash
# Report benchmark (issue 12): what writing DIR/report.html adds to a national analyze.
#
#   bench/report.sh              RUNS=20 by default
#
# Times with hyperfine, after warm-up runs, `narvaro analyze` on the default data (290
# municipalities, the 2020 plan, municipal populations) into the same folder, RUNS times
# each, with and without --no-report, and prints the medians of the wall-clock and of the
# mean CPU time (user + system, which a busy machine disturbs less) and their differences (the
# issue asks for under 100 ms). Both runs skip the PNG map (--no-maps), whose drawing
# would only add the same noise to both; the report still reads the run's database
# and the map specs for its classes. Timings are wall-clock times of the whole process;
# on a shared machine, compare medians taken together.
#
# Environment: RUNS (default 20), BUILD (build folder, default build-bench, RelWithDebInfo
# through scripts/setup), KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
BUILD=${BUILD:-build-bench}
say() { echo "bench: $*" >&2; }

if ! command -v hyperfine >/dev/null; then
  say "installing hyperfine"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends hyperfine >/dev/null
fi
scripts/setup "$BUILD"
NARVARO=$PWD/$BUILD/narvaro

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nvbench-report-XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

say "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $RUNS runs per command"
hyperfine --style basic -N -w 3 -r "$RUNS" --export-json "$WORK/times.json" \
  -n "analyze, with report.html" "$NARVARO analyze -q --no-maps --out $WORK/with" \
  -n "analyze --no-report" "$NARVARO analyze -q --no-maps --no-report --out $WORK/without" >/dev/null
say "report.html: $(stat -c %s "$WORK/with/report.html") bytes"

python3 - "$WORK/times.json" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
print("| command | median | min | max | CPU (user + sys), mean | runs |")
print("|---|---:|---:|---:|---:|---:|")
cpu = []
for r in res:
    t = r["times"]
    c = r["user"] + r["system"]  # hyperfine 1.15 gives their means
    cpu.append(c)
    print(f"| {r['command']} | {statistics.median(t) * 1000:.0f} ms | {min(t) * 1000:.0f} ms "
          f"| {max(t) * 1000:.0f} ms | {c * 1000:.0f} ms | {len(t)} |")
med = [statistics.median(r["times"]) for r in res]
print(f"\nthe report adds {1000 * (med[0] - med[1]):.0f} ms wall clock, {1000 * (cpu[0] - cpu[1]):.0f} ms CPU "
      "(differences of the medians; of the means for CPU)")
PY
