"""--postgis CONN (issue 11): runs written into a shared PostGIS database, checked in a real
throwaway PostgreSQL 15 + PostGIS 3 cluster (nvpg.py) that this test starts and stops."""
import os
import shutil
import subprocess

from nvcli import NARVARO, PLAN_2020, PLANS, case, check, check_eq, finish, run, tmpdir
from nvpg import Cluster

PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")
pg = Cluster()


def a_server_that_is_not_there_is_named_with_the_fix():
    conn = f"PG:host={pg.root}/nowhere port=5432 dbname=narvaro user=postgres"
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "-q", "--no-maps", "--postgis", conn, "--out", out)
    check_eq(code, 2, f"a connection that fails is bad input ({err})")
    check(f"{pg.root}/nowhere" in err and "port 5432" in err, f"the message names the server: {err}")
    check("check that the server is running" in err and "--postgis" in err, f"and the fix: {err}")
    code, _, err = run("analyze", "-q", "--no-maps", "--postgis", "PG:dbname=x nonsense=1", "--out", out)
    check_eq(code, 2, "a bad connection string")
    check("nonsense" in err and "libpq connection string" in err, err)


def analyze_writes_the_run_once():
    out = os.path.join(tmpdir(), "out")
    code, stdout, err = run("analyze", "--no-maps", "--postgis", pg.conn(), "--out", out)
    check_eq(code, 0, f"analyze --postgis ({err})")
    check("PostGIS: the run written as run 1" in stdout, stdout)
    check_eq(pg.sql("narvaro", "SELECT count(*), min(plan) FROM narvaro.runs"), [["1", "af-2020-illustrative.csv"]],
             "one run, named by its plan file")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.municipalities WHERE run_id = 1"), "290", "290 municipalities")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.municipalities WHERE run_id = 1 AND offices > 0"), "106",
             "106 with an office")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.municipalities WHERE run_id = 1 AND offices = 0"), "184",
             "184 without")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.offices WHERE run_id = 1 AND geom IS NOT NULL"), "112",
             "112 offices with points")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.counties WHERE run_id = 1"), "21", "21 counties")
    check_eq(pg.sql("narvaro", "SELECT municipalities_with_presence, municipalities_without_presence,"
                               " (SELECT count(*) FROM narvaro.municipalities WHERE run_id = 1 AND presence = 'none')"
                               " FROM narvaro.runs"), [["106", "184", "184"]],
             "presence of any tier: 106 with, 184 without (the 2020 plan has offices only)")
    check_eq(pg.one("narvaro", "SELECT Find_SRID('narvaro', 'municipalities', 'geom')"), "3006", "EPSG:3006")
    # PostGIS itself agrees with narvaro's figures: areas, and the office inside its municipality.
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.municipalities WHERE run_id = 1"
                               " AND abs(ST_Area(geom) / 1e6 - area_km2) > 0.001"), "0", "areas to 1000 m²")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.offices o JOIN narvaro.municipalities m"
                               " ON m.run_id = o.run_id AND ST_Contains(m.geom, o.geom)"
                               " WHERE o.run_id = 1 AND o.status = 'placed' AND m.kommunkod <> o.kommunkod"), "0",
             "every placed office lies in its municipality (ST_Contains)")
    check_eq(pg.one("narvaro", "SELECT round(nearest_office_km::numeric, 3) FROM narvaro.municipalities"
                               " WHERE run_id = 1 AND kommunkod = '2584'"), "157.962", "Kiruna")
    check_eq(pg.one("narvaro", "SELECT radii_km::text FROM narvaro.runs"), "{10,25,50}", "the radii")
    check_eq(pg.one("narvaro", "SELECT manifest->>'digest' = manifest_digest FROM narvaro.runs"), "t",
             "the manifest and its digest")

    code, stdout, err = run("analyze", "--no-maps", "--postgis", pg.conn(), "--out", out)
    check_eq(code, 0, f"the same run again ({err})")
    check("already there as run 1" in stdout and "not written again" in stdout, stdout)
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.runs"), "1", "still one run")


def a_database_without_postgis_gets_it():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "-q", "--no-maps", "--tables-only", "--postgis", pg.conn("plain"), "--out", out)
    check_eq(code, 0, f"analyze into a database without PostGIS ({err})")
    check_eq(pg.one("plain", "SELECT count(*) FROM narvaro.municipalities"), "290", "written")


def concurrent_writers_neither_corrupt_nor_duplicate():
    # Four processes at once: two of the 2019 plan (one run), two of the 2020 plan with
    # other radii (another run, a new one of the 2020 plan).
    procs = []
    for plan, radii in ((PLAN_2019, "10,25,50"), (PLAN_2019, "10,25,50"), (PLAN_2020, "5,20"), (PLAN_2020, "5,20")):
        procs.append(subprocess.Popen([NARVARO, "analyze", "--tables-only", "--offices", plan, "--radius-km", radii,
                                       "--postgis", pg.conn(), "--out", os.path.join(tmpdir(), "out")],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate() for p in procs]
    check_eq([p.returncode for p in procs], [0, 0, 0, 0], f"all four succeed ({[e for _, e in outs]})")
    said = [o for o, _ in outs]
    check_eq(sum("not written again" in o for o in said), 2, f"two were there already: {said}")
    check_eq(pg.sql("narvaro", "SELECT plan, count(*) FROM narvaro.runs GROUP BY plan ORDER BY plan"),
             [["af-2019-illustrative.csv", "1"], ["af-2020-illustrative.csv", "2"]], "one run per digest")
    check_eq(pg.sql("narvaro", "SELECT count(DISTINCT run_id), count(*) FROM narvaro.municipalities"),
             [["3", "870"]], "290 municipalities for each of the three runs, no more")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.municipalities m JOIN narvaro.runs r ON r.id = m.run_id"
                               " WHERE r.plan = 'af-2019-illustrative.csv' AND m.offices > 0"), "218",
             "the 2019 plan: 218 with an office")
    # latest: each plan's newest run, 290 municipalities each.
    newest = pg.one("narvaro", "SELECT max(id) FROM narvaro.runs WHERE plan = 'af-2020-illustrative.csv'")
    check_eq(pg.sql("narvaro", "SELECT plan, count(*), min(run_id), max(run_id) FROM narvaro.latest GROUP BY plan"
                               " ORDER BY plan")[1], ["af-2020-illustrative.csv", "290", newest, newest],
             "latest has the 2020 plan's newest run")
    check_eq(pg.one("narvaro", "SELECT radii_km::text FROM narvaro.runs WHERE id = " + newest), "{5,20}",
             "which is the one with the other radii")
    check_eq(pg.one("narvaro", "SELECT count(*) FROM narvaro.latest"), "580", "two plans in latest")


def batch_writes_every_plan_and_a_rerun_none():
    plans = tmpdir()
    shutil.copy(PLAN_2019, os.path.join(plans, "p-2019.csv"))
    shutil.copy(PLAN_2020, os.path.join(plans, "p-2020.csv"))
    out = os.path.join(tmpdir(), "batch")
    code, stdout, err = run("batch", plans, "--no-maps", "--jobs", "2", "--postgis", pg.conn("plain"), "--out", out)
    check_eq(code, 0, f"batch --postgis ({err})")
    check("PostGIS: 2 runs written, 0 already there" in stdout, stdout)
    check_eq(pg.sql("plain", "SELECT plan FROM narvaro.runs WHERE plan LIKE 'p-%' ORDER BY plan"),
             [["p-2019.csv"], ["p-2020.csv"]], "both plans")
    code, stdout, err = run("batch", plans, "--no-maps", "--postgis", pg.conn("plain"), "--out", out)
    check_eq(code, 0, f"the batch again ({err})")
    check("2 skipped" in stdout and "PostGIS: 0 runs written, 2 already there" in stdout, stdout)
    # A plan that is current on disk but not in the database runs to be written there.
    pg.sql("plain", "DELETE FROM narvaro.runs WHERE plan = 'p-2019.csv'")
    code, stdout, err = run("batch", plans, "--no-maps", "--postgis", pg.conn("plain"), "--out", out)
    check_eq(code, 0, f"the batch once more ({err})")
    check("1 done, 1 skipped" in stdout and "PostGIS: 1 runs written, 1 already there" in stdout, stdout)
    check_eq(pg.one("plain", "SELECT count(*) FROM narvaro.municipalities m JOIN narvaro.runs r ON r.id = m.run_id"
                             " WHERE r.plan = 'p-2019.csv'"), "290", "its municipalities are back, once")
    code, _, err = run("batch", plans, "--no-maps", "--postgis", f"PG:host={pg.root}/gone dbname=x", "--out", out)
    check_eq(code, 2, "a batch with an unreachable database")
    check_eq(err.count("cannot connect"), 1, f"says so once: {err}")


# The cases run in order on one cluster (run ids count from 1), so they are called here
# rather than by @case at definition.
try:
    pg.start()
    case(a_server_that_is_not_there_is_named_with_the_fix)
    case(analyze_writes_the_run_once)
    case(a_database_without_postgis_gets_it)
    case(concurrent_writers_neither_corrupt_nor_duplicate)
    case(batch_writes_every_plan_and_a_rerun_none)
finally:
    pg.stop()
finish("test_postgis")
