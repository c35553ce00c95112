"""Local presence in every form (issue 9): rows without coordinates placed by town or by
municipality code, presence tiers, the office tiers, and the errors for towns that cannot
be placed."""
import csv
import os

from osgeo import osr

from nvcli import (PLANS, PLAN_2020, SHARED, TEST_DATA, case, check, check_eq, finish, read_csv, read_json, run,
                   tmpdir)

COOP = os.path.join(PLANS, "af-2020-cooperation-illustrative.csv")
PLACES = os.path.join(SHARED, "data", "places", "localities.csv")
FIX = os.path.join(TEST_DATA, "presence")

osr.UseExceptions()
_wgs84 = osr.SpatialReference()
_wgs84.ImportFromEPSG(4326)
_wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
_sweref = osr.SpatialReference()
_sweref.ImportFromEPSG(3006)
_sweref.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
TO_SWEREF = osr.CoordinateTransformation(_wgs84, _sweref)


def analyze(*args):
    out = os.path.join(tmpdir(), "out")
    code, stdout, err = run("analyze", "--no-maps", *args, "--out", out)
    return out, code, stdout, err


def data_rows(path, encoding="utf-8", delimiter=","):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


@case
def the_2020_offices_and_cooperation_arrangements_give_106_208_82():
    out, code, stdout, err = analyze("--offices", PLAN_2020, "--offices", COOP)
    check_eq(code, 0, f"exit status ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq((s["municipalities_with_office"], s["municipalities_with_presence"],
              s["municipalities_without_presence"]), (106, 208, 82), "the published 2020 totals")
    check_eq(s["offices"], 112, "offices: the staffed and booked rows only")
    check_eq(s["locations"], 214, "locations: every row of both files")
    check("106 with an office, 102 more with other presence, 82 without any" in stdout, stdout)

    # Every input row is in offices.csv, once.
    offices = read_csv(os.path.join(out, "offices.csv"))
    check_eq(len(offices), 214, "offices.csv rows")
    want = {(PLAN_2020, i + 2) for i in range(len(data_rows(PLAN_2020)))} | \
           {(COOP, i + 2) for i in range(len(data_rows(COOP)))}
    check_eq({(r["source"], int(r["line"])) for r in offices}, want, "every input row accounted for")
    by_id = {r["office_id"]: r for r in offices}
    placed_by = {}
    for r in offices:
        placed_by[r["placed_by"]] = placed_by.get(r["placed_by"], 0) + 1
    check_eq(placed_by, {"coordinates": 112, "town": 91, "municipality": 11}, "how the rows were placed")

    # Arrangements whose town is no locality (Ydre, Kinda) are placed by code, with a warning.
    for code_, town in (("0512", "Ydre"), ("0513", "Kinda")):
        r = next(r for r in offices if r["kommunkod_stated"] == code_ and r["source"] == COOP)
        check_eq((r["placed_by"], r["kommunkod"], r["status"]), ("municipality", code_, "placed"), town)
        check(f'town "{town}" is not in the gazetteer' in err and f"{code_} {town}" in err, f"warning for {town}")
    # A town found in the gazetteer lands on its point (independently transformed here).
    places = {(p["locality"], p["kommun_code_by_coordinates"]): p for p in data_rows(PLACES)}
    heby = by_id["SAM001"]
    p = places[("Heby", "0331")]
    x, y, _ = TO_SWEREF.TransformPoint(float(p["lon"]), float(p["lat"]))
    check_eq(heby["placed_by"], "town", "SAM001 by town")
    check(abs(float(heby["x"]) - x) < 0.01 and abs(float(heby["y"]) - y) < 0.01,
          f"SAM001 at Heby's gazetteer point: {heby['x']},{heby['y']} vs {x:.2f},{y:.2f}")

    # Per municipality: presence tiers counted independently from offices.csv.
    munis = read_csv(os.path.join(out, "municipalities.csv"))
    rank = ["staffed", "booked", "servicekontor", "cooperation", "agreement"]
    best = {}
    for r in offices:
        k = r["kommunkod"]
        best[k] = min(best.get(k, 99), rank.index(r["type"]))
    tiers = {}
    for m in munis:
        want_presence = rank[best[m["kommunkod"]]] if m["kommunkod"] in best else "none"
        check_eq(m["presence"], want_presence, f"presence of {m['kommunkod']}")
        tiers[m["presence"]] = tiers.get(m["presence"], 0) + 1
        n = sum(1 for r in offices if r["kommunkod"] == m["kommunkod"])
        check_eq(int(m["locations"]), n, f"locations of {m['kommunkod']}")
        if m["nearest_office_km"]:
            check(float(m["nearest_presence_km"]) <= float(m["nearest_office_km"]) + 1e-9,
                  f"{m['kommunkod']}: presence is never farther than an office")
    check_eq(sum(int(m["offices"]) for m in munis), 112, "offices over municipalities")
    check_eq(dict(s["presence_tiers"]), {t: tiers.get(t, 0) for t in rank + ["none"]}, "summary's tiers")
    check_eq(list(s["presence_tiers"]), rank + ["none"], "tiers in rank order")
    # The nearest office is an office, never an arrangement.
    office_ids = {r["office_id"] for r in offices if r["type"] in ("staffed", "booked")}
    check(all(m["nearest_office_id"] in office_ids for m in munis), "nearest_office_id names an office")
    ydre = next(m for m in munis if m["kommunkod"] == "0512")
    check_eq((ydre["presence"], ydre["offices"], ydre["nearest_presence_km"]), ("cooperation", "0", "0.000"),
             "Ydre: an arrangement at its representative point, no office")
    counties = read_csv(os.path.join(out, "counties.csv"))
    check_eq(sum(int(c["municipalities_with_presence"]) for c in counties), 208, "with presence, over counties")


@case
def an_ambiguous_town_without_a_code_lists_every_candidate():
    path = os.path.join(FIX, "jarna.csv")
    out, code, _, err = analyze("--offices", path)
    check_eq(code, 2, "exit status")
    for want in (f"{path}:2:", 'town "Järna" is in 2 municipalities', "0181 Södertälje", "2021 Vansbro",
                 "add a kommunkod column"):
        check(want in err, f"stderr has {want!r}: {err}")
    check(not os.path.exists(out), "nothing written")


@case
def an_unknown_town_without_a_code_suggests_the_closest_names():
    path = os.path.join(FIX, "unknown_town.csv")
    out, code, _, err = analyze("--offices", path)
    check_eq(code, 2, "exit status")
    for want in (f"{path}:2:", 'town "Kirna" is not in the gazetteer', "did you mean", "Kiruna"):
        check(want in err, f"stderr has {want!r}: {err}")
    check(not os.path.exists(out), "nothing written")


@case
def a_code_that_is_no_municipality_is_an_error_with_its_line():
    path = os.path.join(FIX, "bad_code.csv")
    out, code, _, err = analyze("--offices", path)
    check_eq(code, 2, "exit status")
    check(f"{path}:3:" in err and '"12345"' in err and "4-digit" in err, err)
    check(not os.path.exists(out), "nothing written")
    # The 4-digit but unknown code is found once the row shape is right.
    fixed = os.path.join(tmpdir(), "bad_code.csv")
    with open(fixed, "w", encoding="utf-8") as f:
        f.write("office_id,name,kommunkod,type\nB1,Nowhere,9999,staffed\n")
    _, code, _, err = analyze("--offices", fixed)
    check_eq(code, 2, "unknown code")
    check(f"{fixed}:2:" in err and "kommunkod 9999 is no municipality" in err, err)


@case
def a_windows_1252_plan_of_town_names_with_and_without_codes():
    path = os.path.join(FIX, "towns_cp1252.csv")
    out, code, _, err = analyze("--offices", path)
    check_eq(code, 0, f"exit status ({err})")
    rows = {r["office_id"]: r for r in read_csv(os.path.join(out, "offices.csv"))}
    want = {  # id: (type, placed_by, kommunkod)
        "K1": ("cooperation", "town", "0513"),
        "K2": ("staffed", "town", "2021"),          # Järna, restricted to its code
        "K3": ("agreement", "municipality", "0512"),
        "K4": ("servicekontor", "town", "1492"),
        "K5": ("booked", "municipality", "0114"),   # 114 as Excel stores 0114
        "K6": ("booked", "town", "0513"),           # "kisa kommun", 513
    }
    for k, w in want.items():
        check_eq((rows[k]["type"], rows[k]["placed_by"], rows[k]["kommunkod"]), w, k)
    check_eq(rows["K4"]["town"], "Åmål", "the town decoded from Windows-1252")
    check(f"{path}:4:" in err and 'town "Ydre"' in err, f"a warning for Ydre: {err}")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq((s["offices"], s["municipalities_with_office"], s["municipalities_with_presence"]), (3, 3, 5),
             "K2, K5, K6 are offices; five municipalities have presence")


@case
def a_kommun_column_may_hold_names_or_codes():
    path = os.path.join(FIX, "kommun_names.csv")
    out, code, _, err = analyze("--offices", path)
    check_eq(code, 0, f"exit status ({err})")
    rows = {r["office_id"]: r for r in read_csv(os.path.join(out, "offices.csv"))}
    check_eq({k: (r["placed_by"], r["kommunkod"]) for k, r in rows.items()},
             {"A": ("municipality", "0512"), "B": ("municipality", "0114"), "C": ("town", "0513")},
             "a municipality's name, a code, a locality")


@case
def presence_order_and_office_types_change_the_ranking_and_the_offices():
    path = os.path.join(FIX, "two_tiers.csv")
    out, code, _, err = analyze("--offices", path)
    check_eq(code, 0, f"exit status ({err})")
    m = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    check_eq((m["0513"]["presence"], m["0513"]["offices"], m["0513"]["locations"]), ("staffed", "1", "2"),
             "Kinda: staffed beats cooperation")
    check_eq((m["0884"]["presence"], m["0884"]["offices"]), ("mobile", "0"), "an unranked word is presence")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq(list(s["presence_tiers"])[-2:], ["mobile", "none"], "other words rank after the named tiers")

    out, code, _, err = analyze("--offices", path, "--presence-order", "samarbete,bemannad,booked",
                                "--office-types", "cooperation")
    check_eq(code, 0, f"exit status ({err})")
    m = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    check_eq((m["0513"]["presence"], m["0513"]["offices"]), ("cooperation", "1"), "cooperation first, and an office")
    check_eq(m["0513"]["nearest_office_id"], "T2", "the nearest office is the cooperation row")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq(s["offices"], 1, "one office tier row")

    for args, want in ((["--office-types", "mobile"], "not in the presence order"),
                       (["--presence-order", "staffed,bemannad"], "named twice"),
                       (["--presence-order", "staffed,,booked"], "empty word")):
        _, code, _, err = analyze("--offices", path, *args)
        check_eq(code, 2, f"{args}: exit status")
        check(want in err and ("--office-types" in err or "--presence-order" in err), f"{args}: {err}")


@case
def an_explicit_gazetteer_decides_and_a_missing_one_is_an_error():
    gaz = os.path.join(tmpdir(), "orter.csv")
    with open(gaz, "w", encoding="utf-8") as f:
        f.write("namn;latitud;longitud\nKirna;67,8558;20,2253\n")  # a private name for Kiruna's centre
    path = os.path.join(FIX, "unknown_town.csv")
    out, code, _, err = analyze("--offices", path, "--places", gaz)
    check_eq(code, 0, f"exit status ({err})")
    r = read_csv(os.path.join(out, "offices.csv"))[0]
    check_eq((r["placed_by"], r["kommunkod"]), ("town", "2584"), "Kirna found in Kiruna")
    # Any OGR point layer: a GeoJSON gazetteer (a point in the sea is left out).
    gj = os.path.join(tmpdir(), "orter.geojson")
    with open(gj, "w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "features": ['
                '{"type": "Feature", "properties": {"namn": "Ute i havet"}, '
                '"geometry": {"type": "Point", "coordinates": [5.0, 57.0]}},'
                '{"type": "Feature", "properties": {"namn": "Kirna"}, '
                '"geometry": {"type": "Point", "coordinates": [20.2253, 67.8558]}}]}')
    out, code, _, err = analyze("--offices", path, "--places", gj)
    check_eq(code, 0, f"GeoJSON gazetteer ({err})")
    r = read_csv(os.path.join(out, "offices.csv"))[0]
    check_eq((r["placed_by"], r["kommunkod"]), ("town", "2584"), "Kirna found in the GeoJSON")
    check("feature 1" in r["note"], r["note"])
    _, code, _, err = analyze("--offices", path, "--places", gj, "--places-name-field", "name")
    check_eq(code, 2, "a name field the layer lacks")
    check("no field named 'name'" in err and "namn" in err, err)
    _, code, _, err = analyze("--offices", path, "--places", "/nonexistent/orter.csv")
    check_eq(code, 2, "a missing gazetteer")
    check("/nonexistent/orter.csv" in err, err)


finish("test_presence")
