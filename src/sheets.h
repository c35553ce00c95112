/* sheets.h — workbooks for spreadsheet users, through GDAL's XLSX driver: results.xlsx
 * holds the CSV tables of a result, one sheet each, so that Swedish Excel opens them
 * with the columns split, å/ä/ö intact and numbers as numbers (a CSV opened by
 * double-click in Excel with a Swedish locale lands in one column, decoded as cp1252).
 *
 * The sheets are made from the CSV files narvaro has just written (report.h), so that
 * the workbook and the CSVs cannot disagree. A column becomes numbers when every
 * non-empty field in it is a plain decimal number (what report.c writes for counts,
 * km and coordinates); codes and ids stay text whatever they look like, so that 0114
 * keeps its zero: columns named id, kommunkod…, lanskod…, …_id…, or …digest…. */
#ifndef NV_SHEETS_H
#define NV_SHEETS_H

#include "error.h"

#include <stddef.h>

/* One sheet: its name in the workbook (at most 31 characters, Excel's limit) and the
 * CSV file it is made from. Borrowed for the duration of the call. */
typedef struct nv_sheet_source {
    const char *name;
    const char *csv_path;
} nv_sheet_source;

/* Creates the workbook xlsx_path (which must not exist) with one sheet per source, in the
 * order given: a header row with the CSV's column names, then its rows. NV_ERR_FAIL
 * (with GDAL's own message) when a CSV cannot be read or the workbook cannot be written;
 * on failure xlsx_path is removed. */
nv_status nv_sheets_write_xlsx(const char *xlsx_path, const nv_sheet_source *sheets, size_t n, nv_error *err);

#endif
