#!/usr/bin/env bash
# Render benchmark (issue 3): how long `narvaro render` takes to draw maps of a finished run.
#
#   bench/render.sh              RUNS=15 by default
#   RUNS=30 bench/render.sh
#
# Runs `narvaro analyze` once on the default data (the 2020 plan) into a work folder, then
# times with hyperfine, after warm-up runs, each command RUNS times and prints the median
# and the spread:
#   - the national presence map as a 2000-pixel-high PNG (the figure the issue asks for:
#     "well under half a second");
#   - the same at A4, 150 dpi (what `narvaro analyze` draws), as SVG and as PDF;
#   - the distance map with Jenks breaks;
#   - all 21 county maps (--by-county);
#   - `narvaro --version`: the start-up of the process alone (loading GDAL, PROJ, SQLite,
#     cairo, pango), which every command pays before any work.
# Timings are wall-clock times of the whole process. The machine's load average is printed
# first: on a shared machine, compare medians.
#
# Environment: RUNS (timed runs per command, default 15), BUILD (build folder, default
# build-bench, RelWithDebInfo through scripts/setup), KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
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

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nvbench-render-XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
"$NARVARO" analyze -q --no-maps --out "$WORK/run"
DB=$WORK/run/narvaro.sqlite
# fontconfig 2.14 writes its cache with SOURCE_DATE_EPOCH as the font folder's time when
# that is set, then finds the cache stale on every later run and scans the font files again
# (some 40 M instructions a map, 5 %). One render without it first leaves a valid cache.
env -u SOURCE_DATE_EPOCH "$NARVARO" render -q --db "$DB" --out "$WORK/fontconfig.png"
export SOURCE_DATE_EPOCH=0

say "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $RUNS runs per command"
hyperfine --style basic -N -w 3 -r "$RUNS" --export-json "$WORK/times.json" \
  -n "presence PNG 2000 px high" "$NARVARO render --db $DB --out $WORK/p2000.png --height 2000 -q" \
  -n "presence PNG A4 150 dpi" "$NARVARO render --db $DB --out $WORK/pa4.png -q" \
  -n "presence SVG A4" "$NARVARO render --db $DB --out $WORK/p.svg -q" \
  -n "presence PDF A4" "$NARVARO render --db $DB --out $WORK/p.pdf -q" \
  -n "distance PNG, jenks" "$NARVARO render --db $DB --map distance --breaks jenks --out $WORK/d.png -q" \
  -n "21 county PNGs" "$NARVARO render --db $DB --by-county --out $WORK/counties -q" \
  -n "start-up only (--version)" "$NARVARO --version" >/dev/null

python3 - "$WORK/times.json" <<'EOF'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
print("| command | median | min | max | runs |")
print("|---|---:|---:|---:|---:|")
for r in res:
    t = r["times"]
    print(f"| {r['command']} | {statistics.median(t) * 1000:.0f} ms | {min(t) * 1000:.0f} ms "
          f"| {max(t) * 1000:.0f} ms | {len(t)} |")
EOF
