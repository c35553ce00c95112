"""Attribute tables joined by code (issue 9): --attributes into municipalities.csv,
counties.csv and narvaro.sqlite, usable by narvaro check; bad codes and name clashes."""
import os
import sqlite3

from nvcli import PLAN_2020, TEST_DATA, case, check, check_eq, finish, read_csv, read_json, run, tmpdir
from nvmap import Image

FIX = os.path.join(TEST_DATA, "attributes")
AGREEMENTS = os.path.join(FIX, "agreements_cp1252.csv")
COUNTIES = os.path.join(FIX, "counties.csv")


@case
def attribute_columns_are_joined_by_code():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--no-maps", "--offices", PLAN_2020, "--attributes", AGREEMENTS,
                       "--attributes", COUNTIES, "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    munis = read_csv(os.path.join(out, "municipalities.csv"))
    cols = list(munis[0])
    check_eq(cols[:6], ["kommunkod", "namn", "lanskod", "offices", "presence", "nearest_office_km"],
             "the contract columns first")
    check_eq(cols[-2:], ["avtal_signerat", "enkät_nöjdhet"], "the attributes last")
    m = {r["kommunkod"]: r for r in munis}
    check_eq((m["0114"]["avtal_signerat"], m["0114"]["enkät_nöjdhet"]), ("ja", "3.5"), "114 is 0114; 3,5 is 3.5")
    check_eq((m["0512"]["avtal_signerat"], m["0512"]["enkät_nöjdhet"]), ("ja", ""), "no survey answer")
    check_eq((m["0115"]["avtal_signerat"], m["0115"]["enkät_nöjdhet"]), ("", ""), "not in the table")
    check_eq(sum(1 for r in munis if r["avtal_signerat"]), 5, "five rows joined")
    counties = {r["lanskod"]: r for r in read_csv(os.path.join(out, "counties.csv"))}
    check_eq((counties["01"]["regionkontor"], counties["25"]["regionkontor"], counties["03"]["regionkontor"]),
             ("Stockholm", "Luleå", ""), "the county table")
    db = sqlite3.connect(os.path.join(out, "narvaro.sqlite"))
    got = dict(db.execute("SELECT kommunkod, \"enkät_nöjdhet\" FROM municipalities WHERE \"enkät_nöjdhet\" IS NOT NULL"))
    check_eq(got, {"0114": 3.5, "0180": 4.0, "2584": 2.25, "0513": 4.5}, "numbers stored as REAL")
    check_eq(db.execute("SELECT regionkontor FROM counties WHERE lanskod = '05'").fetchone(), ("Linköping",),
             "county attribute in the database")
    # Rules can use them: text and numbers.
    viol = os.path.join(tmpdir(), "v.csv")
    code, stdout, err = run("check", out, "--out", viol, "--rule", 'avtal_signerat == "ja" or presence != "none"',
                            "--rule", "enkät_nöjdhet >= 4")
    check_eq(code, 3, f"check exit status ({err})")
    rows = read_csv(viol)
    want1 = sorted(k for k, r in m.items() if not (r["avtal_signerat"] == "ja" or r["presence"] != "none"))
    check_eq(sorted(r["kommunkod"] for r in rows if r["rule"] == "rule 1"), want1, "rule 1 on a joined column")
    want2 = sorted(k for k, r in m.items() if not (r["enkät_nöjdhet"] and float(r["enkät_nöjdhet"]) >= 4))
    check_eq(sorted(r["kommunkod"] for r in rows if r["rule"] == "rule 2"), want2, "rule 2 on a joined number")


@case
def a_bad_code_or_a_clashing_name_is_an_error_with_its_line():
    for name, wants in (("bad_code.csv", ["bad_code.csv:3:", "kommunkod 9999 is no municipality"]),
                        ("clash.csv", ["clash.csv:1:", "\"offices\" clashes"])):
        out = os.path.join(tmpdir(), "out")
        code, _, err = run("analyze", "--no-maps", "--attributes", os.path.join(FIX, name), "--out", out)
        check_eq(code, 2, f"{name}: exit status")
        for w in wants:
            check(w in err, f"{name}: stderr has {w!r}: {err}")
        check(not os.path.exists(out), f"{name}: nothing written")
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--no-maps", "--attributes", AGREEMENTS, "--attributes", AGREEMENTS, "--out", out)
    check_eq(code, 2, "the same table twice")
    check("already joined" in err, err)


@case
def a_map_spec_colours_by_a_joined_column():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--no-maps", "--offices", PLAN_2020, "--attributes", AGREEMENTS, "--out", out)
    check_eq(code, 0, f"analyze ({err})")
    db = os.path.join(out, "narvaro.sqlite")
    maps = tmpdir()
    text_spec = os.path.join(maps, "avtal.map")
    with open(text_spec, "w", encoding="utf-8") as f:
        f.write("title = Avtal med kommunen\nmeasure = column:avtal_signerat\npalette = PuOr\n")
    png = os.path.join(maps, "avtal.png")
    code, _, err = run("render", "--db", db, "--map", text_spec, "--out", png, "--info", "-q")
    check_eq(code, 0, f"render a text column ({err})")
    info = read_json(os.path.join(maps, "avtal.json"))
    check_eq([(c["key"], c["count"]) for c in info["classes"]], [("ja", 3), ("nej", 2), ("no_data", 285)],
             "a category per value, then no data")
    check(len({c["color"] for c in info["classes"]}) == 3, "three colours")
    # Pixels: Ydre (0512, ja) and Kiruna (2584, nej) in their category's colour.
    img = Image(png)
    s, xo, yo = info["transform"]["scale"], info["transform"]["x_offset"], info["transform"]["y_offset"]
    db_ = sqlite3.connect(db)
    colour = {c["key"]: c["color"] for c in info["classes"]}
    for code_, key in (("0512", "ja"), ("2584", "nej"), ("0115", "no_data")):
        x, y = db_.execute("SELECT rep_x, rep_y FROM municipalities WHERE kommunkod = ?", (code_,)).fetchone()
        px, py = s * x + xo, yo - s * y
        # Beside the representative point, where no office symbol is drawn.
        got = [img.at(px + dx, py + dy) for dx, dy in ((6, 0), (-6, 0), (0, 6), (0, -6))]
        check(colour[key] in got, f"{code_} drawn as {key}: {got} vs {colour[key]}")
    num_spec = os.path.join(maps, "enkat.map")
    with open(num_spec, "w", encoding="utf-8") as f:
        f.write("measure = column:enkät_nöjdhet\nbreaks = quantile\nclasses = 3\npalette = YlGnBu\n")
    code, _, err = run("render", "--db", db, "--map", num_spec, "--out", os.path.join(maps, "enkat.png"), "--info",
                       "-q")
    check_eq(code, 0, f"render a numeric column ({err})")
    info = read_json(os.path.join(maps, "enkat.json"))
    check_eq(sum(c["count"] for c in info["classes"] if c["key"] != "no_data"), 4, "four municipalities classed")
    check_eq(info["classes"][-1]["key"], "no_data", "the others have no value")
    bad = os.path.join(maps, "bad.map")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("measure = column:avtal\n")
    code, _, err = run("render", "--db", db, "--map", bad, "--out", os.path.join(maps, "bad.png"))
    check_eq(code, 2, "an unknown column")
    check("bad.map:1:" in err and "avtal_signerat" in err, err)


finish("test_attributes")
