"""Attribute tables joined by code (issue 9): --attributes into municipalities.csv,
counties.csv and narvaro.sqlite, usable by narvaro check; bad codes and name clashes."""
import os
import sqlite3

from nvcli import PLAN_2020, TEST_DATA, case, check, check_eq, finish, read_csv, run, tmpdir

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


finish("test_attributes")
