/* storeread.c — result databases read through GDAL/OGR.
 *
 * GDAL's error handler is swapped for a quiet one around every call here: the library
 * prints nothing, and GDAL's own words go into the error messages instead.
 *
 * Speed (a map is drawn in a few tenths of a second, so milliseconds count): only the
 * three drivers a result can be in are registered (GDALAllRegister registers some 200,
 * which takes ten times as long) and only they are tried on open; the SQLite driver is
 * asked not to load libspatialite (SPATIALITE_LOAD=NO), which it would otherwise
 * initialise for every open and which the read does not need; a cursor tells OGR to skip
 * the fields (and the geometry) it was not asked for; a CRS given as AUTHORITY:CODE is
 * compared by its code, without a look-up in PROJ's database; and a real column's text is
 * made by nv_numfmt_general, printf's digits at a tenth of printf's cost.
 *
 * What it cannot spare (GDAL 3.6): the drivers build a layer's CRS when they read its
 * definition, whether or not the CRS is asked for (SQLite: from spatial_ref_sys's WKT, in
 * table and SELECT layers alike; GPKG: from the EPSG code), and PROJ's first CRS opens
 * proj.db and parses its schema: about 36 M instructions with its close at exit, 4 % of a
 * map. No driver or configuration option defers it; only PROJ's search paths, which are
 * the whole process's, could keep the database closed. */
#include "storeread.h"

#include "numfmt.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The drivers' registration functions. GDAL declares them in ogrsf_frmts.h, a C++ header,
 * inside its C linkage block; they are exported from libgdal like GDALAllRegister. */
void RegisterOGRSQLite(void);
void RegisterOGRGeoPackage(void);
void RegisterOGRPG(void);

struct nv_storeread {
    GDALDatasetH ds;
    char *src;
};

enum { FID_COLUMN = -2 };

struct nv_storeread_cursor {
    OGRLayerH layer;
    const char *src;           /* the reader's, for messages */
    int *field;                /* per column asked for: the layer's field index, or FID_COLUMN */
    size_t n;
    OGRFeatureH f;             /* the current row */
    char num[64];              /* a number as text, for nv_storeread_text */
    size_t *ring_start;        /* the current row's polygon, as nv_poly_view */
    size_t cap_rings;
    double *xy;
    size_t cap_pts;
    nv_poly_view view;
};

static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void register_drivers(void)
{
    /* Each one returns at once when the driver is there already (GDALAllRegister ran). */
    RegisterOGRSQLite();
    RegisterOGRGeoPackage();
    RegisterOGRPG();
}

static const char *gdal_words(void)
{
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : "no driver recognises it";
}

nv_status nv_storeread_open(const char *src, nv_storeread **out, nv_error *err)
{
    static const char *const drivers[] = {"SQLite", "GPKG", "PostgreSQL", NULL};
    nv_storeread *r = calloc(1, sizeof *r);
    if (!r || !(r->src = strdup(src))) {
        free(r);
        return nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory");
    }
    pthread_once(&registered, register_drivers);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    char *old = CPLStrdup(CPLGetThreadLocalConfigOption("SPATIALITE_LOAD", ""));
    CPLSetThreadLocalConfigOption("SPATIALITE_LOAD", "NO");
    r->ds = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, drivers, NULL, NULL);
    CPLSetThreadLocalConfigOption("SPATIALITE_LOAD", *old ? old : NULL);
    CPLFree(old);
    nv_status st = NV_OK;
    if (!r->ds)
        st = nv_error_set(err, NV_ERR_INPUT, src, 0,
                          "cannot open: file is not a database that GDAL reads as SQLite, GeoPackage or "
                          "PostgreSQL (%s)", gdal_words());
    CPLPopErrorHandler();
    if (st != NV_OK) {
        free(r->src);
        free(r);
        return st;
    }
    *out = r;
    return NV_OK;
}

nv_status nv_storeread_close(nv_storeread *r, nv_error *err)
{
    if (!r)
        return NV_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALClose(r->ds);
    nv_status st = NV_OK;
    if (CPLGetLastErrorType() >= CE_Failure)
        st = nv_error_set(err, NV_ERR_FAIL, r->src, 0, "closing: %s", CPLGetLastErrorMsg());
    CPLPopErrorHandler();
    free(r->src);
    free(r);
    return st;
}

static OGRLayerH find_layer(const nv_storeread *r, const char *layer)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRLayerH l = GDALDatasetGetLayerByName(r->ds, layer);
    CPLPopErrorHandler();
    return l;
}

/* The layer's FID column's name, or NULL when it has none with a name. */
static const char *fid_name(OGRLayerH l)
{
    const char *f = OGR_L_GetFIDColumn(l);
    return f && *f ? f : NULL;
}

/* A column's index in the layer: a field index, FID_COLUMN, or -1. */
static int column_index(OGRLayerH l, const char *column)
{
    int i = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), column);
    if (i < 0 && fid_name(l) && strcmp(fid_name(l), column) == 0)
        return FID_COLUMN;
    return i;
}

int nv_storeread_has_layer(const nv_storeread *r, const char *layer)
{
    return find_layer(r, layer) != NULL;
}

int nv_storeread_has_column(const nv_storeread *r, const char *layer, const char *column)
{
    OGRLayerH l = find_layer(r, layer);
    return l && column_index(l, column) != -1;
}

size_t nv_storeread_column_count(const nv_storeread *r, const char *layer)
{
    OGRLayerH l = find_layer(r, layer);
    return l ? (size_t)OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(l)) + (fid_name(l) != NULL) : 0;
}

const char *nv_storeread_column_name(const nv_storeread *r, const char *layer, size_t i)
{
    OGRLayerH l = find_layer(r, layer);
    if (!l)
        return NULL;
    if (fid_name(l) && i-- == 0)
        return fid_name(l);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l);
    return i < (size_t)OGR_FD_GetFieldCount(defn) ? OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, (int)i)) : NULL;
}

const char *nv_storeread_layer_names(const nv_storeread *r, char *buf, size_t size)
{
    size_t used = 0;
    int n = GDALDatasetGetLayerCount(r->ds);
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 OGR_L_GetName(GDALDatasetGetLayer(r->ds, i)));
    if (n == 0)
        snprintf(buf, size, "none");
    return buf;
}

/* A CRS's name for messages: "EPSG:3006 (SWEREF99 TM)", or its name alone. */
static void crs_name(OGRSpatialReferenceH srs, char *buf, size_t size)
{
    const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
    const char *name = OSRGetName(srs);
    if (auth && code)
        snprintf(buf, size, "%s:%s (%s)", auth, code, name ? name : "?");
    else
        snprintf(buf, size, "%s", name ? name : "an unnamed CRS");
}

/* Whether crs is "AUTHORITY:CODE" and names srs's own authority and code. */
static int same_code(OGRSpatialReferenceH srs, const char *crs)
{
    const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
    const char *colon = strchr(crs, ':');
    return auth && code && colon && strlen(auth) == (size_t)(colon - crs) &&
           strncasecmp(crs, auth, (size_t)(colon - crs)) == 0 && strcmp(colon + 1, code) == 0;
}

nv_status nv_storeread_check_crs(const nv_storeread *r, const char *layer, const char *crs, nv_error *err)
{
    OGRLayerH l = find_layer(r, layer);
    OGRSpatialReferenceH have = l ? OGR_L_GetSpatialRef(l) : NULL;
    if (!have || (crs && same_code(have, crs)))
        return NV_OK;
    OGRSpatialReferenceH want = OSRNewSpatialReference(NULL);
    nv_status st = NV_OK;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    if (!crs || OSRSetFromUserInput(want, crs) != OGRERR_NONE) {
        st = nv_error_set(err, NV_ERR_INPUT, r->src, 0,
                          "the result's CRS '%s' (runs.crs) is not one GDAL knows: the layers cannot be checked "
                          "(write the result again with narvaro analyze)", crs ? crs : "(none)");
    } else {
        const char *opts[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", "CRITERION=EQUIVALENT", NULL};
        if (!OSRIsSameEx(have, want, opts)) {
            char a[256], b[256];
            crs_name(have, a, sizeof a);
            crs_name(want, b, sizeof b);
            st = nv_error_set(err, NV_ERR_INPUT, r->src, 0,
                              "layer %s is in %s, but the result was measured in %s: the map would be drawn out "
                              "of place (copy the layers without reprojecting them: ogr2ogr without -t_srs)",
                              layer, a, b);
        }
    }
    CPLPopErrorHandler();
    OSRDestroySpatialReference(want);
    return st;
}

/* Tells OGR to skip every field that no column asks for, and the geometry unless wanted. */
static void ignore_the_rest(OGRLayerH l, const nv_storeread_cursor *c, int with_geometry)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l);
    int nf = OGR_FD_GetFieldCount(defn);
    const char **skip = calloc((size_t)nf + 3, sizeof *skip);
    if (!skip)
        return; /* then everything is read: slower, not wrong */
    size_t k = 0;
    for (int i = 0; i < nf; i++) {
        size_t j = 0;
        while (j < c->n && c->field[j] != i)
            j++;
        if (j == c->n)
            skip[k++] = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
    }
    if (!with_geometry)
        skip[k++] = "OGR_GEOMETRY";
    skip[k++] = "OGR_STYLE";
    OGR_L_SetIgnoredFields(l, skip);
    free(skip);
}

static void list_columns(OGRLayerH l, char *names, size_t size)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l);
    size_t used = 0;
    names[0] = '\0';
    if (fid_name(l))
        used = (size_t)snprintf(names, size, "%s", fid_name(l));
    for (int k = 0; k < OGR_FD_GetFieldCount(defn) && used < size; k++)
        used += (size_t)snprintf(names + used, size - used, "%s%s", used ? ", " : "",
                                 OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)));
}

nv_status nv_storeread_cursor_open(nv_storeread *r, const char *layer, const char *const *columns, size_t n,
                                   int with_geometry, nv_storeread_cursor **out, nv_error *err)
{
    char names[2048];
    OGRLayerH l = find_layer(r, layer);
    if (!l)
        return nv_error_set(err, NV_ERR_INPUT, r->src, 0, "no such table: %s (its layers: %s)", layer,
                            nv_storeread_layer_names(r, names, sizeof names));
    nv_storeread_cursor *c = calloc(1, sizeof *c);
    if (!c || !(c->field = calloc(n ? n : 1, sizeof *c->field))) {
        free(c);
        return nv_error_set(err, NV_ERR_FAIL, r->src, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if ((c->field[i] = column_index(l, columns[i])) == -1) {
            list_columns(l, names, sizeof names);
            nv_storeread_cursor_close(c);
            return nv_error_set(err, NV_ERR_INPUT, r->src, 0, "reading %s: no such column: %s (its columns: %s)",
                                layer, columns[i], names);
        }
    c->layer = l;
    c->src = r->src;
    c->n = n;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGR_L_SetAttributeFilter(l, NULL);
    OGR_L_SetSpatialFilter(l, NULL);
    ignore_the_rest(l, c, with_geometry);
    OGR_L_ResetReading(l);
    CPLPopErrorHandler();
    *out = c;
    return NV_OK;
}

void nv_storeread_cursor_close(nv_storeread_cursor *c)
{
    if (!c)
        return;
    if (c->f)
        OGR_F_Destroy(c->f);
    free(c->field);
    free(c->ring_start);
    free(c->xy);
    free(c);
}

int nv_storeread_next(nv_storeread_cursor *c, nv_error *err)
{
    if (c->f)
        OGR_F_Destroy(c->f);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    c->f = OGR_L_GetNextFeature(c->layer);
    int rc = c->f ? 1 : 0;
    if (!c->f && CPLGetLastErrorType() >= CE_Failure) {
        nv_error_set(err, NV_ERR_FAIL, c->src, 0, "reading %s: %s", OGR_L_GetName(c->layer), CPLGetLastErrorMsg());
        rc = -1;
    }
    CPLPopErrorHandler();
    return rc;
}

int nv_storeread_is_null(const nv_storeread_cursor *c, size_t col)
{
    if (col >= c->n || !c->f)
        return 1;
    return c->field[col] != FID_COLUMN && !OGR_F_IsFieldSetAndNotNull(c->f, c->field[col]);
}

/* A real as SQLite's "%!.15g" prints it: 15 significant digits, and a decimal point
 * always (".0" before an exponent or at the end), so that column text is the same from
 * every source. */
static const char *sqlite_real(char *buf, size_t size, double v)
{
    if (fabs(v) < 1e15 && fabs(v) < (double)LONG_MAX && v == (double)(long)v) { /* whole numbers (people) */
        int n = nv_numfmt_long(buf, size, (long)v);
        if ((size_t)n + 3 <= size)
            memcpy(buf + n, ".0", 3);
        return buf;
    }
    int n = nv_numfmt_general(buf, size, v, 15); /* printf's text, a tenth of its cost */
    if (n < 0 || (size_t)n + 3 > size || !isfinite(v) || strchr(buf, '.'))
        return buf;
    char *e = strchr(buf, 'e');
    size_t at = e ? (size_t)(e - buf) : (size_t)n;
    memmove(buf + at + 2, buf + at, (size_t)n - at + 1);
    buf[at] = '.';
    buf[at + 1] = '0';
    return buf;
}

const char *nv_storeread_text(nv_storeread_cursor *c, size_t col)
{
    if (nv_storeread_is_null(c, col))
        return NULL;
    int i = c->field[col];
    if (i == FID_COLUMN) {
        snprintf(c->num, sizeof c->num, "%lld", (long long)OGR_F_GetFID(c->f));
        return c->num;
    }
    switch (OGR_Fld_GetType(OGR_F_GetFieldDefnRef(c->f, i))) {
    case OFTInteger:
    case OFTInteger64:
        snprintf(c->num, sizeof c->num, "%lld", (long long)OGR_F_GetFieldAsInteger64(c->f, i));
        return c->num;
    case OFTReal:
        return sqlite_real(c->num, sizeof c->num, OGR_F_GetFieldAsDouble(c->f, i));
    default:
        return OGR_F_GetFieldAsString(c->f, i);
    }
}

double nv_storeread_real(const nv_storeread_cursor *c, size_t col)
{
    if (nv_storeread_is_null(c, col))
        return NAN;
    return c->field[col] == FID_COLUMN ? (double)OGR_F_GetFID(c->f) : OGR_F_GetFieldAsDouble(c->f, c->field[col]);
}

long long nv_storeread_int(const nv_storeread_cursor *c, size_t col)
{
    if (nv_storeread_is_null(c, col))
        return 0;
    return c->field[col] == FID_COLUMN ? (long long)OGR_F_GetFID(c->f)
                                       : (long long)OGR_F_GetFieldAsInteger64(c->f, c->field[col]);
}

long long nv_storeread_fid(const nv_storeread_cursor *c)
{
    return c->f ? (long long)OGR_F_GetFID(c->f) : -1;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *a = realloc(*arr, n * elem);
    if (!a)
        return -1;
    *arr = a;
    *cap = n;
    return 0;
}

/* Appends polygon g's rings to the cursor's view; -1 when out of memory. */
static int add_polygon(nv_storeread_cursor *c, OGRGeometryH g, size_t *pts)
{
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(g, i);
        size_t np = (size_t)OGR_G_GetPointCount(ring);
        if (grow((void **)&c->ring_start, &c->cap_rings, c->view.n_rings + 2, sizeof *c->ring_start) != 0 ||
            grow((void **)&c->xy, &c->cap_pts, 2 * (*pts + np), sizeof *c->xy) != 0)
            return -1;
        c->ring_start[c->view.n_rings++] = *pts;
        if (np)
            OGR_G_GetPoints(ring, c->xy + 2 * *pts, 2 * sizeof(double), c->xy + 2 * *pts + 1, 2 * sizeof(double),
                            NULL, 0);
        *pts += np;
    }
    return 0;
}

const nv_poly_view *nv_storeread_polygon(nv_storeread_cursor *c, const char **why)
{
    OGRGeometryH g = c->f ? OGR_F_GetGeometryRef(c->f) : NULL;
    size_t pts = 0;
    c->view.n_rings = 0;
    if (!g || OGR_G_IsEmpty(g)) {
        *why = "no geometry";
        return NULL;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    int bad = 0;
    if (t == wkbPolygon) {
        bad = add_polygon(c, g, &pts);
    } else if (t == wkbMultiPolygon) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g) && !bad; i++)
            bad = add_polygon(c, OGR_G_GetGeometryRef(g, i), &pts);
    } else {
        *why = "not a polygon or multipolygon";
        return NULL;
    }
    if (bad || grow((void **)&c->ring_start, &c->cap_rings, c->view.n_rings + 1, sizeof *c->ring_start) != 0) {
        *why = "out of memory";
        return NULL;
    }
    c->ring_start[c->view.n_rings] = pts;
    c->view.ring_start = c->ring_start;
    c->view.xy = c->xy;
    return &c->view;
}
