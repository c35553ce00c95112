"""Outputs that planners open directly (issue 11): results.xlsx read back with openpyxl
(Debian's python3-openpyxl), as Excel would show it; narvaro.gpkg and compare.gpkg
(--db-format gpkg) read back with GDAL, as QGIS and ogrinfo would."""
import os
import shutil
import sqlite3
import subprocess

import openpyxl
from osgeo import ogr

ogr.UseExceptions()

from nvcli import (NARVARO, PLAN_2020, PLANS, case, check, check_eq, finish, read_csv, run, tmpdir)

PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")


def sheet_rows(path, sheet):
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def same_as_csv(xlsx, sheet, csv_path):
    """Every cell of the sheet is its CSV field: text as the same string, numbers as numbers
    of the same value (to the precision written), empty as empty."""
    rows = sheet_rows(xlsx, sheet)
    csv_rows = read_csv(csv_path)
    header = list(csv_rows[0].keys()) if csv_rows else []
    check_eq(rows[0], header, f"{sheet}: the header row is the CSV's")
    check_eq(len(rows) - 1, len(csv_rows), f"{sheet}: one row per CSV row")
    bad = []
    for got, want in zip(rows[1:], csv_rows):
        for col, v in zip(header, got):
            w = want[col]
            if w == "":
                ok = v is None or v == ""
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ok = abs(v - float(w)) <= 1e-9 * max(1.0, abs(float(w)))
            else:
                ok = v == w
            if not ok:
                bad.append((col, v, w))
    check_eq(bad[:5], [], f"{sheet}: every cell as in the CSV")
    return rows


@case
def results_xlsx_holds_the_three_tables_with_numbers_as_numbers():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"analyze ({err})")
    xlsx = os.path.join(out, "results.xlsx")
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    check_eq(wb.sheetnames, ["municipalities", "counties", "offices"], "one sheet per table")
    wb.close()
    rows = same_as_csv(xlsx, "municipalities", os.path.join(out, "municipalities.csv"))
    same_as_csv(xlsx, "counties", os.path.join(out, "counties.csv"))
    same_as_csv(xlsx, "offices", os.path.join(out, "offices.csv"))
    h = rows[0]
    munis = {r[h.index("kommunkod")]: dict(zip(h, r)) for r in rows[1:]}
    check_eq(len(munis), 290, "290 municipalities")
    check_eq(sum(1 for m in munis.values() if m["offices"] > 0), 106, "106 with an office (offices is a number)")
    check_eq(sum(1 for m in munis.values() if m["offices"] == 0), 184, "184 without")
    check("0114" in munis and isinstance(munis["0114"]["lanskod"], str), "codes are text with their zeros: 0114, 01")
    check_eq(munis["0114"]["namn"], "Upplands Väsby", "å/ä/ö intact")
    check_eq(munis["2584"]["namn"], "Kiruna", "Kiruna")
    check(isinstance(munis["2584"]["nearest_office_km"], float) and abs(munis["2584"]["nearest_office_km"] - 157.962)
          < 1e-9, f"km as a number: {munis['2584']['nearest_office_km']!r}")
    check(isinstance(munis["2584"]["population"], int), "people as whole numbers")


@case
def a_table_longer_than_a_sheet_goes_on_in_the_next():
    """Excel shows at most 1,048,576 rows a sheet: a longer offices.csv (a plan of millions
    of rows) goes on into "offices 2", … instead of making a workbook Excel calls broken.
    The limit is lowered here to 50 data rows a sheet (NARVARO_XLSX_MAX_ROWS)."""
    out = os.path.join(tmpdir(), "out")
    p = subprocess.run([NARVARO, "analyze", "-q", "--no-maps", "--no-report", "--out", out],
                       capture_output=True, text=True, env=dict(os.environ, NARVARO_XLSX_MAX_ROWS="50"))
    check_eq(p.returncode, 0, f"analyze ({p.stderr})")
    xlsx = os.path.join(out, "results.xlsx")
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    names = wb.sheetnames
    wb.close()
    # 290 municipalities: 6 sheets of 50 (the last 40); 21 counties: one; 112 offices: 3.
    check_eq(names, ["municipalities", "municipalities 2", "municipalities 3", "municipalities 4",
                     "municipalities 5", "municipalities 6", "counties", "offices", "offices 2", "offices 3"],
             "the long tables go on in numbered sheets")
    rows = []
    for name in ("offices", "offices 2", "offices 3"):
        part = sheet_rows(xlsx, name)
        check_eq(part[0][:3], ["source", "line", "office_id"], f"{name}: the header row again")
        check(len(part) - 1 <= 50, f"{name}: at most 50 rows")
        rows += part[1:]
    want = read_csv(os.path.join(out, "offices.csv"))
    check_eq([r[2] for r in rows], [w["office_id"] for w in want], "every office once, in order")


@case
def no_xlsx_and_tables_only_write_no_workbook():
    for opt in ("--no-xlsx", "--tables-only"):
        out = os.path.join(tmpdir(), "out")
        code, _, err = run("analyze", "-q", "--no-maps", opt, "--out", out)
        check_eq(code, 0, f"analyze {opt} ({err})")
        check(not os.path.exists(os.path.join(out, "results.xlsx")), f"{opt}: no results.xlsx")
        check(os.path.exists(os.path.join(out, "municipalities.csv")), f"{opt}: the CSVs still")


@case
def compare_and_batch_write_their_own_tables():
    out = os.path.join(tmpdir(), "cmp")
    code, _, err = run("compare", PLAN_2019, PLAN_2020, "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"compare ({err})")
    xlsx = os.path.join(out, "results.xlsx")
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    check_eq(wb.sheetnames, ["changes", "ranking"], "compare: changes and ranking")
    wb.close()
    rows = same_as_csv(xlsx, "changes", os.path.join(out, "changes.csv"))
    h = rows[0]
    check_eq(sum(1 for r in rows[1:] if r[h.index("change")] == "lost_presence"), 112, "112 lose their presence")
    same_as_csv(xlsx, "ranking", os.path.join(out, "ranking.csv"))
    for sub in ("before", "after"):
        check(os.path.exists(os.path.join(out, sub, "results.xlsx")), f"{sub}/ has its results.xlsx")

    plans = tmpdir()
    shutil.copy(PLAN_2019, os.path.join(plans, "a-2019.csv"))
    shutil.copy(PLAN_2020, os.path.join(plans, "b-2020.csv"))
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", plans, "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"batch ({err})")
    rows = same_as_csv(os.path.join(out, "results.xlsx"), "plans", os.path.join(out, "plans.csv"))
    h = rows[0]
    check_eq([(r[h.index("plan")], r[h.index("municipalities_with_office")]) for r in rows[1:]],
             [("a-2019", 218), ("b-2020", 106)], "batch: one row per plan, numbers as numbers")
    # A re-run replaces the workbook.
    code, _, err = run("batch", plans, "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"batch again ({err})")
    check_eq([r[h.index("status")] for r in sheet_rows(os.path.join(out, "results.xlsx"), "plans")[1:]],
             ["skipped", "skipped"], "the second batch's workbook")
    check_eq(sorted(n for n in os.listdir(out) if n.startswith(".") and n != ".narvaro-batch.lock"), [],
             "no working file left")


def layers(path):
    ds = ogr.Open(path)
    return ds, {ds.GetLayer(i).GetName(): ds.GetLayer(i) for i in range(ds.GetLayerCount())}


@case
def db_format_gpkg_writes_a_geopackage_with_the_same_layers_and_tables():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "-q", "--db-format", "gpkg", "--out", out)
    check_eq(code, 0, f"analyze --db-format gpkg ({err})")
    names = sorted(os.listdir(out))
    check("narvaro.gpkg" in names and "narvaro.sqlite" not in names, f"one database, narvaro.gpkg: {names}")
    check(os.path.exists(os.path.join(out, "maps", "presence.png")), "the map is drawn too")
    gpkg = os.path.join(out, "narvaro.gpkg")
    ds, lyr = layers(gpkg)
    check_eq(ds.GetDriver().GetName(), "GPKG", "GDAL opens it as a GeoPackage")
    # layer_styles holds the QGIS styles: GDAL lists it, QGIS does not (test_qgis.py).
    check_eq(sorted(lyr), ["counties", "layer_styles", "municipalities", "offices", "runs"],
             "GDAL lists narvaro's four tables and the styles")
    m = lyr["municipalities"]
    check_eq(m.GetGeomType(), ogr.wkbMultiPolygon, "municipalities: multipolygons")
    check_eq(m.GetSpatialRef().GetAuthorityCode(None), "3006", "in EPSG:3006")
    check_eq(m.GetFeatureCount(), 290, "290 municipalities")
    m.SetAttributeFilter("offices > 0")
    check_eq(m.GetFeatureCount(), 106, "106 with an office")
    m.SetAttributeFilter("kommunkod = '2584'")
    f = m.GetNextFeature()
    check_eq((f["namn"], f["presence"], round(f["nearest_office_km"], 3)), ("Kiruna", "none", 157.962), "Kiruna")
    check(f.GetGeometryRef().IsValid() and f.GetGeometryRef().GetArea() > 1e10, "Kiruna's polygon, valid")
    check_eq(lyr["offices"].GetGeomType(), ogr.wkbPoint, "offices: points")
    check_eq(lyr["offices"].GetFeatureCount(), 112, "112 offices")
    check_eq(lyr["counties"].GetFeatureCount(), 21, "21 counties")
    r = lyr["runs"].GetNextFeature()
    check_eq((r["analysis_crs"], r["municipalities_with_office"]), ("EPSG:3006", 106), "the run")
    ds = None
    db = sqlite3.connect(gpkg)
    check_eq(sorted(db.execute("SELECT table_name, data_type FROM gpkg_contents")),
             [("counties", "attributes"), ("layer_styles", "attributes"), ("municipalities", "features"),
              ("offices", "features"), ("runs", "attributes")], "counties and runs are GeoPackage attribute tables")
    check_eq(db.execute("SELECT count(*) FROM rtree_municipalities_geom").fetchone()[0], 290, "a spatial index")
    db.close()


@case
def compare_and_batch_take_db_format_gpkg():
    out = os.path.join(tmpdir(), "cmp")
    code, stdout, err = run("compare", PLAN_2019, PLAN_2020, "--no-maps", "--db-format", "gpkg", "--out", out)
    check_eq(code, 0, f"compare --db-format gpkg ({err})")
    check("compare.gpkg" in stdout, "the summary names compare.gpkg")
    ds, lyr = layers(os.path.join(out, "compare.gpkg"))
    check_eq(sorted(lyr), ["comparison", "counties", "layer_styles", "municipalities", "offices"],
             "compare.gpkg's layers")
    m = lyr["municipalities"]
    m.SetAttributeFilter("change = 'lost_presence'")
    check_eq(m.GetFeatureCount(), 112, "112 lose their presence")
    ds = None
    for sub in ("before", "after"):
        check(os.path.exists(os.path.join(out, sub, "narvaro.gpkg")), f"{sub}/narvaro.gpkg")
        check(not os.path.exists(os.path.join(out, sub, "narvaro.sqlite")), f"no {sub}/narvaro.sqlite")

    plans = tmpdir()
    shutil.copy(PLAN_2020, os.path.join(plans, "b-2020.csv"))
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", plans, "-q", "--no-maps", "--db-format", "gpkg", "--out", out)
    check_eq(code, 0, f"batch --db-format gpkg ({err})")
    ds, lyr = layers(os.path.join(out, "b-2020", "narvaro.gpkg"))
    check_eq(lyr["municipalities"].GetFeatureCount(), 290, "the plan's narvaro.gpkg")
    ds = None
    code, _, err = run("analyze", "--db-format", "shapefile", "--out", os.path.join(tmpdir(), "x"))
    check_eq(code, 2, "an unknown --db-format is bad input")
    check("give sqlite (SpatiaLite) or gpkg (GeoPackage)" in err, err)


finish("test_outputs")
