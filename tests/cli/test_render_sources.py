"""narvaro render reads a result through GDAL/OGR (issue 10): every shipped map spec gives
the same map, pixel for pixel (read back with Pillow), from narvaro.sqlite and from a
GeoPackage copy of it, and from compare.sqlite and its copy; the CRS column may be
runs.crs or its new name runs.analysis_crs; and a source that is not a narvaro result, a
result with a layer missing, or layers in another CRS get clear errors (exit 2)."""
import glob
import os
import shutil
import sqlite3
import subprocess

from PIL import Image

from nvcli import HERE, PLANS, TEST_DATA, case, check, check_eq, finish, run, tmpdir

os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
WORK = tmpdir()
MAPS_DIR = os.path.join(HERE, "..", "..", "maps")
SHIPPED = sorted(glob.glob(os.path.join(MAPS_DIR, "*.map")))
RENDER_DATA = os.path.join(TEST_DATA, "render")
ATTRIBUTES = os.path.join(TEST_DATA, "attributes", "agreements_cp1252.csv")
PLAN_2020 = os.path.join(PLANS, "af-2020-illustrative.csv")
COOP = os.path.join(PLANS, "af-2020-cooperation-illustrative.csv")

# A run with every tier and a joined column; a comparison.
OUT = os.path.join(WORK, "run")
RC, _, ERR = run("analyze", "--no-maps", "-q", "--offices", PLAN_2020, "--offices", COOP,
                 "--attributes", ATTRIBUTES, "--out", OUT)
DB = os.path.join(OUT, "narvaro.sqlite")
CMP = os.path.join(WORK, "cmp")
CRC, _, CERR = run("compare", os.path.join(PLANS, "af-2019-illustrative.csv"), PLAN_2020, "--no-maps", "--out",
                   CMP, "-q")
CDB = os.path.join(CMP, "compare.sqlite")
RUN_LAYERS = ["municipalities", "offices", "counties", "runs"]
COMPARE_LAYERS = ["municipalities", "offices", "counties", "comparison"]


def ogr2ogr(*args):
    p = subprocess.run(["ogr2ogr", *args], capture_output=True, text=True)
    check_eq(p.returncode, 0, f"ogr2ogr {' '.join(args)}: {p.stderr}")


def pixels(path):
    with Image.open(path) as im:
        return im.size, im.convert("RGB").tobytes()


def spec_file(name, text):
    path = os.path.join(WORK, name + ".map")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def same_maps(a_db, b_db, specs, what, extra_sets=([], ["--lang", "en", "--breaks", "jenks"])):
    """Each spec from both sources: the same exit status, and the same pixels when drawn
    (a spec that needs the other kind of result fails the same way from both)."""
    drawn = 0
    for spec in specs:
        name = os.path.splitext(os.path.basename(spec))[0]
        for extra in extra_sets:
            tag = name + ("-en" if extra else "")
            pa, pb = (os.path.join(WORK, f"{tag}-{k}.png") for k in "ab")
            ca, _, ea = run("render", "--db", a_db, "--map", spec, "--out", pa, "-q", *extra)
            cb, _, eb = run("render", "--db", b_db, "--map", spec, "--out", pb, "-q", *extra)
            check_eq(ca, cb, f"{what} {tag}: the same exit status from both ({ea} | {eb})")
            check(ca in (0, 2), f"{what} {tag}: exit status {ca} ({ea})")
            if ca == cb == 0:
                drawn += 1
                check(pixels(pa) == pixels(pb), f"{what} {tag}: the same pixels from both sources")
            elif ca == cb == 2:
                check_eq(ea.replace(a_db, "SRC"), eb.replace(b_db, "SRC"), f"{what} {tag}: the same error")
    return drawn


@case
def every_shipped_spec_gives_the_same_map_from_a_geopackage_copy():
    check_eq(RC, 0, f"analyze ({ERR})")
    check(len(SHIPPED) >= 6, f"the shipped specs: {SHIPPED}")
    gpkg = os.path.join(WORK, "copy.gpkg")
    ogr2ogr("-f", "GPKG", gpkg, DB, *RUN_LAYERS)
    specs = SHIPPED + [os.path.join(RENDER_DATA, n) for n in ("good.map", "distance_jenks.map")] + [
        spec_file("avtal", "title = Avtal med kommunen\nmeasure = column:avtal_signerat\npalette = PuOr\n"),
        spec_file("enkat", "measure = column:enkät_nöjdhet\nbreaks = quantile\nclasses = 3\n"),
        spec_file("mean", "measure = mean_distance_km\nbreaks = jenks\n")]
    drawn = same_maps(DB, gpkg, specs, "narvaro.sqlite / copy.gpkg")
    check(drawn >= 16, f"the single-run specs were drawn ({drawn})")
    outs = [os.path.join(WORK, f"p-{k}.svg") for k in "ab"]
    for db, o in zip((DB, gpkg), outs):
        code, _, e = run("render", "--db", db, "--out", o, "--info", "-q")
        check_eq(code, 0, f"SVG from {db} ({e})")
    for ext in ("svg", "json"):
        got = [open(o[:-3] + ext, "rb").read() for o in outs]
        check(got[0] == got[1], f"the same {ext} from both sources")
    folders = [os.path.join(WORK, f"counties-{k}") for k in "ab"]
    for db, folder in zip((DB, gpkg), folders):
        code, _, e = run("render", "--db", db, "--by-county", "--map", "distance", "--out", folder, "-q")
        check_eq(code, 0, f"--by-county from {db} ({e})")
    names = sorted(os.listdir(folders[0]))
    check_eq(len(names), 21, "21 county maps")
    check(all(pixels(os.path.join(folders[0], n)) == pixels(os.path.join(folders[1], n)) for n in names),
          "the same county maps from both sources")


@case
def every_shipped_spec_gives_the_same_map_from_a_copy_of_a_comparison():
    check_eq(CRC, 0, f"compare ({CERR})")
    gpkg = os.path.join(WORK, "compare.gpkg")
    ogr2ogr("-f", "GPKG", gpkg, CDB, *COMPARE_LAYERS)
    drawn = same_maps(CDB, gpkg, SHIPPED, "compare.sqlite / compare.gpkg")
    check(drawn >= 8, f"the comparison's specs were drawn ({drawn})")


@case
def narvaros_own_geopackage_outputs_draw_the_same_maps():
    """--db-format gpkg writes narvaro.gpkg and compare.gpkg (issue 11): render draws from
    them what it draws from the SpatiaLite files of the same inputs."""
    out = os.path.join(WORK, "run-gpkg")
    code, _, err = run("analyze", "--no-maps", "--no-report", "-q", "--offices", PLAN_2020, "--offices", COOP,
                       "--attributes", ATTRIBUTES, "--db-format", "gpkg", "--out", out)
    check_eq(code, 0, f"analyze --db-format gpkg ({err})")
    drawn = same_maps(DB, os.path.join(out, "narvaro.gpkg"), SHIPPED, "narvaro.sqlite / narvaro.gpkg",
                      extra_sets=([],))
    check(drawn >= 3, f"the run's specs were drawn ({drawn})")
    cmp = os.path.join(WORK, "cmp-gpkg")
    code, _, err = run("compare", os.path.join(PLANS, "af-2019-illustrative.csv"), PLAN_2020, "--no-maps",
                       "--no-report", "--db-format", "gpkg", "--out", cmp, "-q")
    check_eq(code, 0, f"compare --db-format gpkg ({err})")
    drawn = same_maps(CDB, os.path.join(cmp, "compare.gpkg"), SHIPPED, "compare.sqlite / compare.gpkg",
                      extra_sets=([],))
    check(drawn >= 5, f"the comparison's specs were drawn ({drawn})")


@case
def the_crs_column_may_have_its_old_name():
    """runs.crs became runs.analysis_crs (comparison.crs likewise): results of an earlier
    narvaro, with the old name, still draw."""
    for src, table, name in ((DB, "runs", "run"), (CDB, "comparison", "compare")):
        renamed = os.path.join(WORK, f"{name}-analysis-crs.sqlite")
        shutil.copy(src, renamed)
        con = sqlite3.connect(renamed)
        con.execute(f"ALTER TABLE {table} RENAME COLUMN analysis_crs TO crs")
        con.commit()
        con.close()
        spec = "difference" if table == "comparison" else "presence"
        pa, pb = (os.path.join(WORK, f"{name}-crs-{k}.png") for k in "ab")
        ca, _, ea = run("render", "--db", src, "--map", spec, "--out", pa, "-q")
        cb, _, eb = run("render", "--db", renamed, "--map", spec, "--out", pb, "-q")
        check_eq((ca, cb), (0, 0), f"{table}.crs: exit statuses ({ea}{eb})")
        if ca == cb == 0:
            check(pixels(pa) == pixels(pb), f"{table}.crs: the same map")
        wgs84 = os.path.join(WORK, f"{name}-analysis-crs-wgs84.gpkg")
        ogr2ogr("-f", "GPKG", "-t_srs", "EPSG:4326", wgs84, renamed,
                *(COMPARE_LAYERS if table == "comparison" else RUN_LAYERS))
        code, _, e = run("render", "--db", wgs84, "--map", spec, "--out", os.path.join(WORK, "never.png"))
        check_eq(code, 2, f"{table}.crs in another CRS: exit status")
        check("measured in EPSG:3006" in e, f"{table}.crs is read for the check: {e}")


@case
def sources_that_are_not_a_result_say_what_is_missing():
    other = os.path.join(WORK, "other.gpkg")
    ogr2ogr("-f", "GPKG", other, DB, "counties", "-nln", "lan")
    nocounties = os.path.join(WORK, "nocounties.gpkg")
    ogr2ogr("-f", "GPKG", nocounties, DB, "municipalities", "offices", "runs")
    wgs84 = os.path.join(WORK, "wgs84.gpkg")
    ogr2ogr("-f", "GPKG", "-t_srs", "EPSG:4326", wgs84, DB, *RUN_LAYERS)
    cases = [
        (other, ["other.gpkg", "no such table: municipalities", "its layers: lan", "not a narvaro result",
                 "ogr2ogr -f GPKG"]),
        (nocounties, ["nocounties.gpkg", "no such table: counties", "its layers: municipalities, offices, runs",
                      "not a narvaro result"]),
        (wgs84, ["wgs84.gpkg", "layer municipalities is in EPSG:4326", "measured in EPSG:3006", "without -t_srs"]),
        (os.path.join(OUT, "summary.json"), ["summary.json", "file is not a database", "not a narvaro result"]),
    ]
    for src, words in cases:
        png = os.path.join(WORK, "never.png")
        code, _, e = run("render", "--db", src, "--out", png)
        check_eq(code, 2, f"{os.path.basename(src)}: exit status")
        for w in words:
            check(w in e, f"{os.path.basename(src)}: stderr says {w!r}: {e}")
        check(not os.path.exists(png), f"{os.path.basename(src)}: no map written")


finish("test_render_sources")
