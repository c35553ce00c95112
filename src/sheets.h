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

/* 1 when path names a workbook by its extension: .xlsx, .xls or .ods (any case). */
int nv_sheets_is_workbook(const char *path);

/* 1 when the first bytes of a file are those of a workbook (a zip archive, as .xlsx and
 * .ods are, or an OLE2 compound file, as .xls is): a plan saved as Excel but named .csv. */
int nv_sheets_looks_like_workbook(const char *bytes, size_t n);

/* Reads one sheet of the workbook path (sheet NULL: the first) through GDAL's XLSX, XLS
 * or ODS driver as text for the CSV reader: UTF-8, fields separated by ';', every cell as
 * its text (numbers as the workbook stores them, 57.7; text as typed, "57,7"), and line
 * N of the text is row N of the sheet (blank rows are blank lines; a line break inside a
 * cell becomes a space). *text (NUL-terminated, *len bytes) is the caller's to free;
 * sheet_out gets the sheet's name. NV_ERR_INPUT when the file cannot be read as a
 * workbook, or has no sheet of that name (the message lists its sheets). */
nv_status nv_sheets_read_text(const char *path, const char *sheet, char **text, size_t *len, char *sheet_out,
                              size_t sheet_size, nv_error *err);

#endif
