#!/usr/bin/env bash
# Population benchmark (issue 4): narvaro against PostGIS on N synthetic demand points.
#
#   bench/population.sh [N ...]          default: 1000000 10000000
#
# For each N: generates N points over Sweden with a fixed seed (bench/genpoints.c), times
# `narvaro analyze -q --population points.csv` (RUNS runs after a warm-up: median wall
# time, peak RSS), runs the same workload in PostGIS on a throwaway PostgreSQL 15 cluster
# that listens on a Unix socket only (load: COPY, geometry, GiST indexes; query: the
# ST_Contains join, the nearest office by <->, the sums per municipality), checks that
# both give the same figures per municipality, and prints a table of medians. Exit status
# 1 when the figures differ.
#
# Environment: RUNS (narvaro runs per N, default 5), PG_RUNS (PostGIS runs per N; default
# 3 up to 2,000,000 points, 1 above), PG_MAX_N (no PostGIS above this N; default: none),
# SEED (default 4), BUILD (build folder, default build-bench), NARVARO_ARGS (more options
# for the timed narvaro runs, e.g. --no-maps), KEEP=1 keeps the work folder (points,
# outputs, the cluster's log).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000 10000000)
RUNS=${RUNS:-5}
SEED=${SEED:-4}
BUILD=${BUILD:-build-bench}
PG_MAX_N=${PG_MAX_N:-}
read -ra NARVARO_ARGS <<<"${NARVARO_ARGS:-}"
PGBIN=/usr/lib/postgresql/15/bin
say() { echo "bench: $*" >&2; }

# ---- what the benchmark needs, besides narvaro's own packages (scripts/setup installs those)
missing=()
for p in postgresql-15-postgis-3 postgresql-client-15; do
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
GENPOINTS=$ROOT/$BUILD/genpoints

WORK=$(mktemp -d "${TMPDIR:-/tmp}/narvaro-bench.XXXXXX")
chmod 755 "$WORK"  # the server reads the points from here (COPY FROM a file)
PGROOT=$WORK/pg
PGDATA=$PGROOT/data
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# The server runs as the user `postgres` (Debian's package creates it) when we are root,
# else as ourselves.
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
  mkdir -p "$PGROOT" && chown postgres: "$PGROOT"
else
  as_pg() { "$@"; }
  mkdir -p "$PGROOT"
fi
cleanup() {
  [ -f "$PGDATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  if [ "${KEEP:-}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ---- a throwaway cluster: Unix socket only, no durability, sized for 24 GB and 2 cores
say "starting PostgreSQL 15 in $PGDATA"
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C -N >/dev/null
cat >>"$PGDATA/postgresql.conf" <<'EOF'
# narvaro bench/population.sh: a throwaway cluster, nothing here needs to survive a crash.
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 16GB
checkpoint_timeout = 1h
autovacuum = off
shared_buffers = 6GB
work_mem = 256MB
maintenance_work_mem = 2GB
effective_cache_size = 16GB
random_page_cost = 1.1
max_worker_processes = 8
max_parallel_workers = 2
max_parallel_workers_per_gather = 2
max_parallel_maintenance_workers = 2
jit = off
EOF
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/log" -w -o "-k $PGROOT -p 5432 -c listen_addresses=''" start >/dev/null
export PGOPTIONS="-c client_min_messages=warning"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$PGROOT" -p 5432 -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE template_bench"
"${PSQL[@]}" -d template_bench -c "CREATE EXTENSION postgis"

# ---- the default run gives each municipality's representative point and population
say "narvaro analyze on the default data (genpoints' input)"
"$NARVARO" analyze -q --out "$WORK/base"

say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo),"\
" load average $(cut -d' ' -f1-3 /proc/loadavg); $("${PSQL[@]}" -d template_bench -Atc \
"SELECT split_part(version(), ' ', 2) || ', PostGIS ' || postgis_lib_version()" | sed 's/^/PostgreSQL /')"

mismatch=0
for N in "${SIZES[@]}"; do
  points=$WORK/points-$N.csv
  say "N=$N: generating points (seed $SEED)"
  "$GENPOINTS" "$N" "$SEED" "$WORK/base/municipalities.csv" >"$points"
  chmod 644 "$points"

  say "N=$N: narvaro, $RUNS runs after a warm-up"
  out=$WORK/narvaro-$N
  python3 bench/population.py narvaro "$RUNS" "$out" -- \
    "$NARVARO" analyze -q "${NARVARO_ARGS[@]}" --population "$points" --out "$out" |
    while read -r wall rss; do
      say "  narvaro: ${wall} s, peak RSS $((rss / 1024)) MB"
      echo "narvaro $N $wall $rss" >>"$RESULTS"
    done

  if [ -n "$PG_MAX_N" ] && [ "$N" -gt "$PG_MAX_N" ]; then
    say "N=$N: PostGIS skipped (PG_MAX_N=$PG_MAX_N)"
  else
    pg_runs=${PG_RUNS:-$([ "$N" -le 2000000 ] && echo 3 || echo 1)}
    for r in $(seq "$pg_runs"); do
      say "N=$N: PostGIS run $r of $pg_runs"
      "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS run" -c "CREATE DATABASE run TEMPLATE template_bench"
      line=$(python3 bench/population.py postgis --host "$PGROOT" --port 5432 --db run \
        --pgdata "$PGDATA" --narvaro-db "$WORK/base/narvaro.sqlite" --points "$points" --csv "$WORK/postgis-$N.csv")
      read -r load query peak <<<"$line"
      say "  PostGIS: load ${load} s, query ${query} s, peak $((peak / 1024)) MB"
      echo "postgis $N $load $query $peak" >>"$RESULTS"
      python3 bench/population.py compare "$out" "$WORK/postgis-$N.csv" || mismatch=1
    done
    "${PSQL[@]}" -d postgres -c "DROP DATABASE run"
  fi
  rm -f "$points"
done

echo
python3 bench/population.py table "$RESULTS" bench/results-population.md
echo
echo "Medians. narvaro: wall time and peak RSS of the process (wait4). PostGIS: load (ogr2ogr of"
echo "municipalities and offices, COPY of the points, geometry, GiST indexes, ANALYZE) and query (the"
echo "join, nearest office, sums), both wall time seen by the client; peak memory is the largest sum of"
echo "PSS over the server's processes, sampled every 0.1 s. Also in bench/results-population.md."
if [ "$mismatch" -ne 0 ]; then
  say "narvaro and PostGIS DISAGREE (see MISMATCH lines above)"
  exit 1
fi
