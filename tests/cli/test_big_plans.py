"""Plans of hundreds of thousands of rows and more (issue 8, "Scale that must not fall
over"): a plan that would exhaust memory is refused before it is read, with exit status 2,
its size, the bound and what to do; a plan within the bound is read, every row accounted
for, and its offices layer gets a spatial index at any size. The plans are generated
(bench/genbigplan.py, 250,000 rows, 19 MB) and the bound lowered, so no file of millions
of rows is needed."""
import json
import os
import resource
import sqlite3
import subprocess
import sys

from nvcli import NARVARO, PLAN_2020, HERE, case, check, check_eq, finish, tmpdir

GEN = os.path.join(HERE, "..", "..", "bench", "genbigplan.py")
ROWS = 250000

work = tmpdir()
plan = os.path.join(work, "big.csv")
with open(PLAN_2020, encoding="utf-8") as src, open(plan, "w", encoding="utf-8") as out:
    subprocess.run([sys.executable, GEN, str(ROWS)], stdin=src, stdout=out, check=True)


def analyze(out, env=None, limit_kb=None, *extra):
    e = dict(os.environ)
    e.update(env or {})
    pre = None
    if limit_kb:
        def pre():
            resource.setrlimit(resource.RLIMIT_AS, (limit_kb * 1024, limit_kb * 1024))
    return subprocess.run([NARVARO, "analyze", "--quiet", "--no-maps", "--no-report", "--no-xlsx", *extra,
                           "--offices", plan, "--out", out], capture_output=True, text=True, env=e,
                          preexec_fn=pre, timeout=600)


@case
def plan_above_the_row_bound_is_refused_up_front():
    out = os.path.join(tmpdir(), "o")
    p = analyze(out, {"NARVARO_MAX_PLAN_ROWS": "100000"})
    check_eq(p.returncode, 2, "exit status: " + p.stderr)
    check("has about 250,000 rows, more than the bound of 100,000 rows (NARVARO_MAX_PLAN_ROWS)" in p.stderr,
          "names the rows and the bound: " + p.stderr)
    check("split the plan" in p.stderr, "says what to do: " + p.stderr)
    check(not os.path.exists(out), "nothing written")


@case
def row_bound_that_is_no_number_is_a_usage_error():
    out = os.path.join(tmpdir(), "o")
    p = analyze(out, {"NARVARO_MAX_PLAN_ROWS": "lots"})
    check_eq(p.returncode, 2, "exit status: " + p.stderr)
    check("NARVARO_MAX_PLAN_ROWS='lots'" in p.stderr, p.stderr)


@case
def plan_beyond_the_memory_available_is_refused_up_front():
    probe = subprocess.run([NARVARO, "--version"], capture_output=True,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (300000 * 1024,) * 2))
    if probe.returncode != 0:
        print("skipped: this build cannot run under ulimit -v (a sanitizer build?)")
        return
    out = os.path.join(tmpdir(), "o")
    # 250,000 rows need about 150 MB; under 300 MB of address space (most of it the
    # libraries and their data) far less is left.
    p = analyze(out, None, 300000)
    check_eq(p.returncode, 2, "exit status: " + p.stderr)
    check("has about 250,000 rows, which need about" in p.stderr and "B is available" in p.stderr,
          "names the rows, the memory needed and available: " + p.stderr)
    check("enough for about" in p.stderr and "split the plan" in p.stderr, "the bound and what to do: " + p.stderr)
    check(not os.path.exists(out), "nothing written")


@case
def offices_above_200000_rows_get_a_spatial_index():
    out = os.path.join(tmpdir(), "o")
    p = analyze(out, {"NARVARO_MAX_PLAN_ROWS": str(ROWS)})
    check_eq(p.returncode, 0, "a plan at the bound is read: " + p.stderr)
    check("spatial index" not in p.stderr, "no warning about the index: " + p.stderr)
    with open(os.path.join(out, "offices.csv"), encoding="utf-8") as f:
        check_eq(sum(1 for _ in f) - 1, ROWS, "every row in offices.csv")
    db = sqlite3.connect(os.path.join(out, "narvaro.sqlite"))
    check_eq(db.execute("SELECT rtreecheck('idx_offices_geom')").fetchone()[0], "ok", "the R*Tree is sound")
    located = db.execute("SELECT count(*) FROM offices WHERE geom IS NOT NULL").fetchone()[0]
    check_eq(db.execute("SELECT count(*) FROM idx_offices_geom").fetchone()[0], located, "one entry per point")
    check_eq(db.execute("SELECT spatial_index_enabled FROM geometry_columns WHERE f_table_name = 'offices'")
             .fetchone()[0], 1, "registered as SpatiaLite's index")
    # A window through the index finds the rows the table holds there.
    box = (600000, 6500000, 700000, 6700000)
    by_index = db.execute("SELECT count(*) FROM idx_offices_geom WHERE xmin >= ? AND xmax <= ? AND ymin >= ? "
                          "AND ymax <= ?", (box[0], box[2], box[1], box[3])).fetchone()[0]
    by_table = db.execute("SELECT count(*) FROM offices WHERE x >= ? AND x <= ? AND y >= ? AND y <= ?",
                          (box[0], box[2], box[1], box[3])).fetchone()[0]
    check(abs(by_index - by_table) <= 2 and by_table > 1000,
          f"the window agrees (float boxes may differ at the edge): {by_index} vs {by_table}")
    # The points are SpatiaLite's own: the blob narvaro builds is MakePoint's, byte for byte
    # (through the sqlite3 shell: Python's module may not load extensions).
    db.close()
    q = subprocess.run(["sqlite3", os.path.join(out, "narvaro.sqlite"),
                        "SELECT load_extension('mod_spatialite');"
                        "SELECT count(*) FROM offices WHERE geom IS NOT NULL AND geom <> MakePoint(x, y, 3006);"
                        "SELECT count(*) FROM offices WHERE ST_IsValid(geom) = 1;"],
                       capture_output=True, text=True)
    if q.returncode != 0:
        print("skipped the MakePoint comparison:", q.stderr.strip())
    else:
        lines = q.stdout.split()
        check_eq(lines[-2:], ["0", str(located)], "every geometry as MakePoint makes it, and valid")


@case
def rows_of_a_large_plan_lie_in_the_municipality_they_are_placed_in():
    # Above 100,000 rows the rows are located on two threads before the join (coverage.c,
    # locate_all): each placed row must still be given its own point's municipality, on
    # both sides of the split, as SpatiaLite (GEOS) sees it. Every 25th row is checked.
    out = os.path.join(tmpdir(), "o")
    p = analyze(out, {"NARVARO_MAX_PLAN_ROWS": str(ROWS)})
    check_eq(p.returncode, 0, "the plan is read: " + p.stderr)
    q = subprocess.run(["sqlite3", os.path.join(out, "narvaro.sqlite"),
                        "SELECT load_extension('mod_spatialite');"
                        "SELECT count(*), sum(fid > %d) FROM offices WHERE fid %% 25 = 0 AND status = 'placed';"
                        "SELECT count(*) FROM offices o WHERE o.fid %% 25 = 0 AND o.status = 'placed' AND NOT EXISTS"
                        " (SELECT 1 FROM municipalities m WHERE m.kommunkod = o.kommunkod"
                        " AND ST_Intersects(m.geom, o.geom) = 1);" % (ROWS // 2)],
                       capture_output=True, text=True, timeout=600)
    if q.returncode != 0:
        print("skipped: mod_spatialite does not load in the sqlite3 shell:", q.stderr.strip())
        return
    checked, second_half, wrong = (int(v) for v in q.stdout.replace("|", " ").split()[-3:])
    check(checked > ROWS // 25 // 2 and second_half > checked // 3, f"rows checked: {checked} ({second_half} after the split)")
    check_eq(wrong, 0, "placed rows outside the municipality they are placed in")


@case
def map_counts_of_many_offices_have_thousands_separators():
    # A legend or caption that says 196429 is hard to read: counts are grouped as the
    # report groups them, with a comma in English and a no-break space in Swedish.
    out = os.path.join(tmpdir(), "o")
    p = analyze(out, {"NARVARO_MAX_PLAN_ROWS": str(ROWS)})
    check_eq(p.returncode, 0, "the plan is read: " + p.stderr)
    for lang, sep, offices in (("en", ",", "offices."), ("sv", "\u00a0", "kontor.")):
        pdf = os.path.join(out, lang + ".pdf")
        r = subprocess.run([NARVARO, "render", "--db", os.path.join(out, "narvaro.sqlite"), "--out", pdf,
                            "--lang", lang, "--info"], capture_output=True, text=True, timeout=600)
        check_eq(r.returncode, 0, f"{lang} map drawn: {r.stderr}")
        text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
        words = text.replace("\u00a0", " ").split("\n")
        want = f"250{sep}000 {offices}".replace("\u00a0", " ")
        check(any(want in w for w in words), f"{lang} caption says {want!r}: {words[:3]}")
        with open(os.path.join(out, lang + ".json"), encoding="utf-8") as f:
            counts = [s["count"] for s in json.load(f)["symbols"]]
        check_eq(sum(counts), ROWS, f"{lang}: the legend's symbols count every office")
        for n in counts:
            grouped = f"{n:,}".replace(",", sep).replace("\u00a0", " ")
            check(grouped in words and str(n) not in words, f"{lang} legend says {grouped!r}, not {n}")


finish("test_big_plans")
