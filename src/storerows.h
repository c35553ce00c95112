/* storerows.h — part of the store module: rows that the caller holds in memory, inserted
 * by one SQL statement.
 *
 * An INSERT stepped once a row pays, for every row, the statement's start and end (its
 * cursor opened, its transaction checked, its bindings made and cleared) around the
 * little work of storing the record; for the millions of rows of a large plan that was
 * most of the insert. Here the rows are an SQL table instead — the eponymous virtual
 * table nv_rows (SQLite's virtual table interface, https://sqlite.org/vtab.html), whose
 * columns c0, c1, … the caller's function gives row by row — so that one
 * INSERT INTO t (…) SELECT c0, c1, … FROM nv_rows stores them all in one run of the
 * statement, in row order. The table lives in the connection only: it is no part of the
 * database file.
 *
 * Threads: as the connection's. */
#ifndef NV_STORE_ROWS_H
#define NV_STORE_ROWS_H

#include <sqlite3.h>

#include <stddef.h>

/* Columns of nv_rows: c0 … c31. */
#define NV_STORE_ROWS_MAX_COLUMNS 32

/* Sets the value of column col of row row (0-based) with sqlite3_result_*; a string or
 * blob given SQLITE_STATIC must outlive nv_store_rows_run. An error set with
 * sqlite3_result_error* (or sqlite3_result_error_nomem) ends the statement with it. */
typedef void (*nv_store_rows_column_fn)(sqlite3_context *ctx, void *src, size_t row, int col);

/* Runs sql — a statement reading nv_rows, such as INSERT INTO t (a, b) SELECT c0, c1
 * FROM nv_rows — over n rows whose values column gives; nv_rows exists on db for that
 * statement only. Returns SQLITE_OK or the statement's error code (the connection's
 * message says what); *at (may be NULL) gets the row being read when it stopped: n when
 * every row was read. */
int nv_store_rows_run(sqlite3 *db, const char *sql, size_t n, nv_store_rows_column_fn column, void *src, size_t *at);

#endif
