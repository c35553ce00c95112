/* storerows: rows inserted by one INSERT … SELECT FROM nv_rows must be the rows given —
 * every type, in row order, NULLs kept, a WHERE on the columns honoured — as if each had
 * been inserted with its own statement; a failure names the row it stopped at and leaves
 * the rows before it; an error set by the column function ends the statement with its
 * message; and the table is gone once the statement is done. */
#include "nv_test.h"
#include "nv_test_sql.h"
#include "storerows.h"

#include <sqlite3.h>
#include <stdlib.h>

/* Row i: c0 = i * 10 (the id), c1 = "name i" (NULL every 4th), c2 = i / 4.0, c3 a
 * 3-byte blob, c4 NULL on odd rows; the row fail_at (if any) gets an error. */
typedef struct src {
    char names[100][16];
    size_t fail_at;
    size_t asked;
} src;

static void column(sqlite3_context *ctx, void *user, size_t row, int col)
{
    src *s = user;
    static const unsigned char blob[3] = {0x00, 0xFE, 0x7C};
    s->asked++;
    if (row == s->fail_at) {
        sqlite3_result_error(ctx, "row refused by its source", -1);
        return;
    }
    switch (col) {
    case 0: sqlite3_result_int64(ctx, (sqlite3_int64)row * 10); break;
    case 1:
        if (row % 4 == 3)
            sqlite3_result_null(ctx);
        else
            sqlite3_result_text(ctx, s->names[row], -1, SQLITE_STATIC);
        break;
    case 2: sqlite3_result_double(ctx, (double)row / 4.0); break;
    case 3: sqlite3_result_blob(ctx, blob, 3, SQLITE_STATIC); break;
    default:
        if (row % 2)
            sqlite3_result_null(ctx);
        else
            sqlite3_result_int(ctx, 1);
    }
}

int main(void)
{
    sqlite3 *db = NULL;
    src s = {.fail_at = (size_t)-1};
    for (size_t i = 0; i < 100; i++)
        snprintf(s.names[i], sizeof s.names[i], "name %zu", i);
    NV_CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    NV_CHECK_INT(sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v REAL, b BLOB, flag INTEGER);"
                                  "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT);",
                              NULL, NULL, NULL),
                 SQLITE_OK);

    /* Every row, every type, in order. */
    size_t at = 12345;
    NV_CHECK_INT(nv_store_rows_run(db, "INSERT INTO t (id, name, v, b, flag) SELECT c0, c1, c2, c3, c4 FROM nv_rows",
                                   100, column, &s, &at),
                 SQLITE_OK);
    NV_CHECK_INT(at, 100);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM t"), 100);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM t WHERE name IS NULL"), 25);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM t WHERE flag IS NULL"), 50);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM t WHERE name = 'name ' || (id / 10) AND "
                                      "v = (id / 10) / 4.0 AND hex(b) = '00FE7C' AND typeof(v) = 'real'"),
                 75);
    /* In row order: rowids follow the rows, and the last row is row 99. */
    char *order = nv_test_sql_text(db, "SELECT group_concat(id) FROM (SELECT id FROM t ORDER BY rowid LIMIT 4)");
    NV_CHECK_STR(order, "0,10,20,30");
    sqlite3_free(order);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT max(id) FROM t"), 990);

    /* The table exists for its statement only. */
    sqlite3_stmt *st = NULL;
    NV_CHECK(sqlite3_prepare_v2(db, "SELECT count(*) FROM nv_rows", -1, &st, NULL) != SQLITE_OK);
    sqlite3_finalize(st);

    /* A WHERE on the columns: only the rows it keeps. */
    NV_CHECK_INT(nv_store_rows_run(db, "INSERT INTO u (id, name) SELECT c0, c1 FROM nv_rows WHERE c1 IS NOT NULL",
                                   100, column, &s, NULL),
                 SQLITE_OK);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM u"), 75);

    /* A constraint failing at row 40 (id 400 is in t already for the second run: start
     * from rows whose ids collide at 40): the error, and the row it stopped at. */
    NV_CHECK_INT(sqlite3_exec(db, "DELETE FROM u; INSERT INTO u (id, name) VALUES (400, 'taken')", NULL, NULL, NULL),
                 SQLITE_OK);
    NV_CHECK_INT(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    NV_CHECK_INT(nv_store_rows_run(db, "INSERT INTO u (id, name) SELECT c0, c2 FROM nv_rows", 100, column, &s, &at),
                 SQLITE_CONSTRAINT);
    NV_CHECK_INT(at, 40);
    NV_CHECK_CONTAINS(sqlite3_errmsg(db), "UNIQUE constraint failed: u.id");
    NV_CHECK_INT(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);

    /* An error of the source at row 7 ends the statement with its message. */
    s.fail_at = 7;
    NV_CHECK_INT(nv_store_rows_run(db, "INSERT INTO u (id, name) SELECT c0 + 10000, c1 FROM nv_rows", 100, column, &s,
                                   &at),
                 SQLITE_ERROR);
    NV_CHECK_INT(at, 7);
    NV_CHECK_CONTAINS(sqlite3_errmsg(db), "row refused by its source");
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM u WHERE id >= 10000"), 0); /* the statement is undone */

    /* No rows: nothing asked, nothing stored. */
    s.asked = 0;
    NV_CHECK_INT(nv_store_rows_run(db, "INSERT INTO u (id, name) SELECT c0, c1 FROM nv_rows", 0, column, &s, &at),
                 SQLITE_OK);
    NV_CHECK_INT(at, 0);
    NV_CHECK_INT(s.asked, 0);
    sqlite3_close(db);
    return nv_test_report("storerows");
}
