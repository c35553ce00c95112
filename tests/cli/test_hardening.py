"""Issue 8, hardening: narvaro never touches a file it did not write, never hangs on a
file that is no plan, writes byte-identical databases for identical inputs, and reads
long fields in linear time."""
import csv
import fcntl
import os
import shutil
import signal
import stat
import subprocess
import time

from nvcli import (KOMMUNER_SHP, NARVARO, PLAN_2020, PLANS, case, check, check_eq, finish, read_csv, run,
                   tmpdir)

PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")


def one_plan_folder():
    d = tmpdir()
    shutil.copy(PLAN_2020, os.path.join(d, "b-2020.csv"))
    return d


@case
def batch_refuses_an_out_folder_that_is_not_a_batch_result():
    out = tmpdir()
    mine = os.path.join(out, "plans.csv")
    with open(mine, "w") as f:
        f.write("my own list of plans\n")
    code, _, err = run("batch", one_plan_folder(), "--tables-only", "--quiet", "--out", out)
    check_eq(code, 2, f"batch into a folder of the user's ({err})")
    check("is not a narvaro batch result" in err, err)
    with open(mine) as f:
        check_eq(f.read(), "my own list of plans\n", "the user's plans.csv is untouched")
    check_eq(sorted(os.listdir(out)), ["plans.csv"], "nothing was added to the folder")
    # An analyze result is no batch result either.
    res = os.path.join(tmpdir(), "res")
    code, _, err = run("analyze", "--tables-only", "--quiet", "--out", res)
    check_eq(code, 0, err)
    before = sorted(os.listdir(res))
    code, _, err = run("batch", one_plan_folder(), "--tables-only", "--quiet", "--out", res)
    check_eq(code, 2, f"batch into an analyze result ({err})")
    check_eq(sorted(os.listdir(res)), before, "the analyze result is untouched")


@case
def batch_never_replaces_a_plans_csv_it_did_not_write():
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", one_plan_folder(), "--tables-only", "--quiet", "--out", out)
    check_eq(code, 0, err)
    check_eq(read_csv(os.path.join(out, "plans.csv"))[0]["status"], "done", "a batch result")
    mine = os.path.join(out, "plans.csv")
    with open(mine, "w") as f:
        f.write("edited by hand\n")
    code, _, err = run("batch", one_plan_folder(), "--tables-only", "--quiet", "--out", out)
    check_eq(code, 2, f"a plans.csv of the user's in a batch folder ({err})")
    check("was not written by narvaro batch" in err, err)
    with open(mine) as f:
        check_eq(f.read(), "edited by hand\n", "the edited plans.csv is untouched")
    check_eq(sorted(n for n in os.listdir(out) if n.startswith(".") and n != ".narvaro-batch.lock"), [],
             "no temporary file left behind")


@case
def batch_into_an_empty_or_new_folder_and_again():
    out = tmpdir()  # exists, empty
    code, _, err = run("batch", one_plan_folder(), "--tables-only", "--quiet", "--out", out)
    check_eq(code, 0, f"an empty folder is fine ({err})")
    code, _, err = run("batch", one_plan_folder(), "--tables-only", "--quiet", "--out", out)
    check_eq(code, 0, f"and so is its own earlier result ({err})")
    check_eq(read_csv(os.path.join(out, "plans.csv"))[0]["status"], "skipped", "the re-run skips the plan")


@case
def batch_skips_and_reports_a_fifo_named_like_a_plan():
    plans = one_plan_folder()
    fifo = os.path.join(plans, "a-fifo.csv")
    os.mkfifo(fifo)
    os.mkdir(os.path.join(plans, "c-folder.csv"))
    os.symlink(os.path.join(plans, "b-2020.csv"), os.path.join(plans, "d-link.csv"))
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", plans, "--tables-only", "--out", out, timeout=120)
    check_eq(code, 0, f"the FIFO and the folder are skipped, not waited on ({err})")
    check("a-fifo.csv: warning: is a FIFO, not a regular file; skipped" in err, err)
    check("c-folder.csv: warning: is a folder without CSV files; skipped" in err, err)
    rows = {r["plan"]: r["status"] for r in read_csv(os.path.join(out, "plans.csv"))}
    check_eq(rows, {"b-2020": "done", "d-link": "done"}, "the plans, a link to a plan included")
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO is still there")


@case
def a_folder_of_only_fifos_holds_no_plan():
    plans = tmpdir()
    os.mkfifo(os.path.join(plans, "x.csv"))
    code, _, err = run("batch", plans, "--tables-only", "--out", os.path.join(tmpdir(), "o"), timeout=120)
    check_eq(code, 2, err)
    check("holds no plan" in err, err)


@case
def narvaro_sqlite_is_byte_identical_for_identical_inputs():
    outs = []
    for i in range(2):
        out = os.path.join(tmpdir(), "r")
        code, _, err = run("analyze", "--no-maps", "--quiet", "--out", out)
        check_eq(code, 0, err)
        outs.append(out)
        if i == 0:
            time.sleep(1.1)  # SpatiaLite's timestamps have milliseconds; make sure the clock moved
    for name in ("narvaro.sqlite", "municipalities.csv", "offices.csv", "counties.csv", "summary.json"):
        with open(os.path.join(outs[0], name), "rb") as a, open(os.path.join(outs[1], name), "rb") as b:
            check(a.read() == b.read(), f"{name} identical in two runs")


@case
def compare_sqlite_is_byte_identical_for_identical_inputs():
    outs = []
    for i in range(2):
        out = os.path.join(tmpdir(), "c")
        code, _, err = run("compare", PLAN_2019, PLAN_2020, "--no-maps", "--quiet", "--out", out)
        check_eq(code, 0, err)
        outs.append(out)
        if i == 0:
            time.sleep(1.1)
    for name in ("compare.sqlite", "before/narvaro.sqlite", "after/narvaro.sqlite"):
        with open(os.path.join(outs[0], name), "rb") as a, open(os.path.join(outs[1], name), "rb") as b:
            check(a.read() == b.read(), f"{name} identical in two runs")


LONG = 4 << 20  # a 4 MB field


@case
def a_4mb_field_in_a_plan_is_read_in_linear_time():
    d = tmpdir()
    plan = os.path.join(d, "long.csv")
    with open(plan, "w") as f:
        f.write("office_id,name,lat,lon\n")
        f.write("L1," + "N" * LONG + ",59.5,17.9\n")
        f.write("L2,Short,59.5,17.9\n")
    t = time.monotonic()
    code, _, err = run("analyze", "--offices", plan, "--tables-only", "--quiet", "--out", os.path.join(d, "o"))
    took = time.monotonic() - t
    check_eq(code, 0, err[:300])
    csv.field_size_limit(2 * LONG)
    rows = read_csv(os.path.join(d, "o", "offices.csv"))
    check_eq([len(r["name"]) for r in rows], [LONG, 5], "the long name is kept whole")
    check(took < 20, f"a 4 MB field took {took:.1f} s (it took 44 s when libcsv grew by 128 bytes)")


@case
def a_4mb_field_in_a_population_file_is_read_in_linear_time():
    d = tmpdir()
    pop = os.path.join(d, "points.csv")
    with open(pop, "w") as f:
        f.write("x,y,population,note\n")
        f.write("674032,6580821,10," + "n" * LONG + "\n")
        f.write("674032,6580821,5,short\n")
    t = time.monotonic()
    code, _, err = run("analyze", "--population", pop, "--tables-only", "--quiet", "--out", os.path.join(d, "o"))
    took = time.monotonic() - t
    check_eq(code, 0, err[:300])
    check(took < 20, f"a 4 MB field took {took:.1f} s")


def shapefile_copy():
    d = tmpdir()
    base = os.path.join(os.path.dirname(KOMMUNER_SHP), "kommuner")
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        shutil.copy(base + ext, os.path.join(d, "kommuner" + ext))
        os.chmod(os.path.join(d, "kommuner" + ext), 0o644)
    return os.path.join(d, "kommuner")


@case
def a_truncated_shapefile_is_reported_once_with_its_sizes():
    base = shapefile_copy()
    full = os.path.getsize(base + ".shp")
    os.truncate(base + ".shp", full // 2)
    out = os.path.join(tmpdir(), "o")
    code, _, err = run("analyze", "--boundaries", base + ".shp", "--tables-only", "--out", out)
    check_eq(code, 2, "a truncated .shp is bad input")
    check(f"kommuner.shp: is truncated: its header says {full} bytes, the file has {full // 2}" in err, err)
    check("has no geometry" not in err, "no line per feature: " + err[:300])
    check_eq(len(err.strip().splitlines()), 2, "one line for the cause (and one saying nothing was written)")
    check(not os.path.exists(out), "nothing written")
    # The .dbf too: its header gives the record count and size.
    base = shapefile_copy()
    os.truncate(base + ".dbf", 7000)
    code, _, err = run("analyze", "--boundaries", base + ".shp", "--tables-only", "--out", out)
    check_eq(code, 2, "a truncated .dbf is bad input")
    check("kommuner.dbf: is truncated: its header says" in err and "the file has 7000" in err, err)


def working_folders(parent):
    return sorted(n for n in os.listdir(parent) if ".tmp-" in n)


def interrupt_while_writing(sig):
    """Starts analyze, sends sig as soon as its working folder exists; returns (exit
    status, parent folder, out) or None when the run finished before it could be caught."""
    parent = tmpdir()
    out = os.path.join(parent, "o")
    p = subprocess.Popen([NARVARO, "analyze", "--quiet", "--out", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None:
        if working_folders(parent):
            p.send_signal(sig)
            break
        time.sleep(0.001)
    code = p.wait()
    if code == 0:
        return None
    return code, parent, out


@case
def an_interrupted_analyze_removes_its_working_folder():
    for sig in (signal.SIGINT, signal.SIGTERM):
        got = None
        for _ in range(10):  # the writing phase is short: try again if the run outran us
            got = interrupt_while_writing(sig)
            if got:
                break
        check(got is not None, f"caught a run while it was writing ({sig.name})")
        if not got:
            continue
        code, parent, out = got
        check_eq(code, -sig, f"the run ends by {sig.name}")
        check_eq(working_folders(parent), [], f"no working folder left after {sig.name}")
        check(not os.path.exists(out), "and no half result")


@case
def an_interrupted_batch_removes_its_working_folders():
    plans = tmpdir()
    for i in range(40):
        shutil.copy(PLAN_2020, os.path.join(plans, f"plan-{i:03d}.csv"))
    out = os.path.join(tmpdir(), "batch")
    p = subprocess.Popen([NARVARO, "batch", plans, "--jobs", "2", "--quiet", "--out", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None:
        if os.path.isdir(out) and len([n for n in os.listdir(out) if n.startswith("plan-")]) >= 2:
            break
        time.sleep(0.005)
    p.send_signal(signal.SIGTERM)
    check_eq(p.wait(), -signal.SIGTERM, "the batch ends by SIGTERM")
    check_eq([n for n in os.listdir(out) if ".tmp-" in n], [], "no working folder left")
    for n in os.listdir(out):
        if n.startswith("plan-"):
            check(os.path.exists(os.path.join(out, n, "summary.json")), f"{n} is complete")


@case
def the_next_run_removes_working_folders_whose_writer_is_gone_and_no_live_one():
    parent = tmpdir()
    out = os.path.join(parent, "o")
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "60"])
    gone = os.path.join(parent, f".o.tmp-{dead.pid}-AbC123")
    alive = os.path.join(parent, f".o.tmp-{live.pid}-DeF456")
    locked = os.path.join(parent, ".o.tmp-999999999-GhI789")  # no such pid, but its lock is held
    other = os.path.join(parent, f".other.tmp-{dead.pid}-JkL012")  # beside another folder
    for d in (gone, alive, locked, other):
        os.makedirs(os.path.join(d, "maps"))
        with open(os.path.join(d, "maps", "x.png"), "w") as f:
            f.write("x")
    fd = os.open(locked, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    code, _, err = run("analyze", "--tables-only", "--quiet", "--out", out)
    check_eq(code, 0, err)
    left = working_folders(parent)
    check(os.path.basename(gone) not in left, f"the dead writer's folder is removed ({left})")
    check(os.path.basename(alive) in left, "a live writer's folder is kept")
    check(os.path.basename(locked) in left, "a locked folder is kept")
    check(os.path.basename(other) in left, "another destination's folder is not ours to judge")
    os.close(fd)
    live.kill()
    live.wait()


finish("test_hardening")
