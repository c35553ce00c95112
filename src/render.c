/* render.c — maps from narvaro.sqlite with cairo and pango.
 *
 * Three parts: reading the database (plain SQLite; the SpatiaLite geometry blobs are
 * parsed here, which spares loading libspatialite for a read), classifying values, and
 * drawing. Drawing works in page points; a PNG surface is scaled by dpi/72, so the
 * layout is the same on every surface and at every resolution. Text goes through one
 * PangoContext whose font options switch hinting off: glyph metrics then do not depend
 * on the surface or its scale, and a map looks the same on every machine that has the
 * DejaVu fonts. */
#include "render.h"

#include "compare.h"
#include "results.h"
#include "textin.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <sqlite3.h>
#include <zlib.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FONT_FAMILY "DejaVu Sans"
#define MM (72.0 / 25.4) /* points per millimetre */

/* ======================================================================== data */

typedef struct ring {
    size_t pt0, npts;          /* into nv_map_data.xy, as x, y pairs */
} ring;

typedef struct muni {
    char *kommunkod, *namn, *lanskod;
    int offices;
    int presence;              /* nv_presence_rank */
    double nearest_km;         /* NAN: no office anywhere */
    double rep_x, rep_y;
    double area_km2;
    double bbox[4];            /* min x, min y, max x, max y */
    size_t ring0, nrings;
    int county;                /* index into nv_map_data.c */
    /* A comparison's: the change class (an nv_change_class, -1 for a single run) and the
     * figures of the before plan (the fields above are the after plan's). */
    int change;
    int presence_before, offices_before;
    double nearest_km_before;
    /* A single run's population figures (NAN where the run has none): people, people with
     * an office within nv_map_data.radii_km[r], the weighted mean and the longest distance. */
    double population, within[NV_MAX_RADII], mean_km, max_km;
} muni;

enum { N_TYPES = 4 };          /* office symbols: staffed, booked, other, closed */

typedef struct office {
    double x, y;
    int type;                  /* 0 staffed, 1 booked, 2 any other type word; 3 closed: an
                                * office of a comparison's before plan that the after plan drops */
    int county;                /* -1 when the municipality is unknown */
} office;

typedef struct county {
    char *lanskod, *namn;
    double bbox[4];
    int municipalities;
} county;

struct nv_map_data {
    char *path;
    muni *m;
    size_t nm;
    ring *rings;
    size_t nrings, cap_rings;
    double *xy;
    size_t npts, cap_pts;
    office *o;
    size_t no;
    county *c;
    size_t nc;
    unsigned char *edge;       /* per point: flags of the segment from it to the next point */
    double bbox[4];
    char *boundaries, *office_files, *crs, *version;
    int illustrative;
    /* From a comparison (compare.sqlite): o holds the after plan's offices and the closed
     * ones, ob the before plan's; office_files and illustrative above are the after plan's. */
    int compare;
    office *ob;
    size_t nob;
    char *office_files_before;
    int illustrative_before;
    /* A single run's population figures (the columns of store.c), when it has them. */
    int has_population;
    int population_municipal;  /* municipal totals at representative points, not demand points */
    double radii_km[NV_MAX_RADII];
    size_t n_radii;
};

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static double real_col(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

void nv_render_data_destroy(nv_map_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nm; i++) {
        free(d->m[i].kommunkod);
        free(d->m[i].namn);
        free(d->m[i].lanskod);
    }
    for (size_t i = 0; i < d->nc; i++) {
        free(d->c[i].lanskod);
        free(d->c[i].namn);
    }
    free(d->m);
    free(d->rings);
    free(d->xy);
    free(d->o);
    free(d->ob);
    free(d->office_files_before);
    free(d->c);
    free(d->edge);
    free(d->boundaries);
    free(d->office_files);
    free(d->crs);
    free(d->version);
    free(d->path);
    free(d);
}

size_t nv_render_county_count(const nv_map_data *d)
{
    return d ? d->nc : 0;
}

const char *nv_render_county_code(const nv_map_data *d, size_t i)
{
    return d && i < d->nc ? d->c[i].lanskod : NULL;
}

/* ---- SpatiaLite geometry blobs ----
 * Layout (https://www.gaia-gis.it/gaia-sins/BLOB-Geometry.html): 0x00, byte order
 * (1 little, 0 big endian), SRID int32, MBR 4 doubles, 0x7C, class int32, the body,
 * 0xFE. A Polygon body is a ring count and rings (point count, points); a MultiPolygon
 * body is a count of 0x69-marked entities, each a class int32 and a Polygon body.
 * Compressed classes (1000000 and up) are not read: narvaro never writes them. */
typedef struct reader {
    const unsigned char *p;
    size_t n, off;
    int little;
} reader;

static int rd_u32(reader *r, uint32_t *v)
{
    if (r->n - r->off < 4)
        return -1;
    const unsigned char *b = r->p + r->off;
    *v = r->little ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
                   : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
    r->off += 4;
    return 0;
}

static double rd_f64_at(const reader *r, size_t off)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)r->p[off + (size_t)(r->little ? i : 7 - i)] << (8 * i);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *a = realloc(*arr, c * elem);
    if (!a)
        return -1;
    *arr = a;
    *cap = c;
    return 0;
}

/* Appends one Polygon body's rings; dims is the number of coordinates per point. */
static const char *read_polygon(nv_map_data *d, muni *m, reader *r, size_t dims)
{
    uint32_t nr, np;
    if (rd_u32(r, &nr) != 0 || nr > r->n)
        return "truncated polygon";
    for (uint32_t i = 0; i < nr; i++) {
        if (rd_u32(r, &np) != 0 || (size_t)np > (r->n - r->off) / (8 * dims))
            return "truncated ring";
        if (grow((void **)&d->rings, &d->cap_rings, d->nrings + 1, sizeof *d->rings) != 0 ||
            grow((void **)&d->xy, &d->cap_pts, 2 * (d->npts + np), sizeof *d->xy) != 0)
            return "out of memory";
        d->rings[d->nrings++] = (ring){d->npts, np};
        m->nrings++;
        for (uint32_t k = 0; k < np; k++) {
            double x = rd_f64_at(r, r->off), y = rd_f64_at(r, r->off + 8);
            r->off += 8 * dims;
            d->xy[2 * d->npts] = x;
            d->xy[2 * d->npts + 1] = y;
            d->npts++;
            if (x < m->bbox[0]) m->bbox[0] = x;
            if (y < m->bbox[1]) m->bbox[1] = y;
            if (x > m->bbox[2]) m->bbox[2] = x;
            if (y > m->bbox[3]) m->bbox[3] = y;
        }
    }
    return NULL;
}

/* Returns NULL on success, else what is wrong. */
static const char *read_blob(nv_map_data *d, muni *m, const unsigned char *b, size_t n)
{
    if (!b || n < 45 || b[0] != 0x00 || b[38] != 0x7c || b[n - 1] != 0xfe || (b[1] != 0 && b[1] != 1))
        return "not a SpatiaLite geometry";
    reader r = {b, n - 1, 39, b[1] == 1};
    uint32_t cls;
    rd_u32(&r, &cls);
    if (cls >= 1000000)
        return "a compressed geometry (narvaro writes plain ones; re-run narvaro analyze)";
    size_t dims = (size_t[]){2, 3, 3, 4}[cls / 1000 < 4 ? cls / 1000 : 0];
    m->ring0 = d->nrings;
    m->nrings = 0;
    m->bbox[0] = m->bbox[1] = INFINITY;
    m->bbox[2] = m->bbox[3] = -INFINITY;
    if (cls % 1000 == 3 && cls < 4000)
        return read_polygon(d, m, &r, dims);
    if (cls % 1000 != 6 || cls >= 4000)
        return "not a polygon or multipolygon";
    uint32_t np;
    if (rd_u32(&r, &np) != 0)
        return "truncated multipolygon";
    for (uint32_t i = 0; i < np; i++) {
        uint32_t inner;
        if (r.off >= r.n || r.p[r.off] != 0x69)
            return "bad multipolygon entity";
        r.off++;
        if (rd_u32(&r, &inner) != 0 || inner % 1000 != 3)
            return "bad multipolygon entity";
        const char *why = read_polygon(d, m, &r, dims);
        if (why)
            return why;
    }
    return NULL;
}

/* ---- the edge network ----
 * Every segment of every ring gets flags: EDGE_OWNED on the first ring that holds it,
 * so that an edge two municipalities share is stroked once, and EDGE_BORDER when it
 * is a county border (the polygon on its other side belongs to another county) or part
 * of the outline (no polygon shares it). Shared edges are found by hashing segments on
 * their exact end points: the boundaries are simplified with shared arcs (mapshaper),
 * so neighbours hold identical vertices. */
enum { EDGE_OWNED = 1, EDGE_BORDER = 2 };

static uint64_t mix(uint64_t h, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    h ^= u;
    h *= 0x100000001b3ull;
    h ^= h >> 29;
    return h;
}

typedef struct seg {
    double x1, y1, x2, y2;
    int county, count, differ;
} seg;

/* The slot of the segment a-b in the table (its own or the empty one it would take). */
static size_t seg_slot(const seg *tab, size_t cap, const double *a, const double *b, double *key)
{
    double x1 = a[0], y1 = a[1], x2 = b[0], y2 = b[1];
    if (x2 < x1 || (x2 == x1 && y2 < y1)) {
        double t = x1; x1 = x2; x2 = t;
        t = y1; y1 = y2; y2 = t;
    }
    key[0] = x1, key[1] = y1, key[2] = x2, key[3] = y2;
    uint64_t h = mix(mix(mix(mix(0xcbf29ce484222325ull, x1), y1), x2), y2);
    size_t at = (size_t)h & (cap - 1);
    while (tab[at].count && !(tab[at].x1 == x1 && tab[at].y1 == y1 && tab[at].x2 == x2 && tab[at].y2 == y2))
        at = (at + 1) & (cap - 1);
    return at;
}

static int find_edges(nv_map_data *d)
{
    size_t nseg = 0;
    for (size_t i = 0; i < d->nrings; i++)
        nseg += d->rings[i].npts > 1 ? d->rings[i].npts - 1 : 0;
    size_t cap = 1024;
    while (cap < 2 * nseg)
        cap *= 2;
    seg *tab = calloc(cap, sizeof *tab);
    d->edge = calloc(d->npts ? d->npts : 1, 1);
    if (!tab || !d->edge) {
        free(tab);
        return -1;
    }
    double key[4];
    for (int pass = 0; pass < 2; pass++)
        for (size_t mi = 0; mi < d->nm; mi++) {
            const muni *m = &d->m[mi];
            for (size_t ri = m->ring0; ri < m->ring0 + m->nrings; ri++) {
                size_t pt0 = d->rings[ri].pt0;
                for (size_t k = 0; k + 1 < d->rings[ri].npts; k++) {
                    const double *p = d->xy + 2 * (pt0 + k);
                    if (p[0] == p[2] && p[1] == p[3])
                        continue;
                    seg *s = &tab[seg_slot(tab, cap, p, p + 2, key)];
                    if (pass == 1) { /* counts are final: mark borders */
                        if (s->count == 1 || s->differ)
                            d->edge[pt0 + k] |= EDGE_BORDER;
                        continue;
                    }
                    if (!s->count) {
                        *s = (seg){key[0], key[1], key[2], key[3], m->county, 0, 0};
                        d->edge[pt0 + k] |= EDGE_OWNED;
                    } else if (s->county != m->county) {
                        s->differ = 1;
                    }
                    s->count++;
                }
            }
        }
    free(tab);
    return 0;
}

static int compare_muni(const void *a, const void *b)
{
    return strcmp(((const muni *)a)->kommunkod, ((const muni *)b)->kommunkod);
}

static int find_muni(const nv_map_data *d, const char *code)
{
    if (!code)
        return -1;
    muni key = {.kommunkod = (char *)code};
    const muni *m = bsearch(&key, d->m, d->nm, sizeof *d->m, compare_muni);
    return m ? (int)(m - d->m) : -1;
}

static int find_county(const nv_map_data *d, const char *code)
{
    for (size_t i = 0; code && i < d->nc; i++)
        if (strcmp(d->c[i].lanskod, code) == 0)
            return (int)i;
    return -1;
}

static nv_status db_fail(sqlite3 *db, const char *path, const char *what, nv_error *err)
{
    const char *msg = sqlite3_errmsg(db);
    nv_status code = strstr(msg, "no such table") || strstr(msg, "no such column") ||
                             sqlite3_errcode(db) == SQLITE_NOTADB ? NV_ERR_INPUT : NV_ERR_FAIL;
    return nv_error_set(err, code, path, 0, "%s: %s%s", what, msg,
                        code == NV_ERR_INPUT ? " (not a narvaro result: give the narvaro.sqlite that "
                                               "narvaro analyze wrote)" : "");
}

static int presence_rank(const char *pr)
{
    return !pr || strcmp(pr, "none") == 0 ? NV_PRESENCE_NONE
           : strcmp(pr, "staffed") == 0   ? NV_PRESENCE_STAFFED
           : strcmp(pr, "booked") == 0    ? NV_PRESENCE_BOOKED
                                          : NV_PRESENCE_OTHER;
}

static nv_status load_munis(nv_map_data *d, sqlite3 *db, nv_error *err)
{
    static const char sql[] =
        "SELECT kommunkod, namn, lanskod, offices, presence, nearest_office_km, rep_x, rep_y,"
        " area_km2, geom FROM municipalities WHERE geom IS NOT NULL";
    /* compare.sqlite: the after plan's figures in the same places, then the change and
     * the before plan's. */
    static const char sql_compare[] =
        "SELECT kommunkod, namn, lanskod, offices_after, presence_after, nearest_office_km_after, rep_x, rep_y,"
        " area_km2, geom, change, offices_before, presence_before, nearest_office_km_before"
        " FROM municipalities WHERE geom IS NOT NULL";
    sqlite3_stmt *st = NULL;
    nv_status status = NV_OK;
    size_t cap = 0;
    if (sqlite3_prepare_v2(db, d->compare ? sql_compare : sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, d->path, "reading municipalities", err);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow((void **)&d->m, &cap, d->nm + 1, sizeof *d->m) != 0) {
            status = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            break;
        }
        muni *m = &d->m[d->nm];
        memset(m, 0, sizeof *m);
        d->nm++;
        m->kommunkod = dup_col(st, 0);
        m->namn = dup_col(st, 1);
        m->lanskod = dup_col(st, 2);
        if (!m->kommunkod)
            m->kommunkod = strdup("");
        if (!m->lanskod)
            m->lanskod = strndup(m->kommunkod, 2);
        m->offices = sqlite3_column_int(st, 3);
        m->presence = presence_rank((const char *)sqlite3_column_text(st, 4));
        m->nearest_km = real_col(st, 5);
        m->change = -1;
        if (d->compare) {
            const char *ch = (const char *)sqlite3_column_text(st, 10);
            for (int k = NV_CHANGE_LOST_PRESENCE; ch && k <= NV_CHANGE_GAINED_PRESENCE; k++)
                if (strcmp(ch, nv_change_class_name((nv_change_class)k)) == 0)
                    m->change = k;
            m->offices_before = sqlite3_column_int(st, 11);
            m->presence_before = presence_rank((const char *)sqlite3_column_text(st, 12));
            m->nearest_km_before = real_col(st, 13);
        }
        m->rep_x = real_col(st, 6);
        m->rep_y = real_col(st, 7);
        m->area_km2 = real_col(st, 8);
        if (!m->kommunkod || !m->lanskod) {
            status = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            break;
        }
        if (d->compare && m->change < 0) {
            const char *ch = (const char *)sqlite3_column_text(st, 10);
            status = nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                                  "municipality %s: change '%s' is not a change class (lost_presence, longer, "
                                  "unchanged, shorter, gained_presence; write compare.sqlite with narvaro compare)",
                                  m->kommunkod, ch ? ch : "NULL");
            break;
        }
        const char *why = read_blob(d, m, sqlite3_column_blob(st, 9), (size_t)sqlite3_column_bytes(st, 9));
        if (why) {
            status = nv_error_set(err, strcmp(why, "out of memory") == 0 ? NV_ERR_FAIL : NV_ERR_INPUT, d->path, 0,
                                  "municipality %s: geometry is %s", m->kommunkod, why);
            break;
        }
        if (!isfinite(m->rep_x) || !isfinite(m->rep_y)) {
            m->rep_x = (m->bbox[0] + m->bbox[2]) / 2;
            m->rep_y = (m->bbox[1] + m->bbox[3]) / 2;
        }
    }
    if (status == NV_OK && rc != SQLITE_DONE)
        status = db_fail(db, d->path, "reading municipalities", err);
    sqlite3_finalize(st);
    if (status == NV_OK && d->nm == 0)
        status = nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                              "holds no municipalities with a geometry: nothing to draw");
    if (status == NV_OK)
        qsort(d->m, d->nm, sizeof *d->m, compare_muni);
    return status;
}

/* Counties are the distinct lanskod of the municipalities; names come from the counties
 * table where it has them. */
static nv_status load_counties(nv_map_data *d, sqlite3 *db, nv_error *err)
{
    d->c = calloc(d->nm, sizeof *d->c);
    if (!d->c)
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    for (size_t i = 0; i < d->nm; i++) {
        muni *m = &d->m[i];
        size_t k = 0;
        while (k < d->nc && strcmp(d->c[k].lanskod, m->lanskod) != 0)
            k++;
        if (k == d->nc) {
            d->c[k].lanskod = strdup(m->lanskod);
            if (!d->c[k].lanskod)
                return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            d->c[k].bbox[0] = d->c[k].bbox[1] = INFINITY;
            d->c[k].bbox[2] = d->c[k].bbox[3] = -INFINITY;
            d->nc++;
        }
        county *c = &d->c[k];
        c->municipalities++;
        for (int j = 0; j < 2; j++) {
            c->bbox[j] = fmin(c->bbox[j], m->bbox[j]);
            c->bbox[j + 2] = fmax(c->bbox[j + 2], m->bbox[j + 2]);
        }
    }
    /* Sorted by code; then each municipality learns its county's index. */
    for (size_t i = 1; i < d->nc; i++)
        for (size_t j = i; j > 0 && strcmp(d->c[j - 1].lanskod, d->c[j].lanskod) > 0; j--) {
            county t = d->c[j];
            d->c[j] = d->c[j - 1];
            d->c[j - 1] = t;
        }
    for (size_t i = 0; i < d->nm; i++)
        d->m[i].county = find_county(d, d->m[i].lanskod);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT lanskod, namn FROM counties", -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, d->path, "reading counties", err);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int k = find_county(d, (const char *)sqlite3_column_text(st, 0));
        if (k >= 0 && !d->c[k].namn && sqlite3_column_type(st, 1) != SQLITE_NULL)
            d->c[k].namn = dup_col(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, d->path, "reading counties", err);
    return NV_OK;
}

/* Appends the located offices that where (an SQL condition, or "1") selects to *arr;
 * as_closed gives them the type "closed". */
static nv_status load_offices(nv_map_data *d, sqlite3 *db, const char *where, int as_closed, office **arr,
                              size_t *n, nv_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT x, y, type, kommunkod FROM offices WHERE x IS NOT NULL AND y IS NOT NULL"
             " AND (status IS NULL OR status <> 'rejected') AND (%s) ORDER BY fid", where);
    sqlite3_stmt *st = NULL;
    size_t cap = *n;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, d->path, "reading offices", err);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow((void **)arr, &cap, *n + 1, sizeof **arr) != 0) {
            sqlite3_finalize(st);
            return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
        }
        office *o = &(*arr)[(*n)++];
        o->x = sqlite3_column_double(st, 0);
        o->y = sqlite3_column_double(st, 1);
        const char *type = (const char *)sqlite3_column_text(st, 2);
        o->type = type && strcmp(type, "staffed") == 0 ? 0 : type && strcmp(type, "booked") == 0 ? 1 : 2;
        if (as_closed)
            o->type = 3;
        int mi = find_muni(d, (const char *)sqlite3_column_text(st, 3));
        o->county = mi >= 0 ? d->m[mi].county : -1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, d->path, "reading offices", err);
    return NV_OK;
}

/* Whether a failed prepare means that a table or column is missing (an older file). */
static int missing_schema(sqlite3 *db)
{
    const char *msg = sqlite3_errmsg(db);
    return strstr(msg, "no such column") != NULL || strstr(msg, "no such table") != NULL;
}

/* A single run's population columns: population, population_within_<R>km for the radii
 * the runs table lists, mean_distance_km and max_distance_km. A file without them (from
 * before narvaro measured population) loads all the same: has_population stays 0, and
 * only a map that needs the figures fails (check_measure). A comparison's figures are not
 * read. */
static nv_status load_population(nv_map_data *d, sqlite3 *db, nv_error *err)
{
    for (size_t i = 0; i < d->nm; i++) {
        muni *m = &d->m[i];
        m->population = m->mean_km = m->max_km = NAN;
        for (size_t r = 0; r < NV_MAX_RADII; r++)
            m->within[r] = NAN;
    }
    if (d->compare) /* compare.sqlite holds them per plan, and maps of them are not offered */
        return NV_OK;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT radii_km, population_municipal FROM runs ORDER BY fid DESC LIMIT 1", -1,
                           &st, NULL) != SQLITE_OK)
        return missing_schema(db) ? NV_OK : db_fail(db, d->path, "reading runs", err);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        /* "10,25,50", written with %g by store.c; the column names are made the same way. */
        const char *p = (const char *)sqlite3_column_text(st, 0);
        while (p && *p && d->n_radii < NV_MAX_RADII) {
            size_t k = strcspn(p, ",");
            if (nv_text_parse_number(p, k, &d->radii_km[d->n_radii]) != 1)
                break;
            d->n_radii++;
            p += k + (p[k] == ',');
        }
        d->population_municipal = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, d->path, "reading runs", err);
    char sql[1024];
    size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT kommunkod, population, mean_distance_km, max_distance_km");
    for (size_t r = 0; r < d->n_radii && len < sizeof sql; r++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", \"population_within_%gkm\"", d->radii_km[r]);
    if (len < sizeof sql)
        snprintf(sql + len, sizeof sql - len, " FROM municipalities WHERE geom IS NOT NULL");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        d->n_radii = 0;
        return missing_schema(db) ? NV_OK : db_fail(db, d->path, "reading the population figures", err);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int mi = find_muni(d, (const char *)sqlite3_column_text(st, 0));
        if (mi < 0)
            continue;
        muni *m = &d->m[mi];
        m->population = real_col(st, 1);
        m->mean_km = real_col(st, 2);
        m->max_km = real_col(st, 3);
        for (size_t r = 0; r < d->n_radii; r++)
            m->within[r] = real_col(st, 4 + (int)r);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, d->path, "reading the population figures", err);
    d->has_population = 1;
    return NV_OK;
}

static nv_status load_run(nv_map_data *d, sqlite3 *db, nv_error *err)
{
    static const char sql[] =
        "SELECT boundaries, office_files, crs, illustrative, narvaro_version FROM runs ORDER BY fid DESC LIMIT 1";
    static const char sql_compare[] =
        "SELECT boundaries, office_files_after, crs, illustrative_after, narvaro_version, office_files_before,"
        " illustrative_before FROM comparison ORDER BY fid DESC LIMIT 1";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, d->compare ? sql_compare : sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, d->path, d->compare ? "reading comparison" : "reading runs", err);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        d->boundaries = dup_col(st, 0);
        d->office_files = dup_col(st, 1);
        d->crs = dup_col(st, 2);
        d->illustrative = sqlite3_column_int(st, 3) != 0;
        d->version = dup_col(st, 4);
        if (d->compare) {
            d->office_files_before = dup_col(st, 5);
            d->illustrative_before = sqlite3_column_int(st, 6) != 0;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, d->path, d->compare ? "reading comparison" : "reading runs", err);
    return NV_OK;
}

nv_status nv_render_load(const char *db_path, nv_map_data **out, nv_error *err)
{
    struct stat sb;
    if (!db_path || stat(db_path, &sb) != 0)
        return nv_error_set(err, NV_ERR_INPUT, db_path, 0,
                            "cannot open: %s (give the narvaro.sqlite of a finished run: narvaro analyze "
                            "--out DIR writes DIR/narvaro.sqlite)", db_path ? strerror(errno) : "no path");
    if (!S_ISREG(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, db_path, 0,
                            "is not a file (give DIR/narvaro.sqlite, not the folder DIR)");
    nv_map_data *d = calloc(1, sizeof *d);
    sqlite3 *db = NULL;
    nv_status st = NV_OK;
    if (!d || !(d->path = strdup(db_path))) {
        st = nv_error_set(err, NV_ERR_FAIL, db_path, 0, "out of memory");
        goto done;
    }
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        st = nv_error_set(err, NV_ERR_INPUT, db_path, 0, "cannot open as SQLite: %s",
                          db ? sqlite3_errmsg(db) : "out of memory");
        goto done;
    }
    /* compare.sqlite is told by its comparison table. */
    sqlite3_stmt *probe = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'comparison'", -1,
                           &probe, NULL) == SQLITE_OK)
        d->compare = sqlite3_step(probe) == SQLITE_ROW;
    sqlite3_finalize(probe);
    if ((st = load_munis(d, db, err)) != NV_OK || (st = load_counties(d, db, err)) != NV_OK)
        goto done;
    if (d->compare)
        st = load_offices(d, db, "plan = 'after'", 0, &d->o, &d->no, err);
    else
        st = load_offices(d, db, "1", 0, &d->o, &d->no, err);
    if (st == NV_OK && d->compare && (st = load_offices(d, db, "plan = 'before' AND closed = 1", 1, &d->o, &d->no,
                                                        err)) == NV_OK)
        st = load_offices(d, db, "plan = 'before'", 0, &d->ob, &d->nob, err);
    if (st != NV_OK || (st = load_run(d, db, err)) != NV_OK || (st = load_population(d, db, err)) != NV_OK)
        goto done;
    if (find_edges(d) != 0) {
        st = nv_error_set(err, NV_ERR_FAIL, db_path, 0, "out of memory");
        goto done;
    }
    d->bbox[0] = d->bbox[1] = INFINITY;
    d->bbox[2] = d->bbox[3] = -INFINITY;
    for (size_t i = 0; i < d->nm; i++)
        for (int j = 0; j < 2; j++) {
            d->bbox[j] = fmin(d->bbox[j], d->m[i].bbox[j]);
            d->bbox[j + 2] = fmax(d->bbox[j + 2], d->m[i].bbox[j + 2]);
        }
done:
    if (db && sqlite3_close(db) != SQLITE_OK && st == NV_OK)
        st = nv_error_set(err, NV_ERR_FAIL, db_path, 0, "closing: %s", sqlite3_errmsg(db));
    if (st != NV_OK) {
        nv_render_data_destroy(d);
        return st;
    }
    *out = d;
    return NV_OK;
}

/* ======================================================================== classes */

int nv_render_classify(double v, const double *breaks, size_t n_breaks)
{
    size_t i = 0;
    while (i < n_breaks && v > breaks[i])
        i++;
    return (int)i;
}

/* A share's class (0..n_breaks): a limit belongs to the class above it, so that 99 % is
 * in "≥ 99 %" and 50 % in "50–75 %". */
static int classify_share(double v, const double *breaks, size_t n_breaks)
{
    size_t i = 0;
    while (i < n_breaks && v >= breaks[i])
        i++;
    return (int)i;
}

/* The index of radius km among the run's radii, or -1. */
static int radius_index(const nv_map_data *d, double km)
{
    for (size_t r = 0; r < d->n_radii; r++)
        if (fabs(d->radii_km[r] - km) < 1e-9)
            return (int)r;
    return -1;
}

/* What a classed measure colours m by: km, or percent for a share; NAN for no data (no
 * office anywhere, no population figures, no inhabitants). */
static double muni_value(const nv_map_data *d, const nv_mapspec *s, const muni *m)
{
    if (s->measure == NV_MEASURE_NEAREST_KM)
        return m->nearest_km;
    if (!(m->population >= 0))
        return NAN;
    if (s->measure == NV_MEASURE_MEAN_KM)
        return m->mean_km;
    if (s->measure == NV_MEASURE_MAX_KM)
        return m->max_km;
    int k = radius_index(d, s->share_radius_km);
    if (k < 0 || !(m->population > 0) || !isfinite(m->within[k]))
        return NAN;
    return 100 * m->within[k] / m->population;
}

/* Keeps limits strictly ascending and below the largest value (a limit at the maximum
 * would leave the last class empty). */
static size_t tidy_breaks(double *b, size_t n, double max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] < max && (k == 0 || b[i] > b[k - 1]))
            b[k++] = b[i];
    return k;
}

size_t nv_render_breaks_quantile(const double *v, size_t n, int k, double *breaks)
{
    if (n == 0 || k < 2)
        return 0;
    for (int i = 1; i < k; i++)
        breaks[i - 1] = v[((size_t)i * n + (size_t)k - 1) / (size_t)k - 1];
    return tidy_breaks(breaks, (size_t)k - 1, v[n - 1]);
}

/* Fisher's exact optimal classification (what Jenks' "natural breaks" computes): the
 * dynamic programme over sorted values that minimises the sum of squared deviations
 * within classes, O(k n^2). */
size_t nv_render_breaks_jenks(const double *v, size_t n, int k, double *breaks)
{
    if (n == 0 || k < 2)
        return 0;
    if ((size_t)k > n)
        k = (int)n;
    size_t K = (size_t)k + 1;
    size_t *lower = calloc((n + 1) * K, sizeof *lower); /* lower[i*K+j]: first index (1-based) of class j */
    double *cost = calloc((n + 1) * K, sizeof *cost);
    if (!lower || !cost) {
        free(lower);
        free(cost);
        return 0;
    }
    for (size_t j = 1; j <= (size_t)k; j++) {
        lower[1 * K + j] = 1;
        for (size_t i = 2; i <= n; i++)
            cost[i * K + j] = INFINITY;
    }
    for (size_t l = 2; l <= n; l++) {
        double s1 = 0, s2 = 0, w = 0, var = 0;
        for (size_t m = 1; m <= l; m++) {
            size_t i3 = l - m + 1;
            double val = v[i3 - 1];
            s2 += val * val;
            s1 += val;
            w += 1;
            var = s2 - s1 * s1 / w;
            size_t i4 = i3 - 1;
            if (i4 != 0)
                for (size_t j = 2; j <= (size_t)k; j++)
                    if (cost[l * K + j] >= var + cost[i4 * K + j - 1]) {
                        lower[l * K + j] = i3;
                        cost[l * K + j] = var + cost[i4 * K + j - 1];
                    }
        }
        lower[l * K + 1] = 1;
        cost[l * K + 1] = var;
    }
    size_t last = n;
    for (size_t j = (size_t)k; j >= 2; j--) {
        size_t first = lower[last * K + j]; /* class j holds values first..last (1-based) */
        breaks[j - 2] = first >= 2 ? v[first - 2] : v[0];
        last = first >= 2 ? first - 1 : 1;
    }
    free(lower);
    free(cost);
    return tidy_breaks(breaks, (size_t)k - 1, v[n - 1]);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ======================================================================== options */

void nv_render_options_init(nv_render_options *o)
{
    memset(o, 0, sizeof *o);
    o->lang = -1;
    o->breaks = -1;
    o->paper = -1;
}

const char *nv_render_format_ext(nv_render_format f)
{
    return f == NV_FORMAT_SVG ? "svg" : f == NV_FORMAT_PDF ? "pdf" : "png";
}

nv_status nv_render_format_from_path(const char *path, nv_render_format *fmt, nv_error *err)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (dot && (!slash || dot > slash)) {
        if (strcasecmp(dot, ".png") == 0)
            return *fmt = NV_FORMAT_PNG, NV_OK;
        if (strcasecmp(dot, ".svg") == 0)
            return *fmt = NV_FORMAT_SVG, NV_OK;
        if (strcasecmp(dot, ".pdf") == 0)
            return *fmt = NV_FORMAT_PDF, NV_OK;
    }
    return nv_error_set(err, NV_ERR_INPUT, path, 0,
                        "the file name's extension picks the map format: give .png, .svg or .pdf");
}

const char *nv_render_cairo_version(void)
{
    return cairo_version_string();
}

const char *nv_render_pango_version(void)
{
    return pango_version_string();
}

/* ======================================================================== drawing */

typedef struct rect {
    double x, y, w, h;
} rect;

/* page = (tx + s * x, ty - s * y), in points */
typedef struct xform {
    double s, tx, ty;
} xform;

enum { MAX_CLS = NV_RENDER_MAX_CLASSES };

typedef struct rctx {
    const nv_map_data *d;      /* what is drawn: the run, or one plan of a comparison */
    const nv_map_data *base;   /* the data as loaded (a comparison: both plans) */
    const nv_mapspec *s;
    nv_lang lang;
    int county;                /* -1: the whole country */
    nv_render_format fmt;
    double page_w, page_h;     /* points */
    double dpi;                /* PNG pixels per inch */
    cairo_t *cr;
    PangoContext *pc;
    /* classes */
    size_t ncls;
    nv_render_class cls[MAX_CLS];
    int rank_cls[4];           /* presence rank -> class, -1 if not shown */
    int nodata_cls;            /* distance: class of municipalities without a value, or -1 */
    double breaks[NV_MAPSPEC_MAX_CLASSES];
    size_t nbreaks;
    nv_breaks method;
    const nv_map_data *extra_pool; /* more values for the breaks (plan = both: the before plan) */
    /* symbols */
    int show_type[N_TYPES];
    int type_count[N_TYPES];
    double sym_r;              /* symbol radius on the map, points */
    /* plan = both: two panels, [0] the before plan, [1] the after plan */
    int pair;
    const nv_map_data *pv[2];
    int pcount[2][MAX_CLS];
    int ptype_count[2][N_TYPES];
    rect pframe[2];
    xform pt[2];
    char plabel[2][48];        /* the plans' years ("2019") or "Före"/"Efter" */
    /* layout */
    xform t;
    rect frame, panel;
    double view[4];            /* extent in CRS metres that the frame shows */
    int labels;
    int labels_placed, labels_wanted;
    double *label_boxes;       /* x, y, w, h of each name placed, points (both panels' with plan = both) */
    size_t label_base;         /* where the names of the panel being drawn start in label_boxes */
    char date[16];
    char *source;              /* pango markup of the source line */
    char auto_title[160], auto_legend[128]; /* population measures: the default texts, "" for others */
} rctx;

static const unsigned INK = 0x222222, INK_SOFT = 0x555555, SYMBOL_INK = 0x1b1b1b;
static const unsigned MUNI_EDGE = 0xffffff, COUNTY_EDGE = 0x3a3a3a, CONTEXT_FILL = 0xe8e8e8;
static const unsigned MUNI_EDGE_ON_LIGHT = 0xc4c4c4;

static void set_color(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

static int in_view(const rctx *r, const double *bb)
{
    return !(bb[2] < r->view[0] || bb[0] > r->view[2] || bb[3] < r->view[1] || bb[1] > r->view[3]);
}

static int in_focus(const rctx *r, const muni *m)
{
    return r->county < 0 || m->county == r->county;
}

static int office_in_focus(const rctx *r, const office *o)
{
    return r->county < 0 || o->county == r->county;
}

static void path_muni(cairo_t *cr, const nv_map_data *d, const muni *m, xform t, double dx, double dy)
{
    for (size_t ri = m->ring0; ri < m->ring0 + m->nrings; ri++) {
        const double *p = d->xy + 2 * d->rings[ri].pt0;
        size_t n = d->rings[ri].npts;
        if (n < 3)
            continue;
        cairo_move_to(cr, t.tx + t.s * p[0] - dx, t.ty - t.s * p[1] - dy);
        for (size_t k = 1; k < n; k++)
            cairo_line_to(cr, t.tx + t.s * p[2 * k] - dx, t.ty - t.s * p[2 * k + 1] - dy);
        cairo_close_path(cr);
    }
}

/* Polylines along the rings of the municipalities in view, through the segments whose
 * flags hold all of need: each shared edge once (EDGE_OWNED), or county borders too. */
static void path_edges(cairo_t *cr, const rctx *r, unsigned char need)
{
    const nv_map_data *d = r->d;
    xform t = r->t;
    for (size_t mi = 0; mi < d->nm; mi++) {
        const muni *m = &d->m[mi];
        if (!in_view(r, m->bbox))
            continue;
        for (size_t ri = m->ring0; ri < m->ring0 + m->nrings; ri++) {
            size_t pt0 = d->rings[ri].pt0;
            int open = 0;
            for (size_t k = 0; k + 1 < d->rings[ri].npts; k++) {
                const double *p = d->xy + 2 * (pt0 + k);
                if ((d->edge[pt0 + k] & need) != need) {
                    open = 0;
                    continue;
                }
                if (!open)
                    cairo_move_to(cr, t.tx + t.s * p[0], t.ty - t.s * p[1]);
                cairo_line_to(cr, t.tx + t.s * p[2], t.ty - t.s * p[3]);
                open = 1;
            }
        }
    }
}

/* ---- text ---- */

static PangoLayout *layout_text(rctx *r, const char *text, double size_pt, int bold, double wrap_pt, int markup)
{
    PangoLayout *l = pango_layout_new(r->pc);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, FONT_FAMILY);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, size_pt * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (wrap_pt > 0) {
        pango_layout_set_width(l, (int)(wrap_pt * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    if (markup)
        pango_layout_set_markup(l, text, -1);
    else
        pango_layout_set_text(l, text, -1);
    return l;
}

static void text_size(PangoLayout *l, double *w, double *h)
{
    PangoRectangle ink, logical;
    pango_layout_get_extents(l, &ink, &logical);
    if (w)
        *w = logical.width / (double)PANGO_SCALE;
    if (h)
        *h = logical.height / (double)PANGO_SCALE;
}

static void show_text(rctx *r, PangoLayout *l, double x, double y, unsigned color)
{
    cairo_move_to(r->cr, x, y);
    set_color(r->cr, color);
    pango_cairo_show_layout(r->cr, l);
}

/* Text with a white halo, for names over the map. */
static void show_text_halo(rctx *r, PangoLayout *l, double x, double y)
{
    cairo_t *cr = r->cr;
    cairo_new_path(cr);
    cairo_move_to(cr, x, y);
    pango_cairo_layout_path(cr, l);
    set_color(cr, 0xffffff);
    cairo_set_line_width(cr, 2.2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    show_text(r, l, x, y, INK);
}

static double text_width(rctx *r, const char *s, double size, int bold)
{
    PangoLayout *l = layout_text(r, s, size, bold, 0, 0);
    double w;
    text_size(l, &w, NULL);
    g_object_unref(l);
    return w;
}

/* ---- numbers ---- */

/* km under the language's conventions: "12,5" in Swedish, "12.5" in English; whole
 * numbers from 10 up. */
static void fmt_km(char *buf, size_t size, double v, nv_lang lang)
{
    if (fabs(v) >= 10 || v == floor(v))
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.1f", v);
    if (lang == NV_LANG_SV)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
}

static const char *tr(const rctx *r, const char *sv, const char *en)
{
    return r->lang == NV_LANG_EN ? en : sv;
}

/* ---- classes ---- */

static nv_status colors_for(rctx *r, size_t n, unsigned *out, nv_error *err)
{
    const nv_mapspec *s = r->s;
    if (s->n_colors > 0) {
        if (s->n_colors < n)
            return nv_error_set(err, NV_ERR_INPUT, s->path, 0,
                                "colors lists %zu colours but the map has %zu classes (the breaks method "
                                "or the data changed the classes: give %zu colours, or use palette)",
                                s->n_colors, n, n);
        memcpy(out, s->colors, n * sizeof *out);
    } else if (!nv_mapspec_palette(s->palette, (int)n, out)) {
        return nv_error_set(err, NV_ERR_INPUT, s->path, 0, "palette '%s' is unknown (give one of %s)", s->palette,
                            nv_mapspec_palette_names());
    }
    /* A share's palette runs from its dark end: the lowest share, the worst, is the
     * strongest colour. Explicit colours are in class order already. */
    int reverse = s->reverse ^ (s->measure == NV_MEASURE_SHARE && s->n_colors == 0);
    if (reverse)
        for (size_t i = 0; i < n / 2; i++) {
            unsigned t = out[i];
            out[i] = out[n - 1 - i];
            out[n - 1 - i] = t;
        }
    return NV_OK;
}

static void add_values(const nv_map_data *d, const nv_mapspec *s, double *v, size_t *n)
{
    for (size_t i = 0; i < d->nm; i++) {
        double x = muni_value(d, s, &d->m[i]);
        if (isfinite(x))
            v[(*n)++] = x;
    }
}

/* Percent: whole numbers as they are, else one decimal; with radius set, a radius of the
 * run as it was given (12.5 km stays 12.5). A decimal comma in Swedish. */
static void fmt_pct(char *buf, size_t size, double v, nv_lang lang, int radius)
{
    snprintf(buf, size, radius ? "%g" : v == floor(v) ? "%.0f" : "%.1f", v);
    if (lang == NV_LANG_SV)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
}

static nv_status make_classes(rctx *r, const nv_render_options *o, nv_error *err)
{
    const nv_map_data *d = r->d;
    unsigned colors[NV_MAPSPEC_MAX_CLASSES];
    nv_status st;
    for (int k = 0; k < 4; k++)
        r->rank_cls[k] = -1;
    r->nodata_cls = -1;
    if (r->s->measure == NV_MEASURE_PRESENCE) {
        static const char *const keys[4] = {"staffed", "booked", "other", "none"};
        const char *labels[2][4] = {{"Bemannat kontor", "Endast bokade besök", "Annan form av närvaro", "Ingen närvaro"},
                                    {"Staffed office", "Booked visits only", "Other presence", "No presence"}};
        int national[4] = {0};
        for (size_t i = 0; i < d->nm; i++)
            national[d->m[i].presence]++;
        for (size_t i = 0; r->extra_pool && i < r->extra_pool->nm; i++)
            national[r->extra_pool->m[i].presence]++;
        if ((st = colors_for(r, 4, colors, err)) != NV_OK)
            return st;
        for (int k = 0; k < 4; k++) {
            if (k == NV_PRESENCE_OTHER && national[k] == 0)
                continue; /* shown only where a plan has other types */
            nv_render_class *c = &r->cls[r->ncls];
            snprintf(c->key, sizeof c->key, "%s", keys[k]);
            snprintf(c->label, sizeof c->label, "%s", labels[r->lang][k]);
            c->color = colors[k];
            r->rank_cls[k] = (int)r->ncls++;
        }
        return NV_OK;
    }
    if (r->s->measure == NV_MEASURE_CHANGE) {
        /* All five classes, also empty ones: the scale reads the same on every map. */
        const char *labels[2][5] = {{"Förlorar sin närvaro", "Längre avstånd", "Oförändrad", "Kortare avstånd",
                                     "Får närvaro"},
                                    {"Lost presence", "Longer distance", "Unchanged", "Shorter distance",
                                     "Gained presence"}};
        if ((st = colors_for(r, 5, colors, err)) != NV_OK)
            return st;
        for (int k = 0; k < 5; k++) {
            nv_render_class *c = &r->cls[r->ncls++];
            snprintf(c->key, sizeof c->key, "%s", nv_change_class_name((nv_change_class)k));
            snprintf(c->label, sizeof c->label, "%s", labels[r->lang][k]);
            c->color = colors[k];
        }
        return NV_OK;
    }
    /* Distance and share: the limits come from all municipalities of the run (and of the
     * pool), not from the county drawn, so that every map of a batch has the same classes. */
    int share = r->s->measure == NV_MEASURE_SHARE;
    if (r->method == NV_BREAKS_FIXED) {
        r->nbreaks = r->s->n_fixed_breaks;
        memcpy(r->breaks, r->s->fixed_breaks, r->nbreaks * sizeof *r->breaks);
    } else {
        size_t total = d->nm + (r->extra_pool ? r->extra_pool->nm : 0);
        for (size_t i = 0; i < o->n_pool; i++)
            total += o->pool[i] ? o->pool[i]->nm : 0;
        double *v = malloc((total ? total : 1) * sizeof *v);
        size_t n = 0;
        if (!v)
            return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        add_values(d, r->s, v, &n);
        if (r->extra_pool)
            add_values(r->extra_pool, r->s, v, &n);
        for (size_t i = 0; i < o->n_pool; i++)
            if (o->pool[i])
                add_values(o->pool[i], r->s, v, &n);
        qsort(v, n, sizeof *v, compare_double);
        r->nbreaks = r->method == NV_BREAKS_QUANTILE ? nv_render_breaks_quantile(v, n, r->s->classes, r->breaks)
                                                     : nv_render_breaks_jenks(v, n, r->s->classes, r->breaks);
        /* Those limits are upper ones (a value at the limit is in the class below); a
         * share's limits are lower ones, so each moves midway to the next value above it,
         * which splits the values the same way. (tidy_breaks keeps every limit below the
         * largest value: there is a next one.) */
        for (size_t i = 0; share && i < r->nbreaks; i++) {
            size_t k = 0;
            while (k + 1 < n && v[k] <= r->breaks[i])
                k++;
            r->breaks[i] = (r->breaks[i] + v[k]) / 2;
        }
        free(v);
    }
    size_t n = r->nbreaks + 1;
    if ((st = colors_for(r, n, colors, err)) != NV_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        nv_render_class *c = &r->cls[r->ncls++];
        char a[32], b[32];
        snprintf(c->key, sizeof c->key, "class%d", (int)i + 1);
        c->color = colors[i];
        if (share) { /* "< 50 %", "50–75 %", … "≥ 99 %" */
            if (i > 0)
                fmt_pct(a, sizeof a, r->breaks[i - 1], r->lang, 0);
            if (i < r->nbreaks)
                fmt_pct(b, sizeof b, r->breaks[i], r->lang, 0);
            if (r->nbreaks == 0)
                snprintf(c->label, sizeof c->label, "%s", tr(r, "Alla andelar", "All shares"));
            else if (i == 0)
                snprintf(c->label, sizeof c->label, "< %s %%", b);
            else if (i < r->nbreaks)
                snprintf(c->label, sizeof c->label, "%s–%s %%", a, b);
            else
                snprintf(c->label, sizeof c->label, "≥ %s %%", a);
            continue;
        }
        if (i == 0)
            fmt_km(a, sizeof a, 0, r->lang);
        else
            fmt_km(a, sizeof a, r->breaks[i - 1], r->lang);
        if (i < r->nbreaks) {
            fmt_km(b, sizeof b, r->breaks[i], r->lang);
            snprintf(c->label, sizeof c->label, "%s–%s km", a, b);
        } else if (r->nbreaks > 0) {
            snprintf(c->label, sizeof c->label, "> %s km", a);
        } else {
            snprintf(c->label, sizeof c->label, "%s", tr(r, "Alla avstånd", "All distances"));
        }
    }
    int nodata = 0;
    for (size_t i = 0; i < d->nm; i++)
        nodata += !isfinite(muni_value(d, r->s, &d->m[i]));
    for (size_t i = 0; r->extra_pool && i < r->extra_pool->nm; i++)
        nodata += !isfinite(muni_value(r->extra_pool, r->s, &r->extra_pool->m[i]));
    if (nodata) {
        nv_render_class *c = &r->cls[r->ncls];
        snprintf(c->key, sizeof c->key, "no_data");
        /* Population measures lack a value where the run has no people (or no office). */
        snprintf(c->label, sizeof c->label, "%s", r->s->measure == NV_MEASURE_NEAREST_KM
                                                      ? tr(r, "Inget kontor att mäta till", "No office to measure to")
                                                      : tr(r, "Uppgift saknas", "No data"));
        c->color = r->s->no_data_color;
        r->nodata_cls = (int)r->ncls++;
    }
    return NV_OK;
}

static int class_of(const rctx *r, const muni *m)
{
    if (r->s->measure == NV_MEASURE_PRESENCE)
        return r->rank_cls[m->presence];
    if (r->s->measure == NV_MEASURE_CHANGE)
        return m->change;
    double v = muni_value(r->d, r->s, m);
    if (!isfinite(v))
        return r->nodata_cls;
    if (r->s->measure == NV_MEASURE_SHARE)
        return classify_share(v, r->breaks, r->nbreaks);
    return nv_render_classify(v, r->breaks, r->nbreaks);
}

/* ---- office symbols ---- */

static void symbol_path(cairo_t *cr, int type, double x, double y, double rad)
{
    cairo_new_sub_path(cr);
    if (type == 3) { /* a cross: stroked, not filled */
        double k = rad * 0.95;
        cairo_move_to(cr, x - k, y - k);
        cairo_line_to(cr, x + k, y + k);
        cairo_move_to(cr, x + k, y - k);
        cairo_line_to(cr, x - k, y + k);
    } else if (type == 2) { /* diamond */
        cairo_move_to(cr, x, y - rad * 1.25);
        cairo_line_to(cr, x + rad * 1.25, y);
        cairo_line_to(cr, x, y + rad * 1.25);
        cairo_line_to(cr, x - rad * 1.25, y);
        cairo_close_path(cr);
    } else {
        cairo_arc(cr, x, y, rad, 0, 2 * M_PI);
        cairo_close_path(cr);
    }
}

static void symbol_colors(int type, unsigned *fill, unsigned *stroke)
{
    /* Staffed: a solid dot; booked visits only: a hollow ring; other types: a diamond;
     * closed: a dark cross with a white halo (fill names the halo). */
    *fill = type == 1 || type == 3 ? 0xffffff : SYMBOL_INK;
    *stroke = type == 1 || type == 3 ? SYMBOL_INK : 0xffffff;
}

static void draw_symbol(cairo_t *cr, int type, double x, double y, double rad)
{
    unsigned fill, stroke;
    symbol_colors(type, &fill, &stroke);
    cairo_new_path(cr);
    if (type == 3) {
        symbol_path(cr, type, x, y, rad);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        set_color(cr, fill);
        cairo_set_line_width(cr, rad * 0.95);
        cairo_stroke_preserve(cr);
        set_color(cr, stroke);
        cairo_set_line_width(cr, rad * 0.45);
        cairo_stroke(cr);
        return;
    }
    symbol_path(cr, type, x, y, rad);
    set_color(cr, fill);
    cairo_fill_preserve(cr);
    set_color(cr, stroke);
    cairo_set_line_width(cr, type == 1 ? rad * 0.55 : rad * 0.35);
    cairo_stroke(cr);
}

/* ---- the legend panel ---- */

typedef struct panel_metrics {
    double w, h;
    double pad, row, swatch_w, swatch_h, count_w, head_h, sym_head_h, scale_h;
    double col_w, cols_h;      /* plan = both: a count column per plan, and their heading row */
} panel_metrics;

static const double COL_GAP = 8;

static const double LEGEND_HEAD = 9.5, LEGEND_TEXT = 8.2, SCALE_TEXT = 7.0;
static const double SCALE_MAX = 100.0, ARROW_W = 14.0;

static const char *legend_heading(const rctx *r)
{
    const char *h = nv_mapspec_text(r->s, NV_TEXT_LEGEND, r->lang);
    if (h)
        return h;
    if (r->auto_legend[0])
        return r->auto_legend;
    if (r->s->measure == NV_MEASURE_CHANGE)
        return tr(r, "Förändring i kommunen", "Change in the municipality");
    return r->s->measure == NV_MEASURE_PRESENCE ? tr(r, "Lokal närvaro i kommunen", "Local presence in the municipality")
                                                : tr(r, "Avstånd till närmaste kontor", "Distance to the nearest office");
}

static const char *type_label(const rctx *r, int type)
{
    static const char *const sv[N_TYPES] = {"Bemannat kontor", "Endast bokade besök", "Annan typ",
                                            "Stängt (bara i förra planen)"};
    static const char *const en[N_TYPES] = {"Staffed office", "Booked visits only", "Other type",
                                            "Closed (earlier plan only)"};
    return r->lang == NV_LANG_EN ? en[type] : sv[type];
}

static panel_metrics measure_panel(rctx *r)
{
    panel_metrics p = {0};
    p.pad = 7;
    p.swatch_w = 16;
    p.swatch_h = 10;
    p.row = 13;
    double wmax = 0, w, h;
    PangoLayout *l = layout_text(r, legend_heading(r), LEGEND_HEAD, 1, 170, 0);
    text_size(l, &w, &h);
    g_object_unref(l);
    p.head_h = h + 4;
    wmax = w;
    char num[32];
    double label_w = 0;
    for (size_t i = 0; i < r->ncls; i++) {
        label_w = fmax(label_w, text_width(r, r->cls[i].label, LEGEND_TEXT, 0));
        snprintf(num, sizeof num, "%d", r->cls[i].count);
        p.count_w = fmax(p.count_w, text_width(r, num, LEGEND_TEXT, 0));
        snprintf(num, sizeof num, "%d", r->pcount[0][i]);
        p.count_w = fmax(p.count_w, text_width(r, num, LEGEND_TEXT, 0));
    }
    int any_symbol = 0;
    for (int t = 0; t < N_TYPES; t++) {
        if (!r->show_type[t])
            continue;
        any_symbol = 1;
        label_w = fmax(label_w, text_width(r, type_label(r, t), LEGEND_TEXT, 0));
        snprintf(num, sizeof num, "%d", r->type_count[t]);
        p.count_w = fmax(p.count_w, text_width(r, num, LEGEND_TEXT, 0));
        snprintf(num, sizeof num, "%d", r->ptype_count[0][t]);
        p.count_w = fmax(p.count_w, text_width(r, num, LEGEND_TEXT, 0));
    }
    if (r->pair) {
        p.col_w = p.count_w;
        for (int k = 0; k < 2; k++)
            p.col_w = fmax(p.col_w, text_width(r, r->plabel[k], LEGEND_TEXT, 1));
        p.count_w = 2 * p.col_w + COL_GAP;
        p.cols_h = p.row;
    }
    wmax = fmax(wmax, p.swatch_w + 6 + label_w + 12 + p.count_w);
    if (any_symbol) {
        l = layout_text(r, tr(r, "Kontor", "Offices"), LEGEND_HEAD, 1, 0, 0);
        text_size(l, &w, &h);
        g_object_unref(l);
        p.sym_head_h = h + 3;
        wmax = fmax(wmax, w);
    }
    p.scale_h = 30;
    wmax = fmax(wmax, SCALE_MAX + 16 + ARROW_W + 12);
    p.w = wmax + 2 * p.pad;
    p.h = p.pad + p.head_h + p.cols_h + (double)r->ncls * p.row;
    if (any_symbol) {
        int types = 0;
        for (int t = 0; t < N_TYPES; t++)
            types += r->show_type[t];
        p.h += 6 + p.sym_head_h + types * p.row;
    }
    p.h += 8 + p.scale_h + p.pad;
    return p;
}

/* A round scale bar length in km that fits max_pt at the map's scale; its half is round
 * too (no 25: 12.5 is not a tick anyone reads well). */
static double scale_bar_km(double s_pt_per_m, double max_pt)
{
    static const double nice[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    double best = nice[0];
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] * 1000 * s_pt_per_m <= max_pt)
            best = nice[i];
    return best;
}

static void draw_north_arrow(rctx *r, double cx, double top, double height)
{
    cairo_t *cr = r->cr;
    PangoLayout *l = layout_text(r, "N", 8.5, 1, 0, 0);
    double w, h;
    text_size(l, &w, &h);
    show_text(r, l, cx - w / 2, top, INK);
    g_object_unref(l);
    double y0 = top + h, y1 = top + height, half = ARROW_W / 2 * 0.7;
    /* Left half filled, right half open: readable at any size and in grey print. */
    cairo_new_path(cr);
    cairo_move_to(cr, cx, y0);
    cairo_line_to(cr, cx - half, y1);
    cairo_line_to(cr, cx, y1 - (y1 - y0) * 0.28);
    cairo_close_path(cr);
    set_color(cr, INK);
    cairo_fill(cr);
    cairo_new_path(cr);
    cairo_move_to(cr, cx, y0);
    cairo_line_to(cr, cx + half, y1);
    cairo_line_to(cr, cx, y1 - (y1 - y0) * 0.28);
    cairo_line_to(cr, cx - half, y1);
    cairo_close_path(cr);
    cairo_set_line_width(cr, 0.7);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
}

static void draw_scale_bar(rctx *r, double x, double y)
{
    cairo_t *cr = r->cr;
    double km = scale_bar_km(r->t.s, SCALE_MAX);
    double len = km * 1000 * r->t.s, bar_h = 4;
    for (int i = 0; i < 4; i++) {
        cairo_new_path(cr);
        cairo_rectangle(cr, x + len * i / 4, y, len / 4, bar_h);
        set_color(cr, i % 2 ? 0xffffff : 0x333333);
        cairo_fill_preserve(cr);
        set_color(cr, 0x333333);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    }
    char a[32], b[48];
    double ticks[3] = {0, km / 2, km};
    for (int i = 0; i < 3; i++) {
        fmt_km(a, sizeof a, ticks[i], r->lang);
        snprintf(b, sizeof b, i == 2 ? "%s km" : "%s", a);
        PangoLayout *l = layout_text(r, b, SCALE_TEXT, 0, 0, 0);
        double w, h, tx = x + len * i / 2;
        text_size(l, &w, &h);
        /* The unit hangs to the right of the last tick, so "0" and the number stay centred. */
        double wnum = i == 2 ? text_width(r, a, SCALE_TEXT, 0) : w;
        show_text(r, l, tx - wnum / 2, y + bar_h + 1.5, INK);
        g_object_unref(l);
    }
}

/* A count, right-aligned at right; with plan = both the before plan's in the column
 * left of the after plan's. */
static void draw_counts(rctx *r, const panel_metrics *p, int before, int after, double right, double y)
{
    char num[32];
    for (int k = r->pair ? 0 : 1; k < 2; k++) {
        snprintf(num, sizeof num, "%d", k == 0 ? before : after);
        double w = text_width(r, num, LEGEND_TEXT, 0);
        PangoLayout *l = layout_text(r, num, LEGEND_TEXT, 0, 0, 0);
        show_text(r, l, (k == 0 ? right - p->col_w - COL_GAP : right) - w, y, INK_SOFT);
        g_object_unref(l);
    }
}

static void draw_panel(rctx *r, const panel_metrics *p, nv_render_info *info, double px)
{
    cairo_t *cr = r->cr;
    rect b = r->panel;
    cairo_new_path(cr);
    cairo_rectangle(cr, b.x, b.y, b.w, b.h);
    set_color(cr, 0xffffff);
    cairo_fill_preserve(cr);
    set_color(cr, 0xbdbdbd);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
    double x = b.x + p->pad, y = b.y + p->pad, right = b.x + b.w - p->pad;
    PangoLayout *l = layout_text(r, legend_heading(r), LEGEND_HEAD, 1, 170, 0);
    show_text(r, l, x, y, INK);
    g_object_unref(l);
    y += p->head_h;
    if (r->pair) { /* the count columns' headings: the plans */
        for (int k = 0; k < 2; k++) {
            double w = text_width(r, r->plabel[k], LEGEND_TEXT, 1);
            l = layout_text(r, r->plabel[k], LEGEND_TEXT, 1, 0, 0);
            show_text(r, l, (k == 0 ? right - p->col_w - COL_GAP : right) - w, y, INK);
            g_object_unref(l);
        }
        y += p->cols_h;
    }
    for (size_t i = 0; i < r->ncls; i++) {
        nv_render_class *c = &r->cls[i];
        double sy = y + (p->row - p->swatch_h) / 2 - 1;
        cairo_new_path(cr);
        cairo_rectangle(cr, x, sy, p->swatch_w, p->swatch_h);
        set_color(cr, c->color);
        cairo_fill_preserve(cr);
        set_color(cr, 0x8a8a8a);
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
        if (info) {
            nv_render_class *ic = &info->classes[i];
            ic->swatch[0] = x * px, ic->swatch[1] = sy * px;
            ic->swatch[2] = p->swatch_w * px, ic->swatch[3] = p->swatch_h * px;
        }
        double th;
        l = layout_text(r, c->label, LEGEND_TEXT, 0, 0, 0);
        text_size(l, NULL, &th);
        show_text(r, l, x + p->swatch_w + 6, y + (p->row - th) / 2 - 1, INK);
        g_object_unref(l);
        draw_counts(r, p, r->pcount[0][i], c->count, right, y + (p->row - th) / 2 - 1);
        y += p->row;
    }
    if (p->sym_head_h > 0) {
        y += 6;
        l = layout_text(r, tr(r, "Kontor", "Offices"), LEGEND_HEAD, 1, 0, 0);
        show_text(r, l, x, y, INK);
        g_object_unref(l);
        y += p->sym_head_h;
        size_t k = 0;
        for (int t = 0; t < N_TYPES; t++) {
            if (!r->show_type[t])
                continue;
            double cx = x + p->swatch_w / 2, cy = y + p->row / 2 - 1, rad = 3.0;
            draw_symbol(cr, t, cx, cy, rad);
            if (info) {
                nv_render_symbol *is = &info->symbols[k++];
                is->swatch[0] = (cx - rad) * px, is->swatch[1] = (cy - rad) * px;
                is->swatch[2] = is->swatch[3] = 2 * rad * px;
            }
            double th;
            l = layout_text(r, type_label(r, t), LEGEND_TEXT, 0, 0, 0);
            text_size(l, NULL, &th);
            show_text(r, l, x + p->swatch_w + 6, y + (p->row - th) / 2 - 1, INK);
            g_object_unref(l);
            draw_counts(r, p, r->ptype_count[0][t], r->type_count[t], right, y + (p->row - th) / 2 - 1);
            y += p->row;
        }
    }
    y += 4;
    cairo_new_path(cr);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, right, y);
    set_color(cr, 0xd0d0d0);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    y += 4;
    draw_scale_bar(r, x + 2, y + 12);
    draw_north_arrow(r, right - ARROW_W / 2, y, p->scale_h - 2);
}

/* ---- layout ---- */

static xform fit(rect frame, const double *ext, int halign, int valign)
{
    double ew = ext[2] - ext[0], eh = ext[3] - ext[1];
    xform t;
    t.s = fmin(frame.w / ew, frame.h / eh);
    double mw = t.s * ew, mh = t.s * eh;
    double left = frame.x + (halign < 0 ? 0 : halign > 0 ? frame.w - mw : (frame.w - mw) / 2);
    double top = frame.y + (valign < 0 ? 0 : valign > 0 ? frame.h - mh : (frame.h - mh) / 2);
    t.tx = left - t.s * ext[0];
    t.ty = top + t.s * ext[3];
    return t;
}

/* The occupied area of the map at scale s, one byte per point, the extent's top left at
 * (0, 0): focus polygons and their offices. */
typedef struct mask {
    cairo_surface_t *surf;
    unsigned char *data;
    int w, h, stride;
} mask;

static int make_mask(const rctx *r, const double *ext, double s, mask *mk)
{
    mk->w = (int)ceil((ext[2] - ext[0]) * s) + 1;
    mk->h = (int)ceil((ext[3] - ext[1]) * s) + 1;
    mk->surf = cairo_image_surface_create(CAIRO_FORMAT_A8, mk->w, mk->h);
    if (cairo_surface_status(mk->surf) != CAIRO_STATUS_SUCCESS)
        return -1;
    cairo_t *cr = cairo_create(mk->surf);
    xform t = {s, -s * ext[0], s * ext[3]};
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (size_t i = 0; i < r->d->nm; i++)
        if (in_focus(r, &r->d->m[i]))
            path_muni(cr, r->d, &r->d->m[i], t, 0, 0);
    cairo_fill(cr);
    for (size_t i = 0; r->s->offices && i < r->d->no; i++) {
        if (!office_in_focus(r, &r->d->o[i]))
            continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, t.tx + s * r->d->o[i].x, t.ty - s * r->d->o[i].y, r->sym_r + 1, 0, 2 * M_PI);
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_flush(mk->surf);
    mk->data = cairo_image_surface_get_data(mk->surf);
    mk->stride = cairo_image_surface_get_stride(mk->surf);
    return 0;
}

/* Does rect b (page points) touch the occupied area, the map's top left being at (left, top)? */
static int mask_hits(const mask *mk, rect b, double left, double top, double margin)
{
    int x0 = (int)floor(b.x - margin - left), y0 = (int)floor(b.y - margin - top);
    int x1 = (int)ceil(b.x + b.w + margin - left), y1 = (int)ceil(b.y + b.h + margin - top);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > mk->w) x1 = mk->w;
    if (y1 > mk->h) y1 = mk->h;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            if (mk->data[y * mk->stride + x])
                return 1;
    return 0;
}

/* The view: what the frame shows around the extent, in CRS metres. */
static void set_view(rctx *r)
{
    rect f = r->frame;
    r->view[0] = (f.x - r->t.tx) / r->t.s;
    r->view[2] = (f.x + f.w - r->t.tx) / r->t.s;
    r->view[3] = (r->t.ty - f.y) / r->t.s;
    r->view[1] = (r->t.ty - f.y - f.h) / r->t.s;
}

/* Places the map and the panel: in a free corner of the frame at the largest scale if
 * one exists, else beside or below the map, whichever keeps the map larger. */
static int place(rctx *r, const double *ext, const panel_metrics *p)
{
    rect f = r->frame;
    double gap = 6;
    xform full = fit(f, ext, 0, 0);
    mask mk = {0};
    if (make_mask(r, ext, full.s, &mk) != 0) {
        cairo_surface_destroy(mk.surf);
        return -1;
    }
    static const int align[9][2] = {{0, 0}, {-1, 0}, {1, 0}, {0, 1}, {0, -1}, {-1, 1}, {1, 1}, {-1, -1}, {1, -1}};
    rect corners[4] = {{f.x + f.w - p->w, f.y + f.h - p->h, p->w, p->h}, {f.x + f.w - p->w, f.y, p->w, p->h},
                       {f.x, f.y + f.h - p->h, p->w, p->h}, {f.x, f.y, p->w, p->h}};
    int found = 0;
    for (int a = 0; a < 9 && !found; a++) {
        xform t = fit(f, ext, align[a][0], align[a][1]);
        double left = t.tx + t.s * ext[0], top = t.ty - t.s * ext[3];
        for (int c = 0; c < 4 && !found; c++)
            if (!mask_hits(&mk, corners[c], left, top, 5)) {
                r->t = t;
                r->panel = corners[c];
                found = 1;
            }
    }
    cairo_surface_destroy(mk.surf);
    if (!found) {
        rect side = {f.x, f.y, f.w - p->w - gap, f.h}, below = {f.x, f.y, f.w, f.h - p->h - gap};
        xform ts = fit(side, ext, 0, 0), tb = fit(below, ext, 0, 0);
        r->panel = (rect){f.x + f.w - p->w, f.y + f.h - p->h, p->w, p->h};
        r->t = side.w > 0 && (below.h <= 0 || ts.s >= tb.s) ? ts : tb;
    }
    set_view(r);
    return 0;
}

static const double PANEL_HEAD_GAP = 4; /* plan = both: between a map's heading and the map */

/* plan = both: the two maps side by side at one scale, each under its heading (head and
 * sum, wrapped to the map's width), the legend to the right of the second, and the group
 * centred across the frame. */
static void place_pair(rctx *r, const double *ext, const panel_metrics *p, PangoLayout *const *head,
                       PangoLayout *const *sum)
{
    rect f = r->frame;
    double gap = 6 * MM, ew = ext[2] - ext[0], eh = ext[3] - ext[1], s = 0, head_h = 0;
    /* Narrower maps wrap the headings into more lines, which makes the maps smaller. */
    for (int pass = 0; pass < 4; pass++) {
        s = fmin((f.w - p->w - 2 * gap) / 2 / ew, (f.h - head_h) / eh);
        double h = 0;
        for (int k = 0; k < 2; k++) {
            double a, b;
            PangoLayout *l[2] = {head[k], sum[k]};
            for (int i = 0; i < 2; i++) {
                pango_layout_set_width(l[i], (int)(s * ew * PANGO_SCALE));
                pango_layout_set_wrap(l[i], PANGO_WRAP_WORD_CHAR);
            }
            text_size(head[k], NULL, &a);
            text_size(sum[k], NULL, &b);
            h = fmax(h, a + 1 + b + PANEL_HEAD_GAP);
        }
        if (h <= head_h)
            break;
        head_h = h;
    }
    double mw = s * ew, mh = s * eh, x0 = f.x + (f.w - (2 * mw + 2 * gap + p->w)) / 2;
    for (int k = 0; k < 2; k++) {
        r->pframe[k] = (rect){x0 + k * (mw + gap), f.y + head_h, mw, mh};
        r->pt[k] = fit(r->pframe[k], ext, 0, 0);
    }
    r->panel = (rect){x0 + 2 * (mw + gap), fmax(f.y, f.y + head_h + mh - p->h), p->w, p->h};
    r->frame = r->pframe[1];
    r->t = r->pt[1];
    set_view(r);
}

/* ---- municipality names ---- */

typedef struct placed {
    rect b;
} placed;

static int rect_overlap(rect a, rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static int by_area_desc(const void *a, const void *b, void *d)
{
    const muni *m = ((const nv_map_data *)d)->m;
    double x = m[*(const int *)a].area_km2, y = m[*(const int *)b].area_km2;
    return (x < y) - (x > y);
}

/* Greedy placement, largest municipalities first: at the representative point, else
 * just above, below, right or left of it; never over the panel, another name or outside
 * the frame; over an office symbol only when nothing else is free. Tries smaller type
 * until every name fits (down to 5.5 pt). Returns names placed; draws them if draw. */
static int place_labels(rctx *r, int draw, double size, int *order, int n)
{
    placed *done = calloc((size_t)n + 1, sizeof *done);
    int k = 0;
    if (!done)
        return 0;
    for (int i = 0; i < n; i++) {
        const muni *m = &r->d->m[order[i]];
        if (!m->namn)
            continue;
        PangoLayout *l = layout_text(r, m->namn, size, 0, 0, 0);
        double w, h;
        text_size(l, &w, &h);
        double px = r->t.tx + r->t.s * m->rep_x, py = r->t.ty - r->t.s * m->rep_y;
        const double off[5][2] = {{0, 0}, {0, -h * 0.8}, {0, h * 0.8}, {w / 2 + 4, 0}, {-w / 2 - 4, 0}};
        int chosen = -1;
        for (int pass = 0; pass < 2 && chosen < 0; pass++)
            for (int c = 0; c < 5 && chosen < 0; c++) {
                rect b = {px + off[c][0] - w / 2, py + off[c][1] - h / 2, w, h};
                rect pad = {b.x - 1, b.y - 1, b.w + 2, b.h + 2};
                int ok = b.x >= r->frame.x && b.y >= r->frame.y && b.x + b.w <= r->frame.x + r->frame.w &&
                         b.y + b.h <= r->frame.y + r->frame.h && !rect_overlap(pad, r->panel);
                for (int j = 0; ok && j < k; j++)
                    ok = !rect_overlap(pad, done[j].b);
                if (ok && pass == 0 && r->s->offices)
                    for (size_t o = 0; ok && o < r->d->no; o++) {
                        double ox = r->t.tx + r->t.s * r->d->o[o].x, oy = r->t.ty - r->t.s * r->d->o[o].y;
                        rect sb = {ox - r->sym_r, oy - r->sym_r, 2 * r->sym_r, 2 * r->sym_r};
                        ok = !rect_overlap(b, sb);
                    }
                if (ok) {
                    chosen = c;
                    done[k++].b = b;
                }
            }
        if (chosen >= 0 && draw) {
            show_text_halo(r, l, done[k - 1].b.x, done[k - 1].b.y);
            if (r->label_boxes)
                memcpy(r->label_boxes + 4 * (r->label_base + (size_t)k - 1), &done[k - 1].b, 4 * sizeof(double));
        }
        g_object_unref(l);
    }
    free(done);
    return k;
}

static void draw_labels(rctx *r)
{
    int n = 0;
    int *order = malloc(r->d->nm * sizeof *order);
    if (!order)
        return;
    for (size_t i = 0; i < r->d->nm; i++)
        if (in_focus(r, &r->d->m[i]) && r->d->m[i].namn)
            order[n++] = (int)i;
    qsort_r(order, (size_t)n, sizeof *order, by_area_desc, (void *)r->d);
    /* With plan = both the second panel's names follow the first's. */
    r->labels_wanted += n;
    r->label_base = (size_t)r->labels_placed;
    double *boxes = realloc(r->label_boxes, (r->label_base + (size_t)n + 1) * 4 * sizeof *boxes);
    if (!boxes) {
        free(r->label_boxes);
        r->labels_placed = 0;
        r->label_base = 0;
    }
    r->label_boxes = boxes;
    double size = 7.5;
    while (size > 5.5 && place_labels(r, 0, size, order, n) < n)
        size -= 0.5;
    r->labels_placed = (int)r->label_base + place_labels(r, 1, size, order, n);
    free(order);
}

/* ---- texts of the page ---- */

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "?";
}

/* A comparison's plans are shown by both, or by one and the change between them. */
static int shows_both_plans(const rctx *r)
{
    return r->base->compare && (r->pair || r->s->measure == NV_MEASURE_CHANGE);
}

/* Appends the base names of files (one path per line), comma-separated; escaped for
 * pango markup if markup. */
static void append_files(GString *g, const char *files, int markup)
{
    for (int first = 1; files && *files; first = 0) {
        size_t k = strcspn(files, "\n");
        char *one = strndup(files, k);
        const char *name = base_name(one ? one : "?");
        char *esc = markup ? g_markup_escape_text(name, -1) : g_strdup(name);
        g_string_append_printf(g, "%s%s", first ? "" : ", ", esc);
        g_free(esc);
        free(one);
        files += k;
        if (*files == '\n')
            files++;
    }
}

/* The year in a plan's first file name (a 19xx or 20xx standing alone), or 0. */
static int file_year(const char *files)
{
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(files ? files : "", "\n"), files ? files : "");
    const char *b = base_name(first);
    size_t n = strlen(b);
    for (size_t i = 0; i + 4 <= n; i++) {
        const char *p = b + i;
        int century = (p[0] == '1' && p[1] == '9') || (p[0] == '2' && p[1] == '0');
        if (century && isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
            (i == 0 || !isdigit((unsigned char)b[i - 1])) && !isdigit((unsigned char)p[4]))
            return (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    }
    return 0;
}

/* The two plans' names in the legend and over the panels: their years when the file
 * names give two different ones, else before and after. */
static void plan_labels(rctx *r)
{
    int y0 = file_year(r->base->office_files_before), y1 = file_year(r->base->office_files);
    for (int k = 0; k < 2; k++) {
        if (y0 && y1 && y0 != y1)
            snprintf(r->plabel[k], sizeof r->plabel[k], "%d", k ? y1 : y0);
        else
            snprintf(r->plabel[k], sizeof r->plabel[k], "%s", k ? tr(r, "Efter", "After") : tr(r, "Före", "Before"));
    }
}

/* The default title and legend heading of the population measures. */
static void population_texts(rctx *r)
{
    char km[32];
    fmt_pct(km, sizeof km, r->s->share_radius_km, r->lang, 1);
    if (r->s->measure == NV_MEASURE_MEAN_KM) {
        snprintf(r->auto_title, sizeof r->auto_title, "%s",
                 tr(r, "Befolkningens medelavstånd till närmaste kontor",
                    "Mean distance of the population to the nearest office"));
        snprintf(r->auto_legend, sizeof r->auto_legend, "%s",
                 tr(r, "Medelavstånd, befolkningsviktat", "Mean distance, population-weighted"));
    } else if (r->s->measure == NV_MEASURE_MAX_KM) {
        snprintf(r->auto_title, sizeof r->auto_title, "%s",
                 tr(r, "Befolkningens längsta avstånd till närmaste kontor",
                    "Longest distance of the population to the nearest office"));
        snprintf(r->auto_legend, sizeof r->auto_legend, "%s",
                 tr(r, "Längsta avstånd i kommunen", "Longest distance in the municipality"));
    } else if (r->s->measure == NV_MEASURE_SHARE) {
        snprintf(r->auto_title, sizeof r->auto_title,
                 tr(r, "Andel av befolkningen med kontor inom %s km", "Share of the population with an office within %s km"),
                 km);
        snprintf(r->auto_legend, sizeof r->auto_legend, tr(r, "Andel inom %s km", "Share within %s km"), km);
    }
}

/* The population maps' summary: the figure for the whole map, and how the people were
 * counted when that was coarse (municipal totals at one point each). */
static char *population_subtitle(const rctx *r)
{
    const nv_map_data *d = r->d;
    int k = radius_index(d, r->s->share_radius_km), far_i = -1;
    double people = 0, within = 0, person_km = 0, far = 0;
    for (size_t i = 0; i < d->nm; i++) {
        const muni *m = &d->m[i];
        double v = muni_value(d, r->s, m);
        if (!in_focus(r, m) || !isfinite(v))
            continue;
        people += m->population;
        if (k >= 0)
            within += m->within[k];
        person_km += m->population * v;
        if (far_i < 0 || v > far) {
            far = v;
            far_i = (int)i;
        }
    }
    if (far_i < 0 || !(people > 0))
        return NULL;
    char a[32], b[32];
    const char *who = d->m[far_i].namn ? d->m[far_i].namn : d->m[far_i].kommunkod;
    const char *whole = r->county >= 0 ? tr(r, "i hela länet", "in the county as a whole")
                                       : tr(r, "i hela landet", "in the whole country");
    GString *g = g_string_new(NULL);
    if (r->s->measure == NV_MEASURE_SHARE) {
        fmt_pct(a, sizeof a, r->s->share_radius_km, r->lang, 1);
        fmt_pct(b, sizeof b, round(1000 * within / people) / 10, r->lang, 0);
        g_string_append_printf(g, tr(r, "Andel av invånarna som har ett kontor inom %s km fågelvägen: %s %% %s.",
                                     "Share of the inhabitants with an office within %s km in a straight line: "
                                     "%s %% %s."), a, b, whole);
    } else if (r->s->measure == NV_MEASURE_MEAN_KM) {
        fmt_km(a, sizeof a, person_km / people, r->lang);
        fmt_km(b, sizeof b, far, r->lang);
        g_string_append_printf(g, tr(r, "Befolkningsviktat medelavstånd fågelvägen till närmaste kontor: %s km %s, "
                                        "längst %s km (%s).",
                                     "Population-weighted mean straight-line distance to the nearest office: %s km "
                                     "%s, longest %s km (%s)."), a, whole, b, who);
    } else {
        fmt_km(b, sizeof b, far, r->lang);
        g_string_append_printf(g, tr(r, "Avstånd fågelvägen från kommunens mest avlägsna invånare till närmaste "
                                        "kontor: längst %s km (%s).",
                                     "Straight-line distance from each municipality's farthest inhabitant to the "
                                     "nearest office: longest %s km (%s)."), b, who);
    }
    if (d->population_municipal)
        g_string_append(g, tr(r, " Varje kommuns befolkning räknas i dess representativa punkt.",
                              " Each municipality's population is counted at its representative point."));
    char *text = g_string_free(g, FALSE), *out = strdup(text);
    g_free(text);
    return out;
}

static char *make_title(const rctx *r)
{
    const char *t = nv_mapspec_text(r->s, NV_TEXT_TITLE, r->lang);
    if (!t && r->s->measure == NV_MEASURE_CHANGE)
        t = tr(r, "Vad den nya kontorsplanen förändrar", "What the new office plan changes");
    if (!t && r->auto_title[0])
        t = r->auto_title;
    if (!t)
        t = r->s->measure == NV_MEASURE_PRESENCE ? tr(r, "Lokal närvaro per kommun", "Local presence by municipality")
                                                 : tr(r, "Avstånd till närmaste kontor", "Distance to the nearest office");
    char *out = NULL;
    if (r->county >= 0) {
        const county *c = &r->d->c[r->county];
        if (asprintf(&out, "%s — %s", t, c->namn ? c->namn : c->lanskod) < 0)
            out = NULL;
    } else {
        out = strdup(t);
    }
    return out;
}

/* The change map's summary: from which plan to which, and how many municipalities change how. */
static char *change_subtitle(const rctx *r)
{
    int n[5] = {0};
    for (size_t i = 0; i < r->d->nm; i++)
        if (in_focus(r, &r->d->m[i]) && r->d->m[i].change >= 0)
            n[r->d->m[i].change]++;
    GString *g = g_string_new(NULL);
    g_string_append(g, tr(r, "Från ", "From "));
    append_files(g, r->base->office_files_before, 0);
    g_string_append(g, tr(r, " till ", " to "));
    append_files(g, r->base->office_files, 0);
    if (r->lang == NV_LANG_EN)
        g_string_append_printf(g, ": %d %s lose their presence and %d gain presence; the nearest office is farther "
                                  "in %d and nearer in %d; %d unchanged.", n[NV_CHANGE_LOST_PRESENCE],
                               n[NV_CHANGE_LOST_PRESENCE] == 1 ? "municipality" : "municipalities",
                               n[NV_CHANGE_GAINED_PRESENCE], n[NV_CHANGE_LONGER], n[NV_CHANGE_SHORTER],
                               n[NV_CHANGE_UNCHANGED]);
    else
        g_string_append_printf(g, ": %d %s sin närvaro och %d får närvaro; närmaste kontor blir längre bort i %d "
                                  "och närmare i %d; %d oförändrade.", n[NV_CHANGE_LOST_PRESENCE],
                               n[NV_CHANGE_LOST_PRESENCE] == 1 ? "kommun förlorar" : "kommuner förlorar",
                               n[NV_CHANGE_GAINED_PRESENCE], n[NV_CHANGE_LONGER], n[NV_CHANGE_SHORTER],
                               n[NV_CHANGE_UNCHANGED]);
    char *text = g_string_free(g, FALSE), *out = strdup(text);
    g_free(text);
    return out;
}

/* What the subtitles sum up over the municipalities and offices in focus. */
typedef struct focus_tally {
    int n, with, offices; /* municipalities, those with an office, offices (closed ones not) */
    int far_i;            /* the municipality farthest from an office, -1 if none */
    double sum, nsum;     /* sum and count of finite nearest-office distances */
} focus_tally;

static focus_tally tally_focus(const rctx *r)
{
    focus_tally t = {0, 0, 0, -1, 0, 0};
    for (size_t i = 0; i < r->d->nm; i++) {
        const muni *m = &r->d->m[i];
        if (!in_focus(r, m))
            continue;
        t.n++;
        t.with += m->offices > 0;
        if (isfinite(m->nearest_km)) {
            t.sum += m->nearest_km;
            t.nsum++;
            if (t.far_i < 0 || m->nearest_km > r->d->m[t.far_i].nearest_km)
                t.far_i = (int)i;
        }
    }
    for (size_t i = 0; i < r->d->no; i++)
        t.offices += office_in_focus(r, &r->d->o[i]) && r->d->o[i].type != 3;
    return t;
}

/* One plan's figures, over its panel (plan = both). */
static char *panel_summary(const rctx *r)
{
    focus_tally t = tally_focus(r);
    int n = t.n, with = t.with, offices = t.offices, far_i = t.far_i;
    double sum = t.sum, nsum = t.nsum;
    char *out = NULL, mean[32] = "", far[32] = "";
    int rc;
    if (far_i >= 0) {
        fmt_km(mean, sizeof mean, sum / nsum, r->lang);
        fmt_km(far, sizeof far, r->d->m[far_i].nearest_km, r->lang);
    }
    const char *who = far_i < 0 ? "" : r->d->m[far_i].namn ? r->d->m[far_i].namn : r->d->m[far_i].kommunkod;
    if (r->s->measure == NV_MEASURE_PRESENCE || far_i < 0)
        rc = r->lang == NV_LANG_EN ? asprintf(&out, "%d of %d municipalities have an office, %d %s.", with, n, offices,
                                              offices == 1 ? "office" : "offices")
                                   : asprintf(&out, "%d av %d kommuner har kontor, %d kontor.", with, n, offices);
    else
        rc = r->lang == NV_LANG_EN
                 ? asprintf(&out, "Mean %s km, longest %s km (%s); %d of %d municipalities have an office.", mean,
                            far, who, with, n)
                 : asprintf(&out, "Medel %s km, längst %s km (%s); %d av %d kommuner har kontor.", mean, far, who,
                            with, n);
    return rc < 0 ? NULL : out;
}

static char *make_subtitle(const rctx *r)
{
    const char *given = nv_mapspec_text(r->s, NV_TEXT_SUBTITLE, r->lang);
    if (given)
        return strcmp(given, "none") == 0 ? NULL : strdup(given);
    if (r->s->measure == NV_MEASURE_CHANGE)
        return change_subtitle(r);
    if (r->auto_title[0])
        return population_subtitle(r);
    if (r->pair)
        return strdup(r->s->measure == NV_MEASURE_PRESENCE
                          ? tr(r, "Kommunernas bästa form av lokal närvaro i de två planerna.",
                               "Each municipality's best form of local presence in the two plans.")
                          : tr(r, "Avstånd fågelvägen från kommunens representativa punkt till närmaste kontor, "
                                  "med samma klassgränser i båda kartorna.",
                               "Straight-line distance from each municipality's representative point to the "
                               "nearest office, with the same classes in both maps."));
    focus_tally t = tally_focus(r);
    int n = t.n, with = t.with, offices = t.offices, far_i = t.far_i;
    double sum = t.sum, nsum = t.nsum;
    char *out = NULL;
    int rc;
    if (r->s->measure == NV_MEASURE_PRESENCE || far_i < 0) {
        rc = r->lang == NV_LANG_EN
                 ? asprintf(&out, "%d of %d municipalities have an office of their own, %d have none. %d %s.",
                            with, n, n - with, offices, offices == 1 ? "office" : "offices")
                 : asprintf(&out, "%d av %d kommuner har ett eget kontor, %d saknar. %d kontor.", with, n, n - with,
                            offices);
    } else {
        char mean[32], far[32];
        fmt_km(mean, sizeof mean, sum / nsum, r->lang);
        fmt_km(far, sizeof far, r->d->m[far_i].nearest_km, r->lang);
        const char *who = r->d->m[far_i].namn ? r->d->m[far_i].namn : r->d->m[far_i].kommunkod;
        rc = r->lang == NV_LANG_EN
                 ? asprintf(&out, "Straight-line distance from each municipality's representative point to the "
                                  "nearest office: mean %s km, longest %s km (%s).", mean, far, who)
                 : asprintf(&out, "Avstånd fågelvägen från kommunens representativa punkt till närmaste kontor: "
                                  "medel %s km, längst %s km (%s).", mean, far, who);
    }
    return rc < 0 ? NULL : out;
}

/* The source line as pango markup: boundary and plan files, the date, narvaro's version,
 * and "illustrative" when the plan's rows are not all sourced. */
static char *make_source(const rctx *r)
{
    GString *g = g_string_new(NULL);
    char *b = g_markup_escape_text(base_name(r->d->boundaries), -1);
    g_string_append_printf(g, "%s %s; ", tr(r, "Källor: kommungränser", "Sources: boundaries"), b);
    g_free(b);
    if (shows_both_plans(r)) {
        /* A comparison names both plans, and says which of them is illustrative. */
        const nv_map_data *d = r->base;
        g_string_append(g, tr(r, "kontorsplaner före ", "office plans before "));
        append_files(g, d->office_files_before ? d->office_files_before : "?", 1);
        g_string_append(g, tr(r, ", efter ", ", after "));
        append_files(g, d->office_files ? d->office_files : "?", 1);
        g_string_append_printf(g, "; %s %s; narvaro %s.", tr(r, "datum", "date"), r->date,
                               d->version ? d->version : NV_VERSION);
        if (d->illustrative_before && d->illustrative)
            g_string_append(g, tr(r, " <b>Illustrativa:</b> båda planerna har rader som inte är källbelagda.",
                                  " <b>Illustrative:</b> both plans have rows that are not sourced."));
        else if (d->illustrative_before || d->illustrative)
            g_string_append_printf(g, tr(r, " <b>Illustrativ:</b> planen %s har rader som inte är källbelagda.",
                                         " <b>Illustrative:</b> the %s plan has rows that are not sourced."),
                                   d->illustrative ? tr(r, "efter", "after") : tr(r, "före", "before"));
        return g_string_free(g, FALSE);
    }
    g_string_append_printf(g, "%s ", tr(r, "kontorsplan", "office plan"));
    append_files(g, r->d->office_files ? r->d->office_files : "?", 1);
    g_string_append_printf(g, "; %s %s; narvaro %s.", tr(r, "datum", "date"), r->date,
                           r->d->version ? r->d->version : NV_VERSION);
    if (r->d->illustrative)
        g_string_append(g, tr(r, " <b>Illustrativ:</b> planen har rader som inte är källbelagda.",
                              " <b>Illustrative:</b> the plan has rows that are not sourced."));
    return g_string_free(g, FALSE);
}

static void map_date(const char *given, char *out, size_t size)
{
    if (given && *given) {
        snprintf(out, size, "%s", given);
        return;
    }
    time_t t = time(NULL);
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (e && *e) {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (*end == '\0' && v >= 0)
            t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%d", &tm);
}

/* ---- the map itself ---- */

static void draw_map(rctx *r)
{
    cairo_t *cr = r->cr;
    const nv_map_data *d = r->d;
    int zoomed = r->county >= 0;
    cairo_save(cr);
    if (zoomed) { /* the national map fits its frame by construction */
        cairo_rectangle(cr, r->frame.x, r->frame.y, r->frame.w, r->frame.h);
        cairo_clip(cr);
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    double edge = zoomed ? 0.6 : 0.3;
    /* Neighbours of a county, in grey: they give the zoomed map its setting. */
    if (zoomed) {
        for (size_t i = 0; i < d->nm; i++) {
            const muni *m = &d->m[i];
            if (in_focus(r, m) || !in_view(r, m->bbox))
                continue;
            cairo_new_path(cr);
            path_muni(cr, d, m, r->t, 0, 0);
            set_color(cr, CONTEXT_FILL);
            cairo_fill(cr);
        }
    }
    /* One path per municipality, filled with its class colour. */
    for (size_t i = 0; i < d->nm; i++) {
        const muni *m = &d->m[i];
        if (!in_focus(r, m))
            continue;
        int c = class_of(r, m);
        cairo_new_path(cr);
        path_muni(cr, d, m, r->t, 0, 0);
        set_color(cr, c >= 0 ? r->cls[c].color : r->s->no_data_color);
        cairo_fill(cr);
    }
    /* Municipality edges in white, each shared edge once; county borders over them. */
    cairo_new_path(cr);
    path_edges(cr, r, EDGE_OWNED);
    /* A change map's unchanged municipalities are near-white: white edges would merge them. */
    set_color(cr, r->s->measure == NV_MEASURE_CHANGE ? MUNI_EDGE_ON_LIGHT : MUNI_EDGE);
    cairo_set_line_width(cr, edge);
    cairo_stroke(cr);
    if (r->s->county_borders) {
        cairo_new_path(cr);
        path_edges(cr, r, EDGE_OWNED | EDGE_BORDER);
        set_color(cr, COUNTY_EDGE);
        cairo_set_line_width(cr, zoomed ? 1.1 : 0.65);
        cairo_stroke(cr);
    }
    if (r->s->offices)
        for (int type = N_TYPES - 1; type >= 0; type--) /* closed crosses under, staffed dots on top */
            for (size_t i = 0; i < d->no; i++) {
                const office *o = &d->o[i];
                if (o->type != type || !r->show_type[type])
                    continue;
                double bb[4] = {o->x, o->y, o->x, o->y};
                if (!in_view(r, bb))
                    continue;
                draw_symbol(cr, type, r->t.tx + r->t.s * o->x, r->t.ty - r->t.s * o->y, r->sym_r);
            }
    if (r->labels)
        draw_labels(r);
    cairo_restore(cr);
    if (zoomed) {
        cairo_new_path(cr);
        cairo_rectangle(cr, r->frame.x, r->frame.y, r->frame.w, r->frame.h);
        set_color(cr, 0x9a9a9a);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    }
}

/* ---- info JSON ---- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_rect(FILE *f, const double *b)
{
    fprintf(f, "[%.3f, %.3f, %.3f, %.3f]", b[0], b[1], b[2], b[3]);
}

static nv_status write_info(const char *path, const rctx *r, const nv_render_info *in, const char *title,
                            nv_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the map description: %s", strerror(errno));
    static const char *const methods[] = {"fixed", "quantile", "jenks"};
    fprintf(f, "{\n  \"map\": ");
    json_string(f, r->s->name);
    fprintf(f, ",\n  \"format\": \"%s\",\n  \"units\": \"%s\",\n", nv_render_format_ext(in->format),
            in->format == NV_FORMAT_PNG ? "px" : "pt");
    fprintf(f, "  \"width\": %.3f,\n  \"height\": %.3f,\n  \"dpi\": %.3f,\n", in->width, in->height, in->dpi);
    fprintf(f, "  \"crs\": ");
    json_string(f, r->d->crs);
    fprintf(f, ",\n  \"transform\": {\"scale\": %.12g, \"x_offset\": %.6f, \"y_offset\": %.6f},\n", in->scale,
            in->x_offset, in->y_offset);
    fprintf(f, "  \"county\": ");
    if (r->county >= 0)
        json_string(f, r->d->c[r->county].lanskod);
    else
        fprintf(f, "null");
    char measure[64];
    fprintf(f, ",\n  \"lang\": \"%s\",\n  \"measure\": \"%s\",\n  \"plan\": \"%s\",\n",
            r->lang == NV_LANG_EN ? "en" : "sv", nv_mapspec_measure_name(r->s, measure, sizeof measure),
            r->s->plan == NV_PLAN_BOTH ? "both" : r->s->plan == NV_PLAN_BEFORE ? "before" : "after");
    fprintf(f, "  \"breaks_method\": \"%s\",\n  \"breaks_km\": [", methods[r->method]);
    for (size_t i = 0; i < in->n_breaks; i++)
        fprintf(f, "%s%.17g", i ? ", " : "", in->breaks_km[i]); /* exact: jenks limits are data values */
    fprintf(f, "],\n  \"classes\": [");
    for (size_t i = 0; i < in->n_classes; i++) {
        const nv_render_class *c = &in->classes[i];
        fprintf(f, "%s\n    {\"key\": ", i ? "," : "");
        json_string(f, c->key);
        fprintf(f, ", \"label\": ");
        json_string(f, c->label);
        fprintf(f, ", \"color\": \"#%06x\", \"count\": %d, ", c->color, c->count);
        if (in->n_panels)
            fprintf(f, "\"count_before\": %d, ", c->count_before);
        fprintf(f, "\"swatch\": ");
        json_rect(f, c->swatch);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"symbols\": [");
    for (size_t i = 0; i < in->n_symbols; i++) {
        const nv_render_symbol *s = &in->symbols[i];
        fprintf(f, "%s\n    {\"type\": \"%s\", \"count\": %d, ", i ? "," : "", s->type, s->count);
        if (in->n_panels)
            fprintf(f, "\"count_before\": %d, ", s->count_before);
        fprintf(f, "\"fill\": \"#%06x\", \"stroke\": \"#%06x\", \"radius\": %.3f, \"swatch\": ", s->fill,
                s->stroke, s->radius);
        json_rect(f, s->swatch);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"panel\": ");
    json_rect(f, in->panel);
    fprintf(f, ",\n  \"frame\": ");
    json_rect(f, in->frame);
    fprintf(f, ",\n  \"panels\": [");
    for (size_t i = 0; i < in->n_panels; i++) {
        const nv_render_panel *p = &in->panels[i];
        fprintf(f, "%s\n    {\"plan\": \"%s\", \"label\": ", i ? "," : "", p->plan);
        json_string(f, p->label);
        fprintf(f, ", \"transform\": {\"scale\": %.12g, \"x_offset\": %.6f, \"y_offset\": %.6f}, \"offices\": %d, "
                   "\"frame\": ", p->scale, p->x_offset, p->y_offset, p->offices);
        json_rect(f, p->frame);
        fprintf(f, "}");
    }
    fprintf(f, "%s]", in->n_panels ? "\n  " : "");
    fprintf(f, ",\n  \"label_boxes\": [");
    for (int i = 0; r->label_boxes && i < r->labels_placed; i++) {
        double b[4];
        for (int k = 0; k < 4; k++)
            b[k] = r->label_boxes[4 * i + k] * (in->format == NV_FORMAT_PNG ? in->dpi / 72 : 1);
        fprintf(f, "%s", i ? ", " : "");
        json_rect(f, b);
    }
    fprintf(f, "]");
    fprintf(f, ",\n  \"municipalities\": %d,\n  \"offices\": %d,\n  \"labels\": %d,\n  \"labels_wanted\": %d,\n",
            in->municipalities, in->offices, in->labels, in->labels_wanted);
    fprintf(f, "  \"title\": ");
    json_string(f, title);
    fprintf(f, ",\n  \"source\": ");
    json_string(f, r->source);
    fprintf(f, ",\n  \"illustrative\": %s,\n  \"date\": \"%s\"\n}\n", in->illustrative ? "true" : "false", in->date);
    if (ferror(f) | (fclose(f) != 0))
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the map description: %s", strerror(errno));
    return NV_OK;
}

/* ---- the page ---- */

/* ---- PNG ----
 * Written here with zlib rather than by cairo_surface_write_to_png: a fast compression
 * level (maps are large flat areas, which the Sub filter turns into runs of zeros)
 * takes a fifth of the time of libpng's default, and a pHYs chunk records the
 * resolution, so that a print program sizes the page as A4 or A3. */
static int put_chunk(FILE *f, const char *type, const unsigned char *data, size_t n)
{
    unsigned char head[8] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                             (unsigned char)n, (unsigned char)type[0], (unsigned char)type[1],
                             (unsigned char)type[2], (unsigned char)type[3]};
    uLong crc = crc32(0, head + 4, 4);
    if (n)
        crc = crc32(crc, data, (uInt)n);
    unsigned char tail[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16), (unsigned char)(crc >> 8),
                             (unsigned char)crc};
    return fwrite(head, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) && fwrite(tail, 1, 4, f) == 4
               ? 0 : -1;
}

static void put_u32be(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16), b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

static nv_status write_png(cairo_surface_t *surf, double dpi, const char *path, nv_error *err)
{
    cairo_surface_flush(surf);
    int w = cairo_image_surface_get_width(surf), h = cairo_image_surface_get_height(surf);
    int stride = cairo_image_surface_get_stride(surf);
    const unsigned char *data = cairo_image_surface_get_data(surf);
    size_t rowlen = 1 + 3 * (size_t)w;
    unsigned char *row = malloc(rowlen), *out = malloc(1 << 16);
    FILE *f = fopen(path, "wb");
    z_stream z;
    memset(&z, 0, sizeof z);
    int ok = row && out && f && deflateInit2(&z, 1, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    int zinit = ok;
    if (ok) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        unsigned char ihdr[13] = {0}, phys[9];
        put_u32be(ihdr, (uint32_t)w);
        put_u32be(ihdr + 4, (uint32_t)h);
        ihdr[8] = 8; /* bits per sample */
        ihdr[9] = 2; /* RGB */
        uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
        put_u32be(phys, ppm);
        put_u32be(phys + 4, ppm);
        phys[8] = 1; /* metres */
        ok = fwrite(sig, 1, 8, f) == 8 && put_chunk(f, "IHDR", ihdr, 13) == 0 && put_chunk(f, "pHYs", phys, 9) == 0;
    }
    for (int y = 0; ok && y <= h; y++) {
        if (y < h) {
            const uint32_t *px = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
            unsigned char *q = row + 1, prev[3] = {0, 0, 0};
            row[0] = 1; /* filter Sub: each byte minus the one a pixel to the left */
            for (int x = 0; x < w; x++, q += 3) {
                unsigned char c[3] = {(unsigned char)(px[x] >> 16), (unsigned char)(px[x] >> 8), (unsigned char)px[x]};
                q[0] = (unsigned char)(c[0] - prev[0]), q[1] = (unsigned char)(c[1] - prev[1]);
                q[2] = (unsigned char)(c[2] - prev[2]);
                memcpy(prev, c, 3);
            }
            z.next_in = row;
            z.avail_in = (uInt)rowlen;
        }
        do {
            z.next_out = out;
            z.avail_out = 1 << 16;
            int zr = deflate(&z, y < h ? Z_NO_FLUSH : Z_FINISH);
            if (zr == Z_STREAM_ERROR) {
                ok = 0;
                break;
            }
            size_t have = (1 << 16) - z.avail_out;
            if (have && put_chunk(f, "IDAT", out, have) != 0)
                ok = 0;
        } while (ok && z.avail_out == 0); /* a full buffer: deflate has more to give */
    }
    if (ok)
        ok = put_chunk(f, "IEND", NULL, 0) == 0;
    if (zinit)
        deflateEnd(&z);
    int e = errno;
    if (f && fclose(f) != 0)
        ok = 0, e = errno;
    free(row);
    free(out);
    if (!ok)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the PNG: %s (does the folder exist?)",
                            f && e ? strerror(e) : row && out ? "zlib failed" : "out of memory");
    return NV_OK;
}

/* The PNG canvas, in memory we own: on Linux, huge pages spare the thousands of page
 * faults that touching a 10 MB canvas costs (a third of the drawing time in a VM). */
typedef struct canvas {
    void *mem;
    size_t size;
} canvas;

static cairo_surface_t *canvas_create(canvas *c, int w, int h)
{
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, w);
    size_t align = (size_t)2 << 20;
    c->size = ((size_t)stride * (size_t)h + align - 1) / align * align;
    c->mem = aligned_alloc(align, c->size);
    if (!c->mem)
        return cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h); /* cairo allocates, or fails */
#ifdef MADV_HUGEPAGE
    madvise(c->mem, c->size, MADV_HUGEPAGE);
#endif
    return cairo_image_surface_create_for_data(c->mem, CAIRO_FORMAT_RGB24, w, h, stride);
}

/* Makes the PangoContext: the pinned family, no hinting, no rounding (see the top). */
static nv_status make_pango(rctx *r, PangoFontMap *fm, nv_error *err)
{
    r->pc = pango_font_map_create_context(fm);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(r->pc, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(r->pc, 72);
    pango_context_set_round_glyph_positions(r->pc, FALSE);
    pango_context_set_language(r->pc, pango_language_from_string(r->lang == NV_LANG_EN ? "en" : "sv"));
    /* Fontconfig substitutes silently: check that the family we get is the one we ask for. */
    PangoFontDescription *fd = pango_font_description_from_string(FONT_FAMILY " 10");
    PangoFont *font = pango_font_map_load_font(fm, r->pc, fd);
    pango_font_description_free(fd);
    const char *family = NULL;
    PangoFontDescription *got = font ? pango_font_describe(font) : NULL;
    if (got)
        family = pango_font_description_get_family(got);
    int ok = family && strcasecmp(family, FONT_FAMILY) == 0;
    char found[128];
    snprintf(found, sizeof found, "%s", family ? family : "no font at all");
    if (got)
        pango_font_description_free(got);
    if (font)
        g_object_unref(font);
    if (!ok)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0,
                            "the font family \"" FONT_FAMILY "\" is not installed (fontconfig offers %s instead; "
                            "install the Debian package fonts-dejavu-core, as scripts/setup does)", found);
    return NV_OK;
}

static nv_status render_page(rctx *r, const nv_render_options *o, const char *out_path, nv_render_info *info,
                             PangoFontMap *fm, nv_error *err)
{
    nv_status st = NV_OK;
    cairo_surface_t *surf = NULL;
    canvas cv = {NULL, 0};
    PangoLayout *title_l = NULL, *sub_l = NULL, *src_l = NULL;
    char *title = NULL, *sub = NULL;
    const nv_mapspec *s = r->s;
    int px_w = 0, px_h = 0;
    double px = 1; /* output units per point */

    PangoLayout *head_l[2] = {NULL, NULL}, *psum_l[2] = {NULL, NULL};

    if ((st = make_classes(r, o, err)) != NV_OK)
        return st;
    /* Class and office counts, per plan with plan = both (the legend has a column each). */
    for (int k = r->pair ? 0 : 1; k < 2; k++) {
        const nv_map_data *d = r->pair ? r->pv[k] : r->d;
        int *counts = k == 0 ? r->pcount[0] : r->pcount[1], *types = r->ptype_count[k];
        for (size_t i = 0; i < d->nm; i++)
            if (in_focus(r, &d->m[i])) {
                int c = class_of(r, &d->m[i]);
                if (c >= 0)
                    counts[c]++;
            }
        for (size_t i = 0; i < d->no; i++) {
            /* Closed offices are shown on change maps only. */
            if (s->offices && (d->o[i].type != 3 || s->measure == NV_MEASURE_CHANGE))
                r->show_type[d->o[i].type] = 1;
            if (office_in_focus(r, &d->o[i]))
                types[d->o[i].type]++;
        }
    }
    for (size_t c = 0; c < r->ncls; c++)
        r->cls[c].count = r->pcount[1][c];
    memcpy(r->type_count, r->ptype_count[1], sizeof r->type_count);
    r->sym_r = r->county >= 0 ? 3.4 : 2.3;
    r->labels = s->labels == NV_LABELS_NAMES || (s->labels == NV_LABELS_AUTO && r->county >= 0);
    map_date(o->date, r->date, sizeof r->date);

    if (r->fmt == NV_FORMAT_PNG) {
        px_w = (int)lround(r->page_w * r->dpi / 72);
        px_h = (int)lround(r->page_h * r->dpi / 72);
        px = r->dpi / 72;
        surf = canvas_create(&cv, px_w, px_h);
    } else if (r->fmt == NV_FORMAT_SVG) {
        surf = cairo_svg_surface_create(out_path, r->page_w, r->page_h);
    } else {
        surf = cairo_pdf_surface_create(out_path, r->page_w, r->page_h);
    }
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        st = nv_error_set(err, NV_ERR_FAIL, out_path, 0, "cannot create the map: %s (does the folder exist?)",
                          cairo_status_to_string(cairo_surface_status(surf)));
        goto done;
    }
    if (r->fmt == NV_FORMAT_PDF) {
        char when[32];
        snprintf(when, sizeof when, "%sT00:00:00Z", r->date);
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, when);
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "narvaro " NV_VERSION);
    }
    r->cr = cairo_create(surf);
    cairo_scale(r->cr, px, px);
    if ((st = make_pango(r, fm, err)) != NV_OK)
        goto done;

    /* Header and footer first: the map frame is what they leave. */
    double margin = 10 * MM, inner_w = r->page_w - 2 * margin, th = 0, sh = 0, fh = 0;
    title = make_title(r);
    sub = make_subtitle(r);
    r->source = make_source(r);
    if (!title || !r->source) {
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        goto done;
    }
    if (r->fmt == NV_FORMAT_PDF)
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
    title_l = layout_text(r, title, 16, 1, inner_w, 0);
    text_size(title_l, NULL, &th);
    if (sub) {
        sub_l = layout_text(r, sub, 9, 0, inner_w, 0);
        text_size(sub_l, NULL, &sh);
    }
    src_l = layout_text(r, r->source, 7, 0, inner_w, 1);
    text_size(src_l, NULL, &fh);
    double header = th + (sub ? 3 + sh : 0) + 8, text_x = margin;
    r->frame = (rect){margin, margin + header, inner_w, r->page_h - 2 * margin - header - fh - 6};

    /* The extent: the country, or the county with a margin. */
    double ext[4];
    if (r->county >= 0) {
        const double *cb = r->d->c[r->county].bbox;
        double pad = 0.06 * fmax(cb[2] - cb[0], cb[3] - cb[1]);
        ext[0] = cb[0] - pad, ext[1] = cb[1] - pad, ext[2] = cb[2] + pad, ext[3] = cb[3] + pad;
    } else {
        double pad = 0.01 * fmax(r->d->bbox[2] - r->d->bbox[0], r->d->bbox[3] - r->d->bbox[1]);
        ext[0] = r->d->bbox[0] - pad, ext[1] = r->d->bbox[1] - pad;
        ext[2] = r->d->bbox[2] + pad, ext[3] = r->d->bbox[3] + pad;
    }
    if (!(ext[2] > ext[0]) || !(ext[3] > ext[1])) {
        st = nv_error_set(err, NV_ERR_INPUT, r->d->path, 0, "the municipalities have no extent to draw");
        goto done;
    }
    panel_metrics pm = measure_panel(r);
    if (r->pair) {
        /* Each plan's heading over its map: its name and files, then its figures. */
        for (int k = 0; k < 2; k++) {
            GString *g = g_string_new(NULL);
            char *label = g_markup_escape_text(r->plabel[k], -1);
            g_string_append_printf(g, "<b>%s</b>  ", label);
            g_free(label);
            append_files(g, k ? r->base->office_files : r->base->office_files_before, 1);
            char *markup = g_string_free(g, FALSE);
            r->d = r->pv[k];
            char *sum = panel_summary(r);
            head_l[k] = layout_text(r, markup, 10, 0, 0, 1);
            psum_l[k] = layout_text(r, sum ? sum : "", 7.5, 0, 0, 0);
            g_free(markup);
            free(sum);
        }
        r->d = r->pv[1];
        place_pair(r, ext, &pm, head_l, psum_l);
        /* The page's texts line up with the group of maps and legend, centred on the page:
         * wrapped to its width, they may take more lines, so the group is placed again. */
        double gw = r->panel.x + r->panel.w - r->pframe[0].x;
        PangoLayout *texts[3] = {title_l, sub_l, src_l};
        for (int i = 0; i < 3; i++)
            if (texts[i])
                pango_layout_set_width(texts[i], (int)(gw * PANGO_SCALE));
        text_size(title_l, NULL, &th);
        if (sub_l)
            text_size(sub_l, NULL, &sh);
        text_size(src_l, NULL, &fh);
        header = th + (sub ? 3 + sh : 0) + 8;
        r->frame = (rect){margin, margin + header, inner_w, r->page_h - 2 * margin - header - fh - 6};
        place_pair(r, ext, &pm, head_l, psum_l);
        text_x = r->pframe[0].x;
    } else if (place(r, ext, &pm) != 0) {
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory (layout)");
        goto done;
    }

    cairo_t *cr = r->cr;
    set_color(cr, 0xffffff);
    cairo_paint(cr);
    if (r->pair) {
        for (int k = 0; k < 2; k++) {
            double hh, sh2;
            text_size(head_l[k], NULL, &hh);
            text_size(psum_l[k], NULL, &sh2);
            r->d = r->pv[k];
            r->t = r->pt[k];
            r->frame = r->pframe[k];
            set_view(r);
            draw_map(r);
            show_text(r, head_l[k], r->frame.x, r->frame.y - PANEL_HEAD_GAP - sh2 - 1 - hh, INK);
            show_text(r, psum_l[k], r->frame.x, r->frame.y - PANEL_HEAD_GAP - sh2, INK_SOFT);
        }
    } else {
        draw_map(r);
    }
    if (info) {
        memset(info, 0, sizeof *info);
        info->n_classes = r->ncls;
        memcpy(info->classes, r->cls, r->ncls * sizeof *r->cls);
        for (size_t c = 0; r->pair && c < r->ncls; c++)
            info->classes[c].count_before = r->pcount[0][c];
    }
    draw_panel(r, &pm, info, px);
    show_text(r, title_l, text_x, margin, INK);
    if (sub_l)
        show_text(r, sub_l, text_x, margin + th + 3, INK_SOFT);
    show_text(r, src_l, text_x, r->page_h - margin - fh, INK_SOFT);

    cairo_destroy(r->cr);
    r->cr = NULL;
    if (r->fmt == NV_FORMAT_PNG) {
        st = write_png(surf, r->dpi, out_path, err);
    } else {
        cairo_surface_finish(surf);
        if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS)
            st = nv_error_set(err, NV_ERR_FAIL, out_path, 0, "cannot write the map: %s",
                              cairo_status_to_string(cairo_surface_status(surf)));
    }
    if (st == NV_OK && info) {
        info->format = r->fmt;
        info->width = r->fmt == NV_FORMAT_PNG ? px_w : r->page_w;
        info->height = r->fmt == NV_FORMAT_PNG ? px_h : r->page_h;
        info->dpi = r->fmt == NV_FORMAT_PNG ? r->dpi : 72;
        info->scale = r->t.s * px;
        info->x_offset = r->t.tx * px;
        info->y_offset = r->t.ty * px;
        info->n_breaks = r->nbreaks;
        memcpy(info->breaks_km, r->breaks, r->nbreaks * sizeof *r->breaks);
        static const char *const type_names[N_TYPES] = {"staffed", "booked", "other", "closed"};
        for (int t = 0; t < N_TYPES; t++) {
            if (!r->show_type[t])
                continue;
            nv_render_symbol *is = &info->symbols[info->n_symbols++];
            snprintf(is->type, sizeof is->type, "%s", type_names[t]);
            is->count = r->type_count[t];
            is->count_before = r->pair ? r->ptype_count[0][t] : 0;
            symbol_colors(t, &is->fill, &is->stroke);
            is->radius = r->sym_r * px;
        }
        double pr[4] = {r->panel.x * px, r->panel.y * px, r->panel.w * px, r->panel.h * px};
        double fr[4] = {r->frame.x * px, r->frame.y * px, r->frame.w * px, r->frame.h * px};
        memcpy(info->panel, pr, sizeof pr);
        memcpy(info->frame, fr, sizeof fr);
        for (size_t i = 0; i < r->ncls; i++)
            info->municipalities += r->cls[i].count;
        for (int t = 0; t < N_TYPES; t++)
            info->offices += r->show_type[t] ? r->type_count[t] : 0;
        for (int k = 0; r->pair && k < 2; k++) {
            nv_render_panel *ip = &info->panels[info->n_panels++];
            snprintf(ip->plan, sizeof ip->plan, "%s", k ? "after" : "before");
            snprintf(ip->label, sizeof ip->label, "%s", r->plabel[k]);
            ip->scale = r->pt[k].s * px;
            ip->x_offset = r->pt[k].tx * px;
            ip->y_offset = r->pt[k].ty * px;
            double f[4] = {r->pframe[k].x * px, r->pframe[k].y * px, r->pframe[k].w * px, r->pframe[k].h * px};
            memcpy(ip->frame, f, sizeof f);
            for (int t = 0; t < N_TYPES; t++)
                ip->offices += r->show_type[t] ? r->ptype_count[k][t] : 0;
        }
        info->labels = r->labels_placed;
        info->labels_wanted = r->labels_wanted;
        info->illustrative = r->d->illustrative;
        snprintf(info->date, sizeof info->date, "%s", r->date);
        if (o->info_path)
            st = write_info(o->info_path, r, info, title, err);
    }
done:
    for (int k = 0; k < 2; k++) {
        if (head_l[k])
            g_object_unref(head_l[k]);
        if (psum_l[k])
            g_object_unref(psum_l[k]);
    }
    if (title_l)
        g_object_unref(title_l);
    if (sub_l)
        g_object_unref(sub_l);
    if (src_l)
        g_object_unref(src_l);
    if (r->pc)
        g_object_unref(r->pc);
    r->pc = NULL;
    if (r->cr)
        cairo_destroy(r->cr);
    r->cr = NULL;
    cairo_surface_destroy(surf);
    free(cv.mem);
    free(title);
    free(sub);
    g_free(r->source);
    r->source = NULL;
    free(r->label_boxes);
    r->label_boxes = NULL;
    if (st != NV_OK)
        unlink(out_path);
    return st;
}

/* Page size and resolution from the spec and the options (see render.h). */
static void page_size(const nv_mapspec *s, const nv_render_options *o, double *w_pt, double *h_pt, double *dpi)
{
    int cli = o->paper >= 0 || o->dpi > 0 || o->width_px > 0 || o->height_px > 0;
    nv_paper paper = o->paper >= 0 ? (nv_paper)o->paper : s->paper;
    int wpx = cli ? o->width_px : s->width_px, hpx = cli ? o->height_px : s->height_px;
    *w_pt = (paper == NV_PAPER_A3 ? 297 : 210) * MM;
    *h_pt = (paper == NV_PAPER_A3 ? 420 : 297) * MM;
    if (s->orientation == NV_LANDSCAPE) {
        double t = *w_pt;
        *w_pt = *h_pt;
        *h_pt = t;
    }
    *dpi = o->dpi > 0 ? o->dpi : s->dpi;
    if (wpx > 0 && hpx > 0) {
        *w_pt = *h_pt * wpx / hpx; /* the paper's height, the pixels' shape */
        *dpi = hpx / (*h_pt / 72);
    } else if (hpx > 0) {
        *dpi = hpx / (*h_pt / 72);
    } else if (wpx > 0) {
        *dpi = wpx / (*w_pt / 72);
    }
}

/* The before plan of a comparison as a run of its own: the same polygons, counties and
 * names, that plan's figures and offices. Shares all but the municipality array with d;
 * *owned gets that array, which the caller frees (not the view). NULL when out of memory. */
static const nv_map_data *before_view(const nv_map_data *d, nv_map_data *v, muni **owned)
{
    muni *m = malloc((d->nm ? d->nm : 1) * sizeof *m);
    *owned = m;
    if (!m)
        return NULL;
    memcpy(m, d->m, d->nm * sizeof *m);
    for (size_t i = 0; i < d->nm; i++) {
        m[i].presence = m[i].presence_before;
        m[i].offices = m[i].offices_before;
        m[i].nearest_km = m[i].nearest_km_before;
    }
    *v = *d;
    v->m = m;
    v->o = d->ob;
    v->no = d->nob;
    v->office_files = d->office_files_before;
    v->illustrative = d->illustrative_before;
    return v;
}

/* A population measure needs a single run's population figures, and share_within_<R>km
 * a run that counted the people within R km. */
static nv_status check_measure(const nv_map_data *d, const nv_mapspec *s, nv_error *err)
{
    if (s->measure != NV_MEASURE_MEAN_KM && s->measure != NV_MEASURE_MAX_KM && s->measure != NV_MEASURE_SHARE)
        return NV_OK;
    char name[64];
    nv_mapspec_measure_name(s, name, sizeof name);
    if (d->compare)
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "is a comparison, and the map '%s' colours by %s, a figure of one plan: draw it from "
                            "the narvaro.sqlite that narvaro analyze writes for either plan", s->name, name);
    if (!d->has_population)
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "holds no population figures, which measure %s needs (an older narvaro wrote it: "
                            "run narvaro analyze again)", name);
    if (s->measure != NV_MEASURE_SHARE || radius_index(d, s->share_radius_km) >= 0)
        return NV_OK;
    char radii[160] = "", choices[400] = "", km[32];
    size_t a = 0, b = 0;
    for (size_t i = 0; i < d->n_radii; i++) {
        const char *sep = i == 0 ? "" : i + 1 == d->n_radii ? " or " : ", ";
        a += (size_t)snprintf(radii + a, a < sizeof radii ? sizeof radii - a : 0, "%s%g", i ? ", " : "",
                              d->radii_km[i]);
        b += (size_t)snprintf(choices + b, b < sizeof choices ? sizeof choices - b : 0, "%sshare_within_%gkm", sep,
                              d->radii_km[i]);
        if (a >= sizeof radii || b >= sizeof choices)
            break;
    }
    snprintf(km, sizeof km, "%g", s->share_radius_km);
    if (d->n_radii == 0)
        return nv_error_set(err, NV_ERR_INPUT, s->path, s->measure_line,
                            "measure %s: %s counts the population within no radius (run narvaro analyze again "
                            "with --radius-km %s)", name, d->path, km);
    return nv_error_set(err, NV_ERR_INPUT, s->path, s->measure_line,
                        "measure %s: %s has no population within %s km; the run's radii are %s km (give %s, or "
                        "run narvaro analyze again with --radius-km %s)", name, d->path, km, radii, choices, km);
}

static nv_status render_one(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                            const char *out_path, nv_render_format fmt, nv_render_info *info, PangoFontMap *fm,
                            nv_error *err)
{
    rctx r;
    memset(&r, 0, sizeof r);
    if (!d->compare && (spec->measure == NV_MEASURE_CHANGE || spec->plan != NV_PLAN_AFTER))
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "holds the result of one plan, and the map '%s' shows %s: draw it from the "
                            "compare.sqlite that narvaro compare BASE.csv PLAN.csv --out DIR writes",
                            spec->name, spec->measure == NV_MEASURE_CHANGE ? "what changes between two plans"
                                        : spec->plan == NV_PLAN_BOTH ? "two plans side by side"
                                                                     : "the before plan of a comparison");
    nv_status st = check_measure(d, spec, err);
    for (size_t i = 0; st == NV_OK && i < o->n_pool; i++)
        if (o->pool[i])
            st = check_measure(o->pool[i], spec, err);
    if (st != NV_OK)
        return st;
    nv_map_data view;
    muni *owned = NULL;
    const nv_map_data *before = NULL;
    if (spec->plan != NV_PLAN_AFTER && !(before = before_view(d, &view, &owned))) {
        free(owned);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    r.base = d;
    r.d = spec->plan == NV_PLAN_BEFORE ? before : d;
    if (spec->plan == NV_PLAN_BOTH) {
        r.pair = 1;
        r.pv[0] = before;
        r.pv[1] = d;
        r.extra_pool = before;
    }
    r.s = spec;
    r.fmt = fmt;
    r.lang = o->lang >= 0 ? (nv_lang)o->lang : spec->lang;
    r.method = o->breaks >= 0 ? (nv_breaks)o->breaks : spec->breaks;
    r.county = -1;
    if (o->county) {
        r.county = find_county(d, o->county);
        if (r.county < 0) {
            char codes[256] = "";
            size_t len = 0;
            for (size_t i = 0; i < d->nc && len < sizeof codes; i++)
                len += (size_t)snprintf(codes + len, sizeof codes - len, "%s%s", i ? ", " : "", d->c[i].lanskod);
            free(owned);
            return nv_error_set(err, NV_ERR_INPUT, d->path, 0, "no county '%s' in this run (counties: %s)",
                                o->county, codes);
        }
    }
    page_size(spec, o, &r.page_w, &r.page_h, &r.dpi);
    if (d->compare)
        plan_labels(&r);
    population_texts(&r);
    nv_render_info local;
    st = render_page(&r, o, out_path, info ? info : &local, fm, err);
    free(owned);
    return st;
}

nv_status nv_render_classes(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                            nv_render_info *info, int *cls_after, int *cls_before, nv_error *err)
{
    nv_render_options defaults;
    if (!o) {
        nv_render_options_init(&defaults);
        o = &defaults;
    }
    memset(info, 0, sizeof *info);
    if (!d->compare && (spec->measure == NV_MEASURE_CHANGE || spec->plan != NV_PLAN_AFTER))
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0, "holds the result of one plan, and the map '%s' needs "
                            "a comparison (compare.sqlite)", spec->name);
    nv_status st = check_measure(d, spec, err);
    if (st != NV_OK)
        return st;
    rctx r;
    memset(&r, 0, sizeof r);
    nv_map_data view;
    muni *owned = NULL;
    const nv_map_data *before = NULL;
    if (spec->plan != NV_PLAN_AFTER && !(before = before_view(d, &view, &owned))) {
        free(owned);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    r.base = d;
    r.d = spec->plan == NV_PLAN_BEFORE ? before : d;
    r.extra_pool = spec->plan == NV_PLAN_BOTH ? before : NULL;
    r.s = spec;
    r.lang = o->lang >= 0 ? (nv_lang)o->lang : spec->lang;
    r.method = o->breaks >= 0 ? (nv_breaks)o->breaks : spec->breaks;
    r.county = -1;
    if ((st = make_classes(&r, o, err)) == NV_OK) {
        /* The after plan's classes go to cls_after (for plan = before: that plan's), the
         * before plan's to cls_before when the spec shows both. */
        for (size_t i = 0; i < d->nm; i++) {
            int c = class_of(&r, &r.d->m[i]);
            if (cls_after)
                cls_after[i] = c;
            if (c >= 0)
                r.cls[c].count++;
            if (before && spec->plan == NV_PLAN_BOTH) {
                int b = class_of(&r, &before->m[i]);
                if (cls_before)
                    cls_before[i] = b;
                if (b >= 0)
                    r.cls[b].count_before++;
            } else if (cls_before) {
                cls_before[i] = -1;
            }
        }
        memcpy(info->classes, r.cls, r.ncls * sizeof *r.cls);
        info->n_classes = r.ncls;
        memcpy(info->breaks_km, r.breaks, r.nbreaks * sizeof *r.breaks);
        info->n_breaks = r.nbreaks;
        static const char *const types[N_TYPES] = {"staffed", "booked", "other", "closed"};
        for (int k = 0; k < N_TYPES; k++) {
            nv_render_symbol *sy = &info->symbols[info->n_symbols++];
            snprintf(sy->type, sizeof sy->type, "%s", types[k]);
            symbol_colors(k, &sy->fill, &sy->stroke);
        }
        for (size_t i = 0; i < r.d->no; i++)
            info->symbols[r.d->o[i].type].count++;
        info->illustrative = r.d->illustrative;
    }
    free(owned);
    return st;
}

size_t nv_render_municipality_count(const nv_map_data *d)
{
    return d ? d->nm : 0;
}

const char *nv_render_municipality_code(const nv_map_data *d, size_t i)
{
    return d && i < d->nm ? d->m[i].kommunkod : NULL;
}

nv_status nv_render_write(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                          const char *out_path, nv_render_info *info, nv_error *err)
{
    nv_render_format fmt = NV_FORMAT_PNG; /* set below; the initialiser quiets -O3 */
    nv_render_options defaults;
    nv_status st;
    if (!o) {
        nv_render_options_init(&defaults);
        o = &defaults;
    }
    if ((st = nv_render_format_from_path(out_path, &fmt, err)) != NV_OK)
        return st;
    PangoFontMap *fm = pango_cairo_font_map_new();
    st = render_one(d, spec, o, out_path, fmt, info, fm, err);
    g_object_unref(fm);
    return st;
}

nv_status nv_render_write_by_county(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                                    const char *out_dir, nv_render_format fmt, int *written, nv_error *err)
{
    nv_render_options opt;
    nv_status st = NV_OK;
    if (o)
        opt = *o;
    else
        nv_render_options_init(&opt);
    if (written)
        *written = 0;
    if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        return nv_error_set(err, NV_ERR_FAIL, out_dir, 0, "cannot create the folder: %s", strerror(errno));
    struct stat sb;
    if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, out_dir, 0, "is not a folder (with --by-county, --out names a folder)");
    int want_info = o && o->info_path;
    char date[16];
    map_date(opt.date, date, sizeof date);
    opt.date = date; /* one date for the whole batch, even across midnight */
    PangoFontMap *fm = pango_cairo_font_map_new();
    for (size_t i = 0; i < d->nc && st == NV_OK; i++) {
        char *path = NULL, *json = NULL;
        if (asprintf(&path, "%s/%s-%s.%s", out_dir, spec->name, d->c[i].lanskod, nv_render_format_ext(fmt)) < 0 ||
            (want_info && asprintf(&json, "%s/%s-%s.json", out_dir, spec->name, d->c[i].lanskod) < 0)) {
            free(path);
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            break;
        }
        opt.county = d->c[i].lanskod;
        opt.info_path = json;
        st = render_one(d, spec, &opt, path, fmt, NULL, fm, err);
        if (st == NV_OK && written)
            (*written)++;
        free(path);
        free(json);
    }
    g_object_unref(fm);
    return st;
}
