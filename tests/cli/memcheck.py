"""A representative subset of the CLI tests under valgrind's memcheck (ctest -L memcheck):
every command, the database and the map, the population, a batch, and the bad-input and
interrupted paths. Each run must keep its usual exit status, and valgrind must report no
invalid read or write, no use of uninitialised memory and no definite leak (its exit
status 99); only fontconfig's known leak is suppressed (tests/valgrind.supp).

Under valgrind a run takes 20 to 50 times as long, so this is a selection, not the whole
suite: about 3 minutes on two cores."""
import os
import shutil
import subprocess
import sys

import nvcli
from nvcli import PLAN_2020, PLANS, TEST_DATA, case, check, check_eq, finish, tmpdir

HERE = os.path.dirname(os.path.abspath(__file__))
VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full", "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite", "--suppressions=" + os.path.join(HERE, "..", "valgrind.supp")]
PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")


def vg(*args, expect=0):
    p = subprocess.run(VALGRIND + [nvcli.NARVARO, *args], capture_output=True, text=True)
    check(p.returncode != 99, f"valgrind found errors in narvaro {' '.join(args)}:\n{p.stderr[-3000:]}")
    check_eq(p.returncode, expect, f"exit status of narvaro {' '.join(args[:3])} ({p.stderr[-500:]})")
    return p


@case
def analyze_with_database_and_map():
    vg("analyze", "--quiet", "--out", os.path.join(tmpdir(), "o"))


@case
def analyze_with_demand_points():
    vg("analyze", "--quiet", "--no-maps", "--population", os.path.join(TEST_DATA, "population", "points.csv"),
       "--out", os.path.join(tmpdir(), "o"))


@case
def bad_plans_are_refused():
    for name in ("out_of_range.csv", "unclosed_quote.csv", "too_few_fields.csv", "duplicate_id.csv"):
        vg("analyze", "--quiet", "--tables-only", "--offices", os.path.join(TEST_DATA, "offices", name),
           "--out", os.path.join(tmpdir(), "o"), expect=2)


@case
def compare_two_plans():
    vg("compare", "--quiet", "--no-maps", PLAN_2019, PLAN_2020, "--out", os.path.join(tmpdir(), "c"))


@case
def batch_with_a_broken_plan_and_a_fifo():
    plans = tmpdir()
    shutil.copy(PLAN_2020, os.path.join(plans, "a.csv"))
    with open(os.path.join(plans, "b-broken.csv"), "w") as f:
        f.write("office_id,lat,lon\nX1,59.5,17.9\nX2,191.2,17.9\n")
    os.mkfifo(os.path.join(plans, "c-fifo.csv"))
    vg("batch", "--quiet", "--tables-only", "--jobs", "2", plans, "--out", os.path.join(tmpdir(), "b"), expect=2)


@case
def render_from_a_database():
    out = os.path.join(tmpdir(), "o")
    subprocess.run([nvcli.NARVARO, "analyze", "--quiet", "--no-maps", "--out", out], check=True)
    vg("render", "--db", os.path.join(out, "narvaro.sqlite"), "--map", "distance", "--breaks", "jenks",
       "--out", os.path.join(tmpdir(), "d.svg"))


finish("memcheck")
