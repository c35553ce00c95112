"""Outputs that planners open directly (issue 11): results.xlsx read back with openpyxl
(Debian's python3-openpyxl), as Excel would show it."""
import os
import shutil

import openpyxl

from nvcli import (PLAN_2020, PLANS, case, check, check_eq, finish, read_csv, run, tmpdir)

PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")


def sheet_rows(path, sheet):
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def same_as_csv(xlsx, sheet, csv_path):
    """Every cell of the sheet is its CSV field: text as the same string, numbers as numbers
    of the same value (to the precision written), empty as empty."""
    rows = sheet_rows(xlsx, sheet)
    csv_rows = read_csv(csv_path)
    header = list(csv_rows[0].keys()) if csv_rows else []
    check_eq(rows[0], header, f"{sheet}: the header row is the CSV's")
    check_eq(len(rows) - 1, len(csv_rows), f"{sheet}: one row per CSV row")
    bad = []
    for got, want in zip(rows[1:], csv_rows):
        for col, v in zip(header, got):
            w = want[col]
            if w == "":
                ok = v is None or v == ""
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ok = abs(v - float(w)) <= 1e-9 * max(1.0, abs(float(w)))
            else:
                ok = v == w
            if not ok:
                bad.append((col, v, w))
    check_eq(bad[:5], [], f"{sheet}: every cell as in the CSV")
    return rows


@case
def results_xlsx_holds_the_three_tables_with_numbers_as_numbers():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"analyze ({err})")
    xlsx = os.path.join(out, "results.xlsx")
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    check_eq(wb.sheetnames, ["municipalities", "counties", "offices"], "one sheet per table")
    wb.close()
    rows = same_as_csv(xlsx, "municipalities", os.path.join(out, "municipalities.csv"))
    same_as_csv(xlsx, "counties", os.path.join(out, "counties.csv"))
    same_as_csv(xlsx, "offices", os.path.join(out, "offices.csv"))
    h = rows[0]
    munis = {r[h.index("kommunkod")]: dict(zip(h, r)) for r in rows[1:]}
    check_eq(len(munis), 290, "290 municipalities")
    check_eq(sum(1 for m in munis.values() if m["offices"] > 0), 106, "106 with an office (offices is a number)")
    check_eq(sum(1 for m in munis.values() if m["offices"] == 0), 184, "184 without")
    check("0114" in munis and isinstance(munis["0114"]["lanskod"], str), "codes are text with their zeros: 0114, 01")
    check_eq(munis["0114"]["namn"], "Upplands Väsby", "å/ä/ö intact")
    check_eq(munis["2584"]["namn"], "Kiruna", "Kiruna")
    check(isinstance(munis["2584"]["nearest_office_km"], float) and abs(munis["2584"]["nearest_office_km"] - 157.962)
          < 1e-9, f"km as a number: {munis['2584']['nearest_office_km']!r}")
    check(isinstance(munis["2584"]["population"], int), "people as whole numbers")


@case
def no_xlsx_and_tables_only_write_no_workbook():
    for opt in ("--no-xlsx", "--tables-only"):
        out = os.path.join(tmpdir(), "out")
        code, _, err = run("analyze", "-q", "--no-maps", opt, "--out", out)
        check_eq(code, 0, f"analyze {opt} ({err})")
        check(not os.path.exists(os.path.join(out, "results.xlsx")), f"{opt}: no results.xlsx")
        check(os.path.exists(os.path.join(out, "municipalities.csv")), f"{opt}: the CSVs still")


@case
def compare_and_batch_write_their_own_tables():
    out = os.path.join(tmpdir(), "cmp")
    code, _, err = run("compare", PLAN_2019, PLAN_2020, "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"compare ({err})")
    xlsx = os.path.join(out, "results.xlsx")
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    check_eq(wb.sheetnames, ["changes", "ranking"], "compare: changes and ranking")
    wb.close()
    rows = same_as_csv(xlsx, "changes", os.path.join(out, "changes.csv"))
    h = rows[0]
    check_eq(sum(1 for r in rows[1:] if r[h.index("change")] == "lost_presence"), 112, "112 lose their presence")
    same_as_csv(xlsx, "ranking", os.path.join(out, "ranking.csv"))
    for sub in ("before", "after"):
        check(os.path.exists(os.path.join(out, sub, "results.xlsx")), f"{sub}/ has its results.xlsx")

    plans = tmpdir()
    shutil.copy(PLAN_2019, os.path.join(plans, "a-2019.csv"))
    shutil.copy(PLAN_2020, os.path.join(plans, "b-2020.csv"))
    out = os.path.join(tmpdir(), "batch")
    code, _, err = run("batch", plans, "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"batch ({err})")
    rows = same_as_csv(os.path.join(out, "results.xlsx"), "plans", os.path.join(out, "plans.csv"))
    h = rows[0]
    check_eq([(r[h.index("plan")], r[h.index("municipalities_with_office")]) for r in rows[1:]],
             [("a-2019", 218), ("b-2020", 106)], "batch: one row per plan, numbers as numbers")
    # A re-run replaces the workbook.
    code, _, err = run("batch", plans, "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"batch again ({err})")
    check_eq([r[h.index("status")] for r in sheet_rows(os.path.join(out, "results.xlsx"), "plans")[1:]],
             ["skipped", "skipped"], "the second batch's workbook")
    check_eq(sorted(n for n in os.listdir(out) if n.startswith(".") and n != ".narvaro-batch.lock"), [],
             "no working file left")


finish("test_outputs")
