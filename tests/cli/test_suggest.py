"""narvaro suggest (issue 13): where to open offices, which to close, the fewest sites
that reach everyone, with the bound and gap. Small instances are checked against an
exhaustive search, the national ones against PuLP + CBC (an independent solver on a
model built here from the shared files, not from narvaro's)."""
import filecmp
import itertools
import math
import os
import shutil

from nvcli import (PLAN_2020, SHARED, case, check, check_eq, finish, read_csv, read_json, run, tmpdir)

LOCALITIES = os.path.join(SHARED, "data", "places", "localities.csv")


def municipalities():
    """rep_x, rep_y and population of every municipality, from a plain analyze run."""
    d = os.path.join(tmpdir(), "a")
    code, _, err = run("analyze", "--no-maps", "--tables-only", "--out", d)
    assert code == 0, err
    return read_csv(os.path.join(d, "municipalities.csv"))


MUNIS = municipalities()
BY_CODE = {m["kommunkod"]: m for m in MUNIS}


def write(path, header, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(str(v) for v in r) + "\n")
    return path


def rep(code, dx=0.0, dy=0.0):
    m = BY_CODE[code]
    return float(m["rep_x"]) + dx, float(m["rep_y"]) + dy


def covered(points, sites, r_m):
    return sum(p for x, y, p in points if any(math.sqrt((x - a) ** 2 + (y - b) ** 2) <= r_m for a, b in sites))


# A small instance in Östergötland and Jönköping: sites at representative points (always
# inside their municipality), people scattered around them.
CODES = ["0509", "0512", "0513", "0560", "0561", "0562", "0563", "0580", "0581", "0582", "0583", "0584",
         "0604", "0617", "0662", "0665"]


def small_instance(d):
    import random
    rnd = random.Random(13)
    cands = [(f"C{i:02d}", c, *rep(c, rnd.uniform(-3000, 3000), rnd.uniform(-3000, 3000))) for i, c in
             enumerate(CODES)]
    # Keep only candidates still inside their municipality: a candidate file names its
    # municipality, and narvaro uses only those that lie in it.
    plan = [(f"P{i}", c, *rep(c)) for i, c in enumerate(["0580", "0581", "0680", "0380", "1480"])]
    points = []
    # Within 1 km of representative points (inside their municipality), so that no point
    # is "far from every municipality", which analyze measures for nothing.
    for c in CODES + ["0580", "0581", "0586", "0682", "0683", "0684", "0685", "0686", "0687", "0561"]:
        x0, y0 = rep(c)
        for _ in range(4):
            points.append((round(x0 + rnd.uniform(-700, 700), 2), round(y0 + rnd.uniform(-700, 700), 2),
                           rnd.randint(1, 500)))
    cand_csv = write(os.path.join(d, "cands.csv"), "id,name,kommunkod,x,y",
                     [(i, f"Ort {i}", c, f"{x:.2f}", f"{y:.2f}") for i, c, x, y in cands])
    plan_csv = write(os.path.join(d, "plan.csv"), "office_id,name,kommunkod,type,x,y",
                     [(i, f"Kontor {i}", c, "staffed" if k % 2 == 0 else "booked", f"{x:.2f}", f"{y:.2f}")
                      for k, (i, c, x, y) in enumerate(plan)])
    pop_csv = write(os.path.join(d, "points.csv"), "x,y,population", points)
    # Which candidates narvaro may use: those analyze places in the municipality they name.
    a = os.path.join(d, "placed")
    code, _, err = run("analyze", "--no-maps", "--tables-only", "--offices", cand_csv, "--snap-km", "0", "--out", a)
    assert code == 0, err
    placed = {r["office_id"]: r for r in read_csv(os.path.join(a, "offices.csv"))}
    usable = [(i, float(f"{x:.2f}"), float(f"{y:.2f}")) for i, c, x, y in cands
              if placed[i]["status"] == "placed" and placed[i]["kommunkod"] == c]
    return cand_csv, plan_csv, pop_csv, usable, [(float(f"{x:.2f}"), float(f"{y:.2f}")) for _, _, x, y in plan], points


D = tmpdir()
CAND, PLAN, POINTS, USABLE, OFFICES, PTS = small_instance(D)
SMALL = ["--offices", PLAN, "--candidates", CAND, "--population", POINTS, "--no-maps", "-q"]


@case
def add_equals_exhaustive_search():
    for k, r in ((1, 10), (3, 10), (2, 25)):
        out = os.path.join(tmpdir(), "s")
        code, _, err = run("suggest", *SMALL, "--add", str(k), "--radius-km", str(r), "--out", out)
        check_eq(code, 0, f"add {k} r {r} ({err})")
        s = read_json(os.path.join(out, "summary.json"))
        best = max(covered(PTS, OFFICES + [(x, y) for _, x, y in combo], r * 1000)
                   for combo in itertools.combinations(USABLE, k))
        check_eq(s["covered_population"], best, f"add {k} within {r} km: the exhaustive optimum")
        check(s["optimal"] is True and s["gap"] == 0 and s["upper_bound"] == best, f"proven optimal: {s}")
        check(s["lp_bound"] >= best - 1e-6, "the LP bound is an upper bound")
        rows = read_csv(os.path.join(out, "suggested.csv"))
        check_eq(len(rows), len(OFFICES) + k, "every office kept, k new sites")
        check_eq(sum(r_["basis"] == "suggested" for r_ in rows), k, "k rows marked suggested")


@case
def close_equals_exhaustive_search():
    for k, r in ((1, 25), (3, 25), (2, 60)):
        out = os.path.join(tmpdir(), "s")
        code, _, err = run("suggest", *SMALL, "--close", str(k), "--radius-km", str(r), "--out", out)
        check_eq(code, 0, f"close {k} ({err})")
        s = read_json(os.path.join(out, "summary.json"))
        best = max(covered(PTS, list(keep), r * 1000) for keep in itertools.combinations(OFFICES, len(OFFICES) - k))
        check_eq(s["covered_population"], best, f"close {k} within {r} km: the exhaustive optimum")
        check(s["optimal"] is True, "proven optimal")
        check_eq(len(read_csv(os.path.join(out, "suggested.csv"))), len(OFFICES) - k, "k offices fewer")


@case
def close_keeps_the_offices_it_must():
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", *SMALL, "--close", "2", "--radius-km", "25", "--keep", "booked", "--out", out)
    check_eq(code, 0, f"close with --keep ({err})")
    kept = {r["office_id"] for r in read_csv(os.path.join(out, "suggested.csv"))}
    check({"P1", "P3"} <= kept, f"booked offices P1 and P3 stay: {kept}")
    ids = os.path.join(tmpdir(), "keep.txt")
    with open(ids, "w") as f:
        f.write("# must stay\nP0\nP2\n")
    out2 = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", *SMALL, "--close", "3", "--radius-km", "25", "--keep-ids", ids, "--out", out2)
    check_eq(code, 0, f"close with --keep-ids ({err})")
    kept = {r["office_id"] for r in read_csv(os.path.join(out2, "suggested.csv"))}
    check_eq(kept, {"P0", "P2"}, "only the listed offices stay when all others must close")
    code, _, err = run("suggest", *SMALL, "--close", "4", "--radius-km", "25", "--keep-ids", ids, "--out", out2)
    check_eq(code, 2, "closing more than may close is bad input")
    check("--close 4" in err and "3" in err, f"the message says how many may close: {err}")


@case
def cover_equals_exhaustive_search():
    for r in (15, 25):
        out = os.path.join(tmpdir(), "s")
        code, _, err = run("suggest", *SMALL, "--cover", str(r), "--out", out)
        check_eq(code, 0, f"cover {r} ({err})")
        s = read_json(os.path.join(out, "summary.json"))
        r_m = r * 1000
        near = lambda p, sites: any(math.sqrt((p[0] - a) ** 2 + (p[1] - b) ** 2) <= r_m for a, b in sites)
        cand_xy = [(x, y) for _, x, y in USABLE]
        need = [p for p in PTS if not near(p, OFFICES) and near(p, cand_xy)]
        unreachable = [p for p in PTS if not near(p, OFFICES) and not near(p, cand_xy)]
        best = next(k for k in range(len(USABLE) + 1)
                    if any(all(near(p, [c[1:] for c in combo]) for p in need)
                           for combo in itertools.combinations(USABLE, k)))
        check_eq(s["sites"], best, f"cover {r} km: the fewest sites, by exhaustive search")
        check(s["optimal"] is True and s["lower_bound"] == best, "proven optimal")
        check_eq(s["unreachable_points"], len(unreachable), "points no site can reach are counted")
        rows = read_csv(os.path.join(out, "unreachable.csv"))
        check_eq(sum(int(r_["points"]) for r_ in rows), len(unreachable), "and listed in unreachable.csv")
        check_eq(s["covered_population"], s["total_population"] - sum(p for _, _, p in unreachable),
                 "everyone else is within reach")


def mean_km(points, sites):
    """Population-weighted mean distance (km) to the nearest of sites, as analyze measures it."""
    tot = sum(p for _, _, p in points)
    return sum(p * min(math.sqrt((x - a) ** 2 + (y - b) ** 2) for a, b in sites) for x, y, p in points) / tot / 1000


@case
def mean_distance_equals_exhaustive_search():
    for k in (1, 2, 3):
        out = os.path.join(tmpdir(), "s")
        code, _, err = run("suggest", *SMALL, "--add", str(k), "--objective", "mean-distance", "--radius-km", "10",
                           "--out", out)
        check_eq(code, 0, f"mean-distance add {k} ({err})")
        s = read_json(os.path.join(out, "summary.json"))
        best = min(mean_km(PTS, OFFICES + [(x, y) for _, x, y in combo]) for combo in itertools.combinations(USABLE, k))
        check(abs(s["mean_distance_km"] - best) <= 1e-6, f"add {k}: {s['mean_distance_km']} is the exhaustive optimum {best}")
        check(s["objective"] == "mean_distance_km", f"the objective is named: {s['objective']}")
        check(s["optimal"] is True and s["gap"] == 0, f"proven optimal: {s}")
        check(s["lower_bound"] <= best + 1e-6 and s["upper_bound"] >= best - 1e-6,
              f"the optimum lies between lower_bound and upper_bound: {s['lower_bound']} {s['upper_bound']}")
        check(s["lp_bound"] <= best + 1e-6, f"the LP bound is a lower bound: {s['lp_bound']}")
        check(abs(s["base_mean_distance_km"] - mean_km(PTS, OFFICES)) <= 1e-6, "the plan's own mean distance")
        rows = read_csv(os.path.join(out, "suggested.csv"))
        check_eq(len(rows), len(OFFICES) + k, "every office kept, k new sites")


@case
def bound_without_glpk_still_brackets_the_optimum():
    """With no time left for GLPK the answer is greedy plus swap's, and the bound the
    Lagrangian relaxation's: still on the right side of the exhaustive optimum, and
    tighter than "everyone reachable is reached"."""
    k, r = 3, 10
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", *SMALL, "--add", str(k), "--radius-km", str(r), "--time-limit", "0.01",
                       "--alternatives", "0", "--out", out)
    check_eq(code, 0, f"add with no time for GLPK ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq(s["method"], "greedy+swap", "the heuristic's answer")
    best = max(covered(PTS, OFFICES + [(x, y) for _, x, y in combo], r * 1000)
               for combo in itertools.combinations(USABLE, k))
    check(s["covered_population"] <= best <= s["upper_bound"], f"covered <= optimum <= bound: {s}")
    check(s["upper_bound"] < s["total_population"] - s["unreachable_population"] or s["optimal"],
          f"tighter than the trivial bound: {s['upper_bound']}")
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", *SMALL, "--add", str(k), "--objective", "mean-distance", "--time-limit", "0.01",
                       "--alternatives", "0", "--out", out)
    check_eq(code, 0, f"mean-distance with no time for GLPK ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    best = min(mean_km(PTS, OFFICES + [(x, y) for _, x, y in combo]) for combo in itertools.combinations(USABLE, k))
    check(s["lower_bound"] - 1e-6 <= best <= s["mean_distance_km"] + 1e-6, f"lower <= optimum <= found (6 decimals): {s}")
    check(0 <= s["gap"] < 1, f"a gap that says something: {s['gap']}")


@case
def mean_distance_suggestion_analyzed_again_has_the_same_mean():
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", "--add", "3", "--objective", "mean-distance", "--no-maps", "--out", out)
    check_eq(code, 0, f"national mean-distance add 3 ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    a = os.path.join(tmpdir(), "a")
    code, _, err = run("analyze", "--offices", os.path.join(out, "suggested.csv"), "--tables-only", "--out", a)
    check_eq(code, 0, f"analyze takes suggested.csv ({err})")
    t = read_json(os.path.join(a, "summary.json"))
    # analyze writes three decimals; narvaro itself checks the full value before publishing.
    check(abs(t["population"]["mean_distance_km"] - s["mean_distance_km"]) <= 5e-4 + 1e-9,
          f"analyze measures the same mean distance: {t['population']['mean_distance_km']} {s['mean_distance_km']}")
    check(s["mean_distance_km"] < s["base_mean_distance_km"], "three more sites bring people closer")
    cmp_ = read_json(os.path.join(out, "compare", "summary.json"))
    check_eq(cmp_["municipalities_losing_presence"], 0, "compare/ is written, nobody loses presence")
    alts = read_csv(os.path.join(out, "alternatives.csv"))
    check_eq(len(alts), 4, "the best plan and 3 alternatives")
    check_eq(len({a_["opened"] for a_ in alts}), 4, "each alternative differs in at least one site")
    vals = [float(a_["mean_distance_km"]) for a_ in alts]
    check(abs(vals[0] - s["mean_distance_km"]) < 1e-3, "the first row is the suggestion")
    check_eq(vals, sorted(vals), "alternatives best (shortest) first")
    check(all(float(a_["difference_to_best"]) >= 0 for a_ in alts), "no alternative is better than the best")
    check(all(a_["worst_off"] for a_ in alts), "each names its worst-off municipality")


def national_pmedian_reference(k):
    """PuLP + CBC p-median on a model built here: the 2020 offices kept, the trusted
    gazetteer rows as candidates, municipal populations at the representative points;
    assignment variables only to candidates closer than a point's nearest office."""
    import csv
    import pulp
    from osgeo import osr
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(4326)
    dst.ImportFromEPSG(3006)
    for r in (src, dst):
        r.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(src, dst)
    xy = lambda lat, lon: tr.TransformPoint(float(lon), float(lat))[:2]
    offices = [xy(r["lat"], r["lon"]) for r in csv.DictReader(open(PLAN_2020, encoding="utf-8"))]
    sites = [xy(r["lat"], r["lon"]) for r in csv.DictReader(open(LOCALITIES, encoding="utf-8"))
             if r["coords_in_named_kommun"] == "yes"]
    pts = [(float(m["rep_x"]), float(m["rep_y"]), float(m["population"])) for m in MUNIS]
    dist = lambda p, s: math.sqrt((p[0] - s[0]) ** 2 + (p[1] - s[1]) ** 2) / 1000
    prob = pulp.LpProblem("pmedian", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(len(sites))]
    const, obj = 0.0, []
    for i, p in enumerate(pts):
        d0 = min(dist(p, o) for o in offices)
        const += p[2] * d0
        zs = []
        for j, s in enumerate(sites):
            d = dist(p, s)
            if d < d0:
                z = pulp.LpVariable(f"z{i}_{j}", 0, 1)
                prob += z <= x[j]
                zs.append(z)
                obj.append(-p[2] * (d0 - d) * z)
        if zs:
            prob += pulp.lpSum(zs) <= 1
    prob += pulp.lpSum(obj)
    prob += pulp.lpSum(x) == k
    check_eq(prob.solve(pulp.COIN_CMD(path="/usr/bin/cbc", msg=False)), 1, "CBC solves the p-median reference")
    return (const + pulp.value(prob.objective)) / sum(p[2] for p in pts)


@case
def national_mean_distance_equals_cbc():
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", "--add", "5", "--objective", "mean-distance", "--no-maps", "--alternatives", "0",
                       "--out", out)
    check_eq(code, 0, f"national mean-distance add 5 ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    check(s["optimal"] is True, "proven optimal")
    ref = national_pmedian_reference(5)
    check(abs(s["mean_distance_km"] - ref) <= 1e-6 * ref, f"CBC's optimum: {s['mean_distance_km']} vs {ref}")


@case
def type_that_is_no_office_is_refused():
    out = os.path.join(tmpdir(), "s")
    for t in ("cooperation", "samarbete", "agreement", "servicekontor"):
        code, _, err = run("suggest", "--add", "2", "--radius-km", "25", "--type", t, "--no-maps", "--out", out)
        check_eq(code, 2, f"--type {t}: exit status ({err})")
        check(f"--type '{t}'" in err and "no office" in err and "staffed,booked" in err,
              f"--type {t}: the message says why and names the office types: {err}")
        check(not os.path.exists(out), f"--type {t}: nothing written")
    code, _, err = run("suggest", "--add", "2", "--radius-km", "25", "--type", "kiosk", "--no-maps", "--out", out)
    check_eq(code, 2, f"an unknown --type ({err})")
    check("not a known type" in err and "staffed, booked, servicekontor, cooperation, agreement" in err,
          f"the message lists the known types: {err}")
    # An office type in another spelling is fine, and so is a tier made an office.
    code, _, err = run("suggest", *SMALL, "--add", "1", "--radius-km", "10", "--type", "Bokade besök", "--out", out)
    check_eq(code, 0, f"--type 'Bokade besök' is booked, an office type ({err})")
    rows = read_csv(os.path.join(out, "suggested.csv"))
    check_eq([r["type"] for r in rows if r["basis"] == "suggested"], ["Bokade besök"], "the new site has that type")
    out2 = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", *SMALL, "--add", "1", "--radius-km", "10", "--type", "cooperation",
                       "--office-types", "staffed,booked,cooperation", "--out", out2)
    check_eq(code, 0, f"--type cooperation when --office-types counts it as an office ({err})")


@case
def mean_distance_without_an_office_is_refused():
    plan = write(os.path.join(tmpdir(), "coop.csv"), "office_id,name,kommunkod,type,x,y",
                 [("K1", "Samarbete", "0580", "cooperation", *(f"{v:.2f}" for v in rep("0580")))])
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", "--offices", plan, "--candidates", CAND, "--population", POINTS, "--add", "1",
                       "--objective", "mean-distance", "--no-maps", "--out", out)
    check_eq(code, 2, f"a plan without an office ({err})")
    check("mean-distance" in err and "no office" in err, f"the message says why: {err}")
    code, _, err = run("suggest", "--close", "2", "--objective", "mean-distance", "--radius-km", "25", "--no-maps",
                       "--out", out)
    check_eq(code, 2, f"mean-distance with --close ({err})")
    check("--add" in err, f"the message names --add: {err}")


@case
def the_suggestion_analyzed_again_covers_what_it_says():
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", "--add", "5", "--radius-km", "25", "--no-maps", "--out", out)
    check_eq(code, 0, f"national add 5 ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    a = os.path.join(tmpdir(), "a")
    code, _, err = run("analyze", "--offices", os.path.join(out, "suggested.csv"), "--radius-km", "25",
                       "--tables-only", "--out", a)
    check_eq(code, 0, f"analyze takes suggested.csv as it is ({err})")
    check("warning" not in err, f"and has nothing to warn about: {err}")
    t = read_json(os.path.join(a, "summary.json"))
    check_eq(t["population"]["within_25km"], s["covered_population"],
             "analyze counts the same people within 25 km")
    cmp_ = read_json(os.path.join(out, "compare", "summary.json"))
    check_eq(cmp_["municipalities_losing_presence"], 0, "adding sites takes nobody's presence away")
    check_eq(cmp_["people_moving_within_25km"], s["covered_population"] - s["base_covered_population"],
             "compare/ counts the people the suggestion brings within 25 km")
    alts = read_csv(os.path.join(out, "alternatives.csv"))
    check_eq(len(alts), 4, "the best plan and 3 alternatives")
    check_eq(len({a_["opened"] for a_ in alts}), 4, "each alternative differs in at least one site")
    vals = [int(a_["covered_population"]) for a_ in alts]
    check_eq(vals[0], s["covered_population"], "the first row is the suggestion")
    check(all(v <= vals[0] for v in vals), "no alternative is better than the best")
    check_eq(vals, sorted(vals, reverse=True), "alternatives best first")


@case
def suggestion_map_marks_new_sites_with_their_own_symbol():
    import sqlite3
    from nvmap import Image
    out = os.path.join(tmpdir(), "s")
    code, _, err = run("suggest", "--add", "3", "--radius-km", "25", "--alternatives", "0", "-q", "--out", out)
    check_eq(code, 0, f"add 3 with the map ({err})")
    check(os.path.exists(os.path.join(out, "maps", "suggested.png")), "maps/suggested.png is drawn")
    png = os.path.join(tmpdir(), "suggested.png")
    db = os.path.join(out, "compare", "compare.sqlite")
    code, _, err = run("render", "--db", db, "--map", "suggested", "--out", png, "--info")
    check_eq(code, 0, f"render the suggested map again ({err})")
    info = read_json(png[:-4] + ".json")
    sym = {x["type"]: x for x in info["symbols"]}
    check("new" in sym and sym["new"]["count"] == 3, f"the legend has the three new sites: {info['symbols']}")
    check_eq(sym["new"]["fill"], "#f5b700", "new sites are amber, unlike every office symbol")
    check(all(v["fill"] != sym["new"]["fill"] for k, v in sym.items() if k != "new"), "no other symbol shares it")
    check_eq(sym["staffed"]["count"] + sym.get("booked", {"count": 0})["count"], 112,
             "the plan's offices keep their own symbols")
    con = sqlite3.connect(db)
    new = con.execute("SELECT x, y FROM offices WHERE plan = 'after' AND office_id LIKE 'S%'").fetchall()
    con.close()
    check_eq(len(new), 3, "three new sites in the comparison")
    img, t = Image(png), info["transform"]
    for x, y in new:
        px, py = t["scale"] * x + t["x_offset"], t["y_offset"] - t["scale"] * y
        check_eq(img.at(px, py), "#f5b700", f"the star is drawn at the new site ({x}, {y})")
    # The difference map of narvaro compare keeps its symbols: new sites are the
    # suggestion map's (new_offices = yes in maps/suggested.map).
    png2 = os.path.join(tmpdir(), "difference.png")
    code, _, err = run("render", "--db", db, "--map", "difference", "--out", png2, "--info")
    check_eq(code, 0, f"render the difference map ({err})")
    check("new" not in {x["type"] for x in read_json(png2[:-4] + ".json")["symbols"]},
          "no stars on maps that do not ask for them")


def national_reference(mode, k, r_km):
    """PuLP + CBC on a model built here: municipal populations at the representative
    points, candidates the gazetteer rows the file marks trusted, distances in SWEREF 99
    TM computed with GDAL's Python bindings."""
    import csv
    import pulp
    from osgeo import osr
    src = osr.SpatialReference()
    src.ImportFromEPSG(4326)
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(3006)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(src, dst)
    xy = lambda lat, lon: tr.TransformPoint(float(lon), float(lat))[:2]
    offices = [xy(r["lat"], r["lon"]) for r in csv.DictReader(open(PLAN_2020, encoding="utf-8"))]
    pts = [(float(m["rep_x"]), float(m["rep_y"]), float(m["population"])) for m in MUNIS]
    r_m = r_km * 1000
    near = lambda p, s: math.sqrt((p[0] - s[0]) ** 2 + (p[1] - s[1]) ** 2) <= r_m
    prob = pulp.LpProblem("ref", pulp.LpMaximize)
    if mode == "add":
        sites = [xy(r["lat"], r["lon"]) for r in csv.DictReader(open(LOCALITIES, encoding="utf-8"))
                 if r["coords_in_named_kommun"] == "yes"]
        fixed = offices
    else:
        sites, fixed = offices, []
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(len(sites))]
    const, obj = 0.0, []
    for i, p in enumerate(pts):
        if any(near(p, f) for f in fixed):
            const += p[2]
            continue
        js = [j for j, s in enumerate(sites) if near(p, s)]
        if not js:
            continue
        y = pulp.LpVariable(f"y{i}", 0, 1)
        prob += y <= pulp.lpSum(x[j] for j in js)
        obj.append(p[2] * y)
    prob += pulp.lpSum(obj)
    prob += pulp.lpSum(x) == (k if mode == "add" else len(sites) - k)
    check_eq(prob.solve(pulp.COIN_CMD(path="/usr/bin/cbc", msg=False)), 1, f"CBC solves the {mode} reference")
    return round(const + pulp.value(prob.objective))


@case
def national_optima_equal_cbc():
    for mode, k in (("add", 5), ("close", 40)):
        out = os.path.join(tmpdir(), "s")
        code, _, err = run("suggest", f"--{mode}", str(k), "--radius-km", "25", "--no-maps", "--alternatives", "0",
                           "--out", out)
        check_eq(code, 0, f"national {mode} {k} ({err})")
        s = read_json(os.path.join(out, "summary.json"))
        check(s["optimal"] is True, f"{mode} {k}: proven optimal")
        check_eq(s["covered_population"], national_reference(mode, k, 25), f"{mode} {k}: CBC's optimum")


@case
def a_run_twice_gives_identical_files():
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    import subprocess
    from nvcli import NARVARO
    base = tmpdir()
    out = os.path.join(base, "s")
    args = [NARVARO, "suggest", *SMALL[:-2], "--add", "2", "--radius-km", "20", "--out", out, "-q"]
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    check_eq(p.returncode, 0, f"first run ({p.stderr})")
    first = os.path.join(base, "first")
    shutil.copytree(out, first)
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    check_eq(p.returncode, 0, f"second run ({p.stderr})")
    names = []
    for root, _, files in os.walk(first):
        for f in files:
            names.append(os.path.relpath(os.path.join(root, f), first))
    check(len(names) > 10, f"a whole result: {names}")
    # SpatiaLite stamps its own history table with the time; everything else in the
    # databases, and every other file, must be the same byte for byte.
    def dump(path):
        p = subprocess.run(["sqlite3", path, ".dump"], capture_output=True, text=True)
        return [line for line in p.stdout.splitlines() if "spatialite_history" not in line and "geometry_columns_time" not in line]
    differ = [n for n in names if not (dump(os.path.join(first, n)) == dump(os.path.join(out, n))
                                       if n.endswith(".sqlite") else
                                       filecmp.cmp(os.path.join(first, n), os.path.join(out, n), shallow=False))]
    check_eq(differ, [], "every file byte for byte the same (databases: every row but SpatiaLite's history)")


@case
def mean_distance_run_twice_gives_identical_files():
    outs = []
    for _ in range(2):
        out = os.path.join(tmpdir(), "s")
        code, _, err = run("suggest", *SMALL, "--add", "2", "--objective", "mean-distance", "--out", out)
        check_eq(code, 0, f"mean-distance run ({err})")
        outs.append(out)
    for name in ("suggested.csv", "alternatives.csv", "unreachable.csv", "summary.json"):
        check(filecmp.cmp(os.path.join(outs[0], name), os.path.join(outs[1], name), shallow=False),
              f"{name} byte for byte the same")


@case
def bad_options_exit_2_with_a_clear_message():
    out = os.path.join(tmpdir(), "s")
    for args, words in (
        (["--add", "5000", "--radius-km", "25"], ["--add 5000", "usable candidates"]),
        (["--add", "5", "--radius-km", "0"], ["--radius-km"]),
        (["--add", "5", "--radius-km", "-3"], ["--radius-km"]),
        (["--cover", "0"], ["--cover"]),
        (["--add", "0", "--radius-km", "25"], ["--add"]),
        (["--add", "5"], ["--radius-km"]),
        (["--add", "5", "--close", "3", "--radius-km", "25"], ["one of --add, --close and --cover"]),
        ([], ["--add K"]),
        (["--close", "500", "--radius-km", "25"], ["--close 500", "may close"]),
        (["--add", "2", "--radius-km", "25", "--keep", "staffed"], ["--keep"]),
        (["--add", "2", "--radius-km", "25", "--time-limit", "0"], ["--time-limit"]),
        (["--add", "2", "--radius-km", "25", "--alternatives", "x"], ["--alternatives"]),
        (["--add", "2", "--radius-km", "25", "--objective", "fastest"], ["--objective"]),
        (["--close", "2", "--radius-km", "25", "--keep-ids", "/nonexistent/ids.txt"], ["--keep-ids"]),
        # The option checks every command shares (main.c's cli_next): a value given twice, an empty one.
        (["--add", "3", "--add", "4", "--radius-km", "25"], ["--add is given twice"]),
        (["--add", "3", "--radius-km", "25", "--candidates", ""], ["--candidates needs a value"]),
        (["--add", "3", "--radius-km", "25", "--type", "staffed", "--type", "booked"], ["--type is given twice"]),
    ):
        code, stdout, err = run("suggest", *args, "--no-maps", "--out", out)
        check_eq(code, 2, f"{args}: exit status ({err})")
        for w in words:
            check(w in err, f"{args}: the message names {w!r}: {err}")
        check(not os.path.exists(out), f"{args}: nothing written")
    # Candidates that all lie outside the boundaries (the sea west of Gothenburg, Oslo).
    cands = write(os.path.join(tmpdir(), "sea.csv"), "name,lat,lon", [("Havet", 57.6, 10.9), ("Oslo", 59.91, 10.75)])
    code, _, err = run("suggest", "--add", "1", "--radius-km", "25", "--candidates", cands, "--no-maps", "--out", out)
    check_eq(code, 2, f"no candidate inside the boundaries ({err})")
    check(("no candidate lies inside the boundaries" in err or "can be placed" in err) and "--candidates" in err,
          f"message: {err}")
    ids = write(os.path.join(tmpdir(), "ids.txt"), "AF001", [("AF999",)])
    code, _, err = run("suggest", "--close", "2", "--radius-km", "25", "--keep-ids", ids, "--no-maps", "--out", out)
    check_eq(code, 2, f"an unknown id to keep ({err})")
    check("AF999" in err, f"the message names the id: {err}")


finish("test_suggest")
