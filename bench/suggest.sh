#!/usr/bin/env bash
# Suggest benchmark (issue 13): `narvaro suggest --add K --radius-km R` against PuLP + CBC
# on the national instance (the 2020 plan kept, the gazetteer's trusted localities as
# candidates), once with the municipal populations and once with N generated demand
# points (bench/genpoints.c), in the same run. Checks that both find the same optimum and
# prints a table of medians with the time ratio (CBC / narvaro).
#
#   bench/suggest.sh [N]           default N: 1000000
#
# Environment: RUNS (timed runs of each, after one warm-up of narvaro; default 5), K (10),
# RADIUS_KM (25), SEED (genpoints' seed, 4), BUILD (build folder, default build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-1000000}
RUNS=${RUNS:-5}
K=${K:-10}
RADIUS_KM=${RADIUS_KM:-25}
SEED=${SEED:-4}
BUILD=${BUILD:-build-bench}
say() { echo "bench: $*" >&2; }

missing=()
for p in python3-pulp coinor-cbc python3-numpy python3-gdal; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "building narvaro and genpoints in $BUILD (RelWithDebInfo)"
scripts/setup "$BUILD"
NARVARO=$ROOT/$BUILD/narvaro
WORK=$(mktemp -d "${TMPDIR:-/tmp}/narvaro-suggest-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C PROJ_NETWORK=OFF

"$NARVARO" analyze --tables-only -q --out "$WORK/a"
say "generating $N demand points (seed $SEED)"
"$ROOT/$BUILD/genpoints" "$N" "$SEED" "$WORK/a/municipalities.csv" >"$WORK/points.csv"
say "load average: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each, --add $K --radius-km $RADIUS_KM"
echo "| demand | coverage sets | narvaro: covered | narvaro: time | CBC: covered | PuLP model + CBC solve | ratio |"
echo "|---|---|---|---|---|---|---|"
/usr/bin/python3 bench/suggest.py "$NARVARO" "$WORK/a/municipalities.csv" --runs "$RUNS" --k "$K" --radius-km "$RADIUS_KM"
/usr/bin/python3 bench/suggest.py "$NARVARO" "$WORK/a/municipalities.csv" "$WORK/points.csv" --runs "$RUNS" --k "$K" \
  --radius-km "$RADIUS_KM"
