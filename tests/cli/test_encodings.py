"""Text in other encodings (issue 8, items 1 and 2): boundaries in Windows-1252 without a
.cpg, the .dbf's language driver byte, --boundaries-encoding, plans that mix UTF-8 and
Windows-1252 rows, and a file name that is not UTF-8. Whatever comes in, every output file
is valid UTF-8. The Shapefiles are made at test time from ../shared with ogr2ogr."""
import glob
import os
import shutil
import sqlite3
import subprocess

from nvcli import KOMMUNER_SHP, PLAN_2020, case, check, check_eq, finish, read_csv, run, tmpdir

WORK = tmpdir()
REF = os.path.join(WORK, "ref")
RC, _, ERR = run("analyze", "--tables-only", "-q", "--out", REF)
check_eq(RC, 0, f"reference run ({ERR})")
REF_NAMES = {r["kommunkod"]: r["namn"] for r in read_csv(os.path.join(REF, "municipalities.csv"))}


def cp1252_shapefile(name, ldid):
    """kommuner.shp re-encoded as Windows-1252, without .cpg, language driver byte ldid."""
    d = os.path.join(WORK, name)
    os.makedirs(d)
    shp = os.path.join(d, "kommuner.shp")
    subprocess.run(["ogr2ogr", "-lco", "ENCODING=CP1252", shp, KOMMUNER_SHP], check=True, capture_output=True)
    os.remove(os.path.join(d, "kommuner.cpg"))
    with open(os.path.join(d, "kommuner.dbf"), "r+b") as f:
        f.seek(29)
        f.write(bytes([ldid]))
    with open(os.path.join(d, "kommuner.dbf"), "rb") as f:
        check(b"S\xf6dert\xe4lje" in f.read(), "the fixture holds Windows-1252 bytes")
    return shp


NO_LDID = cp1252_shapefile("noldid", 0)
ANSI_LDID = cp1252_shapefile("ansi", 0x03)  # 0x03: Windows ANSI, code page 1252


def check_all_utf8(out, what):
    """Every CSV and JSON file and every text value of every database is valid UTF-8."""
    files = [p for p in glob.glob(os.path.join(out, "**", "*"), recursive=True) if os.path.isfile(p)]
    check(files, f"{what}: outputs exist")
    for p in files:
        if p.endswith((".csv", ".json", ".html")):
            with open(p, "rb") as f:
                data = f.read()
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                check(False, f"{what}: {os.path.relpath(p, out)} is not UTF-8: {e}")
        elif p.endswith(".sqlite"):
            db = sqlite3.connect(p)
            db.text_factory = bytes
            for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
                cols = [c[1] for c in db.execute(f'pragma table_info("{table}")')]
                for c in cols:
                    for (v,) in db.execute(f'select "{c}" from "{table}" where typeof("{c}") = \'text\''):
                        try:
                            v.decode("utf-8")
                        except UnicodeDecodeError:
                            check(False, f"{what}: {os.path.basename(p)} {table}.{c} holds {v[:40]!r}")
            db.close()


def names_of(out):
    return {r["kommunkod"]: r["namn"] for r in read_csv(os.path.join(out, "municipalities.csv"))}


@case
def cp1252_boundaries_without_cpg_are_decoded():
    out = os.path.join(WORK, "noldid-out")
    code, _, err = run("analyze", "--boundaries", NO_LDID, "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    check("read as Windows-1252" in err and "--boundaries-encoding" in err, f"what was assumed is said: {err}")
    check("Invalid UTF-8" not in err, f"pango draws valid text: {err}")
    names = names_of(out)
    check_eq(len(names), 290, "290 municipalities")
    check_eq(names, REF_NAMES, "every name as in the UTF-8 original")
    check_eq(names["0181"], "Södertälje", "Södertälje")
    db = sqlite3.connect(os.path.join(out, "narvaro.sqlite"))
    check_eq(db.execute("select namn from municipalities where kommunkod = '1480'").fetchone()[0], "Göteborg",
             "the database holds the decoded name")
    db.close()
    check_all_utf8(out, "Windows-1252 boundaries")


@case
def the_language_driver_byte_is_honoured():
    out = os.path.join(WORK, "ansi-out")
    code, _, err = run("analyze", "--boundaries", ANSI_LDID, "--tables-only", "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    check("read as" not in err, f"nothing is guessed when the .dbf declares its code page: {err}")
    check_eq(names_of(out), REF_NAMES, "names decoded by the language driver byte")


@case
def boundaries_encoding_overrides():
    out = os.path.join(WORK, "forced-out")
    code, _, err = run("analyze", "--boundaries", NO_LDID, "--boundaries-encoding", "CP1252", "--tables-only",
                       "--out", out)
    check_eq(code, 0, f"--boundaries-encoding CP1252 ({err})")
    check("read as" not in err, f"nothing is guessed when the encoding is given: {err}")
    check_eq(names_of(out), REF_NAMES, "names decoded as told")
    out2 = os.path.join(WORK, "forced-utf8")
    code, _, err = run("analyze", "--boundaries", NO_LDID, "--boundaries-encoding", "UTF-8", "--tables-only",
                       "--out", out2)
    check_eq(code, 2, "Windows-1252 text declared UTF-8 is bad input")
    check("not valid UTF-8" in err and "--boundaries-encoding CP1252" in err, err)
    check(not os.path.exists(out2), "nothing written")
    code, _, err = run("analyze", "--boundaries-encoding", "EBCDIC", "--out", os.path.join(WORK, "x"))
    check_eq(code, 2, "unknown --boundaries-encoding")
    check("--boundaries-encoding 'EBCDIC'" in err, err)


@case
def a_plan_mixing_utf8_and_cp1252_rows_is_decoded_row_by_row():
    plan = os.path.join(WORK, "mixed.csv")
    with open(plan, "wb") as f:
        f.write("office_id,name,lat,lon\nA1,Södertälje kontor,59.196,17.626\n".encode("utf-8"))
        f.write("A2,Göteborg Hisingen,57.72,11.94\n".encode("cp1252"))
        f.write("A3,Åmål,59.05,12.70\n".encode("utf-8"))
    out = os.path.join(WORK, "mixed-out")
    code, _, err = run("analyze", "--offices", plan, "--tables-only", "--out", out)
    check_eq(code, 0, f"exit status ({err})")
    check("mixed.csv: warning: mixes encodings: line 2 is UTF-8 and line 3 Windows-1252" in err, err)
    rows = {r["office_id"]: r for r in read_csv(os.path.join(out, "offices.csv"))}
    check_eq([rows[k]["name"] for k in ("A1", "A2", "A3")], ["Södertälje kontor", "Göteborg Hisingen", "Åmål"],
             "neither kind of row is garbled")
    check_eq([rows[k]["kommunkod"] for k in ("A1", "A2", "A3")], ["0181", "1480", "1492"], "placed")
    # Forced, the file's own words decide: UTF-8 refuses the Windows-1252 line.
    code, _, err = run("analyze", "--offices", plan, "--encoding", "UTF-8", "--tables-only",
                       "--out", os.path.join(WORK, "mixed-forced"))
    check_eq(code, 2, "--encoding UTF-8 on a mixed plan")
    check("mixed.csv:3:" in err and "not valid UTF-8" in err, err)


@case
def a_file_name_that_is_not_utf8_is_written_as_utf8():
    d = os.path.join(WORK, "latin1-name").encode()
    os.makedirs(d)
    plan = os.path.join(d, b"plan-G\xf6teborg.csv")
    shutil.copy(PLAN_2020, plan)
    out = os.path.join(WORK, "latin1-out")
    p = subprocess.run([__import__("nvcli").NARVARO, "analyze", "--offices", plan, "--out", out],
                       capture_output=True)
    check_eq(p.returncode, 0, f"exit status ({p.stderr[-300:]!r})")
    check_all_utf8(out, "a plan file named in Latin-1")
    rows = read_csv(os.path.join(out, "offices.csv"))
    check(rows[0]["source"].endswith("plan-Göteborg.csv"), f"the source column: {rows[0]['source']}")


finish("test_encodings")
