"""Values a hand-made export gets wrong (issue 8, items 3, 5, 6, 7, 18): a demand point far
outside every municipality, a plan of which no office can be placed (RT 90 given as
SWEREF 99 TM, swapped x/y, thousands separators, degrees as x/y, every row in the sea),
absurd and fractional populations, blank rows, and population files with lone-CR line
ends, from a pipe or from standard input. Plans and points are made at test time from
../shared's 2020 plan and localities."""
import csv
import json
import os
import subprocess

from nvcli import (NARVARO, PLAN_2020, SHARED, case, check, check_eq, finish, read_csv, read_json, run,
                   tmpdir)
from osgeo import osr

WORK = tmpdir()
LOCALITIES = os.path.join(SHARED, "data", "places", "localities.csv")


def transformer(epsg):
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(4326)
    dst.ImportFromEPSG(epsg)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return osr.CoordinateTransformation(src, dst)


with open(PLAN_2020, encoding="utf-8", newline="") as f:
    PLAN_ROWS = list(csv.DictReader(f))
TO_3006, TO_3021 = transformer(3006), transformer(3021)


def xy_plan(name, rows, header="office_id,name,x,y", sep=","):
    path = os.path.join(WORK, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(header.replace(",", sep) + "\n")
        for r in rows:
            f.write(sep.join(str(v) for v in r) + "\n")
    return path


def projected(tr):
    """(office_id, name, easting, northing) of every 2020 office."""
    out = []
    for r in PLAN_ROWS:
        e, n, _ = tr.TransformPoint(float(r["lon"]), float(r["lat"]))
        out.append((r["office_id"], r["name"].replace(",", " "), e, n))
    return out


SWEREF = projected(TO_3006)
RT90 = projected(TO_3021)


def analyze(*args, out=None):
    out = out or os.path.join(tmpdir(), "out")
    code, stdout, err = run("analyze", "--tables-only", *args, "--out", out)
    return code, stdout, err, out


@case
def a_plan_in_sweref_places_every_office():
    # The control: the same offices as x/y in SWEREF 99 TM give the published 106 / 184.
    plan = xy_plan("sweref.csv", [(i, n, f"{e:.2f}", f"{nn:.2f}") for i, n, e, nn in SWEREF])
    code, _, err, out = analyze("--offices", plan, "--offices-crs", "EPSG:3006")
    check_eq(code, 0, f"SWEREF 99 TM plan ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq((s["offices"], s["municipalities_with_office"], s["municipalities_without_office"]), (112, 106, 184),
             "112 offices in 106 municipalities")


NO_OFFICE_CASES = [
    # (file, rows, extra options, words the message must hold)
    ("rt90_as_sweref.csv", [(i, n, f"{e:.2f}", f"{nn:.2f}") for i, n, e, nn in RT90], [],
     ["outside its area of use", "RT 90", "--offices-crs EPSG:3021"]),
    ("rt90_x_northing.csv", [(i, n, f"{nn:.2f}", f"{e:.2f}") for i, n, e, nn in RT90], [],
     ["RT 90", "--offices-crs EPSG:3021 and exchange the x and y columns"]),
    ("swapped_xy.csv", [(i, n, f"{nn:.2f}", f"{e:.2f}") for i, n, e, nn in SWEREF], [],
     ["with x and y exchanged", "exchange the x and y columns"]),
    ("degrees_as_xy.csv", [(r["office_id"], "o", r["lon"], r["lat"]) for r in PLAN_ROWS], [],
     ["as degrees", "lon and lat"]),
    ("thousands.csv", [(i, "o", f"{int(e) // 1000},{int(e) % 1000:03d}", f"{int(nn) // 1000},{int(nn) % 1000:03d}")
                       for i, _, e, nn in SWEREF], ["--delimiter", ";"],
     ["thousands separators", "674032, not 674,032"]),
]


@case
def a_plan_of_which_no_office_can_be_placed_is_bad_input():
    for name, rows, extra, needles in NO_OFFICE_CASES:
        plan = xy_plan(name, rows, sep=";" if "--delimiter" in extra else ",")
        code, stdout, err, out = analyze("--offices", plan, "--offices-crs", "EPSG:3006", *extra)
        check_eq(code, 2, f"{name}: exit status ({err[-300:]})")
        check(f"{name}: no office of this file can be placed: all 112 rows with coordinates lie outside every "
              f"municipality" in err, f"{name}: the file and what is wrong: {err[-600:]}")
        for n in needles:
            check(n in err, f"{name}: the hint names {n!r}: {err[-600:]}")
        check(not os.path.exists(out), f"{name}: nothing written")
        check("nan" not in (stdout + err).lower().replace("narvaro", ""), f"{name}: no nan printed")


@case
def a_plan_in_the_sea_is_bad_input_and_compare_never_prints_nan():
    sea = xy_plan("sea.csv", [("S1", "Östersjön", "56.0", "18.5"), ("S2", "Bottenhavet", "62.0", "19.5")],
                  header="office_id,name,lat,lon")
    code, stdout, err, out = analyze("--offices", sea)
    check_eq(code, 2, f"every row in the sea ({err})")
    check("sea.csv: no office of this file can be placed" in err and "line 2: lat 56.000000, lon 18.500000" in err,
          err)
    out = os.path.join(tmpdir(), "cmp")
    code, stdout, err = run("compare", PLAN_2020, sea, "--no-maps", "--out", out)
    check_eq(code, 2, f"compare against a plan without placeable offices ({err})")
    check("nan" not in stdout.lower() and " nan" not in err.lower(), f"no nan: {stdout} {err}")
    # A plan with one office abroad among placed ones is still a plan: the row is rejected.
    mixed = xy_plan("one_abroad.csv", [("K1", "Kiruna", "67.8558", "20.2253"), ("N1", "Oslo", "59.9139", "10.7522")],
                    header="office_id,name,lat,lon")
    code, _, err, out = analyze("--offices", mixed)
    check_eq(code, 0, f"one office abroad ({err})")


def locality_points(name, weight, extra=()):
    """Every locality of ../shared as a demand point of the given weight, plus extra rows."""
    path = os.path.join(WORK, name)
    with open(LOCALITIES, encoding="utf-8", newline="") as f, open(path, "w") as out:
        out.write("lat,lon,population\n")
        for i, r in enumerate(csv.DictReader(f)):
            out.write(f"{r['lat']},{r['lon']},{weight(i)}\n")
        for row in extra:
            out.write(row + "\n")
    return path


@case
def a_demand_point_far_outside_is_kept_out_of_every_distance():
    clean = locality_points("localities.csv", lambda i: 10)
    typo = locality_points("localities_typo.csv", lambda i: 10, ["-33.9,151.2,5000"])
    code, _, err, a = analyze("--population", clean)
    check_eq(code, 0, f"localities as demand points ({err})")
    code, stdout, err, b = analyze("--population", typo)
    check_eq(code, 0, f"with a point in Sydney ({err})")
    pa, pb = read_json(os.path.join(a, "summary.json"))["population"], read_json(os.path.join(b, "summary.json"))["population"]
    # A few of the localities' own points lie off the simplified coast too: the typo adds one.
    check(f"{pb['points_far_outside']} demand points with {pb['population_far_outside']} people lie outside every "
          "municipality and farther than --snap-km 2" in err, err)
    for key in ("population", "within_10km", "within_25km", "within_50km", "mean_distance_km", "max_distance_km"):
        check_eq(pb[key], pa[key], f"the national {key} is that of the plan without the typo")
    check(pb["max_distance_km"] < 300, f"the maximum distance is Sweden's, not Sydney's: {pb['max_distance_km']}")
    check_eq((pb["points_far_outside"], pb["population_far_outside"]),
             (pa["points_far_outside"] + 1, pa["population_far_outside"] + 5000), "summary.json counts it")
    check_eq(pb["points"], pa["points"] + 1, "every point is counted")
    with open(os.path.join(a, "municipalities.csv"), "rb") as f1, open(os.path.join(b, "municipalities.csv"), "rb") as f2:
        check(f1.read() == f2.read(), "no municipality's figure changes")


@case
def absurd_populations_are_refused_with_the_bound():
    bad = locality_points("absurd.csv", lambda i: 1e300 if i == 5 else -4 if i == 9 else 3)
    code, _, err, out = analyze("--population", bad)
    check_eq(code, 2, f"1e300 people at a point ({err[-400:]})")
    check("absurd.csv:7: population 1e+300 is more than 1000000000 people at one point" in err, err[-500:])
    check("absurd.csv:11: population -4 is negative" in err, err[-500:])
    check(not os.path.exists(out), "nothing written")
    huge = locality_points("overflow.csv", lambda i: "1e400" if i == 0 else 3)
    code, _, err, _ = analyze("--population", huge)
    check_eq(code, 2, "1e400 (not finite)")
    check("overflow.csv:2:" in err and "not a number" in err, err[-400:])


@case
def fractional_populations_are_written_alike_everywhere():
    pts = locality_points("fractional.csv", lambda i: (0.25, 1.5, 2, 0.1)[i % 4])
    code, stdout, err, out = analyze("--population", pts)
    check_eq(code, 0, f"fractional weights ({err})")
    munis = read_csv(os.path.join(out, "municipalities.csv"))
    pops = [m["population"] for m in munis]
    check(all(p == "" or p == f"{float(p):g}" or p == f"{float(p):.2f}".rstrip("0").rstrip(".") for p in pops)
          and not any(p.endswith("0") and "." in p for p in pops), f"no trailing zeros: {pops[:12]}")
    summary = read_json(os.path.join(out, "summary.json"))["population"]
    total = sum(float(p) for p in pops if p) + summary["population_outside_municipalities"]
    check(abs(total - summary["population"]) < 0.011, f"the nation is the sum of its parts: {total} {summary['population']}")
    counties = read_csv(os.path.join(out, "counties.csv"))
    check(abs(sum(float(c["population"]) for c in counties) + summary["population_outside_municipalities"]
              - summary["population"]) < 0.011, "the counties too")
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        raw = f.read()
    written = raw.split('"population": ', 2)[2].split(",")[0]  # the population object's own
    check(f"{written} people" in stdout, f"stdout says the same number as summary.json ({written}): {stdout}")
    check("." in written, f"a fractional total is not rounded away: {written}")


@case
def blank_rows_are_listed_with_status_blank():
    src = os.path.join(WORK, "blanks.csv")
    with open(PLAN_2020, encoding="utf-8") as f:
        lines = f.read().splitlines()
    n_fields = lines[0].count(",")
    blank = "," * n_fields
    # Excel's empty cells between rows and at the end, and a line left empty.
    body = [lines[0], lines[1], blank, lines[2], "", *lines[3:], blank, blank]
    with open(src, "w", encoding="utf-8") as f:
        f.write("\n".join(body) + "\n\n")
    code, _, err, out = analyze("--offices", src)
    check_eq(code, 0, f"a plan with blank rows ({err})")
    rows = read_csv(os.path.join(out, "offices.csv"))
    data_lines = len(body) - 1
    check_eq(len(rows), data_lines, "every data line is in offices.csv")
    check_eq(sorted(r["line"] for r in rows), sorted(str(k) for k in range(2, len(body) + 1)), "one row per line")
    blanks = [r for r in rows if r["status"] == "blank"]
    check_eq([r["line"] for r in blanks], ["3", "5", str(len(body) - 1), str(len(body))], "the blank lines")
    check(all(r["office_id"] == "" and r["kommunkod"] == "" for r in blanks), "a blank row is nothing else")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq((s["offices"], s["municipalities_with_office"], s["rows_blank"]), (112, 106, 4),
             "blank rows change no figure")


@case
def population_with_lone_cr_from_a_pipe_and_from_stdin():
    lf = locality_points("lf.csv", lambda i: 1 + i % 7)
    with open(lf, "rb") as f:
        data = f.read()
    cr = os.path.join(WORK, "cr.csv")
    with open(cr, "wb") as f:
        f.write(data.replace(b"\n", b"\r"))
    code, _, err, ref = analyze("--population", lf)
    check_eq(code, 0, f"LF ({err})")
    with open(os.path.join(ref, "municipalities.csv"), "rb") as f:
        want = f.read()

    def same(out, what):
        with open(os.path.join(out, "municipalities.csv"), "rb") as f:
            check(f.read() == want, f"{what}: the same figures as the LF file")

    code, _, err, out = analyze("--population", cr)
    check_eq(code, 0, f"lone CR ({err})")
    same(out, "lone CR")
    out = os.path.join(tmpdir(), "pipe")
    p = subprocess.run(["bash", "-c", f'"$0" analyze --tables-only -q --population <(cat "$1") --out "$2"',
                        NARVARO, cr, out], capture_output=True, text=True)
    check_eq(p.returncode, 0, f"--population <(cat f.csv) ({p.stderr})")
    same(out, "a pipe")
    out = os.path.join(tmpdir(), "stdin")
    with open(cr, "rb") as f:
        p = subprocess.run([NARVARO, "analyze", "--tables-only", "-q", "--population", "-", "--out", out], stdin=f,
                           capture_output=True, text=True)
    check_eq(p.returncode, 0, f"--population - ({p.stderr})")
    same(out, "standard input")
    check_eq(read_json(os.path.join(out, "summary.json"))["population"]["source"], "standard input",
             "the summary names the source as given")
    # A bad row of a piped file is reported at its line, named as given.
    bad = os.path.join(WORK, "bad_cr.csv")
    with open(bad, "wb") as f:
        f.write(b"lat,lon,population\r59.3,18.0,5\r59.3,abc,5\r")
    out = os.path.join(tmpdir(), "badpipe")
    with open(bad, "rb") as f:
        p = subprocess.run([NARVARO, "analyze", "--tables-only", "--population", "-", "--out", out], stdin=f,
                           capture_output=True, text=True)
    check_eq(p.returncode, 2, "a bad row on stdin")
    check("standard input:3:" in p.stderr and "abc" in p.stderr, p.stderr)


finish("test_hostile_values")
