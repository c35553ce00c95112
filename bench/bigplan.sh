#!/usr/bin/env bash
# Large-plan benchmark (issue 8): narvaro analyze on a plan of N rows (default 2,000,000),
# against importing the same CSV into SQLite in the same run, for scale:
#   sqlite3   .import of the CSV into a plain table (no geometry, no index): the floor of
#             getting the rows into a database at all;
#   ogr2ogr   the CSV as a SpatiaLite point layer (GDAL's SQLite driver, spatial index on).
# narvaro reads, places every row in its municipality, measures, and writes the CSVs and
# narvaro.sqlite (--no-maps, and by default --no-report --no-xlsx: NARVARO_ARGS). Wall
# time, user + system CPU and peak RSS by /usr/bin/time; medians of RUNS runs,
# interleaved so that a busy machine slows all of them alike. BASE=path/to/narvaro also
# times an older build in the same runs (before/after) and checks that its offices.csv
# and municipalities.csv are byte-identical to this build's. Usage:
#   bench/bigplan.sh [N]          RUNS=5 BUILD=build-bench KEEP=1 BASE=... bench/bigplan.sh 2000000
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000000}
RUNS=${RUNS:-5}
BUILD=${BUILD:-build-bench}
NARVARO_ARGS=${NARVARO_ARGS---no-report --no-xlsx}
scripts/setup "$BUILD" >/dev/null
NARVARO=$PWD/$BUILD/narvaro
DATA=${NARVARO_DATA:-$PWD/../shared}
export NARVARO_DATA=$DATA
work=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
python3 bench/genbigplan.py "$N" < "$DATA/data/plans/af-2020-illustrative.csv" > "$work/plan.csv"
echo "plan: $N rows, $(du -m "$work/plan.csv" | cut -f1) MB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # name, command...: appends "seconds cpu-seconds kB" to $work/name
    local name=$1; shift
    # The files the run before wrote (up to 2 GB: ogr2ogr's) go to the disk first, so that
    # their write-back does not land in this run's time.
    sync
    /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    awk '{print $1, $2 + $3, $4}' "$work/t" >> "$work/$name"
}
tools="narvaro sqlite3 ogr2ogr"
[ -n "${BASE:-}" ] && tools="before $tools"
for r in $(seq "$RUNS"); do
    rm -rf "$work/out" "$work/base" "$work/peer.sqlite" "$work/ogr.sqlite"
    # shellcheck disable=SC2086
    [ -n "${BASE:-}" ] && measure before "$BASE" analyze -q --no-maps $NARVARO_ARGS --offices "$work/plan.csv" --out "$work/base"
    # shellcheck disable=SC2086
    measure narvaro "$NARVARO" analyze -q --no-maps $NARVARO_ARGS --offices "$work/plan.csv" --out "$work/out"
    measure sqlite3 sqlite3 "$work/peer.sqlite" ".import --csv $work/plan.csv offices"
    measure ogr2ogr ogr2ogr -f SQLite -dsco SPATIALITE=YES "$work/ogr.sqlite" "$work/plan.csv" -nln offices \
        -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326 -gt 100000
done
placed=$(grep -c ',placed,' "$work/out/offices.csv" || true)
rows=$(( $(wc -l < "$work/out/offices.csv") - 1 ))
echo "narvaro accounted for $rows rows ($placed placed) of $N"
if [ -n "${BASE:-}" ]; then
    for f in offices.csv municipalities.csv counties.csv; do
        cmp -s "$work/base/$f" "$work/out/$f" && echo "$f: identical to BASE's" || { echo "MISMATCH: $f differs from BASE's"; exit 1; }
    done
fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf "%-8s %10s %10s %12s\n" tool "median s" "median CPU" "median MB"
for t in $tools; do
    s=$(cut -d' ' -f1 "$work/$t" | median); c=$(cut -d' ' -f2 "$work/$t" | median); m=$(cut -d' ' -f3 "$work/$t" | median)
    printf "%-8s %10.2f %10.2f %12.0f\n" "$t" "$s" "$c" "$(echo "$m / 1024" | bc -l)"
    eval "S_$t=$s"
done
echo "narvaro / sqlite3 import: $(echo "$S_narvaro / $S_sqlite3" | bc -l | cut -c1-5)x; narvaro / ogr2ogr: $(echo "$S_narvaro / $S_ogr2ogr" | bc -l | cut -c1-5)x"
[ -n "${BASE:-}" ] && echo "before / narvaro: $(echo "$S_before / $S_narvaro" | bc -l | cut -c1-5)x"
exit 0
