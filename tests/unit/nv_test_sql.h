/* nv_test_sql.h — one-value queries for the unit tests that look into an SQLite
 * database. */
#ifndef NV_TEST_SQL_H
#define NV_TEST_SQL_H

#include <sqlite3.h>

/* The first column of the first row as an integer; -1 when the query fails or has no row. */
static inline long nv_test_sql_long(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The same as text, for sqlite3_free; NULL when the query fails or has no row. */
static inline char *nv_test_sql_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

#endif
