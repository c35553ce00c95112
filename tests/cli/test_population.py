"""Population coverage: a hand-checked fixture, the default municipal figures, thread
independence, line numbers of bad rows in a large file, an OGR point layer, and
generated points on the real boundaries checked against SpatiaLite (counts, exactly)
and numpy (distances, 1 m). Distances are planar in EPSG:3006; a last check bounds
their difference from PROJ's geodesic distance (geod) at 0.2 %."""
import csv
import math
import os
import random
import sqlite3
import subprocess

import numpy as np

from nvcli import (PLAN_2020, TEST_DATA, case, check, check_eq, finish, read_csv, read_json, run, tmpdir)

P = os.path.join(TEST_DATA, "population")


def fixture_run(points, *extra):
    out = os.path.join(tmpdir(), "out")
    code, stdout, err = run("analyze", "--boundaries", f"{P}/squares.geojson", "--offices", f"{P}/office.csv",
                            "--offices-crs", "EPSG:3006", "--population", points, "--radius-km", "5,10,15",
                            *extra, "--out", out)
    return code, out, stdout, err


@case
def hand_checked_squares():
    code, out, _, err = fixture_run(f"{P}/points.csv")
    check_eq(code, 0, f"exit status ({err})")
    rows = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    v, o = rows["9901"], rows["9902"]
    check_eq([v["population"], v["population_within_5km"], v["population_within_10km"], v["population_within_15km"],
              v["mean_distance_km"], v["max_distance_km"]],
             ["30", "30", "30", "30", "2.667", "4.000"], "Väst")
    check_eq([o["population"], o["population_within_5km"], o["population_within_10km"], o["population_within_15km"],
              o["mean_distance_km"], o["max_distance_km"]],
             ["120", "30", "70", "120", "10.650", "14.560"], "Öst: the border point counted once, here")
    s = read_json(os.path.join(out, "summary.json"))["population"]
    # The point outside lies 10 km from Öst, beyond --snap-km 2: counted, in no figure.
    check_eq([s["population"], s["within_5km"], s["within_10km"], s["within_15km"]], [150, 60, 100, 150], "nation")
    check_eq([s["points"], s["points_outside_municipalities"], s["population_outside_municipalities"],
              s["points_far_outside"], s["population_far_outside"]], [6, 1, 0, 1, 5],
             "the point outside is counted, not dropped")
    # Within --snap-km it counts for the nation.
    code, out, _, err = fixture_run(f"{P}/points.csv", "--snap-km", "15")
    check_eq(code, 0, f"--snap-km 15 ({err})")
    s = read_json(os.path.join(out, "summary.json"))["population"]
    check_eq([s["population"], s["within_5km"], s["within_10km"], s["within_15km"], s["points_far_outside"]],
             [155, 60, 100, 150, 0], "nation with the point outside but near")
    check("1 demand point with 5 people lie outside every municipality" in err, err)
    counties = read_csv(os.path.join(out, "counties.csv"))
    check_eq([(c["lanskod"], c["population"]) for c in counties], [("99", "150")], "county sums its municipalities")
    db = sqlite3.connect(os.path.join(out, "narvaro.sqlite"))
    check_eq(db.execute("SELECT population, population_within_10km, max_distance_km FROM municipalities "
                        "WHERE kommunkod = '9902'").fetchone(), (120.0, 70.0, 14.560219778561036),
             "the database holds the same figures")


@case
def excel_style_points_read_the_same():
    code, out, _, err = fixture_run(f"{P}/points_semicolon.csv")
    check_eq(code, 0, f"exit status ({err})")
    v = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}["9901"]
    check_eq((v["population"], v["max_distance_km"]), ("30", "4.000"), "';', decimal comma, Befolkning, Y before X")


@case
def lat_lon_points_give_the_same_figures():
    # The fixture's points as WGS 84 lat/lon (PROJ's cs2cs), read through PROJ by narvaro.
    # The point on the shared border is left out: a round trip through degrees may move it
    # a hair to either side; so may the points exactly 5 and 10 km away, hence radius 15.
    rows = [r for r in csv.DictReader(open(f"{P}/points.csv")) if r["x"] != "510000"]
    inp = "".join(f"{r['y']} {r['x']}\n" for r in rows)  # EPSG:3006 is northing, easting
    ll = subprocess.run(["cs2cs", "-f", "%.10f", "EPSG:3006", "EPSG:4326"], input=inp, capture_output=True,
                        text=True, check=True).stdout.strip().split("\n")
    path = os.path.join(tmpdir(), "latlon.csv")
    with open(path, "w") as f:
        f.write("lat;lon;folkmängd\n")
        for r, l in zip(rows, ll):
            lat, lon = l.split()[:2]
            f.write(f"{lat.replace('.', ',')};{lon.replace('.', ',')};{r['population']}\n")
    code, out, _, err = fixture_run(path)
    check_eq(code, 0, f"exit status ({err})")
    o = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}["9902"]
    check_eq((o["population"], o["population_within_15km"]), ("90", "90"), "the same people within 15 km")
    # (40 x 10 km + 50 x 14.560 km) / 90
    check(abs(float(o["mean_distance_km"]) - 12.533) <= 0.001, f"the same mean distance: {o['mean_distance_km']}")


@case
def default_run_has_municipal_population():
    out = os.path.join(tmpdir(), "out")
    code, stdout, err = run("analyze", "--out", out)
    check_eq(code, 0, f"default run ({err})")
    s = read_json(os.path.join(out, "summary.json"))["population"]
    check_eq(s["population"], 9995153, "Sweden's population on 2016-12-31")
    check_eq(s["municipal_totals_at_representative_points"], True, "the default says what it is")
    check("municipal totals at representative points" in stdout, stdout)
    rows = read_csv(os.path.join(out, "municipalities.csv"))
    check_eq(sum(int(r["population"]) for r in rows), 9995153, "population over municipalities")
    kiruna = [r for r in rows if r["kommunkod"] == "2584"][0]
    check_eq(kiruna["population_within_50km"], "0", "Kiruna's people are beyond 50 km of an office")
    check_eq(kiruna["mean_distance_km"], kiruna["nearest_office_km"], "one point per municipality")


def generated_points(n, seed, path):
    """n points: most around Swedish towns, some anywhere in the bounding box."""
    rnd = random.Random(seed)
    towns = [(674000, 6580000), (319000, 6400000), (374000, 6164000), (657000, 6620000), (735000, 7570000),
             (585000, 7030000), (470000, 6520000), (500000, 6900000)]
    with open(path, "w") as f:
        f.write("x,y,population\n")
        for _ in range(n):
            if rnd.random() < 0.7:
                cx, cy = rnd.choice(towns)
                x, y = rnd.gauss(cx, 30000), rnd.gauss(cy, 30000)
            else:
                x, y = rnd.uniform(266000, 921000), rnd.uniform(6132000, 7672000)
            f.write(f"{x:.1f},{y:.1f},{rnd.randint(0, 40)}\n")


BIG = os.path.join(tmpdir(), "points.csv")
generated_points(200000, 4, BIG)


@case
def same_result_whatever_the_thread_count():
    outs = []
    for threads in ("1", "2", "3"):
        out = os.path.join(tmpdir(), "out")
        code, _, err = run("analyze", "-q", "--population", BIG, "--threads", threads, "--out", out)
        check_eq(code, 0, f"--threads {threads} ({err})")
        with open(os.path.join(out, "municipalities.csv"), "rb") as f:
            outs.append(f.read())
    check(outs[0] == outs[1] == outs[2], "municipalities.csv identical for 1, 2 and 3 threads")


@case
def real_boundaries_against_spatialite_and_numpy():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "-q", "--population", BIG, "--out", out)
    check_eq(code, 0, f"generated points ({err})")
    ours = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    pts = np.loadtxt(BIG, delimiter=",", skiprows=1)
    offices = np.array([[float(o["x"]), float(o["y"])] for o in read_csv(os.path.join(out, "offices.csv"))])
    # Distance from every point to its nearest office, by brute force.
    dist = np.empty(len(pts))
    for a in range(0, len(pts), 20000):
        chunk = pts[a:a + 20000, :2]
        d = np.sqrt(((chunk[:, None, :] - offices[None, :, :]) ** 2).sum(axis=2))
        dist[a:a + 20000] = d.min(axis=1)
    # Which municipality holds each point, by SpatiaLite's ST_Contains on the stored polygons.
    db = sqlite3.connect(os.path.join(out, "narvaro.sqlite"))
    db.enable_load_extension(True)
    db.load_extension("mod_spatialite")
    db.execute("CREATE TEMP TABLE p (id INTEGER PRIMARY KEY, x REAL, y REAL)")
    db.executemany("INSERT INTO p VALUES (?, ?, ?)", ((i, float(x), float(y)) for i, (x, y, _) in enumerate(pts)))
    # The simplified boundaries overlap in places (0181/0488 by about 1 km2): there the
    # lowest code counts, as narvaro documents.
    where = dict(db.execute("""
        SELECT p.id, MIN(m.kommunkod) FROM p JOIN municipalities m
          ON m.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'municipalities'
                         AND search_frame = MakePoint(p.x, p.y, 3006))
         AND ST_Contains(m.geom, MakePoint(p.x, p.y, 3006)) GROUP BY p.id""").fetchall())
    expect = {}
    for i, (x, y, pop) in enumerate(pts):
        code_ = where.get(i)
        if code_ is None:
            continue
        e = expect.setdefault(code_, {"pop": 0.0, "w10": 0.0, "w25": 0.0, "w50": 0.0, "sum": 0.0, "max": 0.0})
        d = dist[i]
        e["pop"] += pop
        e["w10"] += pop if d <= 10000 else 0
        e["w25"] += pop if d <= 25000 else 0
        e["w50"] += pop if d <= 50000 else 0
        e["sum"] += pop * d
        if pop > 0:
            e["max"] = max(e["max"], d)
    wrong_counts, worst_mean, worst_max = [], 0.0, 0.0
    for code_, r in ours.items():
        e = expect.get(code_, {"pop": 0.0, "w10": 0.0, "w25": 0.0, "w50": 0.0, "sum": 0.0, "max": 0.0})
        got = [float(r["population"]), float(r["population_within_10km"]), float(r["population_within_25km"]),
               float(r["population_within_50km"])]
        if got != [e["pop"], e["w10"], e["w25"], e["w50"]]:
            wrong_counts.append((code_, got, [e["pop"], e["w10"], e["w25"], e["w50"]]))
        if e["pop"] > 0:
            worst_mean = max(worst_mean, abs(float(r["mean_distance_km"]) - e["sum"] / e["pop"] / 1000))
            worst_max = max(worst_max, abs(float(r["max_distance_km"]) - e["max"] / 1000))
    check_eq(wrong_counts[:3], [], f"municipalities whose counts differ from SpatiaLite ({len(wrong_counts)})")
    check(worst_mean <= 0.001, f"weighted mean distance within 1 m (worst {worst_mean * 1000:.3f} m)")
    check(worst_max <= 0.001, f"max distance within 1 m (worst {worst_max * 1000:.3f} m)")
    s = read_json(os.path.join(out, "summary.json"))["population"]
    outside = [i for i in range(len(pts)) if i not in where]
    check_eq(s["points_outside_municipalities"], len(outside), "points outside, as SpatiaLite finds them")
    check_eq(s["population"] + s["population_far_outside"], int(pts[:, 2].sum()),
             "every point is counted: the nation's, or far outside every municipality")


@case
def an_ogr_point_layer_gives_the_same_figures():
    gpkg = os.path.join(tmpdir(), "points.gpkg")
    subprocess.run(["ogr2ogr", "-f", "GPKG", gpkg, f"{P}/points.csv", "-oo", "X_POSSIBLE_NAMES=x",
                    "-oo", "Y_POSSIBLE_NAMES=y", "-oo", "AUTODETECT_TYPE=YES", "-a_srs", "EPSG:3006",
                    "-nln", "points"], check=True)
    code, out, _, err = fixture_run(gpkg)
    check_eq(code, 0, f"GeoPackage points ({err})")
    o = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}["9902"]
    check_eq((o["population"], o["population_within_10km"], o["mean_distance_km"]), ("120", "70", "10.650"),
             "the same as the CSV")


@case
def bad_population_input():
    big = os.path.join(tmpdir(), "bad.csv")
    with open(BIG) as src, open(big, "w") as dst:
        for i, line in enumerate(src, start=1):
            dst.write("700000,7000000,-3\n" if i == 150001 else "700000,abc,3\n" if i == 190000 else line)
    cases = [
        (["--population", "/nonexistent/points.csv"], ["/nonexistent/points.csv", "no such file", "--population"]),
        (["--population", f"{P}/office.csv", "--population-column", "folk"], ["office.csv:1:", "no column \"folk\""]),
        (["--population", big], ["bad.csv:150001: population -3 is negative", "bad.csv:190000:", "\"abc\"",
                                 "2 rows cannot be used"]),
        (["--radius-km", "10,,20"], ["--radius-km"]),
        (["--radius-km", "1,2,3,4,5,6,7,8,9"], ["at most 8"]),
        (["--threads", "many"], ["--threads"]),
    ]
    for args, needles in cases:
        out = os.path.join(tmpdir(), "out")
        code, _, err = run("analyze", *args, "--out", out)
        check_eq(code, 2, f"{args}: exit status ({err[-300:]})")
        for n in needles:
            check(n in err, f"{args}: stderr lacks {n!r}: {err[-500:]}")
        check(not os.path.exists(out), f"{args}: nothing written")


@case
def planar_distances_stay_within_two_per_mille_of_geodesic():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--out", out)
    rows = read_csv(os.path.join(out, "municipalities.csv"))
    offices = {o["office_id"]: o for o in read_csv(os.path.join(out, "offices.csv"))}
    # Representative points back to lon/lat with PROJ's cs2cs, then geodesic distances with geod.
    rep = "\n".join(f"{r['rep_x']} {r['rep_y']}" for r in rows)
    ll = subprocess.run(["cs2cs", "-f", "%.9f", "EPSG:3006", "EPSG:4326"], input=rep.replace(" ", " ") + "\n",
                        capture_output=True, text=True, check=True).stdout.split("\n")
    # cs2cs EPSG:3006 takes northing easting; swap the input
    rep = "\n".join(f"{r['rep_y']} {r['rep_x']}" for r in rows)
    ll = subprocess.run(["cs2cs", "-f", "%.9f", "EPSG:3006", "EPSG:4326"], input=rep + "\n",
                        capture_output=True, text=True, check=True).stdout.strip().split("\n")
    lines = []
    for r, l in zip(rows, ll):
        lat, lon = l.split()[:2]
        o = offices[r["nearest_office_id"]]
        lines.append(f"{lat} {lon} {o['lat']} {o['lon']}")
    geo = subprocess.run(["geod", "+ellps=GRS80", "-I", "-f", "%.4f", "+units=m"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout.strip().split("\n")
    worst = 0.0
    for r, g in zip(rows, geo):
        s = float(g.split()[2]) / 1000
        planar = float(r["nearest_office_km"])
        if s > 1:
            worst = max(worst, abs(planar - s) / s)
    check(worst <= 0.002, f"planar vs geodesic within 0.2 % (worst {worst * 100:.3f} %)")
    check(worst > 0.0001, f"the comparison measures something ({worst * 100:.4f} %)")


finish("test_population")
