"""Office plans as workbooks (issue 11): .xlsx written with openpyxl (Debian's
python3-openpyxl) as Excel would save them (numbers as numbers, so 0114 becomes 114),
.ods written by GDAL's own ODS driver, read through GDAL into the same reader as CSV.
(.xls has no writer on the machine: GDAL reads it with the same code path.)"""
import csv
import os
import shutil

import openpyxl
from osgeo import gdal

from nvcli import PLAN_2020, case, check, check_eq, finish, read_csv, run, tmpdir

gdal.UseExceptions()
NUMERIC = {"lat", "lon", "kommunkod"}


def plan_rows():
    with open(PLAN_2020, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def as_number(col, v):
    if col in NUMERIC and v:
        return int(v) if col == "kommunkod" else float(v)
    return v


def write_xlsx(path, rows, sheets=("Blad1",), plan_sheet="Blad1", decimal_comma_rows=()):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in sheets:
        ws = wb.create_sheet(name)
        if name != plan_sheet:
            ws.append(["anteckningar"])
            continue
        header = rows[0]
        ws.append(header)
        for i, r in enumerate(rows[1:], start=2):
            if i in decimal_comma_rows:  # typed as text with a decimal comma
                ws.append([v.replace(".", ",") if c in ("lat", "lon") else as_number(c, v) for c, v in zip(header, r)])
            else:
                ws.append([as_number(c, v) for c, v in zip(header, r)])
    wb.save(path)


def baseline():
    out = os.path.join(tmpdir(), "csv")
    code, _, err = run("analyze", "-q", "--no-maps", "--tables-only", "--offices", PLAN_2020, "--out", out)
    check_eq(code, 0, f"the CSV plan ({err})")
    return read_csv(os.path.join(out, "municipalities.csv"))


BASE = None


@case
def an_xlsx_plan_gives_the_csv_plans_results():
    global BASE
    BASE = baseline()
    d = tmpdir()
    xlsx = os.path.join(d, "plan.xlsx")
    write_xlsx(xlsx, plan_rows(), decimal_comma_rows=range(2, 40))
    out = os.path.join(tmpdir(), "xlsx")
    code, stdout, err = run("analyze", "--no-maps", "--tables-only", "--offices", xlsx, "--out", out)
    check_eq(code, 0, f"analyze an .xlsx plan ({err})")
    check("106 municipalities with an office, 184 without" in stdout, stdout)
    check_eq(read_csv(os.path.join(out, "municipalities.csv")), BASE,
             "the same municipalities.csv as the CSV (numbers as numbers, 114 for 0114, decimal commas as text)")
    offices = read_csv(os.path.join(out, "offices.csv"))
    check_eq((offices[0]["source"], offices[0]["line"], offices[0]["kommunkod_stated"]), (xlsx + ":Blad1", "2", "0114"),
             "rows named by file:sheet and row; 114 read as 0114")


@case
def an_ods_plan_too():
    d = tmpdir()
    ods = os.path.join(d, "plan.ods")
    gdal.VectorTranslate(ods, PLAN_2020, format="ODS", layerName="Blad1")
    out = os.path.join(tmpdir(), "ods")
    code, _, err = run("analyze", "-q", "--no-maps", "--tables-only", "--offices", ods, "--out", out)
    check_eq(code, 0, f"analyze an .ods plan ({err})")
    check_eq(read_csv(os.path.join(out, "municipalities.csv")), BASE, "the same municipalities.csv")


@case
def sheet_chooses_and_a_wrong_name_lists_them():
    xlsx = os.path.join(tmpdir(), "plan.xlsx")
    write_xlsx(xlsx, plan_rows(), sheets=("Anteckningar", "Plan 2020"), plan_sheet="Plan 2020")
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "-q", "--no-maps", "--tables-only", "--offices", xlsx, "--out", out)
    check_eq(code, 2, "the first sheet holds no plan")
    check(f"{xlsx}:Anteckningar:" in err, f"the message names file and sheet: {err}")
    code, _, err = run("analyze", "-q", "--no-maps", "--tables-only", "--offices", xlsx, "--sheet", "Plan 2020",
                       "--out", out)
    check_eq(code, 0, f"--sheet 'Plan 2020' ({err})")
    code, _, err = run("analyze", "-q", "--no-maps", "--offices", xlsx, "--sheet", "Blad1", "--out", out)
    check_eq(code, 2, "a sheet that is not there")
    check('has no sheet "Blad1"; its sheets: Anteckningar, Plan 2020 (give one with --sheet)' in err, err)
    code, _, err = run("analyze", "-q", "--no-maps", "--offices", PLAN_2020, "--sheet", "Blad1", "--out", out)
    check_eq(code, 2, "--sheet with a CSV plan")
    check("is no workbook" in err, err)


@case
def a_bad_row_is_named_by_file_sheet_and_row():
    rows = plan_rows()
    rows[16] = list(rows[16])
    rows[16][rows[0].index("lat")] = "191.2"  # row 17 of the sheet (the header is row 1)
    xlsx = os.path.join(tmpdir(), "plan.xlsx")
    write_xlsx(xlsx, rows)
    code, _, err = run("analyze", "-q", "--no-maps", "--offices", xlsx, "--out", os.path.join(tmpdir(), "out"))
    check_eq(code, 2, "a latitude of 191.2")
    check(f"{xlsx}:Blad1:17: latitude 191.2" in err, f"plan.xlsx:Blad1:17: ... ({err})")


@case
def a_csv_that_is_a_workbook_is_refused_with_a_hint():
    d = tmpdir()
    write_xlsx(os.path.join(d, "plan.xlsx"), plan_rows())
    shutil.copy(os.path.join(d, "plan.xlsx"), os.path.join(d, "plan.csv"))
    code, _, err = run("analyze", "-q", "--no-maps", "--offices", os.path.join(d, "plan.csv"),
                       "--out", os.path.join(tmpdir(), "out"))
    check_eq(code, 2, "bad input")
    check("is a workbook" in err and "real extension" in err, err)


@case
def batch_takes_workbooks():
    d = tmpdir()
    write_xlsx(os.path.join(d, "p-2020.xlsx"), plan_rows())
    shutil.copy(PLAN_2020, os.path.join(d, "q-2020.csv"))
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", d, "-q", "--tables-only", "--out", out)
    check_eq(code, 0, f"batch ({err})")
    rows = {r["plan"]: r for r in read_csv(os.path.join(out, "plans.csv"))}
    check_eq(sorted(rows), ["p-2020", "q-2020"], "both plans, named without their extension")
    check_eq(rows["p-2020"]["municipalities_with_office"], rows["q-2020"]["municipalities_with_office"],
             "the same figures")


finish("test_workbooks")
