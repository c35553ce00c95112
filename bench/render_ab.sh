#!/usr/bin/env bash
# Render benchmark, builds against each other (issue 10): the commands of bench/render.sh
# run by two or more narvaro binaries in turn, A B A B ..., so that a load that comes and
# goes on a shared machine falls on all of them alike.
#
#   bench/render_ab.sh OLD NEW [MORE...]        each a path to a narvaro binary
#   RUNS=15 DB=path/narvaro.sqlite bench/render_ab.sh ../old/build-bench/narvaro build-bench/narvaro
#
# Each command is run WARMUP times by each binary (untimed), then RUNS times each under
# /usr/bin/time -f '%e %U %S', interleaved. Prints, per command and binary, the median wall
# time and the median CPU time (user + system, which a load disturbs far less), the mean CPU
# time (time counts in 10 ms steps, which a mean of many runs resolves better than a
# median), and the median of the pairwise CPU ratios of each binary against the first.
#
# DB is the result every binary draws; by default the first binary's
# `analyze -q --no-maps` of the default data writes it (an older reader may not read a
# newer result, so give the oldest binary first). The load average is printed before and
# after.
#
# fontconfig 2.14 writes its cache with SOURCE_DATE_EPOCH as the folder's time when that is
# set (and narvaro's tests and benchmarks set it), and then finds that cache stale on every
# later run and scans the font files again: some 40 M instructions a map. One render without
# SOURCE_DATE_EPOCH first rewrites the cache as valid, so that all binaries are measured on
# it.
#
# Environment: RUNS (15), WARMUP (2), DB, TIMER (time: /usr/bin/time, 10 ms steps; wait4:
# the same figures to the microsecond), KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
WARMUP=${WARMUP:-2}
TIMER=${TIMER:-time}
say() { echo "bench: $*" >&2; }
[ $# -ge 2 ] || { echo "usage: bench/render_ab.sh OLD NEW [MORE...] (narvaro binaries)" >&2; exit 2; }
BINS=()
for b in "$@"; do
  [ -x "$b" ] || { echo "bench: $b is not an executable" >&2; exit 2; }
  BINS+=("$(realpath "$b")")
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nvbench-render-ab-XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
if [ -z "${DB:-}" ]; then
  "${BINS[0]}" analyze -q --no-maps --out "$WORK/run"
  DB=$WORK/run/narvaro.sqlite
fi
env -u SOURCE_DATE_EPOCH "${BINS[0]}" render -q --db "$DB" --out "$WORK/fontconfig.png"
export SOURCE_DATE_EPOCH=0

NAMES=("presence PNG 2000 px high" "presence PNG A4 150 dpi" "presence SVG A4" "presence PDF A4"
  "distance PNG, jenks" "21 county PNGs" "start-up only (--version)")
ARGS=("render --db $DB --out $WORK/p2000.png --height 2000 -q" "render --db $DB --out $WORK/pa4.png -q"
  "render --db $DB --out $WORK/p.svg -q" "render --db $DB --out $WORK/p.pdf -q"
  "render --db $DB --map distance --breaks jenks --out $WORK/d.png -q"
  "render --db $DB --by-county --out $WORK/counties -q" "--version")

# TIMER=wait4: the child's times from wait4(2), to the microsecond, instead of
# /usr/bin/time's hundredths of a second.
WAIT4='
import os, sys, time
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
open(sys.argv[1], "w").write(f"{wall:.6f} {ru.ru_utime:.6f} {ru.ru_stime:.6f}\n")
sys.exit(os.waitstatus_to_exitcode(status))
'
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $RUNS runs per command and binary"
: >"$WORK/times.tsv"
for c in "${!NAMES[@]}"; do
  for ((i = 0; i < WARMUP + RUNS; i++)); do
    for b in "${!BINS[@]}"; do
      # shellcheck disable=SC2086 # the arguments are words
      if [ "$TIMER" = wait4 ]; then
        python3 -c "$WAIT4" "$WORK/t" "${BINS[$b]}" ${ARGS[$c]} >/dev/null
      else
        /usr/bin/time -f '%e %U %S' -o "$WORK/t" "${BINS[$b]}" ${ARGS[$c]} >/dev/null
      fi
      [ "$i" -lt "$WARMUP" ] || printf '%s\t%s\t%s\t%s\n' "$c" "$b" "$i" "$(tail -1 "$WORK/t")" >>"$WORK/times.tsv"
    done
  done
done
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$WORK/times.tsv" "${#BINS[@]}" "${NAMES[@]}" <<'EOF'
import collections, statistics, sys
path, nbin, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
t = collections.defaultdict(dict)  # (command, binary) -> run -> (wall, cpu)
for line in open(path):
    c, b, i, times = line.rstrip("\n").split("\t")
    wall, user, sys_ = (float(x) for x in times.split())
    t[int(c), int(b)][int(i)] = (wall, user + sys_)
head = "| command | " + " | ".join(f"binary {b + 1} wall / CPU (CPU mean)" for b in range(nbin))
head += "".join(f" | CPU {b + 1}/1" for b in range(1, nbin))
print(head + " |")
print("|---" + "|---:" * (2 * nbin - 1) + "|")
for c, name in enumerate(names):
    row = [name]
    for b in range(nbin):
        runs = t[c, b].values()
        row.append(f"{statistics.median(w for w, _ in runs) * 1000:.0f} / "
                   f"{statistics.median(u for _, u in runs) * 1000:.0f} ms "
                   f"({statistics.mean(u for _, u in runs) * 1000:.0f})")
    for b in range(1, nbin):
        pairs = [t[c, b][i][1] / t[c, 0][i][1] for i in t[c, 0] if t[c, 0][i][1] > 0]
        row.append(f"{statistics.median(pairs):.2f}" if pairs else "-")
    print("| " + " | ".join(row) + " |")
EOF
