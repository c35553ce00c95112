#!/usr/bin/env bash
# Large-plan benchmark (issue 8): narvaro analyze on a plan of N rows (default 2,000,000),
# against importing the same CSV into SQLite in the same run, for scale:
#   sqlite3   .import of the CSV into a plain table (no geometry, no index): the floor of
#             getting the rows into a database at all;
#   ogr2ogr   the CSV as a SpatiaLite point layer (GDAL's SQLite driver, spatial index on).
# narvaro reads, places every row in its municipality, measures, and writes the CSVs and
# narvaro.sqlite (--no-maps). Wall time and peak RSS by /usr/bin/time; medians of RUNS runs,
# interleaved so that a busy machine slows all three alike. Usage:
#   bench/bigplan.sh [N]          RUNS=5 BUILD=build-bench KEEP=1 bench/bigplan.sh 2000000
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000000}
RUNS=${RUNS:-5}
BUILD=${BUILD:-build-bench}
scripts/setup "$BUILD" >/dev/null
NARVARO=$PWD/$BUILD/narvaro
DATA=${NARVARO_DATA:-$PWD/../shared}
work=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
python3 bench/genbigplan.py "$N" < "$DATA/data/plans/af-2020-illustrative.csv" > "$work/plan.csv"
echo "plan: $N rows, $(du -m "$work/plan.csv" | cut -f1) MB"

measure() { # name, command...: appends "seconds kB" to $work/name
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    cat "$work/t" >> "$work/$name"
}
for r in $(seq "$RUNS"); do
    rm -rf "$work/out" "$work/peer.sqlite" "$work/ogr.sqlite"
    measure narvaro "$NARVARO" analyze -q --no-maps --offices "$work/plan.csv" --out "$work/out"
    measure sqlite3 sqlite3 "$work/peer.sqlite" ".import --csv $work/plan.csv offices"
    measure ogr2ogr ogr2ogr -f SQLite -dsco SPATIALITE=YES "$work/ogr.sqlite" "$work/plan.csv" -nln offices \
        -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326 -gt 100000
done
placed=$(grep -c ',placed,' "$work/out/offices.csv" || true)
rows=$(( $(wc -l < "$work/out/offices.csv") - 1 ))
echo "narvaro accounted for $rows rows ($placed placed) of $N"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf "%-8s %10s %12s\n" tool "median s" "median MB"
for t in narvaro sqlite3 ogr2ogr; do
    s=$(cut -d' ' -f1 "$work/$t" | median); m=$(cut -d' ' -f2 "$work/$t" | median)
    printf "%-8s %10.2f %12.0f\n" "$t" "$s" "$(echo "$m / 1024" | bc -l)"
    eval "S_$t=$s"
done
echo "narvaro / sqlite3 import: $(echo "$S_narvaro / $S_sqlite3" | bc -l | cut -c1-5)x; narvaro / ogr2ogr: $(echo "$S_narvaro / $S_ogr2ogr" | bc -l | cut -c1-5)x"
