#!/usr/bin/env python3
"""Helpers of bench/population.sh (Python 3 standard library only).

  population.py narvaro RUNS OUT -- NARVARO ARGS...
      Runs narvaro RUNS times after one untimed warm-up, deleting OUT before each run.
      Prints one line per run: wall seconds and peak RSS in KiB (from wait4's rusage of
      that very process, so nothing is sampled or missed).
  population.py postgis --host SOCKDIR --db DB --pgdata PGDATA --narvaro-db SQLITE
                        --points CSV --csv OUT.csv [--radii 10,25,50] [--sessions 2] [--chunks 8]
      Loads municipalities, offices and the points into a running PostgreSQL/PostGIS
      server, runs the workload, writes per-municipality figures to OUT.csv and prints
      one line: load seconds, query seconds, peak memory of the server in KiB.
  population.py compare NARVARO_OUT_DIR POSTGIS_CSV [--radii 10,25,50]
      Exit status 1 when any figure differs (population and population within each
      radius exactly; mean and maximum distance within 1 m).
  population.py table RESULTS_TSV [MARKDOWN_OUT]
      Medians of the runs recorded in RESULTS_TSV as a table.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import threading
import time


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- narvaro

def run_narvaro(args):
    cmd = args.command
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    for i in range(args.runs + 1):
        subprocess.run(["rm", "-rf", args.out], check=True)
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            log(f"narvaro failed with exit status {p.returncode}: {' '.join(cmd)}")
            return 1
        if i > 0:  # the first run warms the page cache and is not counted
            print(f"{wall:.4f}\t{ru.ru_maxrss}", flush=True)
    return 0


# ---------------------------------------------------------------------------- PostGIS

def server_pids(pgdata):
    """The postmaster (first line of postmaster.pid) and all its children."""
    with open(os.path.join(pgdata, "postmaster.pid")) as f:
        root = int(f.readline())
    pids = [root]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ')'.
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == root:
            pids.append(int(d))
    return pids


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass  # the process ended between listing and reading
    return 0


class MemorySampler(threading.Thread):
    """Samples the summed PSS of the server's processes every `interval` seconds.

    PSS (proportional set size) charges a shared page to the processes that map it in
    equal parts, so the sum over the server's processes counts shared_buffers pages once
    (a sum of RSS would count them once per backend). Peaks shorter than the interval
    can be missed."""

    def __init__(self, pgdata, interval=0.1):
        super().__init__(daemon=True)
        self.pgdata, self.interval = pgdata, interval
        self.peak_kib = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            total = sum(pss_kib(p) for p in server_pids(self.pgdata))
            self.peak_kib = max(self.peak_kib, total)
            self.stop.wait(self.interval)


def psql(conn, sql, out=None):
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", conn["host"], "-p", conn["port"], "-U", "postgres",
           "-d", conn["db"]]
    cmd += ["--csv", "-o", out] if out is not None else ["-A", "-t"]
    p = subprocess.run(cmd + ["-c", sql], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"psql failed: {p.stderr.strip()}\nSQL: {sql}")
    return p.stdout


def timed(what, fn, *a, **kw):
    t0 = time.perf_counter()
    r = fn(*a, **kw)
    log(f"  {what}: {time.perf_counter() - t0:.2f} s")
    return r


def run_postgis(args):
    conn = {"host": args.host, "port": args.port, "db": args.db}
    radii = [float(r) for r in args.radii.split(",")]
    pg = f"PG:host={args.host} port={args.port} dbname={args.db} user=postgres"
    ogr = ["ogr2ogr", "-f", "PostgreSQL", pg, args.narvaro_db, "-lco", "GEOMETRY_NAME=geom", "-lco", "UNLOGGED=ON",
           "-lco", "SPATIAL_INDEX=GIST"]
    idle_kib = sum(pss_kib(p) for p in server_pids(args.pgdata))
    log(f"  server before the load: {len(server_pids(args.pgdata))} processes, PSS {idle_kib / 1024:.0f} MB")
    sampler = MemorySampler(args.pgdata)
    sampler.start()
    try:
        # ---- load: the boundaries and offices narvaro used, the points, the indexes.
        t0 = time.perf_counter()
        timed("municipalities (ogr2ogr, GiST index)", subprocess.run,
              ogr + ["municipalities", "-select", "kommunkod"], check=True)
        # narvaro measures distances to placed and snapped offices, at their own coordinates.
        timed("offices (ogr2ogr, GiST index)", subprocess.run,
              ogr + ["offices", "-select", "office_id,status", "-where", "status <> 'rejected'"], check=True)
        timed("points: COPY, geometry", psql, conn, f"""
            CREATE UNLOGGED TABLE pts (
              id bigint GENERATED ALWAYS AS IDENTITY,
              x float8, y float8, pop float8,
              geom geometry(Point, 3006) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(x, y), 3006)) STORED);
            COPY pts (x, y, pop) FROM '{args.points}' (FORMAT csv, HEADER true)""")
        timed("points: GiST index", psql, conn, "CREATE INDEX pts_geom ON pts USING gist (geom)")
        timed("ANALYZE", psql, conn, "ANALYZE pts; ANALYZE municipalities; ANALYZE offices")
        load_s = time.perf_counter() - t0

        # ---- query
        t0 = time.perf_counter()
        psql(conn, "CREATE UNLOGGED TABLE inside (id bigint, kommunkod text);"
                   "CREATE UNLOGGED TABLE nearest (id bigint, pop float8, d float8)")
        blocks = int(psql(conn, "SELECT pg_relation_size('pts') / current_setting('block_size')::int").split()[-1])
        # Which municipality holds each point: driven by the polygons (each one's index
        # scan over the points, ST_Contains with its prepared-geometry cache), the lowest
        # code where simplified boundaries overlap, as narvaro does.
        jobs = [("inside", "INSERT INTO inside SELECT p.id, min(m.kommunkod) FROM municipalities m"
                           " JOIN pts p ON ST_Contains(m.geom, p.geom) GROUP BY p.id")]
        # Nearest office of each point: a KNN index scan per point. PostgreSQL 15 never runs
        # a subquery with LIMIT in a parallel worker, so the points are cut into block
        # ranges (TID range scans) that the sessions take in turn.
        step = -(-blocks // args.chunks)
        for lo in range(0, blocks, step):
            jobs.append((f"nearest blocks {lo}..{lo + step}",
                         "INSERT INTO nearest SELECT p.id, p.pop, n.d FROM pts p CROSS JOIN LATERAL"
                         " (SELECT ST_Distance(o.geom, p.geom) AS d FROM offices o"
                         "  ORDER BY o.geom <-> p.geom LIMIT 1) n"
                         f" WHERE p.ctid >= '({lo},0)'::tid AND p.ctid < '({lo + step},0)'::tid"))
        queue, errors = list(jobs), []
        lock = threading.Lock()

        def session():
            while True:
                with lock:
                    if not queue or errors:
                        return
                    name, sql = queue.pop(0)
                try:
                    timed(name, psql, conn, sql)
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(e)

        threads = [threading.Thread(target=session) for _ in range(args.sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        log(f"  join and nearest office ({len(jobs)} jobs, {args.sessions} sessions):"
            f" {time.perf_counter() - t0:.2f} s")
        cols = []
        for r in radii:
            cols.append(f"coalesce(sum(n.pop) FILTER (WHERE n.d <= {r * 1000!r}), 0)::float8 AS within_{r:g}km")
        timed("aggregate per municipality", psql, conn, f"""
            SELECT i.kommunkod, count(*) AS points, sum(n.pop) AS population, {", ".join(cols)},
                   sum(n.pop * n.d) AS pop_dist_m, coalesce(max(n.d) FILTER (WHERE n.pop > 0), 0) AS max_dist_m
              FROM nearest n LEFT JOIN inside i ON i.id = n.id
             GROUP BY i.kommunkod ORDER BY i.kommunkod""", out=args.csv)
        query_s = time.perf_counter() - t0
    finally:
        sampler.stop.set()
        sampler.join()
    print(f"{load_s:.3f}\t{query_s:.3f}\t{sampler.peak_kib}", flush=True)
    return 0


# ---------------------------------------------------------------------------- compare

def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run_compare(args):
    radii = [f"{float(r):g}" for r in args.radii.split(",")]
    ours = {r["kommunkod"]: r for r in read_csv(os.path.join(args.narvaro_out, "municipalities.csv"))}
    with open(os.path.join(args.narvaro_out, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)["population"]
    theirs = {r["kommunkod"]: r for r in read_csv(args.postgis_csv)}
    outside = theirs.pop("", None) or {"points": "0", "population": "0"}
    problems = []
    for code in sorted(set(ours) | set(theirs)):
        if code not in ours:
            problems.append(f"{code}: PostGIS places points in a municipality narvaro does not know")
            continue
        o = ours[code]
        t = theirs.get(code) or {"population": "0", "pop_dist_m": "0", "max_dist_m": "0",
                                 **{f"within_{r}km": "0" for r in radii}}
        pairs = [("population", o["population"], t["population"])]
        pairs += [(f"population_within_{r}km", o[f"population_within_{r}km"], t[f"within_{r}km"]) for r in radii]
        for what, a, b in pairs:
            if float(a) != float(b):
                problems.append(f"{code} {o['namn']}: {what} narvaro {a}, PostGIS {b}")
        pop = float(t["population"])
        if pop > 0:
            mean_km = float(t["pop_dist_m"]) / pop / 1000
            if abs(float(o["mean_distance_km"]) - mean_km) > 0.001:
                problems.append(f"{code}: mean_distance_km narvaro {o['mean_distance_km']}, PostGIS {mean_km:.6f}")
            max_km = float(t["max_dist_m"]) / 1000
            if abs(float(o["max_distance_km"]) - max_km) > 0.001:
                problems.append(f"{code}: max_distance_km narvaro {o['max_distance_km']}, PostGIS {max_km:.6f}")
    for what, a, b in [("points outside every municipality", summary["points_outside_municipalities"],
                        outside["points"]),
                       ("population outside every municipality", summary["population_outside_municipalities"],
                        outside["population"]),
                       ("points", summary["points"], sum(int(t["points"]) for t in theirs.values())
                        + int(outside["points"]))]:
        if float(a) != float(b):
            problems.append(f"{what}: narvaro {a}, PostGIS {b}")
    for p in problems[:50]:
        print(f"bench: MISMATCH {p}", file=sys.stderr)
    if problems:
        print(f"bench: {len(problems)} differences between narvaro and PostGIS", file=sys.stderr)
        return 1
    log(f"narvaro and PostGIS agree on {len(ours)} municipalities: population and population within "
        f"{', '.join(radii)} km exactly, mean and max distance within 1 m, "
        f"{summary['points_outside_municipalities']} points outside every municipality")
    return 0


# ---------------------------------------------------------------------------- table

def run_table(args):
    narvaro, postgis = {}, {}
    with open(args.results) as f:
        for line in f:
            kind, n, *v = line.split()
            (narvaro if kind == "narvaro" else postgis).setdefault(int(n), []).append([float(x) for x in v])
    head = ("| N points | narvaro wall s | narvaro peak RSS MB | PostGIS load s | PostGIS query s | PostGIS total s "
            "| PostGIS peak MB | PostGIS / narvaro | runs (narvaro, PostGIS) |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n in sorted(set(narvaro) | set(postgis)):
        med = lambda rs, i: statistics.median(r[i] for r in rs)  # noqa: E731
        cells = [f"{n:,}"]
        nv = narvaro.get(n)
        cells += [f"{med(nv, 0):.3f}", f"{med(nv, 1) / 1024:.0f}"] if nv else ["–", "–"]
        pg = postgis.get(n)
        if pg:
            total = statistics.median(r[0] + r[1] for r in pg)
            cells += [f"{med(pg, 0):.2f}", f"{med(pg, 1):.2f}", f"{total:.2f}", f"{med(pg, 2) / 1024:.0f}"]
            cells += [f"{total / med(nv, 0):.0f}x" if nv else "–"]
        else:
            cells += ["–"] * 5
        cells.append(f"{len(nv) if nv else 0}, {len(pg) if pg else 0}")
        rows.append("| " + " | ".join(cells) + " |")
    text = head + "\n" + "\n".join(rows) + "\n"
    print(text, end="")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("narvaro")
    a.add_argument("runs", type=int)
    a.add_argument("out")
    a.add_argument("command", nargs=argparse.REMAINDER)
    a = sub.add_parser("postgis")
    a.add_argument("--host", required=True)
    a.add_argument("--port", default="5432")
    a.add_argument("--db", required=True)
    a.add_argument("--pgdata", required=True)
    a.add_argument("--narvaro-db", required=True)
    a.add_argument("--points", required=True)
    a.add_argument("--csv", required=True)
    a.add_argument("--radii", default="10,25,50")
    a.add_argument("--sessions", type=int, default=2)
    a.add_argument("--chunks", type=int, default=8)
    a = sub.add_parser("compare")
    a.add_argument("narvaro_out")
    a.add_argument("postgis_csv")
    a.add_argument("--radii", default="10,25,50")
    a = sub.add_parser("table")
    a.add_argument("results")
    a.add_argument("markdown", nargs="?")
    args = ap.parse_args()
    return {"narvaro": run_narvaro, "postgis": run_postgis, "compare": run_compare, "table": run_table}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
