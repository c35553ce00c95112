"""narvaro's own hot path (grid point-in-polygon, k-d tree nearest office) and its use of
PROJ, checked against independent computations on the real data:
- GEOS through GDAL's Python bindings (ogr: Contains, Distance, PointOnSurface), with the
  plan's coordinates moved by GDAL's own coordinate transformation;
- SpatiaLite's ST_Contains / ST_Distance inside the database narvaro wrote;
- 20,000 pseudo-random points located by narvaro and by SpatiaLite.
Tolerances: coordinates 1 cm, distances 1 m (outputs carry 3 decimals of km)."""
import csv
import os
import random
import sqlite3

from osgeo import ogr, osr

from nvcli import (KOMMUNER_SHP, PLAN_2020, case, check, check_eq, finish, read_csv, run, tmpdir)

ogr.UseExceptions()
osr.UseExceptions()

OUT = os.path.join(tmpdir(), "out")
rc, _, err = run("analyze", "--out", OUT)
check_eq(rc, 0, f"default run ({err})")
munis = {r["kommunkod"]: r for r in read_csv(os.path.join(OUT, "municipalities.csv"))}
offices = read_csv(os.path.join(OUT, "offices.csv"))

ds = ogr.Open(KOMMUNER_SHP)
layer = ds.GetLayer(0)
geoms = {f.GetField("kommunkod"): f.GetGeometryRef().Clone() for f in layer}

wgs84 = osr.SpatialReference()
wgs84.ImportFromEPSG(4326)
wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
sweref = osr.SpatialReference()
sweref.ImportFromEPSG(3006)
sweref.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to_sweref = osr.CoordinateTransformation(wgs84, sweref)

plan = list(csv.DictReader(open(PLAN_2020, encoding="utf-8")))
office_xy = {}
for row in plan:
    x, y, _ = to_sweref.TransformPoint(float(row["lon"]), float(row["lat"]))
    office_xy[row["office_id"]] = (x, y)


def _pt(xy):
    g = ogr.Geometry(ogr.wkbPoint)
    g.AddPoint_2D(*xy)
    return g


def spatialite(path):
    db = sqlite3.connect(path)
    db.enable_load_extension(True)
    db.load_extension("mod_spatialite")
    return db


@case
def office_coordinates_match_gdal_transformation():
    worst = max(abs(float(o["x"]) - office_xy[o["office_id"]][0]) + abs(float(o["y"]) - office_xy[o["office_id"]][1])
                for o in offices)
    check(worst <= 0.02, f"office x/y within 1 cm of GDAL's transformation (worst {worst:.4f} m)")


@case
def offices_are_in_the_municipality_geos_finds():
    wrong = []
    for o in offices:
        x, y = office_xy[o["office_id"]]
        pt = ogr.Geometry(ogr.wkbPoint)
        pt.AddPoint_2D(x, y)
        hits = [code for code, g in geoms.items() if g.Contains(pt)]
        if hits != [o["kommunkod"]]:
            wrong.append((o["office_id"], o["kommunkod"], hits))
    check_eq(wrong, [], "offices whose municipality differs from GEOS Contains")


@case
def representative_points_are_geos_points_on_surface_and_inside():
    worst = 0.0
    outside = []
    for code, g in geoms.items():
        p = g.PointOnSurface()
        r = munis[code]
        worst = max(worst, abs(p.GetX() - float(r["rep_x"])) + abs(p.GetY() - float(r["rep_y"])))
        q = ogr.Geometry(ogr.wkbPoint)
        q.AddPoint_2D(float(r["rep_x"]), float(r["rep_y"]))
        if not g.Contains(q):
            outside.append(code)
    check(worst <= 0.02, f"representative points within 1 cm of GEOS PointOnSurface (worst {worst:.4f} m)")
    check_eq(outside, [], "representative points outside their municipality")


@case
def nearest_office_distance_matches_geos():
    worst = 0.0
    wrong_id = []
    for code, r in munis.items():
        p = ogr.Geometry(ogr.wkbPoint)
        p.AddPoint_2D(float(r["rep_x"]), float(r["rep_y"]))
        best = min((p.Distance(_pt(xy)), oid) for oid, xy in office_xy.items())
        worst = max(worst, abs(best[0] / 1000 - float(r["nearest_office_km"])))
        if best[1] != r["nearest_office_id"]:
            wrong_id.append((code, best[1], r["nearest_office_id"]))
    check(worst <= 0.001, f"nearest_office_km within 1 m of GEOS Distance (worst {worst * 1000:.3f} m)")
    check_eq(wrong_id, [], "nearest office ids differing from GEOS")


@case
def spatialite_agrees_inside_the_database():
    db = spatialite(os.path.join(OUT, "narvaro.sqlite"))
    rows = db.execute("""
        SELECT m.kommunkod, m.nearest_office_km,
               (SELECT MIN(ST_Distance(MakePoint(m.rep_x, m.rep_y, 3006), o.geom)) / 1000
                  FROM offices o WHERE o.geom IS NOT NULL)
          FROM municipalities m""").fetchall()
    check_eq(len(rows), 290, "municipalities in the database")
    worst = max(abs(a - b) for _, a, b in rows)
    check(worst <= 0.001, f"ST_Distance agrees within 1 m (worst {worst * 1000:.3f} m)")
    mismatched = db.execute("""
        SELECT count(*) FROM offices o JOIN municipalities m ON m.kommunkod = o.kommunkod
         WHERE NOT ST_Contains(m.geom, o.geom)""").fetchone()[0]
    check_eq(mismatched, 0, "offices not ST_Contains'ed by their municipality")


@case
def twenty_thousand_points_located_like_spatialite():
    rnd = random.Random(2020)
    d = tmpdir()
    plan = os.path.join(d, "points.csv")
    xmin, ymin, xmax, ymax = 266646, 6132475, 920877, 7671055
    with open(plan, "w", encoding="utf-8") as f:
        f.write("id,x,y\n")
        for i in range(20000):
            f.write(f"P{i},{rnd.uniform(xmin, xmax):.3f},{rnd.uniform(ymin, ymax):.3f}\n")
    out = os.path.join(d, "out")
    code, _, e = run("analyze", "--offices", plan, "--offices-crs", "EPSG:3006", "--snap-km", "0", "-q",
                     "--out", out)
    check_eq(code, 0, f"random points run ({e[-300:]})")
    ours = {r["office_id"]: r["kommunkod"] for r in read_csv(os.path.join(out, "offices.csv"))}
    db = spatialite(os.path.join(out, "narvaro.sqlite"))
    # The offices table holds every point with its geometry (rejected ones too would need
    # x/y: use MakePoint on the stored columns so every point is tested).
    theirs = dict(db.execute("""
        SELECT o.office_id, m.kommunkod FROM offices o JOIN municipalities m
          ON m.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'municipalities'
                         AND search_frame = MakePoint(o.x, o.y, 3006))
         AND ST_Contains(m.geom, MakePoint(o.x, o.y, 3006))""").fetchall())
    check_eq(len(ours), 20000, "every point accounted for in offices.csv")
    inside = sum(1 for v in ours.values() if v)
    check(inside > 5000, f"a fair share of the points fall inside Sweden ({inside})")
    diff = [(k, v, theirs.get(k, "")) for k, v in ours.items() if v != theirs.get(k, "")]
    check_eq(diff[:5], [], f"points located differently from SpatiaLite ({len(diff)} in all)")


finish("test_independent")
