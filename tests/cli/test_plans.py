"""narvaro compare and narvaro batch: what a plan changes, many plans at once, and runs
that can be trusted and resumed (issue 5)."""
import csv
import json
import os
import shutil
import signal
import subprocess
import time

from nvcli import (NARVARO, PLANS, PLAN_2020, case, check, check_eq, finish, read_csv, read_json, run, tmpdir)

PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")


@case
def compare_2019_to_2020_finds_the_municipalities_losing_their_last_office():
    out = os.path.join(tmpdir(), "cmp")
    code, stdout, err = run("compare", PLAN_2019, PLAN_2020, "--out", out)
    check_eq(code, 0, f"compare exit status ({err})")
    # Independently: the plans' own kommunkod columns say where offices were; the analyze
    # results of each plan say which municipalities have presence.
    def with_presence(plan):
        d = os.path.join(tmpdir(), "a")
        c, _, e = run("analyze", "--no-maps", "--offices", plan, "--out", d)
        check_eq(c, 0, f"analyze {plan} ({e})")
        return {r["kommunkod"] for r in read_csv(os.path.join(d, "municipalities.csv")) if r["presence"] != "none"}
    before, after = with_presence(PLAN_2019), with_presence(PLAN_2020)
    lost = before - after
    stated = lambda p: {r["kommunkod"] for r in csv.DictReader(open(p, encoding="utf-8"))}
    check_eq(lost, stated(PLAN_2019) - stated(PLAN_2020), "the plans' own codes agree with the geometry")
    changes = read_csv(os.path.join(out, "changes.csv"))
    got = {r["kommunkod"] for r in changes if r["change"] == "lost_presence"}
    check_eq(got, lost, "municipalities losing their last office")
    check(len(lost) > 100, f"the 2019-2020 cuts: {len(lost)} municipalities lost their office")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq(s["municipalities_losing_presence"], len(lost), "summary: losing presence")
    check_eq(s["municipalities_gaining_presence"], 0, "summary: none gains")
    check_eq((s["before"]["municipalities_with_office"], s["after"]["municipalities_with_office"]), (218, 106),
             "both plans' totals")
    check(s["people_moving_beyond_10km"] > 0, "people move beyond 10 km")
    ranking = read_csv(os.path.join(out, "ranking.csv"))
    check(len(ranking) >= len(lost), "every loser is ranked")
    check_eq([int(r["rank"]) for r in ranking], list(range(1, len(ranking) + 1)), "ranks 1..n")
    pk = [float(r["person_km_added"]) for r in ranking]
    check_eq(pk, sorted(pk, reverse=True), "heaviest loss first")
    check(ranking[0]["kommunkod"] in stdout, "stdout shows the top of the ranking: " + stdout[:400])
    for sub in ("before", "after"):
        check(os.path.exists(os.path.join(out, sub, "summary.json")), f"{sub}/ is a complete result")
    check("manifest" in s and len(s["manifest"]["files"]) >= 2, "the comparison has a manifest")


@case
def a_plan_compared_with_itself_changes_nothing():
    out = os.path.join(tmpdir(), "same")
    code, stdout, err = run("compare", PLAN_2020, PLAN_2020, "--no-maps", "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    check_eq(read_csv(os.path.join(out, "changes.csv")), [], "no changed municipality")
    check_eq(read_csv(os.path.join(out, "ranking.csv")), [], "nobody loses")
    s = read_json(os.path.join(out, "summary.json"))
    check_eq((s["municipalities_losing_presence"], s["municipalities_gaining_presence"], s["municipalities_changed"],
              s["people_moving_beyond_10km"]), (0, 0, 0, 0), "totals all zero")
    check_eq(s["municipalities_unchanged"], 290, "all 290 unchanged")


def plans_folder(broken=True):
    d = tmpdir()
    for name, src in (("a-2019.csv", PLAN_2019), ("b-2020.csv", PLAN_2020),
                      ("c-2020-excel.csv", os.path.join(PLANS, "af-2020-illustrative-excel-utf8.csv"))):
        shutil.copy(src, os.path.join(d, name))
    if broken:
        with open(os.path.join(d, "d-broken.csv"), "w") as f:
            f.write("office_id,lat,lon\nX1,59.5,17.9\nX2,191.2,17.9\n")
    return d


@case
def batch_of_three_plans_and_one_broken():
    plans = plans_folder()
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", plans, "--no-maps", "--jobs", "2", "--out", out)
    check_eq(code, 2, f"a broken plan makes the exit status 2 ({err[-300:]})")
    check("d-broken.csv:3:" in err and "191.2" in err, "the broken plan's error names file and line: " + err[-400:])
    rows = {r["plan"]: r for r in read_csv(os.path.join(out, "plans.csv"))}
    check_eq(sorted(rows), ["a-2019", "b-2020", "c-2020-excel", "d-broken"], "plans.csv has every plan")
    check_eq([rows[p]["status"] for p in sorted(rows)], ["done", "done", "done", "failed"], "statuses")
    check_eq((rows["a-2019"]["municipalities_with_office"], rows["b-2020"]["municipalities_with_office"]),
             ("218", "106"), "with office")
    check_eq(rows["b-2020"]["municipalities_without_office"], "184", "the 2020 gap")
    check_eq(rows["b-2020"]["population_beyond_10km"], rows["c-2020-excel"]["population_beyond_10km"],
             "the Excel variant gives the same figures")
    check(rows["d-broken"]["error"] != "", "the failed plan's row says why")
    # plans_csv_error_is_the_first_error: the row's own words, not "see above".
    check("d-broken.csv:3:" in rows["d-broken"]["error"] and "191.2" in rows["d-broken"]["error"]
          and "see above" not in rows["d-broken"]["error"],
          "plans.csv's error column holds the first error with file and line: " + rows["d-broken"]["error"])
    check_eq(sorted(n for n in os.listdir(out) if not n.startswith(".")),
             ["a-2019", "b-2020", "c-2020-excel", "plans.csv", "report.html",
              "results.xlsx"],
             "three results, no folder for the broken plan")
    with open(os.path.join(out, "b-2020", "municipalities.csv"), "rb") as f1, \
            open(os.path.join(out, "c-2020-excel", "municipalities.csv"), "rb") as f2:
        check(f1.read() == f2.read(), "identical municipalities.csv for the two encodings")


@case
def batch_skips_what_is_current_and_reruns_what_changed():
    plans = plans_folder(broken=False)
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", plans, "--no-maps", "--quiet", "--out", out)
    check_eq(code, 0, f"first batch ({err})")
    first = read_csv(os.path.join(out, "plans.csv"))
    code, stdout, err = run("batch", plans, "--no-maps", "--out", out)
    check_eq(code, 0, f"second batch ({err})")
    second = read_csv(os.path.join(out, "plans.csv"))
    check_eq([r["status"] for r in second], ["skipped"] * 3, "nothing changed: all skipped")
    check("3 skipped" in stdout + err, "says so: " + stdout + err)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "status"} for r in rows]
    check_eq(strip(second), strip(first), "skipped plans keep their figures in plans.csv")
    # One byte of one plan changes: only that plan runs again.
    path = os.path.join(plans, "b-2020.csv")
    text = open(path, encoding="utf-8").read().replace("59.521324", "59.521325", 1)
    open(path, "w", encoding="utf-8").write(text)
    code, _, err = run("batch", plans, "--no-maps", "--quiet", "--out", out)
    third = {r["plan"]: r["status"] for r in read_csv(os.path.join(out, "plans.csv"))}
    check_eq(third, {"a-2019": "skipped", "b-2020": "done", "c-2020-excel": "skipped"}, "only the changed plan reruns")
    code, _, err = run("batch", plans, "--no-maps", "--quiet", "--force", "--out", out)
    check_eq({r["status"] for r in read_csv(os.path.join(out, "plans.csv"))}, {"done"}, "--force runs everything")
    # An option that changes results changes every manifest.
    code, _, err = run("batch", plans, "--no-maps", "--quiet", "--radius-km", "20", "--out", out)
    check_eq({r["status"] for r in read_csv(os.path.join(out, "plans.csv"))}, {"done"}, "new radii: all rerun")


@case
def the_manifest_changes_with_an_input_byte_and_not_otherwise():
    d = tmpdir()
    plan = os.path.join(d, "plan.csv")
    shutil.copy(PLAN_2020, plan)
    digest = lambda out: read_json(os.path.join(out, "summary.json"))["manifest"]["digest"]
    outs = [os.path.join(d, f"o{i}") for i in range(4)]
    run("analyze", "--no-maps", "--offices", plan, "--out", outs[0])
    run("analyze", "--no-maps", "--offices", plan, "--out", outs[1])
    check_eq(digest(outs[0]), digest(outs[1]), "same inputs, same manifest")
    moved = os.path.join(d, "moved.csv")
    shutil.copy(plan, moved)
    run("analyze", "--no-maps", "--offices", moved, "--out", outs[2])
    check_eq(digest(outs[2]), digest(outs[0]), "a copy of the plan elsewhere: same manifest")
    with open(plan, "a") as f:
        f.write("\n")  # one byte more (a blank line: the same offices)
    run("analyze", "--no-maps", "--offices", plan, "--out", outs[3])
    check(digest(outs[3]) != digest(outs[0]), "one input byte changed: a new manifest")
    files = read_json(os.path.join(outs[0], "summary.json"))["manifest"]["files"]
    check_eq(sorted({f["role"] for f in files}), ["boundaries", "places", "plan", "population"], "every input is recorded")
    check(all(len(f["sha256"]) == 64 for f in files), "with its SHA-256")
    sha = subprocess.run(["sha256sum", plan], capture_output=True, text=True).stdout.split()[0]
    check_eq([f["sha256"] for f in read_json(os.path.join(outs[3], "summary.json"))["manifest"]["files"]
              if f["role"] == "plan"], [sha], "the plan's checksum is sha256sum's")


@case
def a_killed_batch_leaves_only_complete_results_and_resumes():
    plans = tmpdir()
    for i in range(40):
        shutil.copy(PLAN_2019 if i % 2 else PLAN_2020, os.path.join(plans, f"plan-{i:03d}.csv"))
    out = os.path.join(tmpdir(), "batch")
    p = subprocess.Popen([NARVARO, "batch", plans, "--jobs", "2", "--quiet", "--out", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill it once a few results exist, well before the end.
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.isdir(out) and len([n for n in os.listdir(out) if n.startswith("plan-")]) >= 3:
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    done = [n for n in os.listdir(out) if not n.startswith(".")]
    check(3 <= len(done) < 40, f"killed in the middle ({len(done)} results)")
    expected = ["counties.csv", "maps", "municipalities.csv", "narvaro.sqlite", "offices.csv", "report.html",
                "results.xlsx", "summary.json"]
    for n in done:
        if n in ("plans.csv", "report.html", "results.xlsx"):
            continue
        check_eq(sorted(os.listdir(os.path.join(out, n))), expected, f"{n} is complete")
    code, stdout, err = run("batch", plans, "--jobs", "2", "--out", out)
    check_eq(code, 0, f"the re-run completes it ({err[-300:]})")
    rows = read_csv(os.path.join(out, "plans.csv"))
    check_eq(len(rows), 40, "every plan in plans.csv")
    skipped = sum(r["status"] == "skipped" for r in rows)
    check(skipped >= len(done) - 1, f"the re-run picked up where it stopped ({skipped} skipped)")
    check_eq(sorted(n for n in os.listdir(out) if n.startswith(".") and n != ".narvaro-batch.lock"), [],
             "no working folder left")


@case
def two_batches_cannot_write_one_folder_at_once():
    out = os.path.join(tmpdir(), "batch")
    os.makedirs(out)
    lock = open(os.path.join(out, ".narvaro-batch.lock"), "w")
    import fcntl
    fcntl.flock(lock, fcntl.LOCK_EX)  # as a running batch holds it
    code, _, err = run("batch", plans_folder(broken=False), "--no-maps", "--out", out)
    check_eq(code, 2, "a second batch on a busy folder")
    check("another narvaro batch is writing to this folder" in err, err)
    lock.close()


finish("test_plans")
