"""narvaro render reads a result through GDAL/OGR (issue 10): the same maps, pixel for
pixel, from narvaro.sqlite and from a GeoPackage copy of it (and from compare.sqlite and
its copy), read back with Pillow; and clear errors for a source that is not a narvaro
result, a result with a layer missing, and layers in another CRS."""
import os
import subprocess

from PIL import Image

from nvcli import PLANS, case, check, check_eq, finish, run, tmpdir

os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
WORK = tmpdir()
OUT = os.path.join(WORK, "run")
RC, _, ERR = run("analyze", "--out", OUT, "--no-maps", "-q")
DB = os.path.join(OUT, "narvaro.sqlite")
CMP = os.path.join(WORK, "cmp")
CRC, _, CERR = run("compare", os.path.join(PLANS, "af-2019-illustrative.csv"),
                   os.path.join(PLANS, "af-2020-illustrative.csv"), "--no-maps", "--out", CMP, "-q")
CDB = os.path.join(CMP, "compare.sqlite")


def ogr2ogr(*args):
    p = subprocess.run(["ogr2ogr", *args], capture_output=True, text=True)
    check_eq(p.returncode, 0, f"ogr2ogr {' '.join(args)}: {p.stderr}")


def pixels(path):
    with Image.open(path) as im:
        return im.size, im.convert("RGB").tobytes()


def same_maps(a_db, b_db, specs, what):
    for spec in specs:
        for extra in ([], ["--lang", "en", "--breaks", "jenks"]):
            tag = "-en" if extra else ""
            pa, pb = (os.path.join(WORK, f"{spec}-{k}{tag}.png") for k in "ab")
            ca, _, ea = run("render", "--db", a_db, "--map", spec, "--out", pa, "-q", *extra)
            cb, _, eb = run("render", "--db", b_db, "--map", spec, "--out", pb, "-q", *extra)
            check_eq((ca, cb), (0, 0), f"{what} {spec} {extra}: exit statuses ({ea}{eb})")
            if ca == cb == 0:
                check(pixels(pa) == pixels(pb), f"{what} {spec} {extra}: the same pixels from both sources")


@case
def a_geopackage_copy_gives_the_same_maps():
    check_eq(RC, 0, f"analyze ({ERR})")
    gpkg = os.path.join(WORK, "copy.gpkg")
    ogr2ogr("-f", "GPKG", gpkg, DB, "municipalities", "offices", "counties", "runs")
    same_maps(DB, gpkg, ["presence", "distance", "population"], "narvaro.sqlite / copy.gpkg")
    svg = [os.path.join(WORK, f"p-{k}.svg") for k in "ab"]
    run("render", "--db", DB, "--out", svg[0], "-q")
    run("render", "--db", gpkg, "--out", svg[1], "-q")
    check(open(svg[0], "rb").read() == open(svg[1], "rb").read(), "the same SVG from both sources")


@case
def a_geopackage_copy_of_a_comparison_gives_the_same_maps():
    check_eq(CRC, 0, f"compare ({CERR})")
    gpkg = os.path.join(WORK, "compare.gpkg")
    ogr2ogr("-f", "GPKG", gpkg, CDB, "municipalities", "offices", "counties", "comparison")
    same_maps(CDB, gpkg, ["difference", "side-by-side"], "compare.sqlite / compare.gpkg")


@case
def sources_that_are_not_a_result_say_what_is_missing():
    other = os.path.join(WORK, "other.gpkg")
    ogr2ogr("-f", "GPKG", other, DB, "counties", "-nln", "lan")
    nocounties = os.path.join(WORK, "nocounties.gpkg")
    ogr2ogr("-f", "GPKG", nocounties, DB, "municipalities", "offices", "runs")
    wgs84 = os.path.join(WORK, "wgs84.gpkg")
    ogr2ogr("-f", "GPKG", "-t_srs", "EPSG:4326", wgs84, DB, "municipalities", "offices", "counties", "runs")
    cases = [
        (other, ["no such table: municipalities", "its layers: lan", "not a narvaro result"]),
        (nocounties, ["no such table: counties", "its layers: municipalities, offices, runs", "not a narvaro result"]),
        (wgs84, ["layer municipalities is in EPSG:4326", "measured in EPSG:3006", "without -t_srs"]),
        (os.path.join(OUT, "summary.json"), ["file is not a database", "not a narvaro result"]),
    ]
    for src, words in cases:
        png = os.path.join(WORK, "never.png")
        code, _, e = run("render", "--db", src, "--out", png)
        check_eq(code, 2, f"{os.path.basename(src)}: exit status")
        for w in words:
            check(w in e, f"{os.path.basename(src)}: stderr says {w!r}: {e}")
        check(not os.path.exists(png), f"{os.path.basename(src)}: no map written")


finish("test_render_sources")
