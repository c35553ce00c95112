/* storerows.c — rows held in memory as the virtual table nv_rows (storerows.h). */
#include "storerows.h"

#include <stdlib.h>
#include <string.h>

/* The rows of the statement running. */
typedef struct nv_store_rows {
    size_t n;
    nv_store_rows_column_fn column;
    void *src;
    size_t at; /* the row last read */
} nv_store_rows;

typedef struct rows_vtab {
    sqlite3_vtab base;
    nv_store_rows *rows;
} rows_vtab;

typedef struct rows_cursor {
    sqlite3_vtab_cursor base;
    size_t row;
} rows_cursor;

/* The table's columns, NV_STORE_ROWS_MAX_COLUMNS of them. */
static const char rows_schema[] = "CREATE TABLE x(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14,"
                                  " c15, c16, c17, c18, c19, c20, c21, c22, c23, c24, c25, c26, c27, c28, c29,"
                                  " c30, c31)";

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
    (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, rows_schema);
    if (rc != SQLITE_OK)
        return rc;
    rows_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->rows = aux;
    *out = &v->base;
    return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

/* One plan: every row, in order; nothing to filter on. */
static int rows_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    const rows_vtab *rv = (const rows_vtab *)v;
    info->estimatedCost = (double)rv->rows->n + 1;
    info->estimatedRows = (sqlite3_int64)rv->rows->n;
    return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    (void)v;
    rows_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static nv_store_rows *rows_of(sqlite3_vtab_cursor *c)
{
    return ((rows_vtab *)c->pVtab)->rows;
}

static int rows_filter(sqlite3_vtab_cursor *c, int idx, const char *idx_str, int argc, sqlite3_value **argv)
{
    (void)idx, (void)idx_str, (void)argc, (void)argv;
    ((rows_cursor *)c)->row = 0;
    rows_of(c)->at = 0;
    return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *c)
{
    rows_of(c)->at = ++((rows_cursor *)c)->row;
    return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *c)
{
    return ((rows_cursor *)c)->row >= rows_of(c)->n;
}

static int rows_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
    nv_store_rows *r = rows_of(c);
    r->column(ctx, r->src, ((rows_cursor *)c)->row, col);
    return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((rows_cursor *)c)->row;
    return SQLITE_OK;
}

/* Eponymous only (no xCreate): the table is the module's name, made on first use, never
 * stored. */
static const sqlite3_module rows_module = {
    .iVersion = 0,
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

int nv_store_rows_run(sqlite3 *db, const char *sql, size_t n, nv_store_rows_column_fn column, void *src, size_t *at)
{
    nv_store_rows r = {n, column, src, 0};
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_create_module_v2(db, "nv_rows", &rows_module, &r, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) == SQLITE_OK) {
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        /* A failing step is repeated by finalize; the message stays the step's. */
        if (sqlite3_finalize(st) != SQLITE_OK && rc == SQLITE_OK)
            rc = sqlite3_errcode(db);
    }
    /* The module goes (a NULL module unregisters the name), and with it the table. */
    sqlite3_create_module_v2(db, "nv_rows", NULL, NULL, NULL);
    if (at)
        *at = rc == SQLITE_OK ? n : r.at;
    return rc;
}
