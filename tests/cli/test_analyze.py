"""narvaro analyze end to end on the real data: the published totals, the Excel variants
of the plan, the WGS 84 GeoJSON boundaries, and the output folder's safety."""
import os
import sqlite3

from nvcli import (KOMMUNER_GEOJSON, PLANS, case, check, check_eq, finish, read_csv, read_json,
                   run, tmpdir)

OUT = os.path.join(tmpdir(), "default")
rc, out, err = run("analyze", "--out", OUT)


@case
def default_run_reports_the_published_totals():
    check_eq(rc, 0, "exit status of the default run")
    s = read_json(os.path.join(OUT, "summary.json"))
    check_eq(list(s)[:4], ["municipalities", "offices", "municipalities_with_office",
                           "municipalities_without_office"], "first keys of summary.json")
    check_eq(s["municipalities"], 290, "municipalities")
    check_eq(s["offices"], 112, "offices")
    check_eq(s["municipalities_with_office"], 106, "municipalities with an office")
    check_eq(s["municipalities_without_office"], 184, "municipalities without an office")
    check_eq(s["counties"], 21, "counties")
    check_eq(s["offices_rejected"], 0, "rejected offices")
    check_eq(s["illustrative"], True, "the 2020 plan is illustrative")
    check("184 without" in out, "stdout names the gap: " + out)


@case
def municipalities_csv_follows_the_contract():
    rows = read_csv(os.path.join(OUT, "municipalities.csv"))
    with open(os.path.join(OUT, "municipalities.csv"), encoding="utf-8") as f:
        header = f.readline().strip()
    check(header.startswith("kommunkod,namn,lanskod,offices,presence,nearest_office_km"), header)
    check_eq(len(rows), 290, "rows")
    codes = [r["kommunkod"] for r in rows]
    check_eq(codes, sorted(codes), "sorted by code")
    by = {r["kommunkod"]: r for r in rows}
    check_eq(by["0180"]["namn"], "Stockholm", "0180 name")
    # The illustrative 2020 plan has no row in Stockholm municipality itself.
    check_eq(by["0180"]["presence"], "none", "Stockholm: no office of its own in the illustrative plan")
    check_eq(by["0114"]["presence"], "staffed", "Upplands Väsby has a staffed office")
    check_eq(by["2584"]["namn"], "Kiruna", "2584 name")
    check_eq(by["0115"]["presence"], "booked", "Vallentuna: booked visits only")
    check_eq(sum(r["presence"] == "none" for r in rows), 184, "presence none")
    check_eq(sum(int(r["offices"]) for r in rows), 112, "offices summed over municipalities")
    check(all(r["presence"] == "none" or int(r["offices"]) > 0 for r in rows), "presence only with an office")
    # Where the municipality has an office, the nearest one is close; none is 0 km away
    # by accident: the representative point is not an office location.
    none = [float(r["nearest_office_km"]) for r in rows if r["presence"] == "none"]
    check(min(none) > 0, "municipalities without an office have a positive distance")
    check_eq(sorted({r["lanskod"] for r in rows}), ["01", "03", "04", "05", "06", "07", "08", "09", "10",
                                                    "12", "13", "14", "17", "18", "19", "20", "21", "22",
                                                    "23", "24", "25"], "county codes")


@case
def counties_and_offices_account_for_everything():
    counties = read_csv(os.path.join(OUT, "counties.csv"))
    check_eq(len(counties), 21, "counties.csv rows")
    check_eq(sum(int(c["municipalities"]) for c in counties), 290, "municipalities over counties")
    check_eq(sum(int(c["municipalities_without_office"]) for c in counties), 184, "without, over counties")
    stockholm = [c for c in counties if c["lanskod"] == "01"][0]
    check_eq(stockholm["namn"], "Stockholms län", "county name")
    check_eq(stockholm["municipalities"], "26", "Stockholm county has 26 municipalities")
    offices = read_csv(os.path.join(OUT, "offices.csv"))
    check_eq(len(offices), 112, "offices.csv rows: one per input row")
    check(all(o["status"] == "placed" for o in offices), "all 112 placed")
    check_eq([int(o["line"]) for o in offices], list(range(2, 114)), "input lines")


@case
def excel_variants_give_identical_results():
    with open(os.path.join(OUT, "municipalities.csv"), "rb") as f:
        plain = f.read()
    for variant in ("excel-utf8", "excel-ansi"):
        out = os.path.join(tmpdir(), variant)
        code, _, e = run("analyze", "--offices", os.path.join(PLANS, f"af-2020-illustrative-{variant}.csv"),
                         "--out", out)
        check_eq(code, 0, f"{variant} exit status ({e})")
        with open(os.path.join(out, "municipalities.csv"), "rb") as f:
            check(f.read() == plain, f"{variant}: municipalities.csv identical to the plain plan's")


@case
def geojson_boundaries_give_the_same_offices_per_municipality():
    out = os.path.join(tmpdir(), "geojson")
    code, _, e = run("analyze", "--boundaries", KOMMUNER_GEOJSON, "--out", out)
    check_eq(code, 0, f"GeoJSON exit status ({e})")
    a = {r["kommunkod"]: (r["offices"], r["presence"]) for r in read_csv(os.path.join(OUT, "municipalities.csv"))}
    b = {r["kommunkod"]: (r["offices"], r["presence"]) for r in read_csv(os.path.join(out, "municipalities.csv"))}
    check_eq(len(b), 290, "GeoJSON municipalities")
    check(a == b, "offices and presence per municipality equal for Shapefile and GeoJSON")
    da = {r["kommunkod"]: float(r["nearest_office_km"]) for r in read_csv(os.path.join(OUT, "municipalities.csv"))}
    db = {r["kommunkod"]: float(r["nearest_office_km"]) for r in read_csv(os.path.join(out, "municipalities.csv"))}
    check(max(abs(da[k] - db[k]) for k in da) <= 0.002, "distances agree within 2 m")


@case
def the_2019_plan_has_218_municipalities_with_an_office():
    out = os.path.join(tmpdir(), "2019")
    code, _, e = run("analyze", "--offices", os.path.join(PLANS, "af-2019-illustrative.csv"), "--out", out)
    check_eq(code, 0, f"2019 exit status ({e})")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq((s["offices"], s["municipalities_with_office"]), (242, 218), "2019 totals")


@case
def sqlite_output_opens_as_spatialite_layers():
    db = sqlite3.connect(os.path.join(OUT, "narvaro.sqlite"))
    tables = {r[0]: r for r in db.execute(
        "SELECT f_table_name, geometry_type, srid FROM geometry_columns")}
    check_eq(sorted(tables), ["municipalities", "offices"], "geometry tables")
    check_eq(tables["municipalities"][2], 3006, "municipalities SRID")
    check_eq(db.execute("SELECT count(*) FROM municipalities").fetchone()[0], 290, "municipalities rows")
    check_eq(db.execute("SELECT count(*) FROM offices").fetchone()[0], 112, "offices rows")
    check_eq(db.execute("SELECT count(*) FROM municipalities WHERE presence = 'none'").fetchone()[0], 184,
             "presence none in the database")


@case
def a_failed_run_leaves_the_earlier_result_untouched():
    with open(os.path.join(OUT, "summary.json"), "rb") as f:
        before = f.read()
    code, _, e = run("analyze", "--offices", "/nonexistent/plan.csv", "--out", OUT)
    check_eq(code, 2, "exit status for a missing plan")
    with open(os.path.join(OUT, "summary.json"), "rb") as f:
        check(f.read() == before, "summary.json unchanged after a failed run")
    check_eq(sorted(os.listdir(OUT)), ["counties.csv", "maps", "municipalities.csv", "narvaro.sqlite", "offices.csv",
                                       "report.html", "results.xlsx",
                                       "summary.json"], "the earlier result is complete")
    leftovers = [n for n in os.listdir(os.path.dirname(OUT)) if ".tmp-" in n]
    check_eq(leftovers, [], "no working folder left behind")


@case
def a_second_run_replaces_the_result_in_place():
    code, _, e = run("analyze", "--offices", os.path.join(PLANS, "af-2019-illustrative.csv"), "--out", OUT)
    check_eq(code, 0, f"re-run exit status ({e})")
    check_eq(read_json(os.path.join(OUT, "summary.json"))["offices"], 242, "the new result replaced the old")
    leftovers = [n for n in os.listdir(os.path.dirname(OUT)) if n != "default"]
    check_eq(leftovers, [], "nothing left beside the result")


@case
def refuses_to_replace_a_folder_that_is_not_a_result():
    d = tmpdir()
    with open(os.path.join(d, "precious.txt"), "w") as f:
        f.write("keep me")
    code, _, e = run("analyze", "--out", d)
    check_eq(code, 2, "exit status when --out holds other files")
    check("refusing to replace" in e, e)
    check(os.path.exists(os.path.join(d, "precious.txt")), "the user's file is still there")


@case
def help_and_version():
    code, out, _ = run("--version")
    check_eq(code, 0, "--version exit status")
    for lib in ("GDAL", "PROJ", "SQLite", "SpatiaLite"):
        check(lib in out, f"--version names {lib}: {out}")
    code, out, _ = run("analyze", "--help")
    check_eq(code, 0, "analyze --help exit status")
    for opt in ("--boundaries", "--layer", "--offices", "--crs", "--snap-km", "--out", "--delimiter", "--encoding"):
        check(opt in out, f"--help lists {opt}")


finish("test_analyze")
