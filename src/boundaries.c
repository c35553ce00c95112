#include "boundaries.h"

#include "textin.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <proj.h>

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct muni {
    nv_municipality m;
    char *code, *name, *county;
    size_t *ring_start;
    double *xy;
    unsigned char *wkb;
} muni;

struct nv_boundaries {
    muni *items;
    size_t n;
    char *layer;
    int srid;
    int repaired;
    char **files;        /* the files the source consists of (GDAL's list), NULL-terminated */
};

static const char *const ID_FIELDS[] = {"kommunkod", "id", "kod", "code", "kom_kod", NULL};
static const char *const NAME_FIELDS[] = {"namn", "kom_namn", "name", NULL};
static const char *const COUNTY_FIELDS[] = {"lanskod", "lan_code", "lan_kod", NULL};

static char gdal_version[64];
static pthread_once_t gdal_version_once = PTHREAD_ONCE_INIT;

static void copy_gdal_version(void)
{
    snprintf(gdal_version, sizeof gdal_version, "%s", GDALVersionInfo("RELEASE_NAME"));
}

/* GDALVersionInfo's string lives only until its next call (with any request): keep a
 * copy that lives as long as the process. */
const char *nv_boundaries_gdal_version(void)
{
    pthread_once(&gdal_version_once, copy_gdal_version);
    return gdal_version;
}

const char *nv_boundaries_proj_version(void)
{
    return proj_info().version;
}

static void muni_free(muni *m)
{
    free(m->code);
    free(m->name);
    free(m->county);
    free(m->ring_start);
    free(m->xy);
    free(m->wkb);
}

void nv_boundaries_destroy(nv_boundaries *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        muni_free(&b->items[i]);
    free(b->items);
    free(b->layer);
    CSLDestroy(b->files);
    free(b);
}

size_t nv_boundaries_count(const nv_boundaries *b)
{
    return b ? b->n : 0;
}

const nv_municipality *nv_boundaries_get(const nv_boundaries *b, size_t i)
{
    return b && i < b->n ? &b->items[i].m : NULL;
}

const char *nv_boundaries_layer_name(const nv_boundaries *b)
{
    return b ? b->layer : NULL;
}

int nv_boundaries_srid(const nv_boundaries *b)
{
    return b ? b->srid : 0;
}

const char *const *nv_boundaries_files(const nv_boundaries *b)
{
    static const char *const none[] = {NULL};
    return b && b->files ? (const char *const *)b->files : none;
}

int nv_boundaries_repaired(const nv_boundaries *b)
{
    return b ? b->repaired : 0;
}

/* "a, b, c" of the layer names, for messages. */
static void list_layers(GDALDatasetH ds, char *buf, size_t size)
{
    buf[0] = 0;
    int n = GDALDatasetGetLayerCount(ds);
    for (int i = 0; i < n; i++) {
        OGRLayerH l = GDALDatasetGetLayer(ds, i);
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? ", " : "", OGR_L_GetName(l));
    }
}

static void list_fields(OGRFeatureDefnH defn, char *buf, size_t size)
{
    buf[0] = 0;
    int n = OGR_FD_GetFieldCount(defn);
    for (int i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                 OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
    }
    if (n == 0)
        snprintf(buf, size, "(none)");
}

/* Finds a field: the one named by the user (an error if missing), else the first of the
 * candidates present. Returns the index, -1 if none was found and none was required. */
static int find_field(OGRFeatureDefnH defn, const char *given, const char *const *candidates,
                      const char *option, const char *src, nv_error *err, int *failed)
{
    char fields[2048];
    if (given) {
        int i = OGR_FD_GetFieldIndex(defn, given);
        if (i < 0) {
            list_fields(defn, fields, sizeof fields);
            nv_error_set(err, NV_ERR_INPUT, src, 0, "no field named '%s' (fields: %s; choose one with %s)",
                         given, fields, option);
            *failed = 1;
        }
        return i;
    }
    for (size_t k = 0; candidates[k]; k++) {
        int i = OGR_FD_GetFieldIndex(defn, candidates[k]);
        if (i >= 0)
            return i;
    }
    return -1;
}

/* Field value as a code string; integer fields and short digit strings are zero-padded
 * to width (4 for municipalities, 2 for counties). Caller frees. */
static char *field_code(OGRFeatureH f, int field, OGRFieldType type, int width)
{
    char buf[64];
    if (type == OFTInteger || type == OFTInteger64) {
        snprintf(buf, sizeof buf, "%0*lld", width, (long long)OGR_F_GetFieldAsInteger64(f, field));
        return strdup(buf);
    }
    const char *s = OGR_F_GetFieldAsString(f, field);
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    int digits = len > 0;
    for (size_t i = 0; i < len; i++)
        digits &= isdigit((unsigned char)s[i]) != 0;
    if (digits && (int)len < width && len < sizeof buf) {
        /* "114" -> "0114": zeros for the missing width, then the digits. */
        snprintf(buf, sizeof buf, "%0*d%.*s", width - (int)len, 0, (int)len, s);
        return strdup(buf);
    }
    return strndup(s, len);
}

/* Moves every vertex of g (a polygon or multipolygon, 2D) through the PROJ operation. */
static int transform_geometry(PJ *op, OGRGeometryH g, int swap_xy)
{
    int n_sub = OGR_G_GetGeometryCount(g);
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbMultiPolygon || t == wkbPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < n_sub; i++)
            if (transform_geometry(op, OGR_G_GetGeometryRef(g, i), swap_xy) != 0)
                return -1;
        return 0;
    }
    int n = OGR_G_GetPointCount(g);
    if (n <= 0)
        return 0;
    double *x = malloc((size_t)n * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
    if (!x || !y) {
        free(x);
        free(y);
        return -1;
    }
    OGR_G_GetPoints(g, swap_xy ? y : x, sizeof(double), swap_xy ? x : y, sizeof(double), NULL, 0);
    proj_trans_generic(op, PJ_FWD, x, sizeof(double), (size_t)n, y, sizeof(double), (size_t)n,
                       NULL, 0, 0, NULL, 0, 0);
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad |= !isfinite(x[i]) || !isfinite(y[i]);
    if (!bad)
        OGR_G_SetPoints(g, n, x, sizeof(double), y, sizeof(double), NULL, 0);
    free(x);
    free(y);
    return bad ? -1 : 0;
}

/* Copies the rings of a (multi)polygon into the flat arrays of the index view. */
static int copy_rings(muni *m, OGRGeometryH mp)
{
    size_t n_rings = 0, n_pts = 0;
    int parts = OGR_G_GetGeometryCount(mp);
    for (int p = 0; p < parts; p++) {
        OGRGeometryH poly = OGR_G_GetGeometryRef(mp, p);
        int rings = OGR_G_GetGeometryCount(poly);
        for (int r = 0; r < rings; r++) {
            n_rings++;
            n_pts += (size_t)OGR_G_GetPointCount(OGR_G_GetGeometryRef(poly, r));
        }
    }
    m->ring_start = malloc((n_rings + 1) * sizeof(size_t));
    m->xy = malloc((n_pts + 1) * 2 * sizeof(double));
    if (!m->ring_start || !m->xy)
        return -1;
    size_t k = 0, at = 0;
    for (int p = 0; p < parts; p++) {
        OGRGeometryH poly = OGR_G_GetGeometryRef(mp, p);
        int rings = OGR_G_GetGeometryCount(poly);
        for (int r = 0; r < rings; r++) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
            int n = OGR_G_GetPointCount(ring);
            m->ring_start[k++] = at;
            OGR_G_GetPoints(ring, &m->xy[2 * at], 2 * sizeof(double), &m->xy[2 * at + 1],
                            2 * sizeof(double), NULL, 0);
            at += (size_t)n;
        }
    }
    m->ring_start[k] = at;
    m->m.poly.n_rings = n_rings;
    m->m.poly.ring_start = m->ring_start;
    m->m.poly.xy = m->xy;
    return 0;
}

/* The polygonal part of a geometry as a new multipolygon, or NULL if it has none. */
static OGRGeometryH polygonal_part(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon)
        return OGR_G_ForceToMultiPolygon(OGR_G_Clone(g));
    if (t != wkbGeometryCollection)
        return NULL;
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon);
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
        OGRGeometryH sub = polygonal_part(OGR_G_GetGeometryRef(g, i));
        for (int j = 0; sub && j < OGR_G_GetGeometryCount(sub); j++)
            OGR_G_AddGeometry(mp, OGR_G_GetGeometryRef(sub, j));
        if (sub)
            OGR_G_DestroyGeometry(sub);
    }
    if (OGR_G_GetGeometryCount(mp) == 0) {
        OGR_G_DestroyGeometry(mp);
        return NULL;
    }
    return mp;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const muni *)a)->code, ((const muni *)b)->code);
}

/* Does the data of this layer come with the first coordinate along a north axis
 * (latitude or northing)? PROJ's normalized operation wants east first. */
static int data_is_north_first(OGRSpatialReferenceH srs)
{
    int count = 0;
    const int *map = OSRGetDataAxisToSRSAxisMapping(srs, &count);
    if (!map || count < 2)
        return 0;
    OGRAxisOrientation o = OAO_Other;
    OSRGetAxis(srs, OSRIsProjected(srs) ? "PROJCS" : "GEOGCS", abs(map[0]) - 1, &o);
    return o == OAO_North || o == OAO_South;
}

typedef struct feat_ctx {
    const char *src;
    nv_diags *diags;
    PJ *op;
    int swap_xy;
    int problems;
    int repaired;
} feat_ctx;

/* Prepares one feature's geometry: transformed, valid, polygonal. Returns 0 or -1 after
 * reporting a problem. */
static int prepare_feature(feat_ctx *fc, OGRFeatureH f, muni *m)
{
    long fid = (long)OGR_F_GetFID(f);
    OGRGeometryH src = OGR_F_GetGeometryRef(f);
    if (!src || OGR_G_IsEmpty(src)) {
        nv_diags_add(fc->diags, NV_PROBLEM, fc->src, 0,
                     "feature %ld (%s %s) has no geometry (give it one or remove the feature)", fid,
                     m->code, m->name);
        return -1;
    }
    OGRGeometryH g = OGR_G_Clone(src);
    if (OGR_GT_IsNonLinear(OGR_G_GetGeometryType(g))) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        OGR_G_DestroyGeometry(g);
        g = lin;
    }
    OGR_G_FlattenTo2D(g);
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t != wkbPolygon && t != wkbMultiPolygon) {
        nv_diags_add(fc->diags, NV_PROBLEM, fc->src, 0,
                     "feature %ld (%s %s) is a %s, not a polygon (municipalities need areas)", fid,
                     m->code, m->name, OGRGeometryTypeToName(t));
        OGR_G_DestroyGeometry(g);
        return -1;
    }
    if (transform_geometry(fc->op, g, fc->swap_xy) != 0) {
        nv_diags_add(fc->diags, NV_PROBLEM, fc->src, 0,
                     "feature %ld (%s %s): PROJ could not transform every vertex into the analysis CRS "
                     "(is the source CRS right? see --boundaries-crs)", fid, m->code, m->name);
        OGR_G_DestroyGeometry(g);
        return -1;
    }
    if (!OGR_G_IsValid(g)) {
        double before = OGR_G_Area(g) / 1e6;
        OGRGeometryH fixed = OGR_G_MakeValid(g);
        OGRGeometryH mp = fixed ? polygonal_part(fixed) : NULL;
        if (fixed)
            OGR_G_DestroyGeometry(fixed);
        if (!mp) {
            nv_diags_add(fc->diags, NV_PROBLEM, fc->src, 0,
                         "feature %ld (%s %s) has an invalid geometry that GEOS could not repair "
                         "(fix it, e.g. ogr2ogr -makevalid)", fid, m->code, m->name);
            OGR_G_DestroyGeometry(g);
            return -1;
        }
        nv_diags_add(fc->diags, NV_WARNING, fc->src, 0,
                     "feature %ld (%s %s) had an invalid geometry; repaired with GEOS MakeValid "
                     "(area %.3f km2 before, %.3f km2 after)", fid, m->code, m->name, before,
                     OGR_G_Area(mp) / 1e6);
        fc->repaired++;
        OGR_G_DestroyGeometry(g);
        g = mp;
    } else {
        g = OGR_G_ForceToMultiPolygon(g);
    }
    OGRGeometryH rep = OGR_G_PointOnSurface(g);
    OGREnvelope env;
    OGR_G_GetEnvelope(g, &env);
    m->m.minx = env.MinX, m->m.miny = env.MinY, m->m.maxx = env.MaxX, m->m.maxy = env.MaxY;
    m->m.area_km2 = OGR_G_Area(g) / 1e6;
    int ok = rep != NULL && !OGR_G_IsEmpty(rep);
    if (ok) {
        m->m.rep_x = OGR_G_GetX(rep, 0);
        m->m.rep_y = OGR_G_GetY(rep, 0);
    }
    if (rep)
        OGR_G_DestroyGeometry(rep);
    size_t wkb_size = (size_t)OGR_G_WkbSizeEx(g);
    m->wkb = malloc(wkb_size);
    ok = ok && m->wkb && OGR_G_ExportToIsoWkb(g, wkbNDR, m->wkb) == OGRERR_NONE && copy_rings(m, g) == 0;
    OGR_G_DestroyGeometry(g);
    if (!ok) {
        nv_diags_add(fc->diags, NV_PROBLEM, fc->src, 0,
                     "feature %ld (%s %s): could not compute a point inside the polygon (GEOS: %s)",
                     fid, m->code, m->name, CPLGetLastErrorMsg());
        return -1;
    }
    m->m.wkb = m->wkb;
    m->m.wkb_size = wkb_size;
    return 0;
}

static void quiet_proj_log(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

/* Does crs name a CRS by itself (an authority code, a URN, WKT, PROJJSON, a PROJ string),
 * rather than by a name that PROJ would match loosely? */
static int crs_is_explicit(const char *crs)
{
    while (isspace((unsigned char)*crs))
        crs++;
    if (*crs == '{' || *crs == '+' || strstr(crs, "proj=") || strncmp(crs, "urn:", 4) == 0 ||
        strchr(crs, '[') || strncmp(crs, "http", 4) == 0)
        return 1;
    const char *colon = strchr(crs, ':'); /* AUTHORITY:CODE, e.g. EPSG:3006 */
    if (!colon || colon == crs || !colon[1])
        return 0;
    for (const char *p = crs; p < colon; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return 0;
    return 1;
}

/* PROJ and OGR also say "unknown CRS" or give no CRS when they could not open PROJ's
 * database (proj.db, mapped into memory) for want of memory: that is no bad input, and a
 * message about the CRS would send the user the wrong way. */
static int memory_short(const char *src, nv_error *err, nv_status *st)
{
    if (!nv_memory_short((size_t)32 << 20))
        return 0;
    *st = nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory while %s (PROJ could not read its CRS database)",
                       nv_activity());
    return 1;
}

/* The CRS given by option, checked: PROJ knows it as a CRS (a bare name must be a CRS's
 * exact name: PROJ would take "foo" for "Amersfoort"), and, for the analysis CRS, it is
 * projected with axes in metres. *out gets the PJ (caller destroys) on success. */
static nv_status check_crs(PJ_CONTEXT *ctx, const char *option, const char *crs, int analysis, PJ **out,
                           nv_error *err)
{
    *out = NULL;
    if (!crs[0])
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "%s is empty: give a CRS such as EPSG:3006", option);
    PJ *pj = proj_create(ctx, crs);
    if (!pj || !proj_is_crs(pj) || (!crs_is_explicit(crs) && !nv_text_ieq(proj_get_name(pj), crs))) {
        proj_destroy(pj);
        nv_status st;
        if (memory_short(NULL, err, &st))
            return st;
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                            "%s %s: unknown CRS (PROJ knows no CRS of that name; give an authority code such "
                            "as EPSG:3006, WKT, or a PROJ string)", option, crs);
    }
    if (analysis) {
        PJ_TYPE t = proj_get_type(pj);
        if (t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS || t == PJ_TYPE_GEOGRAPHIC_CRS) {
            proj_destroy(pj);
            return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                                "%s %s is geographic (degrees); distances need a projected CRS in metres, "
                                "e.g. EPSG:3006", option, crs);
        }
        PJ *cs = t == PJ_TYPE_PROJECTED_CRS ? proj_crs_get_coordinate_system(ctx, pj) : NULL;
        const char *unit = NULL;
        double to_m = 0;
        int n_axes = cs ? proj_cs_get_axis_count(ctx, cs) : 0;
        int metres = n_axes >= 2;
        for (int i = 0; i < n_axes && metres; i++)
            metres = proj_cs_get_axis_info(ctx, cs, i, NULL, NULL, NULL, &to_m, &unit, NULL, NULL) &&
                     to_m == 1.0;
        proj_destroy(cs);
        if (!metres) {
            char what[160];
            if (t != PJ_TYPE_PROJECTED_CRS)
                snprintf(what, sizeof what, "is not a projected CRS (PROJ calls it %s)", proj_get_name(pj));
            else
                snprintf(what, sizeof what, "has its axes in %s, not metres", unit ? unit : "another unit");
            proj_destroy(pj);
            return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                                "%s %s %s; distances need a projected CRS in metres, e.g. EPSG:3006", option, crs,
                                what);
        }
    }
    *out = pj;
    return NV_OK;
}

nv_status nv_boundaries_check_crs(const char *option, const char *crs, int analysis, nv_error *err)
{
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *pj = NULL;
    if (!ctx)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory (PROJ context)");
    proj_log_func(ctx, NULL, quiet_proj_log);
    nv_status st = check_crs(ctx, option, crs, analysis, &pj, err);
    proj_destroy(pj);
    proj_context_destroy(ctx);
    return st;
}

/* An OGR layer opened for reading, with the PROJ operation into the analysis CRS. */
typedef struct layer_input {
    GDALDatasetH ds;
    OGRLayerH layer;
    PJ_CONTEXT *ctx;
    PJ *op;
    int swap_xy;
    int srid;          /* EPSG code of the analysis CRS, 0 if none */
} layer_input;

static void close_input(layer_input *in)
{
    proj_destroy(in->op);
    proj_context_destroy(in->ctx);
    if (in->ds)
        GDALClose(in->ds);
    memset(in, 0, sizeof *in);
}

static void (*fatal_report)(const char *what);

/* CPLQuietErrorHandler, except that a fatal error is reported before GDAL aborts. */
static void quiet_unless_fatal(CPLErr cls, CPLErrorNum num, const char *msg)
{
    (void)num;
    if (cls == CE_Fatal && fatal_report)
        fatal_report(msg);
}

static void default_unless_fatal(CPLErr cls, CPLErrorNum num, const char *msg)
{
    if (cls == CE_Fatal && fatal_report)
        fatal_report(msg);
    CPLDefaultErrorHandler(cls, num, msg);
}

void nv_boundaries_on_fatal(void (*report)(const char *what))
{
    fatal_report = report;
    CPLSetErrorHandler(report ? default_unless_fatal : CPLDefaultErrorHandler);
}

/* The size a Shapefile part (.shp, .shx: big-endian length in 16-bit words at byte 24;
 * .dbf: header and record sizes) says it has, or -1 when its header is unreadable. */
static long long declared_size(const char *path, int dbf)
{
    unsigned char h[32];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t got = fread(h, 1, sizeof h, f);
    fclose(f);
    if (got < sizeof h)
        return -1;
    if (dbf) /* records (LE 32) x record size (LE 16) after the header (LE 16), then 0x1A */
        return (long long)(h[8] | h[9] << 8) +
               (long long)((unsigned long)h[4] | (unsigned long)h[5] << 8 | (unsigned long)h[6] << 16 |
                           (unsigned long)h[7] << 24) * (h[10] | h[11] << 8);
    if (h[0] != 0 || h[1] != 0 || h[2] != 0x27 || h[3] != 0x0a) /* file code 9994 */
        return -1;
    return 2 * (long long)((unsigned long)h[24] << 24 | (unsigned long)h[25] << 16 | (unsigned long)h[26] << 8 |
                           (unsigned long)h[27]);
}

/* A Shapefile cut short (an interrupted copy or download) makes GDAL report every feature
 * past the cut as having no geometry, one line each: say once which file is truncated,
 * with the size its header promises and the size it has. */
static nv_status check_shapefile_sizes(const char *src, nv_error *err)
{
    size_t n = strlen(src);
    if (n < 4 || strcasecmp(src + n - 4, ".shp") != 0 || n >= 4096)
        return NV_OK;
    int upper = src[n - 1] == 'P';
    static const char *const ext[2][3] = {{"shp", "shx", "dbf"}, {"SHP", "SHX", "DBF"}};
    for (int i = 0; i < 3; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%.*s%s", (int)(n - 3), src, ext[upper][i]);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        long long want = declared_size(path, i == 2);
        if (want > 0 && (long long)sb.st_size < want)
            return nv_error_set(err, NV_ERR_INPUT, path, 0,
                                "is truncated: its header says %lld bytes, the file has %lld (copy it again "
                                "from its source)", want, (long long)sb.st_size);
    }
    return NV_OK;
}


/* Opens src (any OGR source), picks the layer and prepares the PROJ operation from the
 * layer's CRS (or the declared one) to dst_crs. option names the command-line option
 * that gave src, and crs_option the one that declares its CRS, for messages. */
static nv_status open_input(layer_input *in, const char *src, const char *layer_name, const char *declared_crs,
                            const char *dst_crs, const char *option, const char *crs_option,
                            const char *const *open_options, nv_error *err)
{
    char names[4096];
    char *wkt = NULL;
    PJ *src_pj = NULL, *dst_pj = NULL, *op_raw = NULL;
    nv_status st = NV_OK;
    memset(in, 0, sizeof *in);
    GDALAllRegister();

    if ((st = check_shapefile_sizes(src, err)) != NV_OK)
        return st;
    in->ds = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, (const char *const *)open_options, NULL);
    if (!in->ds) {
        struct stat sb;
        if (!strchr(src, ':') && stat(src, &sb) != 0)
            return nv_error_set(err, NV_ERR_INPUT, src, 0, "no such file (check the path; %s takes any OGR source)",
                                option);
        return nv_error_set(err, NV_ERR_INPUT, src, 0, "GDAL cannot open this as vector data (%s)",
                            CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "no driver recognises it");
    }
    int n_layers = GDALDatasetGetLayerCount(in->ds);
    if (layer_name) {
        in->layer = GDALDatasetGetLayerByName(in->ds, layer_name);
        if (!in->layer) {
            list_layers(in->ds, names, sizeof names);
            return nv_error_set(err, NV_ERR_INPUT, src, 0, "no layer named '%s' (layers: %s; choose one with --layer)",
                                layer_name, names);
        }
    } else if (n_layers == 1) {
        in->layer = GDALDatasetGetLayer(in->ds, 0);
    } else {
        list_layers(in->ds, names, sizeof names);
        return nv_error_set(err, NV_ERR_INPUT, src, 0, n_layers ? "has %d layers (%s); choose one with --layer"
                                                         : "has %d layers%s; nothing to read",
                            n_layers, names);
    }

    /* The CRS: the source's own, or the one the user declares. */
    in->ctx = proj_context_create();
    proj_log_func(in->ctx, NULL, quiet_proj_log); /* the library never prints */
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(in->layer);
    if (declared_crs) {
        if ((st = check_crs(in->ctx, crs_option, declared_crs, 0, &src_pj, err)) != NV_OK)
            goto done;
    } else if (!srs) {
        if (memory_short(src, err, &st))
            goto done;
        st = nv_error_set(err, NV_ERR_INPUT, src, 0,
                          "layer '%s' has no coordinate reference system (declare it: %s EPSG:3006, "
                          "or add a .prj with: ogr2ogr -a_srs EPSG:3006 fixed.shp %s)",
                          OGR_L_GetName(in->layer), crs_option, src);
        goto done;
    } else {
        const char *wkt_opts[] = {"FORMAT=WKT2_2019", NULL};
        if (OSRExportToWktEx(srs, &wkt, wkt_opts) != OGRERR_NONE || !(src_pj = proj_create(in->ctx, wkt))) {
            if (memory_short(src, err, &st))
                goto done;
            st = nv_error_set(err, NV_ERR_INPUT, src, 0,
                              "its coordinate reference system is not understood by PROJ (%s; declare it with %s)",
                              proj_context_errno_string(in->ctx, proj_context_errno(in->ctx)), crs_option);
            goto done;
        }
        in->swap_xy = data_is_north_first(srs);
    }
    if ((st = check_crs(in->ctx, "--crs", dst_crs, 1, &dst_pj, err)) != NV_OK)
        goto done;
    {
        const char *auth = proj_get_id_auth_name(dst_pj, 0), *code = proj_get_id_code(dst_pj, 0);
        in->srid = auth && code && strcmp(auth, "EPSG") == 0 ? atoi(code) : 0;
    }
    op_raw = proj_create_crs_to_crs_from_pj(in->ctx, src_pj, dst_pj, NULL, NULL);
    in->op = op_raw ? proj_normalize_for_visualization(in->ctx, op_raw) : NULL;
    if (!in->op)
        st = nv_error_set(err, NV_ERR_INPUT, src, 0, "PROJ finds no transformation from its CRS to %s (%s)", dst_crs,
                          proj_context_errno_string(in->ctx, proj_context_errno(in->ctx)));
done:
    CPLFree(wkt);
    proj_destroy(op_raw);
    proj_destroy(src_pj);
    proj_destroy(dst_pj);
    return st;
}

/* Distances are measured in the analysis CRS: refuse one whose scale over the boundaries
 * differs from 1 by more than NV_MAX_SCALE_ERROR in any direction (Tissot's indicatrix,
 * PROJ's proj_factors), sampled at every municipality's representative point and the
 * corners of its bounding box. Web Mercator over Sweden is 2.4 times too long. */
#define NV_MAX_SCALE_ERROR 0.01

static nv_status check_scale(const nv_boundaries *b, const char *dst_crs, nv_error *err)
{
    nv_status st = NV_OK;
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *dst = NULL, *norm = NULL, *op = NULL;
    char *def = NULL;
    if (!ctx)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory (PROJ context)");
    proj_log_func(ctx, NULL, quiet_proj_log);
    /* proj_factors on a CRS object builds an operation on every call (milliseconds each):
     * the projection alone, as a PROJ string, takes radians east/north and answers in
     * microseconds, and its inverse gives the longitude and latitude of a point. */
    dst = proj_create(ctx, dst_crs);
    norm = dst ? proj_normalize_for_visualization(ctx, dst) : NULL;
    const char *s = norm ? proj_as_proj_string(ctx, norm, PJ_PROJ_4, NULL) : NULL;
    if (s && (def = strdup(s)) != NULL) {
        char *type = strstr(def, " +type=crs");
        if (type)
            *type = '\0';
        op = proj_create(ctx, def);
    }
    if (!op) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                          "--crs %s: PROJ cannot express it as a projection to check its scale (%s); "
                          "give a projected CRS in metres, e.g. EPSG:3006", dst_crs,
                          proj_context_errno_string(ctx, proj_context_errno(ctx)));
        goto done;
    }
    double worst = 0, worst_scale = 1, worst_lon = 0, worst_lat = 0, sum_lon = 0, sum_lat = 0;
    size_t n_ok = 0;
    for (size_t i = 0; i < b->n; i++) {
        const nv_municipality *m = &b->items[i].m;
        const double pts[5][2] = {{m->rep_x, m->rep_y}, {m->minx, m->miny}, {m->minx, m->maxy},
                                  {m->maxx, m->miny}, {m->maxx, m->maxy}};
        for (int k = 0; k < 5; k++) {
            PJ_COORD g = proj_trans(op, PJ_INV, proj_coord(pts[k][0], pts[k][1], 0, 0));
            if (!isfinite(g.lp.lam) || !isfinite(g.lp.phi))
                continue;
            PJ_FACTORS f = proj_factors(op, g);
            if (!(f.tissot_semimajor > 0) || !(f.tissot_semiminor > 0))
                continue;
            double lon = g.lp.lam * 180 / M_PI, lat = g.lp.phi * 180 / M_PI;
            n_ok++;
            sum_lon += lon, sum_lat += lat;
            double e1 = fabs(f.tissot_semimajor - 1), e2 = fabs(f.tissot_semiminor - 1);
            double e = e1 > e2 ? e1 : e2;
            if (e > worst) {
                worst = e;
                worst_scale = e1 > e2 ? f.tissot_semimajor : f.tissot_semiminor;
                worst_lon = lon, worst_lat = lat;
            }
        }
    }
    if (n_ok == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                          "--crs %s: PROJ gives no scale factor anywhere over the boundaries, so distances "
                          "in it cannot be trusted; choose a projected CRS for the area, e.g. EPSG:3006",
                          dst_crs);
    } else if (worst > NV_MAX_SCALE_ERROR) {
        double lon = sum_lon / (double)n_ok, lat = sum_lat / (double)n_ok;
        int zone = (int)floor((lon + 180) / 6) + 1;
        zone = zone < 1 ? 1 : zone > 60 ? 60 : zone;
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                          "--crs %s is unfit for distances here: over the boundaries its scale is off by up to "
                          "%.1f %% (scale factor %.4f at %.2f%s, %.2f%s, PROJ's proj_factors); narvaro accepts "
                          "at most %.0f %%. Choose a CRS made for the area: EPSG:3006 (SWEREF 99 TM) for "
                          "Sweden, or the UTM zone of the boundaries' centre, EPSG:%d",
                          dst_crs, 100 * worst, worst_scale, fabs(worst_lon), worst_lon < 0 ? " W" : " E",
                          fabs(worst_lat), worst_lat < 0 ? " S" : " N", 100 * NV_MAX_SCALE_ERROR,
                          (lat < 0 ? 32700 : 32600) + zone);
    }
done:
    free(def);
    proj_destroy(op);
    proj_destroy(norm);
    proj_destroy(dst);
    proj_context_destroy(ctx);
    return st;
}

/* Replaces *s by its Windows-1252 reading; 0, or -1 when out of memory. */
static int cp1252_in_place(char **s)
{
    size_t len;
    char *u = nv_text_cp1252_to_utf8((const unsigned char *)*s, strlen(*s), &len);
    if (!u)
        return -1;
    free(*s);
    *s = u;
    return 0;
}

static int is_valid_utf8(const char *s)
{
    size_t n = strlen(s);
    return nv_text_utf8_invalid_at((const unsigned char *)s, n) == n;
}

/* Makes every name, code and county UTF-8 (nothing narvaro writes is invalid UTF-8).
 * enc: the user's --boundaries-encoding; gdal_utf8: GDAL already recoded the text (a .cpg,
 * a language driver byte, a format that is UTF-8). Otherwise the text is detected: all of
 * it valid UTF-8, or else all of it Windows-1252; either is said, when the text is not
 * plain ASCII, so that a wrong guess can be corrected. */
static nv_status decode_text(nv_boundaries *b, const char *src, nv_text_encoding enc, int gdal_utf8,
                             nv_diags *diags, nv_error *err)
{
    size_t first_bad = SIZE_MAX;
    int non_ascii = 0;
    for (size_t i = 0; i < b->n; i++) {
        muni *m = &b->items[i];
        char *f[3] = {m->code, m->name, m->county};
        for (int k = 0; k < 3; k++) {
            for (const unsigned char *p = (const unsigned char *)f[k]; *p; p++)
                non_ascii |= *p >= 0x80;
            if (first_bad == SIZE_MAX && !is_valid_utf8(f[k]))
                first_bad = i;
        }
    }
    int to_cp1252 = 0;
    if (enc == NV_TEXT_CP1252) {
        to_cp1252 = 1;
    } else if (enc == NV_TEXT_UTF8) {
        if (first_bad != SIZE_MAX)
            return nv_error_set(err, NV_ERR_INPUT, src, 0,
                                "feature %ld (%s): its text is not valid UTF-8, as --boundaries-encoding UTF-8 "
                                "says it is (try --boundaries-encoding CP1252)", b->items[first_bad].m.fid,
                                b->items[first_bad].code);
    } else if (gdal_utf8) {
        /* GDAL recoded it; a stray invalid byte (a wrong .cpg) is read as Windows-1252. */
        for (size_t i = 0; first_bad != SIZE_MAX && i < b->n; i++) {
            muni *m = &b->items[i];
            char **f[3] = {&m->code, &m->name, &m->county};
            for (int k = 0; k < 3; k++) {
                int oom;
                char *fixed = nv_text_utf8_repair(*f[k], &oom);
                if (oom)
                    return nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory");
                if (fixed) {
                    free(*f[k]);
                    *f[k] = fixed;
                }
            }
        }
        if (first_bad != SIZE_MAX)
            nv_diags_add(diags, NV_WARNING, src, 0,
                         "feature %ld (%s) and maybe others have text that is not valid UTF-8 although GDAL "
                         "decoded it (is the .cpg wrong?); the stray bytes were read as Windows-1252 (declare the "
                         "encoding with --boundaries-encoding)", b->items[first_bad].m.fid,
                         b->items[first_bad].code);
    } else if (first_bad != SIZE_MAX) {
        to_cp1252 = 1;
        nv_diags_add(diags, NV_WARNING, src, 0,
                     "its text declares no encoding (no .cpg, no language driver byte in the .dbf) and is not "
                     "UTF-8 (feature %ld, %s): read as Windows-1252 (if names look wrong, give "
                     "--boundaries-encoding)", b->items[first_bad].m.fid, b->items[first_bad].code);
    } else if (non_ascii) {
        nv_diags_add(diags, NV_WARNING, src, 0,
                     "its text declares no encoding (no .cpg, no language driver byte in the .dbf): read as "
                     "UTF-8, which all of it is (if names look wrong, give --boundaries-encoding)");
    }
    for (size_t i = 0; to_cp1252 && i < b->n; i++) {
        muni *m = &b->items[i];
        if (cp1252_in_place(&m->code) || cp1252_in_place(&m->name) || cp1252_in_place(&m->county))
            return nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory");
        m->m.code = m->code, m->m.name = m->name, m->m.county = m->county;
    }
    for (size_t i = 0; i < b->n; i++) {
        muni *m = &b->items[i];
        m->m.code = m->code, m->m.name = m->name, m->m.county = m->county;
    }
    return NV_OK;
}

nv_status nv_boundaries_load(const nv_boundaries_options *opts, nv_boundaries **out,
                             nv_diags *diags, nv_error *err)
{
    const char *src = opts->source;
    const char *dst_crs = opts->analysis_crs ? opts->analysis_crs : "EPSG:3006";
    nv_status st = NV_OK;
    layer_input in;
    nv_boundaries *b = NULL;
    char names[4096];

    *out = NULL;
    CPLPushErrorHandler(quiet_unless_fatal);
    CPLErrorReset();
    /* The attribute text's encoding: given, else what GDAL knows (a .cpg, the DBF's
     * language driver byte, or a format that is UTF-8 by definition), else detected. */
    nv_text_encoding enc = NV_TEXT_DETECT;
    if (opts->encoding && !nv_text_encoding_from_name(opts->encoding, &enc)) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0, "--boundaries-encoding '%s': unknown encoding; give UTF-8 or "
                          "CP1252 (also WINDOWS-1252, LATIN1, ISO-8859-1)", opts->encoding);
        CPLPopErrorHandler();
        return st;
    }
    /* Given an encoding, the Shapefile driver must hand over the bytes as they are. */
    static const char *const raw_text[] = {"ENCODING=", NULL};
    st = open_input(&in, src, opts->layer, opts->source_crs, dst_crs, "--boundaries", "--boundaries-crs",
                    enc == NV_TEXT_DETECT ? NULL : raw_text, err);
    if (st != NV_OK)
        goto done;
    OGRLayerH layer = in.layer;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int failed = 0;
    int f_id = find_field(defn, opts->id_field, ID_FIELDS, "--id-field", src, err, &failed);
    int f_name = failed ? -1 : find_field(defn, opts->name_field, NAME_FIELDS, "--name-field", src, err, &failed);
    int f_county = failed ? -1 : find_field(defn, opts->county_field, COUNTY_FIELDS, "--county-field", src, err, &failed);
    if (failed) {
        st = NV_ERR_INPUT;
        goto done;
    }
    if (f_id < 0 || f_name < 0) {
        list_fields(defn, names, sizeof names);
        st = nv_error_set(err, NV_ERR_INPUT, src, 0,
                          "no %s field found among: %s (name it with %s)",
                          f_id < 0 ? "municipality code" : "municipality name", names,
                          f_id < 0 ? "--id-field" : "--name-field");
        goto done;
    }

    b = calloc(1, sizeof *b);
    GIntBig count = OGR_L_GetFeatureCount(layer, 1);
    size_t cap = count > 0 ? (size_t)count : 64;
    if (!b || !(b->items = calloc(cap, sizeof(muni))) || !(b->layer = strdup(OGR_L_GetName(layer)))) {
        st = nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory");
        goto done;
    }
    b->srid = in.srid;
    b->files = GDALGetFileList(in.ds); /* a Shapefile is .shp, .shx, .dbf, .prj, .cpg */
    OGRFieldType t_id = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, f_id));
    OGRFieldType t_county = f_county >= 0 ? OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, f_county)) : OFTString;
    feat_ctx fc = {src, diags, in.op, in.swap_xy, 0, 0};
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        if (b->n == cap) {
            muni *items = realloc(b->items, 2 * cap * sizeof(muni));
            if (!items) {
                OGR_F_Destroy(f);
                st = nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory");
                goto done;
            }
            memset(items + cap, 0, cap * sizeof(muni));
            b->items = items;
            cap *= 2;
        }
        muni *m = &b->items[b->n++];
        m->code = field_code(f, f_id, t_id, 4);
        m->name = strdup(OGR_F_GetFieldAsString(f, f_name));
        if (f_county >= 0)
            m->county = field_code(f, f_county, t_county, 2);
        else if (strlen(m->code) == 4)
            m->county = strndup(m->code, 2);
        else
            m->county = strdup("");
        if (!m->code || !m->name || !m->county) {
            OGR_F_Destroy(f);
            st = nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory");
            goto done;
        }
        m->m.code = m->code, m->m.name = m->name, m->m.county = m->county;
        m->m.fid = (long)OGR_F_GetFID(f);
        if (!m->code[0]) {
            nv_diags_add(diags, NV_PROBLEM, src, 0, "feature %ld (%s) has an empty municipality code (field %s)",
                         m->m.fid, m->name, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, f_id)));
            fc.problems++;
        } else if (prepare_feature(&fc, f, m) != 0) {
            fc.problems++;
        }
        OGR_F_Destroy(f);
    }
    b->repaired = fc.repaired;
    if ((st = decode_text(b, src, enc, OGR_L_TestCapability(layer, OLCStringsAsUTF8), diags, err)) != NV_OK)
        goto done;
    if (b->n == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, src, 0, "layer '%s' has no features", b->layer);
        goto done;
    }
    qsort(b->items, b->n, sizeof(muni), cmp_code);
    for (size_t i = 1; i < b->n; i++)
        if (b->items[i].code[0] && strcmp(b->items[i].code, b->items[i - 1].code) == 0) {
            nv_diags_add(diags, NV_PROBLEM, src, 0,
                         "features %ld and %ld share the code %s (codes must be unique; is --id-field right?)",
                         b->items[i - 1].m.fid, b->items[i].m.fid, b->items[i].code);
            fc.problems++;
        }
    if (fc.problems) {
        st = nv_error_set(err, NV_ERR_INPUT, src, 0, "%d feature%s cannot be used (see above)", fc.problems,
                          fc.problems == 1 ? "" : "s");
        goto done;
    }
    if ((st = check_scale(b, dst_crs, err)) != NV_OK)
        goto done;
    *out = b;
    b = NULL;
done:
    nv_boundaries_destroy(b);
    close_input(&in);
    CPLPopErrorHandler();
    return st;
}

nv_status nv_boundaries_read_points(const nv_points_options *opts,
                                    void (*point)(double x, double y, double weight, void *user),
                                    void *user, nv_diags *diags, nv_error *err)
{
    const char *src = opts->source;
    layer_input in;
    char names[4096];
    nv_status st;
    long problems = 0;
    enum { BATCH = 4096 };
    double *x = malloc(BATCH * sizeof(double)), *y = malloc(BATCH * sizeof(double));
    double *w = malloc(BATCH * sizeof(double));
    size_t n = 0;

    CPLPushErrorHandler(quiet_unless_fatal);
    CPLErrorReset();
    st = open_input(&in, src, opts->layer, opts->source_crs, opts->analysis_crs ? opts->analysis_crs : "EPSG:3006",
                    "--population", "--population-crs", NULL, err);
    if (st != NV_OK)
        goto done;
    if (!x || !y || !w) {
        st = nv_error_set(err, NV_ERR_FAIL, src, 0, "out of memory");
        goto done;
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(in.layer);
    int failed = 0;
    static const char *const none[] = {NULL};
    int f_w = find_field(defn, opts->weight_field, opts->weight_aliases ? opts->weight_aliases : none,
                         "--population-column", src, err, &failed);
    if (failed) {
        st = NV_ERR_INPUT;
        goto done;
    }
    if (f_w < 0) {
        list_fields(defn, names, sizeof names);
        nv_diags_add(diags, NV_WARNING, src, 0, "no population field (fields: %s): every point counts as one person "
                     "(name the field with --population-column)", names);
    }
    OGR_L_ResetReading(in.layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(in.layer)) != NULL) {
        long fid = (long)OGR_F_GetFID(f);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        OGRwkbGeometryType t = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;
        double weight = 1;
        int ok = 1;
        if (f_w >= 0) {
            weight = OGR_F_IsFieldSetAndNotNull(f, f_w) ? OGR_F_GetFieldAsDouble(f, f_w) : NAN;
            if (!(weight >= 0) || !isfinite(weight)) {
                if (++problems <= 20)
                    nv_diags_add(diags, NV_PROBLEM, src, 0, "feature %ld: population '%s' is missing, negative or "
                                 "not a number", fid, OGR_F_GetFieldAsString(f, f_w));
                ok = 0;
            } else if (opts->weight_max > 0 && weight > opts->weight_max) {
                if (++problems <= 20)
                    nv_diags_add(diags, NV_PROBLEM, src, 0, "feature %ld: population %g is more than %.0f people at "
                                 "one point (is the field right? see --population-column)", fid, weight,
                                 opts->weight_max);
                ok = 0;
            }
        }
        if (ok && t != wkbPoint && t != wkbMultiPoint) {
            if (++problems <= 20)
                nv_diags_add(diags, NV_PROBLEM, src, 0, "feature %ld is a %s, not a point (demand points are points)",
                             fid, g ? OGRGeometryTypeToName(t) : "feature without geometry");
            ok = 0;
        }
        int parts = ok ? (t == wkbPoint ? 1 : OGR_G_GetGeometryCount(g)) : 0;
        for (int i = 0; i < parts; i++) {
            OGRGeometryH pt = t == wkbPoint ? g : OGR_G_GetGeometryRef(g, i);
            if (OGR_G_IsEmpty(pt))
                continue;
            x[n] = in.swap_xy ? OGR_G_GetY(pt, 0) : OGR_G_GetX(pt, 0);
            y[n] = in.swap_xy ? OGR_G_GetX(pt, 0) : OGR_G_GetY(pt, 0);
            w[n] = weight;
            if (++n == BATCH) {
                proj_trans_generic(in.op, PJ_FWD, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
                for (size_t k = 0; k < n; k++)
                    point(x[k], y[k], w[k], user);
                n = 0;
            }
        }
        OGR_F_Destroy(f);
    }
    if (n) {
        proj_trans_generic(in.op, PJ_FWD, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
        for (size_t k = 0; k < n; k++)
            point(x[k], y[k], w[k], user);
    }
    if (problems)
        st = nv_error_set(err, NV_ERR_INPUT, src, 0, "%ld feature%s cannot be used%s", problems,
                          problems == 1 ? "" : "s", problems > 20 ? " (the first 20 are shown)" : "");
done:
    free(x);
    free(y);
    free(w);
    close_input(&in);
    CPLPopErrorHandler();
    return st;
}

nv_status nv_boundaries_read_places(const nv_named_points_options *opts,
                                    void (*place)(const char *name, const char *code, double x, double y, long fid,
                                                  void *user),
                                    void *user, nv_diags *diags, nv_error *err)
{
    static const char *const names[] = {"town", "ort", "tätort", "tatort", "locality", "plats", "name", "namn",
                                        "NAME", "Name", NULL};
    static const char *const codes[] = {"kommunkod", "kommun_code", "kommunkod_stated", "municipality_code",
                                        "KOMMUNKOD", NULL};
    layer_input in;
    char fields[2048];
    long skipped = 0;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    nv_status st = open_input(&in, opts->source, NULL, NULL, opts->analysis_crs ? opts->analysis_crs : "EPSG:3006",
                              "--places", "--places (a layer with a CRS)", NULL, err);
    if (st != NV_OK)
        goto done;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(in.layer);
    int failed = 0;
    int f_name = find_field(defn, opts->name_field, names, "--places-name-field", opts->source, err, &failed);
    if (failed) {
        st = NV_ERR_INPUT;
        goto done;
    }
    if (f_name < 0) {
        list_fields(defn, fields, sizeof fields);
        st = nv_error_set(err, NV_ERR_INPUT, opts->source, 0,
                          "no name field (fields: %s); choose it with --places-name-field", fields);
        goto done;
    }
    int f_code = find_field(defn, NULL, codes, NULL, opts->source, err, &failed);
    OGRFieldType code_type = f_code >= 0 ? OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, f_code)) : OFTString;
    OGR_L_ResetReading(in.layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(in.layer)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (!g || wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPoint || OGR_G_IsEmpty(g) ||
            !OGR_F_IsFieldSetAndNotNull(f, f_name)) {
            skipped++;
            OGR_F_Destroy(f);
            continue;
        }
        double x = in.swap_xy ? OGR_G_GetY(g, 0) : OGR_G_GetX(g, 0);
        double y = in.swap_xy ? OGR_G_GetX(g, 0) : OGR_G_GetY(g, 0);
        proj_trans_generic(in.op, PJ_FWD, &x, sizeof x, 1, &y, sizeof y, 1, NULL, 0, 0, NULL, 0, 0);
        char *code = f_code >= 0 && OGR_F_IsFieldSetAndNotNull(f, f_code) ? field_code(f, f_code, code_type, 4) : NULL;
        if (isfinite(x) && isfinite(y))
            place(OGR_F_GetFieldAsString(f, f_name), code ? code : "", x, y, (long)OGR_F_GetFID(f), user);
        else
            skipped++;
        free(code);
        OGR_F_Destroy(f);
    }
    if (skipped)
        nv_diags_add(diags, NV_WARNING, opts->source, 0,
                     "%ld feature%s without a point or a name left out of the gazetteer", skipped,
                     skipped == 1 ? "" : "s");
done:
    close_input(&in);
    CPLPopErrorHandler();
    return st;
}
