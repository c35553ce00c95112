"""Boundaries from other sources: an invalid geometry is repaired and reported, never
skipped; the county comes from the code when no county field exists; a source with
several layers needs --layer and lists them."""
import os
import subprocess

from nvcli import (KOMMUNER_SHP, SHARED, TEST_DATA, case, check, check_eq, finish, read_csv, read_json,
                   run, tmpdir)

B = os.path.join(TEST_DATA, "boundaries")


@case
def an_invalid_geometry_is_repaired_and_reported():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--boundaries", f"{B}/bowtie.geojson", "--offices", f"{B}/bowtie_offices.csv",
                       "--offices-crs", "EPSG:3006", "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    check("9902 Fluga) had an invalid geometry; repaired with GEOS MakeValid" in err, err)
    rows = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    check_eq(sorted(rows), ["9901", "9902"], "both municipalities kept")
    check_eq(rows["9902"]["area_km2"], "50.000", "the repaired bow tie is two 25 km2 triangles")
    check_eq(rows["9901"]["area_km2"], "100.000", "the square")
    check_eq((rows["9901"]["offices"], rows["9901"]["presence"]), ("1", "staffed"), "O1 in the square")
    check_eq((rows["9902"]["offices"], rows["9902"]["presence"]), ("1", "booked"), "O2 in the bow tie")
    check_eq(rows["9902"]["lanskod"], "99", "county from the first two digits of the code")
    # Square: representative point to O1 (its centre). Bow tie: its point to O2.
    check(float(rows["9901"]["nearest_office_km"]) < 5, "square's nearest office is O1")
    check_eq(read_json(os.path.join(out, "summary.json"))["geometries_repaired"], 1, "summary counts the repair")


@case
def several_layers_need_layer():
    gpkg = os.path.join(tmpdir(), "two.gpkg")
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-nlt", "MULTIPOLYGON", gpkg, KOMMUNER_SHP], check=True)
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-nlt", "MULTIPOLYGON", "-update", gpkg, os.path.join(SHARED, "shapefiles", "lan.shp")],
                   check=True)
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--boundaries", gpkg, "--out", out)
    check_eq(code, 2, "several layers without --layer")
    check("has 2 layers (kommuner, lan); choose one with --layer" in err, err)
    code, stdout, err = run("analyze", "--boundaries", gpkg, "--layer", "kommuner", "--out", out)
    check_eq(code, 0, f"with --layer ({err})")
    check("106 municipalities with an office, 184 without" in stdout, stdout)


@case
def explicit_fields_and_integer_codes():
    # lan.shp has an integer code lanskod_n: as "municipalities" it pads codes to 4 digits.
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--boundaries", os.path.join(SHARED, "shapefiles", "lan.shp"),
                       "--id-field", "lanskod_n", "--name-field", "namn", "--out", out)
    check_eq(code, 0, f"counties as areas ({err})")
    rows = read_csv(os.path.join(out, "municipalities.csv"))
    check_eq(len(rows), 21, "21 counties")
    check_eq(rows[0]["kommunkod"], "0001", "integer code zero-padded")
    # The county layer is simplified on its own: a few shore offices fall outside it.
    s = read_json(os.path.join(out, "summary.json"))
    check_eq(sum(int(r["offices"]) for r in rows), s["offices"], "offices over areas equal placed offices")
    check_eq(s["offices"] + s["offices_rejected"], 112, "every office placed or rejected")
    check_eq(len(read_csv(os.path.join(out, "offices.csv"))), 112, "every office in offices.csv")


finish("test_boundaries")
