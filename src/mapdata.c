/* mapdata.c — a result read for the maps, through the store's reader (storeread.h). */
#include "mapdata.h"

#include "compare.h"
#include "storeread.h"
#include "textin.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void nv_mapdata_destroy(nv_map_data *d)
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

static int presence_rank(const char *pr)
{
    return !pr || strcmp(pr, "none") == 0 ? NV_PRESENCE_NONE
           : strcmp(pr, "staffed") == 0   ? NV_PRESENCE_STAFFED
           : strcmp(pr, "booked") == 0    ? NV_PRESENCE_BOOKED
                                          : NV_PRESENCE_OTHER;
}

static char *dup_text(const nv_storeread_cursor *c, size_t col)
{
    const char *t = nv_storeread_text(c, col);
    return t ? strdup(t) : NULL;
}

/* A cursor over a layer of the result; a missing layer or column says what a result is. */
static nv_status open_rows(nv_storeread *r, const char *layer, const char *const *cols, size_t n,
                           nv_storeread_cursor **c, nv_error *err)
{
    nv_status st = nv_storeread_cursor_open(r, layer, cols, n, c, err);
    if (st == NV_ERR_INPUT && err) {
        char msg[sizeof err->message], path[sizeof err->path];
        snprintf(msg, sizeof msg, "%s", err->message);
        snprintf(path, sizeof path, "%s", err->path);
        nv_error_set(err, st, path, 0, "%s (not a narvaro result: give the narvaro.sqlite that narvaro analyze "
                                       "wrote, or a copy of its layers)", msg);
    }
    return st;
}

/* Appends the polygon's rings to d as m's; bbox from its points. */
static int add_rings(nv_map_data *d, nv_map_muni *m, const nv_poly_view *g)
{
    m->ring0 = d->nrings;
    m->nrings = 0;
    m->bbox[0] = m->bbox[1] = INFINITY;
    m->bbox[2] = m->bbox[3] = -INFINITY;
    size_t np = g->ring_start[g->n_rings];
    if (grow((void **)&d->rings, &d->cap_rings, d->nrings + g->n_rings, sizeof *d->rings) != 0 ||
        grow((void **)&d->xy, &d->cap_pts, 2 * (d->npts + np), sizeof *d->xy) != 0)
        return -1;
    for (size_t i = 0; i < g->n_rings; i++) {
        size_t a = g->ring_start[i], b = g->ring_start[i + 1];
        d->rings[d->nrings++] = (nv_map_ring){d->npts + a, b - a};
        m->nrings++;
    }
    for (size_t k = 0; k < np; k++) {
        double x = g->xy[2 * k], y = g->xy[2 * k + 1];
        d->xy[2 * (d->npts + k)] = x;
        d->xy[2 * (d->npts + k) + 1] = y;
        if (x < m->bbox[0]) m->bbox[0] = x;
        if (y < m->bbox[1]) m->bbox[1] = y;
        if (x > m->bbox[2]) m->bbox[2] = x;
        if (y > m->bbox[3]) m->bbox[3] = y;
    }
    d->npts += np;
    return 0;
}

/* The figures of one municipality row (a comparison's: the after plan's, then the change
 * and the before plan's). */
static nv_status read_muni(nv_map_data *d, nv_map_muni *m, const nv_storeread_cursor *c, nv_error *err)
{
    m->kommunkod = dup_text(c, 0);
    m->namn = dup_text(c, 1);
    m->lanskod = dup_text(c, 2);
    if (!m->kommunkod)
        m->kommunkod = strdup("");
    if (!m->lanskod && m->kommunkod)
        m->lanskod = strndup(m->kommunkod, 2);
    m->offices = (int)nv_storeread_int(c, 3);
    m->presence = presence_rank(nv_storeread_text(c, 4));
    m->nearest_km = nv_storeread_real(c, 5);
    m->rep_x = nv_storeread_real(c, 6);
    m->rep_y = nv_storeread_real(c, 7);
    m->area_km2 = nv_storeread_real(c, 8);
    m->change = -1;
    if (!m->kommunkod || !m->lanskod)
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    if (!d->compare)
        return NV_OK;
    const char *ch = nv_storeread_text(c, 9);
    for (int k = NV_CHANGE_LOST_PRESENCE; ch && k <= NV_CHANGE_GAINED_PRESENCE; k++)
        if (strcmp(ch, nv_change_class_name((nv_change_class)k)) == 0)
            m->change = k;
    m->offices_before = (int)nv_storeread_int(c, 10);
    m->presence_before = presence_rank(nv_storeread_text(c, 11));
    m->nearest_km_before = nv_storeread_real(c, 12);
    if (m->change < 0)
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "municipality %s: change '%s' is not a change class (lost_presence, longer, "
                            "unchanged, shorter, gained_presence; write compare.sqlite with narvaro compare)",
                            m->kommunkod, ch ? ch : "NULL");
    return NV_OK;
}

static nv_status load_munis(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    static const char *const cols[] = {"kommunkod", "namn", "lanskod", "offices", "presence", "nearest_office_km",
                                       "rep_x", "rep_y", "area_km2"};
    /* compare.sqlite: the after plan's figures in the same places, then the change and
     * the before plan's. */
    static const char *const cols_compare[] = {"kommunkod", "namn", "lanskod", "offices_after", "presence_after",
                                               "nearest_office_km_after", "rep_x", "rep_y", "area_km2", "change",
                                               "offices_before", "presence_before", "nearest_office_km_before"};
    nv_storeread_cursor *c = NULL;
    nv_status status = d->compare ? open_rows(r, "municipalities", cols_compare, 13, &c, err)
                                  : open_rows(r, "municipalities", cols, 9, &c, err);
    size_t cap = 0;
    int rc;
    while (status == NV_OK && (rc = nv_storeread_next(c, err)) == 1) {
        const char *why = NULL;
        const nv_poly_view *g = nv_storeread_polygon(c, &why);
        if (!g && strcmp(why, "no geometry") == 0)
            continue; /* nothing to draw */
        if (grow((void **)&d->m, &cap, d->nm + 1, sizeof *d->m) != 0) {
            status = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            break;
        }
        nv_map_muni *m = &d->m[d->nm];
        memset(m, 0, sizeof *m);
        d->nm++;
        if ((status = read_muni(d, m, c, err)) != NV_OK)
            break;
        if (!g || add_rings(d, m, g) != 0) {
            status = nv_error_set(err, !g && strcmp(why, "out of memory") != 0 ? NV_ERR_INPUT : NV_ERR_FAIL,
                                  d->path, 0, "municipality %s: geometry is %s", m->kommunkod,
                                  g ? "out of memory" : why);
            break;
        }
        if (!isfinite(m->rep_x) || !isfinite(m->rep_y)) {
            m->rep_x = (m->bbox[0] + m->bbox[2]) / 2;
            m->rep_y = (m->bbox[1] + m->bbox[3]) / 2;
        }
    }
    if (status == NV_OK && rc < 0)
        status = NV_ERR_FAIL;
    nv_storeread_cursor_close(c);
    if (status == NV_OK && d->nm == 0)
        status = nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                              "holds no municipalities with a geometry: nothing to draw");
    if (status == NV_OK)
        qsort(d->m, d->nm, sizeof *d->m, compare_muni);
    return status;
}

/* Counties are the distinct lanskod of the municipalities, sorted by code; each
 * municipality learns its county's index. */
static nv_status make_counties(nv_map_data *d, nv_error *err)
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
    for (size_t i = 1; i < d->nc; i++)
        for (size_t j = i; j > 0 && strcmp(d->c[j - 1].lanskod, d->c[j].lanskod) > 0; j--) {
            nv_map_county t = d->c[j];
            d->c[j] = d->c[j - 1];
            d->c[j - 1] = t;
        }
    for (size_t i = 0; i < d->nm; i++)
        d->m[i].county = nv_mapdata_find_county(d, d->m[i].lanskod);
    return NV_OK;
}

/* The counties' names, from the counties table where it has them. */
static nv_status load_counties(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    static const char *const cols[] = {"lanskod", "namn"};
    nv_status st = make_counties(d, err);
    nv_storeread_cursor *c = NULL;
    if (st != NV_OK || (st = open_rows(r, "counties", cols, 2, &c, err)) != NV_OK)
        return st;
    int rc;
    while ((rc = nv_storeread_next(c, err)) == 1) {
        int k = nv_mapdata_find_county(d, nv_storeread_text(c, 0));
        if (k >= 0 && !d->c[k].namn && !nv_storeread_is_null(c, 1))
            d->c[k].namn = dup_text(c, 1);
    }
    nv_storeread_cursor_close(c);
    return rc < 0 ? NV_ERR_FAIL : NV_OK;
}

/* Which offices a pass over the offices table takes. */
typedef enum office_pick { PICK_ALL, PICK_AFTER, PICK_CLOSED, PICK_BEFORE } office_pick;

/* Appends the located offices that pick selects to *arr; closed ones get the type closed. */
static nv_status load_offices(nv_map_data *d, nv_storeread *r, office_pick pick, nv_map_office **arr, size_t *n,
                              nv_error *err)
{
    static const char *const cols[] = {"x", "y", "type", "kommunkod", "status", "plan", "closed"};
    nv_storeread_cursor *c = NULL;
    nv_status st = open_rows(r, "offices", cols, pick == PICK_ALL ? 5 : 7, &c, err);
    size_t cap = *n;
    int rc = 0;
    while (st == NV_OK && (rc = nv_storeread_next(c, err)) == 1) {
        const char *status = nv_storeread_text(c, 4), *plan = pick == PICK_ALL ? NULL : nv_storeread_text(c, 5);
        if (nv_storeread_is_null(c, 0) || nv_storeread_is_null(c, 1) || (status && strcmp(status, "rejected") == 0))
            continue;
        if ((pick == PICK_AFTER && (!plan || strcmp(plan, "after") != 0)) ||
            (pick != PICK_ALL && pick != PICK_AFTER && (!plan || strcmp(plan, "before") != 0)) ||
            (pick == PICK_CLOSED && nv_storeread_int(c, 6) != 1))
            continue;
        if (grow((void **)arr, &cap, *n + 1, sizeof **arr) != 0) {
            st = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            break;
        }
        nv_map_office *o = &(*arr)[(*n)++];
        o->x = nv_storeread_real(c, 0);
        o->y = nv_storeread_real(c, 1);
        const char *type = nv_storeread_text(c, 2);
        o->type = type && strcmp(type, "staffed") == 0  ? NV_OFFICE_STAFFED
                  : type && strcmp(type, "booked") == 0 ? NV_OFFICE_BOOKED
                                                        : NV_OFFICE_OTHER;
        if (pick == PICK_CLOSED)
            o->type = NV_OFFICE_CLOSED;
        int mi = nv_mapdata_find_muni(d, nv_storeread_text(c, 3));
        o->county = mi >= 0 ? d->m[mi].county : -1;
    }
    nv_storeread_cursor_close(c);
    return st == NV_OK && rc < 0 ? NV_ERR_FAIL : st;
}

/* The run's row (the last one, should there be several): inputs, CRS, version. */
static nv_status load_run(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    static const char *const cols[] = {"boundaries", "office_files", "crs", "illustrative", "narvaro_version"};
    static const char *const cols_compare[] = {"boundaries", "office_files_after", "crs", "illustrative_after",
                                               "narvaro_version", "office_files_before", "illustrative_before"};
    nv_storeread_cursor *c = NULL;
    nv_status st = d->compare ? open_rows(r, "comparison", cols_compare, 7, &c, err)
                              : open_rows(r, "runs", cols, 5, &c, err);
    long long last = 0;
    int rc = 0, any = 0;
    while (st == NV_OK && (rc = nv_storeread_next(c, err)) == 1) {
        if (any && nv_storeread_fid(c) < last)
            continue;
        any = 1;
        last = nv_storeread_fid(c);
        char **s[4] = {&d->boundaries, &d->office_files, &d->crs, &d->version};
        for (int k = 0; k < 4; k++)
            free(*s[k]);
        d->boundaries = dup_text(c, 0);
        d->office_files = dup_text(c, 1);
        d->crs = dup_text(c, 2);
        d->illustrative = nv_storeread_int(c, 3) != 0;
        d->version = dup_text(c, 4);
        if (d->compare) {
            free(d->office_files_before);
            d->office_files_before = dup_text(c, 5);
            d->illustrative_before = nv_storeread_int(c, 6) != 0;
        }
    }
    nv_storeread_cursor_close(c);
    return st == NV_OK && rc < 0 ? NV_ERR_FAIL : st;
}

/* The radii of the run's population figures ("10,25,50", written with %g by store.c, as
 * the column names are) and how the people were counted, from the last runs row. */
static nv_status load_radii(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    static const char *const cols[] = {"radii_km", "population_municipal"};
    nv_storeread_cursor *c = NULL;
    nv_status st = open_rows(r, "runs", cols, 2, &c, err);
    long long last = 0;
    int rc = 0, any = 0;
    while (st == NV_OK && (rc = nv_storeread_next(c, err)) == 1) {
        if (any && nv_storeread_fid(c) < last)
            continue;
        any = 1;
        last = nv_storeread_fid(c);
        d->n_radii = 0;
        const char *p = nv_storeread_text(c, 0);
        while (p && *p && d->n_radii < NV_MAX_RADII) {
            size_t k = strcspn(p, ",");
            if (nv_text_parse_number(p, k, &d->radii_km[d->n_radii]) != 1)
                break;
            d->n_radii++;
            p += k + (p[k] == ',');
        }
        d->population_municipal = nv_storeread_int(c, 1) != 0;
    }
    nv_storeread_cursor_close(c);
    return st == NV_OK && rc < 0 ? NV_ERR_FAIL : st;
}

/* A single run's population columns: population, population_within_<R>km for the radii
 * the runs table lists, mean_distance_km and max_distance_km. A file without them (from
 * before narvaro measured population) loads all the same: has_population stays 0, and
 * only a map that needs the figures fails (render.c's check_measure). A comparison's
 * figures are not read. */
static nv_status load_population(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    for (size_t i = 0; i < d->nm; i++) {
        nv_map_muni *m = &d->m[i];
        m->population = m->mean_km = m->max_km = NAN;
        for (size_t k = 0; k < NV_MAX_RADII; k++)
            m->within[k] = NAN;
    }
    if (d->compare) /* compare.sqlite holds them per plan, and maps of them are not offered */
        return NV_OK;
    if (!nv_storeread_has_column(r, "runs", "radii_km") || !nv_storeread_has_column(r, "runs", "population_municipal"))
        return NV_OK;
    nv_status st = load_radii(d, r, err);
    if (st != NV_OK)
        return st;
    char names[4 + NV_MAX_RADII][48];
    const char *cols[4 + NV_MAX_RADII] = {"kommunkod", "population", "mean_distance_km", "max_distance_km"};
    for (size_t k = 0; k < d->n_radii; k++) {
        snprintf(names[k], sizeof names[k], "population_within_%gkm", d->radii_km[k]);
        cols[4 + k] = names[k];
    }
    for (size_t k = 0; k < 4 + d->n_radii; k++)
        if (!nv_storeread_has_column(r, "municipalities", cols[k])) {
            d->n_radii = 0;
            return NV_OK;
        }
    nv_storeread_cursor *c = NULL;
    if ((st = open_rows(r, "municipalities", cols, 4 + d->n_radii, &c, err)) != NV_OK)
        return st;
    int rc;
    while ((rc = nv_storeread_next(c, err)) == 1) {
        int mi = nv_mapdata_find_muni(d, nv_storeread_text(c, 0));
        if (mi < 0)
            continue;
        nv_map_muni *m = &d->m[mi];
        m->population = nv_storeread_real(c, 1);
        m->mean_km = nv_storeread_real(c, 2);
        m->max_km = nv_storeread_real(c, 3);
        for (size_t k = 0; k < d->n_radii; k++)
            m->within[k] = nv_storeread_real(c, 4 + k);
    }
    nv_storeread_cursor_close(c);
    if (rc < 0)
        return NV_ERR_FAIL;
    d->has_population = 1;
    return NV_OK;
}

/* The layers read, in the order read (and so the order their absence is reported in),
 * in the CRS the result was measured in. */
static nv_status load_all(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    nv_status st;
    d->compare = nv_storeread_has_layer(r, "comparison"); /* compare.sqlite is told by its comparison table */
    if ((st = load_munis(d, r, err)) != NV_OK || (st = load_counties(d, r, err)) != NV_OK)
        return st;
    if (d->compare)
        st = load_offices(d, r, PICK_AFTER, &d->o, &d->no, err);
    else
        st = load_offices(d, r, PICK_ALL, &d->o, &d->no, err);
    if (st == NV_OK && d->compare && (st = load_offices(d, r, PICK_CLOSED, &d->o, &d->no, err)) == NV_OK)
        st = load_offices(d, r, PICK_BEFORE, &d->ob, &d->nob, err);
    if (st != NV_OK || (st = load_run(d, r, err)) != NV_OK)
        return st;
    if (d->crs && ((st = nv_storeread_check_crs(r, "municipalities", d->crs, err)) != NV_OK ||
                   (st = nv_storeread_check_crs(r, "offices", d->crs, err)) != NV_OK))
        return st;
    return load_population(d, r, err);
}

nv_status nv_mapdata_load(const char *db_path, nv_map_data **out, nv_error *err)
{
    struct stat sb;
    int connection = db_path && strncmp(db_path, "PG:", 3) == 0; /* a database server, not a file */
    if (!db_path || (!connection && stat(db_path, &sb) != 0))
        return nv_error_set(err, NV_ERR_INPUT, db_path, 0,
                            "cannot open: %s (give the narvaro.sqlite of a finished run: narvaro analyze "
                            "--out DIR writes DIR/narvaro.sqlite)", db_path ? strerror(errno) : "no path");
    if (!connection && !S_ISREG(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, db_path, 0,
                            "is not a file (give DIR/narvaro.sqlite, not the folder DIR)");
    nv_map_data *d = calloc(1, sizeof *d);
    nv_storeread *r = NULL;
    nv_status st = NV_OK;
    if (!d || !(d->path = strdup(db_path))) {
        st = nv_error_set(err, NV_ERR_FAIL, db_path, 0, "out of memory");
        goto done;
    }
    if ((st = nv_storeread_open(db_path, &r, err)) != NV_OK) {
        if (err) { /* GDAL's words first, then what would do */
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s", err->message);
            nv_error_set(err, st, db_path, 0, "%s (not a narvaro result: give the narvaro.sqlite that narvaro "
                                              "analyze wrote, or a copy of its layers)", msg);
        }
        goto done;
    }
    if ((st = load_all(d, r, err)) != NV_OK)
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
    if (r) {
        nv_error close_err = {0};
        if (nv_storeread_close(r, &close_err) != NV_OK && st == NV_OK && err)
            st = (*err = close_err).code;
    }
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
