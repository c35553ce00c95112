/* mapdata.c — reading a result database for the maps.
 *
 * Plain SQLite; the SpatiaLite geometry blobs are parsed here, which spares loading
 * libspatialite for a read. */
#include "mapdata.h"

#include "compare.h"
#include "index.h"
#include "store.h"
#include "textin.h"
#include "tiers.h"

#include <sqlite3.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static double real_col(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

void nv_mapdata_destroy(nv_map_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nm; i++) {
        free(d->m[i].kommunkod);
        free(d->m[i].namn);
        free(d->m[i].lanskod);
        free(d->m[i].pword);
        free(d->m[i].pword_before);
    }
    for (size_t i = 0; i < d->n_tiers; i++)
        free(d->tiers[i]);
    for (size_t i = 0; d->vals && i < d->nm * d->n_cols; i++)
        free(d->vals[i]);
    for (size_t c = 0; c < d->n_cols; c++)
        free(d->cols[c]);
    free(d->cols);
    free(d->vals);
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
static const char *read_polygon(nv_map_data *d, nv_map_muni *m, reader *r, size_t dims)
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
        d->rings[d->nrings++] = (nv_map_ring){d->npts, np};
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
static const char *read_blob(nv_map_data *d, nv_map_muni *m, const unsigned char *b, size_t n)
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
 * Every segment of every ring gets flags: NV_EDGE_OWNED on the first ring that holds it,
 * so that an edge two municipalities share is stroked once, and NV_EDGE_BORDER when it
 * is a county border (the polygon on its other side belongs to another county) or part
 * of the outline (no polygon shares it). Shared edges are found by hashing segments on
 * their exact end points: the boundaries are simplified with shared arcs (mapshaper),
 * so neighbours hold identical vertices. */

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
            const nv_map_muni *m = &d->m[mi];
            for (size_t ri = m->ring0; ri < m->ring0 + m->nrings; ri++) {
                size_t pt0 = d->rings[ri].pt0;
                for (size_t k = 0; k + 1 < d->rings[ri].npts; k++) {
                    const double *p = d->xy + 2 * (pt0 + k);
                    if (p[0] == p[2] && p[1] == p[3])
                        continue;
                    seg *s = &tab[seg_slot(tab, cap, p, p + 2, key)];
                    if (pass == 1) { /* counts are final: mark borders */
                        if (s->count == 1 || s->differ)
                            d->edge[pt0 + k] |= NV_EDGE_BORDER;
                        continue;
                    }
                    if (!s->count) {
                        *s = (seg){key[0], key[1], key[2], key[3], m->county, 0, 0};
                        d->edge[pt0 + k] |= NV_EDGE_OWNED;
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
    return strcmp(((const nv_map_muni *)a)->kommunkod, ((const nv_map_muni *)b)->kommunkod);
}

int nv_mapdata_find_muni(const nv_map_data *d, const char *code)
{
    if (!code)
        return -1;
    nv_map_muni key = {.kommunkod = (char *)code};
    const nv_map_muni *m = bsearch(&key, d->m, d->nm, sizeof *d->m, compare_muni);
    return m ? (int)(m - d->m) : -1;
}

int nv_mapdata_find_county(const nv_map_data *d, const char *code)
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
        nv_map_muni *m = &d->m[d->nm];
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
        m->pword = dup_col(st, 4);
        m->nearest_km = real_col(st, 5);
        m->change = -1;
        if (d->compare) {
            const char *ch = (const char *)sqlite3_column_text(st, 10);
            for (int k = NV_CHANGE_LOST_PRESENCE; ch && k <= NV_CHANGE_GAINED_PRESENCE; k++)
                if (strcmp(ch, nv_change_class_name((nv_change_class)k)) == 0)
                    m->change = k;
            m->offices_before = sqlite3_column_int(st, 11);
            m->presence_before = presence_rank((const char *)sqlite3_column_text(st, 12));
            m->pword_before = dup_col(st, 12);
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
        nv_map_muni *m = &d->m[i];
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
        nv_map_county *c = &d->c[k];
        c->municipalities++;
        for (int j = 0; j < 2; j++) {
            c->bbox[j] = fmin(c->bbox[j], m->bbox[j]);
            c->bbox[j + 2] = fmax(c->bbox[j + 2], m->bbox[j + 2]);
        }
    }
    /* Sorted by code; then each municipality learns its county's index. */
    for (size_t i = 1; i < d->nc; i++)
        for (size_t j = i; j > 0 && strcmp(d->c[j - 1].lanskod, d->c[j].lanskod) > 0; j--) {
            nv_map_county t = d->c[j];
            d->c[j] = d->c[j - 1];
            d->c[j - 1] = t;
        }
    for (size_t i = 0; i < d->nm; i++)
        d->m[i].county = nv_mapdata_find_county(d, d->m[i].lanskod);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT lanskod, namn FROM counties", -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, d->path, "reading counties", err);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int k = nv_mapdata_find_county(d, (const char *)sqlite3_column_text(st, 0));
        if (k >= 0 && !d->c[k].namn && sqlite3_column_type(st, 1) != SQLITE_NULL)
            d->c[k].namn = dup_col(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, d->path, "reading counties", err);
    return NV_OK;
}

static int type_symbol(const char *type)
{
    static const char *const words[] = {"staffed", "booked", "servicekontor", "cooperation", "agreement"};
    for (int k = 0; type && k < 5; k++)
        if (strcmp(type, words[k]) == 0)
            return k;
    return NV_OFFICE_OTHER;
}

static int add_tier(nv_map_data *d, const char *w)
{
    if (!w || !w[0] || strcmp(w, "none") == 0)
        return 0;
    for (size_t k = 0; k < d->n_tiers; k++)
        if (strcmp(d->tiers[k], w) == 0)
            return 0;
    if (d->n_tiers == NV_MAP_MAX_TIERS)
        return 0; /* more words than a legend can show: the rest count as the last */
    return (d->tiers[d->n_tiers++] = strdup(w)) ? 0 : -1;
}

static int cmp_words(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int tier_index(const nv_map_data *d, const char *w)
{
    if (!w || strcmp(w, "none") == 0)
        return (int)d->n_tiers;
    for (size_t k = 0; k < d->n_tiers; k++)
        if (strcmp(d->tiers[k], w) == 0)
            return (int)k;
    return (int)d->n_tiers - 1;
}

/* Every column of the municipalities layer, as text (measure = column:NAME). */
static nv_status load_columns(nv_map_data *d, sqlite3 *db, nv_error *err)
{
    sqlite3_stmt *st = NULL;
    nv_status status = NV_OK;
    char *sql = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('municipalities')", -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, d->path, "reading the municipalities' columns", err);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (!name || strcmp(name, "geom") == 0)
            continue;
        if (grow((void **)&d->cols, &cap, d->n_cols + 1, sizeof *d->cols) != 0 ||
            !(d->cols[d->n_cols] = strdup(name))) {
            sqlite3_finalize(st);
            return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
        }
        d->n_cols++;
    }
    sqlite3_finalize(st);
    if (!d->n_cols || !d->nm)
        return NV_OK;
    if (!(d->vals = calloc(d->nm * d->n_cols, sizeof *d->vals)))
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    size_t len = 64;
    for (size_t c = 0; c < d->n_cols; c++)
        len += 2 * strlen(d->cols[c]) + 4;
    if (!(sql = malloc(len)))
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    size_t n = (size_t)snprintf(sql, len, "SELECT kommunkod");
    for (size_t c = 0; c < d->n_cols; c++) {
        sql[n++] = ',', sql[n++] = ' ', sql[n++] = '"';
        for (const char *q = d->cols[c]; *q; q++) {
            if (*q == '"')
                sql[n++] = '"';
            sql[n++] = *q;
        }
        sql[n++] = '"';
    }
    snprintf(sql + n, len - n, " FROM municipalities");
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return db_fail(db, d->path, "reading the municipalities' columns", err);
    while (status == NV_OK && sqlite3_step(st) == SQLITE_ROW) {
        int mi = nv_mapdata_find_muni(d, (const char *)sqlite3_column_text(st, 0));
        for (size_t c = 0; mi >= 0 && c < d->n_cols; c++) {
            const unsigned char *v = sqlite3_column_text(st, (int)c + 1);
            if (v && *v && !(d->vals[(size_t)mi * d->n_cols + c] = strdup((const char *)v)))
                status = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
        }
    }
    sqlite3_finalize(st);
    return status;
}

int nv_mapdata_column(const nv_map_data *d, const char *name)
{
    for (size_t c = 0; c < d->n_cols; c++)
        if (strcmp(d->cols[c], name) == 0)
            return (int)c;
    return -1;
}

const char *nv_mapdata_text(const nv_map_data *d, int col, const nv_map_muni *m)
{
    int i = col >= 0 && (size_t)col < d->n_cols ? nv_mapdata_find_muni(d, m->kommunkod) : -1;
    return i >= 0 ? d->vals[(size_t)i * d->n_cols + (size_t)col] : NULL;
}

/* The tiers of the run, and each municipality's. */
static nv_status load_tiers(nv_map_data *d, sqlite3 *db, nv_error *err)
{
    char *order = NULL;
    sqlite3_stmt *st = NULL;
    if (!d->compare &&
        sqlite3_prepare_v2(db, "SELECT presence_order FROM runs ORDER BY fid DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        order = dup_col(st, 0);
    sqlite3_finalize(st);
    const char *list = order && order[0] ? order : NV_TIERS_DEFAULT_ORDER;
    int bad = 0;
    for (const char *p = list; *p && !bad;) {
        size_t k = strcspn(p, ",");
        char *w = strndup(p, k);
        bad = !w || add_tier(d, w) != 0;
        free(w);
        p += k + (p[k] == ',');
    }
    free(order);
    size_t ranked = d->n_tiers;
    for (size_t i = 0; i < d->nm && !bad; i++)
        bad = add_tier(d, d->m[i].pword) != 0 || add_tier(d, d->m[i].pword_before) != 0;
    if (bad)
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    if (d->n_tiers - ranked > 1)
        qsort(d->tiers + ranked, d->n_tiers - ranked, sizeof *d->tiers, cmp_words);
    for (size_t i = 0; i < d->nm; i++) {
        d->m[i].tier = tier_index(d, d->m[i].pword);
        d->m[i].tier_before = d->compare ? tier_index(d, d->m[i].pword_before) : d->m[i].tier;
    }
    return NV_OK;
}

/* Appends the located offices that where (an SQL condition, or "1") selects to *arr;
 * as_closed gives them the type "closed". */
static nv_status load_offices(nv_map_data *d, sqlite3 *db, const char *where, int as_closed, nv_map_office **arr,
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
        nv_map_office *o = &(*arr)[(*n)++];
        o->x = sqlite3_column_double(st, 0);
        o->y = sqlite3_column_double(st, 1);
        const char *type = (const char *)sqlite3_column_text(st, 2);
        o->type = type_symbol(type);
        if (as_closed)
            o->type = NV_OFFICE_CLOSED;
        int mi = nv_mapdata_find_muni(d, (const char *)sqlite3_column_text(st, 3));
        o->county = mi >= 0 ? d->m[mi].county : -1;
        o->is_new = 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, d->path, "reading offices", err);
    return NV_OK;
}

/* The after plan's offices that no before office lies near: new, by the rule that makes
 * a before office closed (the two constants are one; a compile-time check below). -1
 * when out of memory. */
static int mark_new(nv_map_data *d)
{
    _Static_assert((long)NV_MAP_NEW_WITHIN_M == (long)NV_STORE_CLOSED_WITHIN_M, "new and closed by the same distance");
    double *xy = malloc((d->nob ? 2 * d->nob : 1) * sizeof *xy);
    if (!xy)
        return -1;
    for (size_t i = 0; i < d->nob; i++)
        xy[2 * i] = d->ob[i].x, xy[2 * i + 1] = d->ob[i].y;
    nv_kdtree *t = d->nob ? nv_kdtree_create(xy, d->nob) : NULL;
    free(xy);
    if (d->nob && !t)
        return -1;
    for (size_t i = 0; i < d->no; i++) {
        double dist = INFINITY;
        if (d->o[i].type == NV_OFFICE_CLOSED)
            continue;
        if (t)
            nv_kdtree_nearest(t, d->o[i].x, d->o[i].y, &dist);
        /* The same test as the SQL that marks closed offices: squared distance <= R². */
        d->o[i].is_new = !(dist * dist <= NV_MAP_NEW_WITHIN_M * NV_MAP_NEW_WITHIN_M);
    }
    nv_kdtree_destroy(t);
    return 0;
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
        nv_map_muni *m = &d->m[i];
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
        int mi = nv_mapdata_find_muni(d, (const char *)sqlite3_column_text(st, 0));
        if (mi < 0)
            continue;
        nv_map_muni *m = &d->m[mi];
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

nv_status nv_mapdata_load(const char *db_path, nv_map_data **out, nv_error *err)
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
    if ((st = load_munis(d, db, err)) != NV_OK || (st = load_counties(d, db, err)) != NV_OK ||
        (st = load_tiers(d, db, err)) != NV_OK || (st = load_columns(d, db, err)) != NV_OK)
        goto done;
    if (d->compare)
        st = load_offices(d, db, "plan = 'after'", 0, &d->o, &d->no, err);
    else
        st = load_offices(d, db, "1", 0, &d->o, &d->no, err);
    if (st == NV_OK && d->compare && (st = load_offices(d, db, "plan = 'before' AND closed = 1", 1, &d->o, &d->no,
                                                        err)) == NV_OK)
        st = load_offices(d, db, "plan = 'before'", 0, &d->ob, &d->nob, err);
    if (st == NV_OK && d->compare && mark_new(d) != 0)
        st = nv_error_set(err, NV_ERR_FAIL, db_path, 0, "out of memory");
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
        nv_mapdata_destroy(d);
        return st;
    }
    *out = d;
    return NV_OK;
}

int nv_mapdata_radius_index(const nv_map_data *d, double km)
{
    for (size_t r = 0; r < d->n_radii; r++)
        if (fabs(d->radii_km[r] - km) < 1e-9)
            return (int)r;
    return -1;
}

double nv_mapdata_value(const nv_map_data *d, const nv_mapspec *s, const nv_map_muni *m)
{
    if (s->measure == NV_MEASURE_COLUMN) {
        const char *v = nv_mapdata_text(d, nv_mapdata_column(d, s->column), m);
        double x;
        return v && nv_text_parse_number(v, strlen(v), &x) ? x : NAN;
    }
    if (s->measure == NV_MEASURE_NEAREST_KM)
        return m->nearest_km;
    if (!(m->population >= 0))
        return NAN;
    if (s->measure == NV_MEASURE_MEAN_KM)
        return m->mean_km;
    if (s->measure == NV_MEASURE_MAX_KM)
        return m->max_km;
    int k = nv_mapdata_radius_index(d, s->share_radius_km);
    if (k < 0 || !(m->population > 0) || !isfinite(m->within[k]))
        return NAN;
    return 100 * m->within[k] / m->population;
}


const nv_map_data *nv_mapdata_before_view(const nv_map_data *d, nv_map_data *v, nv_map_muni **owned)
{
    nv_map_muni *m = malloc((d->nm ? d->nm : 1) * sizeof *m);
    *owned = m;
    if (!m)
        return NULL;
    memcpy(m, d->m, d->nm * sizeof *m);
    for (size_t i = 0; i < d->nm; i++) {
        m[i].presence = m[i].presence_before;
        m[i].tier = m[i].tier_before;
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
