/* boundaries.h — municipality boundaries from any OGR source, reprojected with PROJ.
 *
 * Opens a Shapefile, GeoPackage, GeoJSON, PostGIS connection string… with GDAL, maps
 * the id, name and county attributes, checks every geometry (invalid ones are repaired
 * with GEOS through GDAL and reported, never skipped), transforms every vertex with
 * PROJ into the analysis CRS and computes a representative point (guaranteed inside)
 * and the area. OGR and PROJ types stay inside boundaries.c. */
#ifndef NV_BOUNDARIES_H
#define NV_BOUNDARIES_H

#include "error.h"
#include "index.h"

typedef struct nv_boundaries_options {
    const char *source;        /* any GDAL vector dataset name; required */
    const char *layer;         /* NULL: the only layer (an error lists them if several) */
    const char *id_field;      /* NULL: kommunkod, id, kod, code, kom_kod */
    const char *name_field;    /* NULL: namn, kom_namn, name */
    const char *county_field;  /* NULL: lanskod, lan_code, lan_kod; else the first two digits of a 4-digit id */
    const char *source_crs;    /* declares the CRS of a source that has none; NULL: the source's own */
    const char *analysis_crs;  /* NULL: "EPSG:3006" */
    const char *encoding;      /* of the attribute text ("UTF-8", "CP1252", ...); NULL: what GDAL knows (a
                                * .cpg, the .dbf's language driver byte), else detected and said */
} nv_boundaries_options;

/* One municipality, in the analysis CRS. Everything is owned by the nv_boundaries. */
typedef struct nv_municipality {
    const char *code;          /* e.g. "0180"; integer ids are zero-padded to 4 digits */
    const char *name;          /* UTF-8 */
    const char *county;        /* e.g. "01"; "" when unknown */
    long fid;                  /* feature number in the source, for messages */
    double rep_x, rep_y;       /* representative point, inside the polygon */
    double area_km2;
    double minx, miny, maxx, maxy;
    nv_poly_view poly;         /* every ring of every part, for the index */
    const unsigned char *wkb;  /* ISO WKB of the (multi)polygon */
    size_t wkb_size;
} nv_municipality;

typedef struct nv_boundaries nv_boundaries;

/* Loads and prepares all features, sorted by code. Warnings (repaired geometries) go to
 * diags. Returns NV_ERR_INPUT for a missing source, an unknown layer or field (the
 * message lists the valid ones), a source without CRS (the message says how to declare
 * one), duplicate codes, empty or non-polygonal geometries that cannot be repaired. */
nv_status nv_boundaries_load(const nv_boundaries_options *opts, nv_boundaries **out,
                             nv_diags *diags, nv_error *err);
void nv_boundaries_destroy(nv_boundaries *b); /* accepts NULL */

size_t nv_boundaries_count(const nv_boundaries *b);
const nv_municipality *nv_boundaries_get(const nv_boundaries *b, size_t i); /* borrowed */
const char *nv_boundaries_layer_name(const nv_boundaries *b);
int nv_boundaries_srid(const nv_boundaries *b);      /* EPSG code of the analysis CRS, 0 if none */
int nv_boundaries_repaired(const nv_boundaries *b);  /* geometries made valid */
/* The files the source consists of, sorted as GDAL lists them (empty for a database
 * connection), NULL-terminated; borrowed. */
const char *const *nv_boundaries_files(const nv_boundaries *b);

/* Points from any OGR point layer (demand points), moved into the analysis CRS. */
typedef struct nv_points_options {
    const char *source;               /* any GDAL vector dataset name */
    const char *layer;                /* NULL: the only layer */
    const char *weight_field;         /* NULL: the first of weight_aliases present, else every point weighs 1 */
    const char *const *weight_aliases;/* NULL-terminated, lower-case; may be NULL */
    const char *source_crs;           /* declares the CRS of a layer that has none */
    const char *analysis_crs;         /* NULL: "EPSG:3006" */
    double weight_max;                /* a larger weight is a problem; 0: no bound */
} nv_points_options;

/* Calls point(x, y, weight, user) for every point of every feature (a multipoint gives
 * each of its points the feature's weight), in the analysis CRS. A feature that is not a
 * point, or whose weight is missing, negative or not a number, is an NV_PROBLEM (the
 * first 20 are listed) and the call returns NV_ERR_INPUT after reading the whole layer. */
nv_status nv_boundaries_read_points(const nv_points_options *opts,
                                    void (*point)(double x, double y, double weight, void *user),
                                    void *user, nv_diags *diags, nv_error *err);

/* Checks a CRS given by option before any work: PROJ must know it as a CRS (an authority
 * code such as EPSG:3006, a URN, WKT, PROJJSON, a PROJ string, or a CRS's exact name; a
 * name PROJ would only match loosely, "foo" for Amersfoort, is unknown). analysis: it must
 * also be projected with axes in metres. NV_ERR_INPUT with a message naming option.
 * (nv_boundaries_load further refuses an analysis CRS whose scale over the boundaries is
 * off by more than 1 %, from PROJ's proj_factors.) */
nv_status nv_boundaries_check_crs(const char *option, const char *crs, int analysis, nv_error *err);

/* Named points from any OGR point layer (a gazetteer, places.h). */
typedef struct nv_named_points_options {
    const char *source;               /* any GDAL vector dataset name; its first layer is read */
    const char *name_field;           /* NULL: town, ort, tätort, locality, plats, name, namn */
    const char *analysis_crs;         /* NULL: "EPSG:3006" */
} nv_named_points_options;

/* Calls place(name, code, x, y, fid, user) for every point feature with a name, in the
 * analysis CRS; code is the kommunkod field's value (zero-padded), "" without one.
 * Features without a point or a name are skipped with one warning. NV_ERR_INPUT for a
 * source that cannot be opened, has no CRS, or has no name field. */
nv_status nv_boundaries_read_places(const nv_named_points_options *opts,
                                    void (*place)(const char *name, const char *code, double x, double y, long fid,
                                                  void *user),
                                    void *user, nv_diags *diags, nv_error *err);

/* Versions of the libraries this module uses, for --version. Static strings. */
const char *nv_boundaries_gdal_version(void);
const char *nv_boundaries_proj_version(void);

/* GDAL ends the process with abort() after a CE_Fatal error (CPLMalloc out of memory):
 * from now on report(GDAL's message) is called first, under any error handler narvaro
 * installs. report must not return. For the command line (see nv_fatal_install_new_handler). */
void nv_boundaries_on_fatal(void (*report)(const char *what));

#endif
