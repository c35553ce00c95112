"""Plans of several files (issue 9): compare --base/--plan, batch subfolders, tier changes
in compare and batch --rule."""
import csv
import os
import shutil

from nvcli import PLANS, PLAN_2020, case, check, check_eq, finish, read_csv, read_json, run, tmpdir

COOP = os.path.join(PLANS, "af-2020-cooperation-illustrative.csv")


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@case
def compare_with_the_arrangements_added_gains_their_presence_as_tier_changes():
    out = os.path.join(tmpdir(), "cmp")
    code, stdout, err = run("compare", "--no-maps", "--base", PLAN_2020, "--plan", PLAN_2020, "--plan", COOP,
                            "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    coop = rows(COOP)
    by_type = {}
    for r in coop:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    s = read_json(os.path.join(out, "summary.json"))
    check_eq(s["municipalities_gaining_presence"], len(coop), "each arrangement's municipality gains presence")
    check_eq(s["municipalities_losing_presence"], 0, "none loses")
    check_eq(s["tier_changes"], {f"none -> {t}": n for t, n in sorted(by_type.items(), key=lambda kv: -kv[1])},
             "tier changes: none -> each arrangement type")
    check_eq((s["municipalities_higher_tier"], s["municipalities_lower_tier"]), (102, 0), "tiers up")
    check_eq((s["before"]["municipalities_with_presence"], s["after"]["municipalities_with_presence"]), (106, 208),
             "presence 106 -> 208")
    check_eq(s["after"]["inputs"]["offices"], [PLAN_2020, COOP], "the plan's two files")
    changes = read_csv(os.path.join(out, "changes.csv"))
    gained = {r["kommunkod"] for r in changes if r["change"] == "gained_presence"}
    check_eq(gained, {r["kommunkod"] for r in coop}, "gained presence where the arrangements are")
    check(all(r["tier_change"] == "higher" for r in changes if r["kommunkod"] in gained), "tier_change higher")
    check("municipalities with presence of any kind: 106 -> 208" in stdout, stdout)
    check("presence tier lower in 0, higher in 102: 99 none -> cooperation, 3 none -> servicekontor" in stdout,
          stdout)


@case
def an_office_turned_into_a_cooperation_is_a_lower_tier():
    plan = rows(PLAN_2020)
    per_muni = {}
    for r in plan:
        per_muni.setdefault(r["kommunkod"], []).append(r)
    # A municipality with a single staffed office: it becomes a cooperation arrangement.
    code_ = next(k for k, v in sorted(per_muni.items()) if len(v) == 1 and v[0]["type"] == "staffed")
    changed = os.path.join(tmpdir(), "af-2020-changed.csv")
    with open(changed, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(plan[0]), lineterminator="\n")
        w.writeheader()
        for r in plan:
            w.writerow(dict(r, type="samarbete") if r["kommunkod"] == code_ else r)
    out = os.path.join(tmpdir(), "cmp")
    code, stdout, err = run("compare", "--no-maps", "--base", PLAN_2020, "--base", COOP, "--plan", changed,
                            "--plan", COOP, "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq(s["tier_changes"], {"staffed -> cooperation": 1}, "one tier change")
    check_eq((s["municipalities_lower_tier"], s["municipalities_losing_presence"]), (1, 0),
             "lower tier, but not lost presence")
    check_eq(s["after"]["municipalities_with_office"], 105, "one office fewer")
    ch = [r for r in read_csv(os.path.join(out, "changes.csv")) if r["kommunkod"] == code_]
    check_eq((ch[0]["presence_before"], ch[0]["presence_after"], ch[0]["tier_change"]) if ch else None,
             ("staffed", "cooperation", "lower"), f"{code_} in changes.csv")
    check("1 staffed -> cooperation" in stdout, stdout)
    # The positional form and the options cannot be mixed.
    code, _, err = run("compare", PLAN_2020, "--plan", COOP, "--out", out)
    check_eq(code, 2, "mixed forms")
    check("--base" in err, err)


@case
def batch_takes_a_subfolder_as_one_plan_and_counts_rule_violations():
    plans = os.path.join(tmpdir(), "plans")
    os.makedirs(os.path.join(plans, "b-2020-with-cooperation"))
    shutil.copy(PLAN_2020, os.path.join(plans, "a-2020.csv"))
    shutil.copy(PLAN_2020, os.path.join(plans, "b-2020-with-cooperation", "1-offices.csv"))
    shutil.copy(COOP, os.path.join(plans, "b-2020-with-cooperation", "2-cooperation.csv"))
    os.makedirs(os.path.join(plans, "notes"))  # a folder without CSV files is no plan
    out = os.path.join(tmpdir(), "batch")
    rule = 'presence != "none" or nearest_office_km <= 30'
    code, stdout, err = run("batch", plans, "--tables-only", "--out", out, "--rule", rule, "--rule",
                            "presence >= booked")
    check_eq(code, 0, f"exit status ({err})")
    res = {r["plan"]: r for r in read_csv(os.path.join(out, "plans.csv"))}
    check_eq(sorted(res), ["a-2020", "b-2020-with-cooperation"], "two plans")
    b = res["b-2020-with-cooperation"]
    check_eq((b["municipalities_with_office"], b["municipalities_with_presence"], b["municipalities_without_presence"]),
             ("106", "208", "82"), "the folder is one plan of two files")
    check_eq(res["a-2020"]["municipalities_with_presence"], "106", "offices only")
    # Violations, counted here from each result's municipalities.csv.
    for name, r in res.items():
        munis = read_csv(os.path.join(out, name, "municipalities.csv"))
        v1 = sum(1 for m in munis if m["presence"] == "none" and
                 not (m["nearest_office_km"] and float(m["nearest_office_km"]) <= 30))
        v2 = sum(1 for m in munis if m["presence"] not in ("staffed", "booked"))
        check_eq(r["violations"], str(v1 + v2), f"{name}: violations")
    check(int(res["a-2020"]["violations"]) > int(b["violations"]), "the arrangements remove violations")
    s = read_json(os.path.join(out, "b-2020-with-cooperation", "summary.json"))
    check_eq(len(s["inputs"]["offices"]), 2, "both files are the plan's inputs")
    # A second run finds both current.
    code, stdout, _ = run("batch", plans, "--tables-only", "--out", out)
    check("2 skipped" in stdout, stdout)


finish("test_presence_plans")
