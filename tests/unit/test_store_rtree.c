/* store_rtree: an R*Tree packed in one pass must be one SQLite accepts (rtreecheck) and
 * answers like one filled row by row, at every size: empty, one leaf (the root), exactly
 * full levels, and three levels; the same points in any order give the same bytes, and
 * so does the tree packed in a thread of its own and written afterwards, and the points
 * read through a function among rows without a point (store.c's way). */
#include "nv_test.h"
#include "nv_test_sql.h"
#include "store_rtree.h"

#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t rng = 2463534242u;
static double uniform(double lo, double hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

/* The points read through a function (store.c's way), from the rows of a table of which
 * some have no point (NaN or infinite coordinates: left out). */
static void every_other_point(void *src, size_t i, nv_store_rtree_point *out)
{
    const nv_store_rtree_point *p = src;
    if (i % 2)
        *out = (nv_store_rtree_point){i % 4 == 1 ? NAN : 1.0, i % 4 == 3 ? INFINITY : NAN, -7};
    else
        *out = p[i / 2];
}

typedef struct pack_job {
    nv_store_rtree_point *p;
    size_t n;
    int from; /* through every_other_point, not the array */
    int size;
    nv_store_rtree *tree;
} pack_job;

static void *pack_main(void *arg)
{
    pack_job *j = arg;
    j->tree = j->from ? nv_store_rtree_pack_from(2 * j->n, every_other_point, j->p, j->size)
                      : nv_store_rtree_pack(j->p, j->n, j->size);
    return NULL;
}

/* The steps of nv_store_rtree_load, the packing in another thread (store.c's way), from
 * the array or (from) through a function. */
static int load_in_steps(sqlite3 *db, const char *name, nv_store_rtree_point *p, size_t n, int from)
{
    pack_job j = {p, n, from, 0, NULL};
    pthread_t t;
    int rc = nv_store_rtree_node_size(db, name, &j.size);
    if (rc != SQLITE_OK)
        return rc;
    if (pthread_create(&t, NULL, pack_main, &j) != 0)
        return SQLITE_ERROR;
    pthread_join(t, NULL);
    if (!j.tree)
        return SQLITE_NOMEM;
    rc = nv_store_rtree_write(db, name, j.tree);
    nv_store_rtree_free(j.tree);
    return rc;
}

/* A tree of n points in a fresh in-memory database, loaded by the module and, beside it,
 * row by row through the virtual table; compares the two on windows. Returns a digest
 * of the packed tree's nodes, for the determinism check. */
/* Point i's rowid: i * step + 1; step RUNS: runs of 3 rowids with gaps of one; step
 * FAR_RUNS: runs of 4 rowids, 10,007 apart. */
enum { RUNS = -1, FAR_RUNS = -2 };
static sqlite3_int64 rowid_at(size_t i, sqlite3_int64 step)
{
    sqlite3_int64 k = (sqlite3_int64)i;
    if (step == RUNS)
        return k + k / 3 + 1;
    if (step == FAR_RUNS)
        return k / 4 * 10007 + k % 4 + 1;
    return k * step + 1;
}

static char *check_size(size_t n, int shuffled, int in_steps, sqlite3_int64 step)
{
    sqlite3 *db = NULL;
    NV_CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    NV_CHECK_INT(sqlite3_exec(db, "CREATE VIRTUAL TABLE packed USING rtree(pkid, xmin, xmax, ymin, ymax);"
                                  "CREATE VIRTUAL TABLE rows USING rtree(pkid, xmin, xmax, ymin, ymax);",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    nv_store_rtree_point *p = malloc((n ? n : 1) * sizeof *p);
    sqlite3_stmt *ins = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO rows VALUES (?1, ?2, ?2, ?3, ?3)", -1, &ins, NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        /* Sweden-sized metres, with repeated points and ties on x and y */
        double x = i % 7 == 0 && i ? p[i - 1].x : uniform(260000, 920000);
        double y = i % 11 == 0 && i ? p[i - 1].y : uniform(6130000, 7680000);
        p[i] = (nv_store_rtree_point){x, y, rowid_at(i, step)};
        sqlite3_bind_int64(ins, 1, rowid_at(i, step));
        sqlite3_bind_double(ins, 2, x);
        sqlite3_bind_double(ins, 3, y);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (shuffled)
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)uniform(0, (double)i);
            nv_store_rtree_point t = p[i - 1];
            p[i - 1] = p[j < i ? j : i - 1];
            p[j < i ? j : i - 1] = t;
        }
    NV_CHECK_INT(in_steps ? load_in_steps(db, "packed", p, n, in_steps == 2) : nv_store_rtree_load(db, "packed", p, n),
                 SQLITE_OK);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    char *ok = nv_test_sql_text(db, "SELECT rtreecheck('packed')");
    NV_CHECK_STR(ok, "ok");
    sqlite3_free(ok);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM packed"), (long)n);
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM packed_rowid"), (long)n);
    int differ = 0;
    for (int w = 0; w < 40; w++) {
        double x0 = uniform(200000, 900000), y0 = uniform(6100000, 7600000), s = uniform(1000, 300000);
        char *sql = sqlite3_mprintf("SELECT (SELECT count(*) || ':' || total(pkid) FROM packed WHERE xmin >= %.17g AND "
                                    "xmax <= %.17g AND ymin >= %.17g AND ymax <= %.17g) = (SELECT count(*) || ':' || "
                                    "total(pkid) FROM rows WHERE xmin >= %.17g AND xmax <= %.17g AND ymin >= %.17g AND "
                                    "ymax <= %.17g)",
                                    x0, x0 + s, y0, y0 + s, x0, x0 + s, y0, y0 + s);
        differ += nv_test_sql_long(db, sql) != 1;
        sqlite3_free(sql);
    }
    NV_CHECK_INT(differ, 0);
    /* Every entry's box is the one the virtual table stores for the same point. */
    NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM packed p JOIN rows r USING (pkid) WHERE "
                                      "p.xmin <> r.xmin OR p.xmax <> r.xmax OR p.ymin <> r.ymin OR p.ymax <> r.ymax"),
                 0);
    /* A tree filled in one pass takes later inserts and deletes as any other. */
    NV_CHECK_INT(sqlite3_exec(db, "INSERT INTO packed VALUES (999999999, 500000, 500000, 6500000, 6500000);"
                                  "DELETE FROM packed WHERE pkid % 3 = 0",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    ok = nv_test_sql_text(db, "SELECT rtreecheck('packed')");
    NV_CHECK_STR(ok, "ok");
    sqlite3_free(ok);
    char *digest = nv_test_sql_text(db, "SELECT (SELECT group_concat(hex(data), '') FROM (SELECT data FROM "
                                        "packed_node ORDER BY nodeno)) || ':' || (SELECT group_concat(rowid || '-' || "
                                        "nodeno) FROM packed_rowid) || ':' || (SELECT group_concat(nodeno || '-' || "
                                        "parentnode) FROM packed_parent)");
    sqlite3_close(db);
    free(p);
    return digest;
}

int main(void)
{
    /* 51 cells a node at SQLite's default page size: 51 is one leaf, 51 * 51 two full levels */
    size_t sizes[] = {0, 1, 2, 50, 51, 52, 2601, 2602, 20000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint64_t seed = rng;
        char *a = check_size(sizes[i], 0, 0, 1);
        rng = seed;
        char *b = check_size(sizes[i], 1, 0, 1);
        rng = seed;
        char *c = check_size(sizes[i], 0, 1, 1);
        rng = seed;
        char *d = check_size(sizes[i], 1, 2, 1);
        NV_CHECK(a && b && strcmp(a, b) == 0); /* the same points in another order: the same tree */
        NV_CHECK(a && c && strcmp(a, c) == 0); /* packed in a thread, written later: the same tree */
        NV_CHECK(a && d && strcmp(a, d) == 0); /* read through a function, rows without points among them */
        if (!a || !b || !c || !d || strcmp(a, b) != 0 || strcmp(a, c) != 0 || strcmp(a, d) != 0)
            fprintf(stderr, "differs at %zu points\n", sizes[i]);
        sqlite3_free(a);
        sqlite3_free(b);
        sqlite3_free(c);
        sqlite3_free(d);
    }
    /* Rowids with gaps (a table whose rejected rows have no point): mapped, the gaps not
     * written. */
    sqlite3_free(check_size(20000, 1, 0, 2));
    /* Rowids far apart (not a table's fids): the leaves' rows sorted rather than mapped. */
    sqlite3_free(check_size(20000, 1, 0, 10007));
    /* Runs of rowids, whose rows after the first of each are left to SQLite to number,
     * between gaps: mapped, and sorted. */
    sqlite3_free(check_size(20000, 1, 0, RUNS));
    sqlite3_free(check_size(20000, 1, 0, FAR_RUNS));
    return nv_test_report("store_rtree");
}
