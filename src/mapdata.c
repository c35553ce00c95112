/* mapdata.c — a result read for the maps, through the store's reader (storeread.h):
 * narvaro.sqlite, compare.sqlite, or a copy of their layers in a GeoPackage or PostGIS.
 * No database library here: every read goes through storeread, one pass per layer. */
#include "mapdata.h"

#include "compare.h"
#include "index.h"
#include "mapedges.h"
#include "store.h"
#include "storeread.h"
#include "textin.h"
#include "tiers.h"

#include <errno.h>
#include <math.h>
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

int nv_mapdata_office_type(const char *type)
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


/* ---- reading the layers ---- */

#define NOT_A_RESULT                                                                                               \
    "not a narvaro result: give the narvaro.sqlite that narvaro analyze wrote, the compare.sqlite of narvaro "     \
    "compare, or a copy of their layers (ogr2ogr -f GPKG copy.gpkg narvaro.sqlite municipalities offices "         \
    "counties runs)"

static char *dup_text(nv_storeread_cursor *c, size_t col)
{
    const char *t = nv_storeread_text(c, col);
    return t ? strdup(t) : NULL;
}

/* A cursor over a layer of the result; a missing layer or column says what a result is. */
static nv_status open_rows(nv_storeread *r, const char *layer, const char *const *cols, size_t n, int geometry,
                           nv_storeread_cursor **c, nv_error *err)
{
    nv_status st = nv_storeread_cursor_open(r, layer, cols, n, geometry, c, err);
    if (st == NV_ERR_INPUT && err) {
        char msg[sizeof err->message], path[sizeof err->path];
        snprintf(msg, sizeof msg, "%s", err->message);
        snprintf(path, sizeof path, "%s", err->path);
        nv_error_set(err, st, path, 0, "%s (" NOT_A_RESULT ")", msg);
    }
    return st;
}

/* Every layer a result has, checked before any is read: the first one missing is named,
 * with the layers the source does have. */
static nv_status check_layers(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    const char *need[] = {"municipalities", "counties", "offices", d->compare ? "comparison" : "runs"};
    char have[1024];
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!nv_storeread_has_layer(r, need[i]))
            return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                                "no such table: %s (its layers: %s); a result has the layers municipalities, "
                                "counties, offices and runs (comparison instead of runs for a comparison) "
                                "(" NOT_A_RESULT ")", need[i], nv_storeread_layer_names(r, have, sizeof have));
    return NV_OK;
}

/* What load_run found besides the fields of d: the run's tier order, and whether the
 * runs table has the population columns (results from before narvaro counted people
 * have not). */
typedef struct run_extra {
    char *presence_order;
    int population_columns;
} run_extra;

/* "10,25,50" (written with %g by store.c, as the column names are) into d->radii_km. */
static void parse_radii(nv_map_data *d, const char *p)
{
    d->n_radii = 0;
    while (p && *p && d->n_radii < NV_MAX_RADII) {
        size_t k = strcspn(p, ",");
        if (nv_text_parse_number(p, k, &d->radii_km[d->n_radii]) != 1)
            break;
        d->n_radii++;
        p += k + (p[k] == ',');
    }
}

/* The run's row (the last one by fid, should there be several) of runs, or comparison for
 * a comparison: inputs, CRS, version, and a single run's radii and tier order. The CRS
 * column is analysis_crs or, in results written before its renaming, crs. */
static nv_status load_run(nv_map_data *d, nv_storeread *r, run_extra *x, nv_error *err)
{
    const char *table = d->compare ? "comparison" : "runs";
    const char *cols[10] = {"boundaries", d->compare ? "office_files_after" : "office_files",
                            nv_storeread_has_column(r, table, "analysis_crs") ? "analysis_crs" : "crs",
                            d->compare ? "illustrative_after" : "illustrative", "narvaro_version"};
    size_t n = 5, pop = 0, order = 0;
    if (d->compare) {
        cols[n++] = "office_files_before";
        cols[n++] = "illustrative_before";
    } else {
        if (nv_storeread_has_column(r, table, "radii_km") && nv_storeread_has_column(r, table, "population_municipal")) {
            x->population_columns = 1;
            pop = n;
            cols[n++] = "radii_km";
            cols[n++] = "population_municipal";
        }
        if (nv_storeread_has_column(r, table, "presence_order")) {
            order = n;
            cols[n++] = "presence_order";
        }
    }
    nv_storeread_cursor *c = NULL;
    nv_status st = open_rows(r, table, cols, n, 0, &c, err);
    long long last = 0;
    int rc = 0, any = 0;
    while (st == NV_OK && (rc = nv_storeread_next(c, err)) == 1) {
        if (any && nv_storeread_fid(c) < last)
            continue;
        any = 1;
        last = nv_storeread_fid(c);
        char **s[5] = {&d->boundaries, &d->office_files, &d->crs, &d->version, &d->office_files_before};
        for (int k = 0; k < 5; k++) {
            free(*s[k]);
            *s[k] = NULL;
        }
        d->boundaries = dup_text(c, 0);
        d->office_files = dup_text(c, 1);
        d->crs = dup_text(c, 2);
        d->illustrative = nv_storeread_int(c, 3) != 0;
        d->version = dup_text(c, 4);
        if (d->compare) {
            d->office_files_before = dup_text(c, 5);
            d->illustrative_before = nv_storeread_int(c, 6) != 0;
        }
        if (pop) {
            parse_radii(d, nv_storeread_text(c, pop));
            d->population_municipal = nv_storeread_int(c, pop + 1) != 0;
        }
        if (order) {
            free(x->presence_order);
            x->presence_order = dup_text(c, order);
        }
    }
    nv_storeread_cursor_close(c);
    return st == NV_OK && rc < 0 ? NV_ERR_FAIL : st;
}

/* The municipalities layer's columns in the one cursor over it: the figures (a
 * comparison's: the after plan's, then the change and the before plan's), a single run's
 * population figures where the layer has them all, and every column as text for
 * measure = column:NAME. */
enum { MC_CODE, MC_NAME, MC_COUNTY, MC_OFFICES, MC_PRESENCE, MC_KM, MC_REP_X, MC_REP_Y, MC_AREA,
       MC_CHANGE, MC_OFFICES_BEFORE, MC_PRESENCE_BEFORE, MC_KM_BEFORE };

typedef struct muni_cursor {
    const char *cols[13 + 3 + NV_MAX_RADII + 256];
    char radius_names[NV_MAX_RADII][48];
    size_t n, pop, all;        /* column count; where the population figures and all columns start */
    char **rows;               /* per row read: its kommunkod, then its n_cols values (NULL: none) */
    size_t n_rows, cap_rows;
} muni_cursor;

static const char *const figure_cols[] = {"kommunkod", "namn", "lanskod", "offices", "presence",
                                          "nearest_office_km", "rep_x", "rep_y", "area_km2"};
static const char *const compare_cols[] = {"kommunkod", "namn", "lanskod", "offices_after", "presence_after",
                                           "nearest_office_km_after", "rep_x", "rep_y", "area_km2", "change",
                                           "offices_before", "presence_before", "nearest_office_km_before"};

/* Lays out the cursor's columns; d->cols gets every column's name. */
static nv_status muni_columns(nv_map_data *d, nv_storeread *r, const run_extra *x, muni_cursor *mc, nv_error *err)
{
    size_t nb = d->compare ? 13 : 9;
    memcpy(mc->cols, d->compare ? compare_cols : figure_cols, nb * sizeof *mc->cols);
    mc->n = mc->pop = nb;
    if (!d->compare && x->population_columns) {
        const char *pop[3] = {"population", "mean_distance_km", "max_distance_km"};
        int all = 1;
        for (size_t k = 0; k < 3; k++)
            mc->cols[mc->n++] = pop[k];
        for (size_t k = 0; k < d->n_radii; k++) {
            snprintf(mc->radius_names[k], sizeof mc->radius_names[k], "population_within_%gkm", d->radii_km[k]);
            mc->cols[mc->n++] = mc->radius_names[k];
        }
        for (size_t k = mc->pop; k < mc->n; k++)
            all &= nv_storeread_has_column(r, "municipalities", mc->cols[k]);
        d->has_population = all;
        if (!all) { /* a file from before narvaro counted people: only maps of people fail */
            mc->n = mc->pop;
            d->n_radii = 0;
        }
    }
    mc->all = mc->n;
    size_t nc = nv_storeread_column_count(r, "municipalities");
    if (nc > sizeof mc->cols / sizeof *mc->cols - mc->n)
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0, "layer municipalities has %zu columns; a map reads "
                            "at most 256 (leave out some of the --attributes)", nc);
    if (nc && !(d->cols = calloc(nc, sizeof *d->cols)))
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    for (size_t k = 0; k < nc; k++) {
        const char *name = nv_storeread_column_name(r, "municipalities", k);
        mc->cols[mc->n++] = name;
        if (!(d->cols[d->n_cols++] = strdup(name)))
            return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    }
    return NV_OK;
}

/* The figures of one municipality row. */
static nv_status read_muni(nv_map_data *d, nv_map_muni *m, nv_storeread_cursor *c, const muni_cursor *mc,
                           nv_error *err)
{
    m->kommunkod = dup_text(c, MC_CODE);
    m->namn = dup_text(c, MC_NAME);
    m->lanskod = dup_text(c, MC_COUNTY);
    if (!m->kommunkod)
        m->kommunkod = strdup("");
    if (!m->lanskod && m->kommunkod)
        m->lanskod = strndup(m->kommunkod, 2);
    m->offices = (int)nv_storeread_int(c, MC_OFFICES);
    m->presence = presence_rank(nv_storeread_text(c, MC_PRESENCE));
    m->pword = dup_text(c, MC_PRESENCE);
    m->nearest_km = nv_storeread_real(c, MC_KM);
    m->rep_x = nv_storeread_real(c, MC_REP_X);
    m->rep_y = nv_storeread_real(c, MC_REP_Y);
    m->area_km2 = nv_storeread_real(c, MC_AREA);
    m->change = -1;
    m->population = m->mean_km = m->max_km = NAN;
    for (size_t k = 0; k < NV_MAX_RADII; k++)
        m->within[k] = NAN;
    if (d->has_population) {
        m->population = nv_storeread_real(c, mc->pop);
        m->mean_km = nv_storeread_real(c, mc->pop + 1);
        m->max_km = nv_storeread_real(c, mc->pop + 2);
        for (size_t k = 0; k < d->n_radii; k++)
            m->within[k] = nv_storeread_real(c, mc->pop + 3 + k);
    }
    if (!m->kommunkod || !m->lanskod || (nv_storeread_text(c, MC_PRESENCE) && !m->pword))
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    if (!d->compare)
        return NV_OK;
    const char *ch = nv_storeread_text(c, MC_CHANGE);
    for (int k = NV_CHANGE_LOST_PRESENCE; ch && k <= NV_CHANGE_GAINED_PRESENCE; k++)
        if (strcmp(ch, nv_change_class_name((nv_change_class)k)) == 0)
            m->change = k;
    m->offices_before = (int)nv_storeread_int(c, MC_OFFICES_BEFORE);
    m->presence_before = presence_rank(nv_storeread_text(c, MC_PRESENCE_BEFORE));
    m->pword_before = dup_text(c, MC_PRESENCE_BEFORE);
    m->nearest_km_before = nv_storeread_real(c, MC_KM_BEFORE);
    if (m->change < 0)
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "municipality %s: change '%s' is not a change class (lost_presence, longer, "
                            "unchanged, shorter, gained_presence; write compare.sqlite with narvaro compare)",
                            m->kommunkod, ch ? ch : "NULL");
    return NV_OK;
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

/* Keeps a row's kommunkod and column texts (empty text is no value) until the rows are
 * sorted; rows without a geometry too, as their values are looked up by code. */
static int stash_row(nv_map_data *d, nv_storeread_cursor *c, muni_cursor *mc)
{
    size_t w = d->n_cols + 1;
    if (grow((void **)&mc->rows, &mc->cap_rows, (mc->n_rows + 1) * w, sizeof *mc->rows) != 0)
        return -1;
    char **row = mc->rows + mc->n_rows++ * w;
    memset(row, 0, w * sizeof *row);
    if (!nv_storeread_is_null(c, MC_CODE) && !(row[0] = dup_text(c, MC_CODE)))
        return -1;
    for (size_t k = 0; k < d->n_cols; k++) {
        const char *v = nv_storeread_text(c, mc->all + k);
        if (v && *v && !(row[k + 1] = strdup(v)))
            return -1;
    }
    return 0;
}

/* The stashed column texts, moved to d->vals by kommunkod once d->m is sorted. */
static nv_status place_values(nv_map_data *d, muni_cursor *mc, nv_error *err)
{
    size_t w = d->n_cols + 1;
    if (d->n_cols && !(d->vals = calloc(d->nm * d->n_cols, sizeof *d->vals)))
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    for (size_t i = 0; d->n_cols && i < mc->n_rows; i++) {
        char **row = mc->rows + i * w;
        int mi = nv_mapdata_find_muni(d, row[0]);
        for (size_t k = 0; mi >= 0 && k < d->n_cols; k++) {
            char **slot = &d->vals[(size_t)mi * d->n_cols + k];
            if (row[k + 1]) {
                free(*slot);
                *slot = row[k + 1];
                row[k + 1] = NULL;
            }
        }
    }
    return NV_OK;
}

static void free_rows(nv_map_data *d, muni_cursor *mc)
{
    for (size_t i = 0; mc->rows && i < mc->n_rows * (d->n_cols + 1); i++)
        free(mc->rows[i]);
    free(mc->rows);
}

/* One pass over the municipalities: figures, polygons and column texts. */
static nv_status read_munis(nv_map_data *d, nv_storeread *r, muni_cursor *mc, nv_error *err)
{
    nv_storeread_cursor *c = NULL;
    nv_status status = open_rows(r, "municipalities", mc->cols, mc->n, 1, &c, err);
    size_t cap = 0;
    int rc = 0;
    while (status == NV_OK && (rc = nv_storeread_next(c, err)) == 1) {
        if (stash_row(d, c, mc) != 0) {
            status = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            break;
        }
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
        if ((status = read_muni(d, m, c, mc, err)) != NV_OK)
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
    return status;
}

static nv_status load_munis(nv_map_data *d, nv_storeread *r, const run_extra *x, nv_error *err)
{
    muni_cursor *mc = calloc(1, sizeof *mc);
    if (!mc)
        return nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
    nv_status status = muni_columns(d, r, x, mc, err);
    if (status == NV_OK)
        status = read_munis(d, r, mc, err);
    if (status == NV_OK && d->nm == 0)
        status = nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                              "holds no municipalities with a geometry: nothing to draw");
    if (status == NV_OK) {
        qsort(d->m, d->nm, sizeof *d->m, compare_muni);
        status = place_values(d, mc, err);
    }
    free_rows(d, mc);
    free(mc);
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

/* The counties' names, from the counties layer where it has them. */
static nv_status load_counties(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    static const char *const cols[] = {"lanskod", "namn"};
    nv_status st = make_counties(d, err);
    nv_storeread_cursor *c = NULL;
    if (st != NV_OK || (st = open_rows(r, "counties", cols, 2, 0, &c, err)) != NV_OK)
        return st;
    int rc;
    while ((rc = nv_storeread_next(c, err)) == 1) {
        int k = nv_mapdata_find_county(d, nv_storeread_text(c, 0));
        if (k >= 0 && !d->c[k].namn && !nv_storeread_is_null(c, 1) && !(d->c[k].namn = dup_text(c, 1))) {
            rc = -1;
            nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            break;
        }
    }
    nv_storeread_cursor_close(c);
    return rc < 0 ? NV_ERR_FAIL : NV_OK;
}

/* The run's tiers, best first: the ranking in presence_order (the default for older
 * results and for comparisons), then any other word found, alphabetically; and each
 * municipality's. */
static nv_status load_tiers(nv_map_data *d, const char *order, nv_error *err)
{
    const char *list = order && order[0] ? order : NV_TIERS_DEFAULT_ORDER;
    int bad = 0;
    for (const char *p = list; *p && !bad;) {
        size_t k = strcspn(p, ",");
        char *w = strndup(p, k);
        bad = !w || add_tier(d, w) != 0;
        free(w);
        p += k + (p[k] == ',');
    }
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

/* An office list of load_offices. */
typedef struct office_list {
    nv_map_office *o;
    size_t n, cap;
} office_list;

static nv_map_office *add_office(office_list *l)
{
    if (grow((void **)&l->o, &l->cap, l->n + 1, sizeof *l->o) != 0)
        return NULL;
    return &l->o[l->n++];
}

/* The located offices, not the rejected rows, in the layer's (fid) order, in one pass. A
 * comparison's: d->o gets the after plan's, then the before plan's closed ones as type
 * closed; d->ob the before plan's. */
static nv_status load_offices(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    static const char *const cols[] = {"x", "y", "type", "kommunkod", "status", "plan", "closed"};
    nv_storeread_cursor *c = NULL;
    nv_status st = open_rows(r, "offices", cols, d->compare ? 7 : 5, 0, &c, err);
    office_list after = {0}, closed = {0}, before = {0};
    int rc = 0;
    while (st == NV_OK && (rc = nv_storeread_next(c, err)) == 1) {
        const char *status = nv_storeread_text(c, 4);
        if (nv_storeread_is_null(c, 0) || nv_storeread_is_null(c, 1) || (status && strcmp(status, "rejected") == 0))
            continue;
        const char *plan = d->compare ? nv_storeread_text(c, 5) : "after";
        int is_before = plan && strcmp(plan, "before") == 0;
        if (!plan || (!is_before && strcmp(plan, "after") != 0))
            continue;
        int mi = nv_mapdata_find_muni(d, nv_storeread_text(c, 3));
        nv_map_office o = {nv_storeread_real(c, 0), nv_storeread_real(c, 1), nv_mapdata_office_type(nv_storeread_text(c, 2)),
                           mi >= 0 ? d->m[mi].county : -1, 0};
        nv_map_office *to = NULL, *also = NULL;
        if (!is_before) {
            to = add_office(&after);
        } else {
            to = add_office(&before);
            if (to && nv_storeread_int(c, 6) == 1 && (also = add_office(&closed)) != NULL)
                *also = o, also->type = NV_OFFICE_CLOSED;
        }
        if (!to || (is_before && nv_storeread_int(c, 6) == 1 && !also)) {
            st = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
            break;
        }
        *to = o;
    }
    nv_storeread_cursor_close(c);
    if (st == NV_OK && rc < 0)
        st = NV_ERR_FAIL;
    for (size_t i = 0; st == NV_OK && i < closed.n; i++) {
        nv_map_office *to = add_office(&after);
        if (!to)
            st = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
        else
            *to = closed.o[i];
    }
    free(closed.o);
    d->o = after.o, d->no = after.n;
    d->ob = before.o, d->nob = before.n;
    return st;
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
    /* The test that marks a before office closed in compare.sqlite (store.c), the other way round. */
    for (size_t i = 0; i < d->no; i++)
        if (d->o[i].type != NV_OFFICE_CLOSED)
            d->o[i].is_new = !nv_kdtree_within(t, d->o[i].x, d->o[i].y, NV_MAP_NEW_WITHIN_M);
    nv_kdtree_destroy(t);
    return 0;
}

/* The layers in the order read; the polygons and points in the CRS the result was
 * measured in. */
static nv_status load_all(nv_map_data *d, nv_storeread *r, nv_error *err)
{
    run_extra x = {NULL, 0};
    nv_status st;
    d->compare = nv_storeread_has_layer(r, "comparison"); /* compare.sqlite is told by its comparison table */
    if ((st = check_layers(d, r, err)) != NV_OK || (st = load_run(d, r, &x, err)) != NV_OK)
        goto done;
    if (d->crs && ((st = nv_storeread_check_crs(r, "municipalities", d->crs, err)) != NV_OK ||
                   (st = nv_storeread_check_crs(r, "offices", d->crs, err)) != NV_OK))
        goto done;
    if ((st = load_munis(d, r, &x, err)) != NV_OK || (st = load_counties(d, r, err)) != NV_OK ||
        (st = load_tiers(d, d->compare ? NULL : x.presence_order, err)) != NV_OK)
        goto done;
    if ((st = load_offices(d, r, err)) == NV_OK && d->compare && mark_new(d) != 0)
        st = nv_error_set(err, NV_ERR_FAIL, d->path, 0, "out of memory");
done:
    free(x.presence_order);
    return st;
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
            nv_error_set(err, st, db_path, 0, "%s (" NOT_A_RESULT ")", msg);
        }
        goto done;
    }
    if ((st = load_all(d, r, err)) != NV_OK)
        goto done;
    if (nv_mapedges_mark(d) != 0) {
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
        if (nv_storeread_close(r, &close_err) != NV_OK && st == NV_OK) {
            st = close_err.code;
            if (err)
                *err = close_err;
        }
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

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

nv_status nv_mapdata_column_input(const nv_map_data *d, const nv_mapspec *s, nv_class_input *in, const char **cats,
                                  nv_breaks *method, nv_error *err)
{
    int c = nv_mapdata_column(d, s->column);
    if (c < 0) {
        char list[2048] = "";
        for (size_t k = 0; k < d->n_cols; k++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", d->cols[k]);
        }
        return nv_error_set(err, NV_ERR_INPUT, s->path, s->measure_line,
                            "measure column:%s: %s has no such column; its columns are: %s", s->column, d->path,
                            list);
    }
    /* Numbers are classed like distances (quantiles unless the spec gives limits); text
     * is a category per value. */
    int numeric = 1, any = 0;
    for (size_t i = 0; i < d->nm; i++) {
        const char *v = nv_mapdata_text(d, c, &d->m[i]);
        double x;
        if (v) {
            any = 1;
            numeric &= nv_text_parse_number(v, strlen(v), &x);
        }
    }
    if (any && !numeric) {
        for (size_t i = 0; i < d->nm; i++) {
            const char *v = nv_mapdata_text(d, c, &d->m[i]);
            size_t k = 0;
            in->no_data += !v;
            while (v && k < in->n_categories && strcmp(cats[k], v) != 0)
                k++;
            if (v && k == in->n_categories) {
                if (in->n_categories == NV_MAPSPEC_MAX_CLASSES)
                    return nv_error_set(err, NV_ERR_INPUT, s->path, s->measure_line,
                                        "measure column:%s has more than %d different values; a map shows at "
                                        "most %d categories (group the values in the table)",
                                        s->column, NV_MAPSPEC_MAX_CLASSES - 1, NV_MAPSPEC_MAX_CLASSES - 1);
                cats[in->n_categories++] = v;
            }
        }
        qsort(cats, in->n_categories, sizeof *cats, cmp_text);
        in->categories = cats;
        return NV_OK;
    }
    if (*method == NV_BREAKS_FIXED && s->n_fixed_breaks == 0)
        *method = NV_BREAKS_QUANTILE; /* no limits given: the distance defaults mean nothing here */
    return NV_OK;
}
