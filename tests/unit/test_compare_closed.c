/* test_compare_closed.c — which offices of the before plan compare.sqlite marks closed,
 * against the rule checked row by row: a before row with a point is closed when no after
 * row with a point, of whatever type, lies within NV_STORE_CLOSED_WITHIN_M (squared
 * distance <= R², as the SQL that marked them computed it); every other row is not.
 * The store once found them with a correlated NOT EXISTS over the after plan, which took
 * minutes for plans of 20,000 rows; the search that replaced it must give the same flags,
 * on the radius and one rounding step either side of it included. */
#include "store.h"
#include "nv_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

static char dir[] = "/tmp/nv_test_compare_closed_XXXXXX";

#define R NV_STORE_CLOSED_WITHIN_M

/* A fixed-seed generator (splitmix64): the same plans on every machine. */
static uint64_t seed = 20240611;

static double uniform(void)
{
    uint64_t z = (seed += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0; /* [0, 1) */
}

static const char *const types[] = {"staffed", "booked", "cooperation", "service point"};

typedef struct plan {
    nv_office_result *o;
    size_t n, cap;
    const char *source;
} plan;

static nv_office_result *add(plan *p, double x, double y)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 1024;
        nv_office_result *grown = realloc(p->o, cap * sizeof *grown);
        if (!grown)
            return NULL;
        p->o = grown;
        p->cap = cap;
    }
    nv_office_result *o = &p->o[p->n];
    size_t k = p->n++;
    int located = isfinite(x) && isfinite(y);
    *o = (nv_office_result){.source = p->source, .type = types[k % 4], .lat_deg = NAN, .lon_deg = NAN,
                            .x = x, .y = y, .snap_m = located ? 0.0 : NAN, .line = (int32_t)k + 2,
                            .status = located ? NV_OFFICE_PLACED : NV_OFFICE_REJECTED,
                            .placed_by = located ? NV_PLACED_BY_COORDINATES : NV_PLACED_BY_NONE,
                            .is_office = k % 4 < 2};
    return o;
}

/* The rule, one pair at a time. */
static int brute_closed(const nv_office_result *o, const plan *after)
{
    if (!isfinite(o->x) || !isfinite(o->y))
        return 0;
    for (size_t j = 0; j < after->n; j++) {
        const nv_office_result *a = &after->o[j];
        if (isfinite(a->x) && isfinite(a->y) &&
            (a->x - o->x) * (a->x - o->x) + (a->y - o->y) * (a->y - o->y) <= R * R)
            return 0;
    }
    return 1;
}

/* Writes compare.sqlite for the two plans (no municipalities: only the offices matter
 * here) and checks every row's closed against brute_closed; returns the number of before
 * rows closed, -1 when the file could not be written or read. */
static long check_plans(const char *name, const plan *before, const plan *after)
{
    static nv_change no_changes[1];
    static nv_compare_totals totals;
    static nv_run_summary summary = {.version = "test", .boundaries = "none", .layer = "none",
                                     .crs = "EPSG:3006", .srid = 3006};
    nv_store_comparison c = {.changes = no_changes, .n_changes = 0, .totals = &totals,
                             .offices_before = before->o, .n_offices_before = before->n,
                             .offices_after = after->o, .n_offices_after = after->n,
                             .before = &summary, .after = &summary};
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    nv_error e = {0};
    nv_status st = nv_store_write_changes(path, 3006, &c, &e);
    NV_CHECK_INT(st, NV_OK);
    if (st != NV_OK) {
        fprintf(stderr, "nv_store_write_changes: %s: %s\n", e.path, e.message);
        return -1;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long closed = 0, rows = 0, wrong = 0;
    NV_CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    NV_CHECK_INT(sqlite3_prepare_v2(db, "SELECT fid, plan, closed FROM offices ORDER BY fid", -1, &q, NULL),
                 SQLITE_OK);
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        sqlite3_int64 fid = sqlite3_column_int64(q, 0);
        const char *plan_word = (const char *)sqlite3_column_text(q, 1);
        int is_before = fid >= 1 && (size_t)fid <= before->n;
        int want = is_before ? brute_closed(&before->o[fid - 1], after) : 0;
        int null_flag = sqlite3_column_type(q, 2) == SQLITE_NULL;
        int got = sqlite3_column_int(q, 2);
        rows++;
        closed += is_before && got == 1;
        if (null_flag || got != want || !plan_word || strcmp(plan_word, is_before ? "before" : "after") != 0) {
            if (wrong++ < 10)
                fprintf(stderr, "%s: fid %lld (%s): closed %s, expected %d\n", name, (long long)fid,
                        plan_word ? plan_word : "no plan", null_flag ? "NULL" : got ? "1" : "0", want);
        }
    }
    NV_CHECK_INT(wrong, 0);
    NV_CHECK_INT(rows, (long)(before->n + after->n));
    sqlite3_finalize(q);
    NV_CHECK_INT(sqlite3_close(db), SQLITE_OK);
    unlink(path);
    return wrong ? -1 : closed;
}

/* Two plans of a few thousand rows: random points over a 100 km square (half on whole
 * metres, half not), duplicates of both plans' points, rows without a point or with only
 * half of one, and a line of after points far off with before points on the radius,
 * one rounding step inside and outside it. */
static void test_compare_closed_matches_brute_force(void)
{
    plan before = {.source = "before.csv"}, after = {.source = "after.csv"};
    int oom = 0;
    const double x0 = 500000, y0 = 6500000;
    for (int i = 0; i < 3000 && !oom; i++) {
        double x = x0 + 100000 * uniform(), y = y0 + 100000 * uniform();
        if (i % 2)
            x = floor(x), y = floor(y);
        oom |= !add(&after, x, y);
        if (i % 50 == 0) /* the same point twice */
            oom |= !add(&after, x, y);
    }
    for (int i = 0; i < 3000 && !oom; i++) {
        double x = x0 + 100000 * uniform(), y = y0 + 100000 * uniform();
        oom |= !add(&before, x, y);
        if (i % 40 == 0) /* a duplicate */
            oom |= !add(&before, x, y);
        if (i % 70 == 0) /* standing on an after point */
            oom |= !add(&before, after.o[(size_t)i % after.n].x, after.o[(size_t)i % after.n].y);
    }
    /* Rows of no point, and of half of one (NULL geometry): never closed, never counted. */
    for (int i = 0; i < 40 && !oom; i++) {
        double x = x0 + 100000 * uniform(), y = y0 + 100000 * uniform();
        oom |= !add(&before, NAN, NAN) || !add(&after, NAN, NAN);
        oom |= !add(&before, x, NAN) || !add(&after, NAN, y);
        /* an after row with only x, where a before row stands: it does not count */
        oom |= !add(&before, x + 5000, y) || !add(&after, x + 5000, NAN);
    }
    /* On the radius, 10 km apart so that each before point has one after point near. */
    size_t edge_from = before.n;
    for (int k = 0; k < 100 && !oom; k++) {
        double ax = 800000 + 10000 * k, ay = 7000000;
        oom |= !add(&after, ax, ay);
        oom |= !add(&before, ax + R, ay);                          /* on it: open */
        oom |= !add(&before, nextafter(ax + R, 0), ay);            /* inside: open */
        oom |= !add(&before, nextafter(ax + R, INFINITY), ay);     /* outside: closed */
        oom |= !add(&before, ax + 3 * R / 5, ay - 4 * R / 5);      /* on it, diagonally: open */
        oom |= !add(&before, ax + 3 * R / 5, nextafter(ay - 4 * R / 5, 0)); /* outside: closed */
        oom |= !add(&before, ax, nextafter(ay + R, 0));            /* inside: open */
        oom |= !add(&before, ax + 0.37, nextafter(ay + R + 0.11, INFINITY)); /* as it rounds */
    }
    NV_CHECK(!oom);
    if (!oom) {
        /* The fixture reaches both sides of the radius. */
        size_t on = 0, outside = 0;
        for (size_t i = edge_from; i < before.n; i += 7) {
            on += !brute_closed(&before.o[i], &after);
            outside += brute_closed(&before.o[i + 2], &after);
        }
        NV_CHECK_INT(on, 100);
        NV_CHECK_INT(outside, 100);
        long closed = check_plans("random.sqlite", &before, &after);
        NV_CHECK(closed > 500 && closed < (long)before.n - 500); /* both kinds, many of each */

        /* An after plan with no point at all: every before row with one is closed. */
        plan nowhere = {.source = "after.csv"};
        long located = 0;
        for (size_t i = 0; i < before.n; i++)
            located += isfinite(before.o[i].x) && isfinite(before.o[i].y);
        NV_CHECK(add(&nowhere, NAN, NAN) != NULL);
        NV_CHECK_INT(check_plans("nowhere.sqlite", &before, &nowhere), located);
        free(nowhere.o);
    }
    free(before.o);
    free(after.o);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_compare_closed_matches_brute_force();
    rmdir(dir);
    return nv_test_report("test_compare_closed");
}
