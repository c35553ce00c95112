#!/usr/bin/env bash
# Batch benchmark (issue 5): 1,000 plans of 100 offices each, municipal population,
# tables only — narvaro batch against the same work done as one `narvaro analyze` per
# plan (what a script around the single-plan command would do), in the same run.
#
#   bench/batch.sh [PLANS [OFFICES]]        default: 1000 plans of 100 offices
#
# Prints the median wall time and peak memory of `narvaro batch --tables-only --force`
# over RUNS runs (default 5), the time of a re-run with nothing changed (every plan
# skipped), and the peer: `narvaro analyze --tables-only` once per plan, two at a time
# (xargs -P 2, both cores), on the first PEER plans (default 100), scaled to all plans.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PLANS=${1:-1000}
OFFICES=${2:-100}
RUNS=${RUNS:-5}
PEER=${PEER:-100}
BUILD=${BUILD:-build-bench}
say() { echo "bench: $*" >&2; }

scripts/setup "$BUILD"
NARVARO=$ROOT/$BUILD/narvaro
WORK=$(mktemp -d "${TMPDIR:-/tmp}/narvaro-batch.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
DATA=${NARVARO_DATA:-$ROOT/../shared}
python3 bench/genplans.py "$PLANS" "$OFFICES" 7 "$DATA/data/plans/af-2019-illustrative.csv" "$WORK/plans"
say "$PLANS plans of $OFFICES offices in $WORK/plans"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

"$NARVARO" batch "$WORK/plans" --tables-only --quiet --out "$WORK/out"   # warm-up, fills the cache
: >"$WORK/times"
: >"$WORK/rss"
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f '%e %M' -o "$WORK/t" "$NARVARO" batch "$WORK/plans" --tables-only --force --quiet --out "$WORK/out"
  read -r t m <"$WORK/t"
  echo "$t" >>"$WORK/times"
  echo "$m" >>"$WORK/rss"
done
BATCH_S=$(median <"$WORK/times")
BATCH_MB=$(median <"$WORK/rss" | awk '{printf "%.0f", $1/1024}')
/usr/bin/time -f '%e' -o "$WORK/t" "$NARVARO" batch "$WORK/plans" --tables-only --quiet --out "$WORK/out"
SKIP_S=$(cat "$WORK/t")
rows=$(grep -c ',skipped,' "$WORK/out/plans.csv" || true)
[ "$rows" -eq "$PLANS" ] || { say "the re-run skipped $rows plans, expected all $PLANS"; exit 1; }

# The peer: one process per plan, two at a time.
ls "$WORK/plans" | head -n "$PEER" >"$WORK/peer"
mkdir -p "$WORK/peer-out"
START=$(date +%s.%N)
xargs -P 2 -I{} "$NARVARO" analyze -q --tables-only --offices "$WORK/plans/{}" --out "$WORK/peer-out/{}" <"$WORK/peer"
END=$(date +%s.%N)
PEER_S=$(echo "$START $END $PLANS $PEER" | awk '{printf "%.2f", ($2-$1) * $3 / $4}')
# Both must agree: the first plan's municipalities.csv.
first=$(head -n1 "$WORK/peer")
cmp -s "$WORK/out/${first%.csv}/municipalities.csv" "$WORK/peer-out/$first/municipalities.csv" ||
  { say "batch and analyze disagree on $first"; exit 1; }

printf '\n%-38s %10s %8s\n' "$PLANS plans x $OFFICES offices, tables only" "wall s" "peak MB"
printf '%-38s %10s %8s\n' "narvaro batch (median of $RUNS)" "$BATCH_S" "$BATCH_MB"
printf '%-38s %10s %8s\n' "narvaro batch, nothing changed" "$SKIP_S" "-"
printf '%-38s %10s %8s\n' "analyze per plan, 2 at a time (scaled)" "$PEER_S" "-"
echo "$BATCH_S $PEER_S" | awk '{printf "batch is %.0f times faster than one analyze per plan; target: 1,000 plans under 3 s\n", $2/$1}'
