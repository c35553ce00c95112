"""narvaro check (issue 9): rules evaluated on a finished result, compared with the same
rules computed here, independently, from municipalities.csv and counties.csv."""
import os

from nvcli import PLANS, PLAN_2020, case, check, check_eq, finish, read_csv, run, tmpdir

COOP = os.path.join(PLANS, "af-2020-cooperation-illustrative.csv")
RANK = ["staffed", "booked", "servicekontor", "cooperation", "agreement", "none"]

OUT = os.path.join(tmpdir(), "out2020")
_code, _, _err = run("analyze", "--tables-only", "--offices", PLAN_2020, "--offices", COOP, "--out", OUT)
MUNIS = read_csv(os.path.join(OUT, "municipalities.csv"))
COUNTIES = read_csv(os.path.join(OUT, "counties.csv"))


def num(v):
    return float(v) if v != "" else None


def le(a, b):  # a comparison with an empty cell is false
    return a is not None and b is not None and a <= b


# Each rule with the same rule written in Python over a municipalities.csv row.
RULES = [
    ('presence != "none" or nearest_office_km <= 20',
     lambda m: m["presence"] != "none" or le(num(m["nearest_office_km"]), 20)),
    ("presence >= booked",
     lambda m: RANK.index(m["presence"]) <= RANK.index("booked")),
    ("not (presence < cooperation) and locations >= 1",
     lambda m: RANK.index(m["presence"]) <= RANK.index("cooperation") and int(m["locations"]) >= 1),
    ("nearest_presence_km * 2 + 5 < nearest_office_km / 2 or offices > 0",
     lambda m: (num(m["nearest_presence_km"]) is not None and num(m["nearest_office_km"]) is not None and
                num(m["nearest_presence_km"]) * 2 + 5 < num(m["nearest_office_km"]) / 2) or int(m["offices"]) > 0),
    ("population_within_25km / population >= 0.9 OR lanskod == '25'",
     lambda m: float(m["population_within_25km"]) / float(m["population"]) >= 0.9 or m["lanskod"] == "25"),
]


@case
def rules_fail_exactly_where_an_independent_evaluation_says():
    check_eq(_code, 0, f"analyze ({_err})")
    viol = os.path.join(tmpdir(), "v.csv")
    args = ["check", OUT, "--out", viol]
    for expr, _ in RULES:
        args += ["--rule", expr]
    code, out, err = run(*args)
    check_eq(code, 3, f"a failing rule exits 3 ({err})")
    rows = read_csv(viol)
    for i, (expr, fn) in enumerate(RULES):
        want = sorted(m["kommunkod"] for m in MUNIS if not fn(m))
        got = sorted(r["kommunkod"] for r in rows if r["rule"] == f"rule {i + 1}")
        check_eq(got, want, f"failing municipalities of {expr!r}")
        line = f"rule {i + 1} fails in {len(want)} of 290 municipalities: {expr}" if want else \
            f"rule {i + 1} holds in all 290 municipalities: {expr}"
        check(line in out, f"stdout has {line!r}: {out}")
    check(0 < len(rows) < 5 * 290, f"some but not all fail: {len(rows)}")
    # Each violation carries the values of the columns its rule names.
    by_code = {m["kommunkod"]: m for m in MUNIS}
    for r in rows:
        m = by_code[r["kommunkod"]]
        check_eq(r["namn"], m["namn"], "name")
        if r["rule"] == "rule 1":
            check_eq((r["presence"], r["nearest_office_km"]), (m["presence"], m["nearest_office_km"]), "values")
            check_eq(r["offices"], "", "a column rule 1 does not name is empty")
    # The first rule: 82 municipalities without presence, minus those within 20 km of an office.
    n1 = sum(1 for r in rows if r["rule"] == "rule 1")
    check(0 < n1 < 82, f"rule 1 fails in part of the 82 without presence: {n1}")
    # With 30 km it holds: the arrangements went to the municipalities farthest from an office.
    code, out, err = run("check", OUT, "--rule", 'presence != "none" or nearest_office_km <= 30', "--out", viol)
    check_eq(code, 0, f"the 30 km standard holds ({err})")
    check("rule 1 holds in all 290 municipalities" in out, out)


@case
def a_rules_file_and_the_county_level():
    rules = os.path.join(tmpdir(), "standard.txt")
    with open(rules, "w", encoding="utf-8") as f:
        f.write("# Vår standard\n\nnärvaro_i_varje_län: municipalities_without_presence <= 5\n"
                "kontor: municipalities_with_office >= 1\n")
    code, out, err = run("check", OUT, "--level", "county", "--rules", rules)
    check_eq(code, 3, f"exit status ({err})")
    rows = read_csv(os.path.join(OUT, "violations.csv"))
    want = sorted(c["lanskod"] for c in COUNTIES if int(c["municipalities_without_presence"]) > 5)
    check_eq(sorted(r["lanskod"] for r in rows if r["rule"] == "närvaro_i_varje_län"), want, "counties over 5")
    check(len(want) > 0, "some county has more than 5 municipalities without presence")
    check_eq([r for r in rows if r["rule"] == "kontor"], [], "every county has an office")
    check("kontor holds in all 21 counties" in out, out)
    code, out, err = run("check", OUT, "--rule", "offices >= 0", "--rule", "presence >= none")
    check_eq(code, 0, f"rules that hold everywhere exit 0 ({err})")
    check_eq(read_csv(os.path.join(OUT, "violations.csv")), [], "no violations")


@case
def a_bad_rule_points_at_its_error_and_writes_nothing():
    viol = os.path.join(tmpdir(), "v.csv")
    cases = [
        ("presence >== booked", ["position 12", "compare with =="]),
        ("presence >= ", ["position 13", "expected a number", "the end of the rule"]),
        ("nearest_km <= 30", ["position 1", "unknown name 'nearest_km'", "nearest_office_km", "staffed"]),
        ("namn + 1 > 2", ["position 1", "needs a number", "not text"]),
        ('presence >= "bemannad kontor"', ["not a presence tier"]),
        ("nearest_office_km <= 30 and", ["position 28", "end of the rule"]),
        ("(offices > 1", ["position 13", "')'"]),
        ("offices", ["not a condition"]),
        ("offices = 1", ["position 9", "=="]),
        ("kommunkod == 114", ["cannot compare text with a number"]),
    ]
    for expr, wants in cases:
        code, _, err = run("check", OUT, "--rule", "offices >= 0", "--rule", expr, "--out", viol)
        check_eq(code, 2, f"{expr!r}: exit status")
        check(f"--rule '{expr}'" in err, f"{expr!r}: the rule is named: {err}")
        for w in wants:
            check(w in err, f"{expr!r}: stderr has {w!r}: {err}")
        check(not os.path.exists(viol), f"{expr!r}: nothing written")
    rules = os.path.join(tmpdir(), "bad.txt")
    with open(rules, "w", encoding="utf-8") as f:
        f.write("ok: offices >= 0\n\nbroken offices > 1\n")
    code, _, err = run("check", OUT, "--rules", rules, "--out", viol)
    check_eq(code, 2, "bad rules file")
    check(f"{rules}:3:" in err and "name: expression" in err, err)
    code, _, err = run("check", os.path.join(tmpdir(), "nothing"), "--rule", "offices > 0")
    check_eq(code, 2, "not a result folder")
    check("summary.json" in err, err)


finish("test_check")
