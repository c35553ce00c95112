/* store.h — the SpatiaLite output database (narvaro.sqlite), written with SQLite and
 * libspatialite. Tables that QGIS and ogrinfo open as layers:
 *   municipalities  MULTIPOLYGON, srid  — the nv_muni_result columns
 *   offices         POINT, srid         — every input row (rejected rows have NULL geometry)
 *   counties        (no geometry)       — the nv_county_result columns
 *   runs            (no geometry)       — one row per run: version, inputs, options, totals
 * Both geometry tables get a spatial index, whatever the number of rows: the offices'
 * is packed in one pass (store_rtree.h).
 *
 * narvaro compare writes compare.sqlite (nv_store_write_changes), with the same layer names
 * so that QGIS and the renderer open it the same way:
 *   municipalities  MULTIPOLYGON, srid  — one row per municipality: its change class and
 *                                         the figures of both plans (the changes.csv columns)
 *   offices         POINT, srid         — the rows of both plans, told apart by `plan`
 *                                         ("before", "after"); `closed` marks the offices
 *                                         of the first plan that the second one drops
 *   counties        (no geometry)       — municipalities per change class, by county
 *   comparison      (no geometry)       — one row: both plans' files, illustrative flags,
 *                                         the national totals and the manifest */
#ifndef NV_STORE_H
#define NV_STORE_H

#include "compare.h"
#include "attributes.h"
#include "error.h"
#include "results.h"
#include "styles.h"

/* Creates a new database at path (which must not exist) and writes everything in one
 * transaction. On failure the file is removed. srid is the EPSG code of the analysis CRS. */
nv_status nv_store_write(const char *path, int srid,
                         const nv_muni_result *m, size_t n_m,
                         const nv_office_result *o, size_t n_o,
                         const nv_county_result *c, size_t n_c,
                         const nv_run_summary *s, nv_error *err);
/* The same, with the joined attribute columns (attributes.h) added to the municipalities
 * and counties tables (REAL for numeric columns, TEXT else); attrs may be NULL. */
nv_status nv_store_write_attributes(const char *path, int srid,
                                    const nv_muni_result *m, size_t n_m,
                                    const nv_office_result *o, size_t n_o,
                                    const nv_county_result *c, size_t n_c,
                                    const nv_run_summary *s, const nv_attributes *attrs, nv_error *err);

/* An office of the first plan counts as closed when the second plan has no office within
 * this distance of it (a move across town is no closure). */
#define NV_STORE_CLOSED_WITHIN_M 1000.0

/* What compare.sqlite holds. Everything is borrowed for the duration of the call. */
typedef struct nv_store_comparison {
    const nv_change *changes;           /* one per municipality, in code order (nv_compare_municipalities) */
    size_t n_changes;
    const nv_compare_totals *totals;
    const nv_office_result *offices_before, *offices_after; /* every input row of each plan */
    size_t n_offices_before, n_offices_after;
    const nv_county_result *counties;   /* for the county names (either plan's) */
    size_t n_counties;
    const nv_run_summary *before, *after; /* inputs, versions, radii, totals of each plan */
    const char *manifest_json;          /* the comparison's manifest (both plans), or NULL */
    const char *manifest_digest;        /* its digest, or NULL */
} nv_store_comparison;

/* Creates compare.sqlite at path (which must not exist), in one transaction; on failure
 * the file is removed. The municipality geometry is that of c->changes[i].after. srid is
 * the EPSG code of the analysis CRS. */
nv_status nv_store_write_changes(const char *path, int srid, const nv_store_comparison *c, nv_error *err);

/* Adds QGIS layer styles to a database that nv_store_write or nv_store_write_changes made
 * (before any copy into a GeoPackage): the table layer_styles as QGIS creates it, one row
 * per style, in one transaction. QGIS applies a layer's style with use_as_default when it
 * opens the layer and offers the others in Layer Properties > Style > Load Style. */
nv_status nv_store_add_styles(const char *path, const nv_layer_style *styles, size_t n, nv_error *err);

/* The database a result holds: narvaro.sqlite (SpatiaLite, the default) or narvaro.gpkg
 * (GeoPackage), and compare.sqlite or compare.gpkg. */
typedef enum nv_db_format { NV_DB_SQLITE = 0, NV_DB_GPKG = 1 } nv_db_format;

const char *nv_store_format_ext(nv_db_format f); /* "sqlite", "gpkg" */

/* Copies a database that nv_store_write or nv_store_write_changes made into a new
 * GeoPackage at gpkg_path (which must not exist), through GDAL: the same layers with the
 * same columns, feature ids and spatial indexes, and the tables without geometry
 * (counties, runs, comparison) as GeoPackage attribute tables, so that ogrinfo and QGIS
 * list them. On failure gpkg_path is removed; sqlite_path is left as it is. */
nv_status nv_store_copy_to_gpkg(const char *sqlite_path, const char *gpkg_path, nv_error *err);

/* "5.0.1" etc. — for --version. Static strings. */
const char *nv_store_spatialite_version(void);
const char *nv_store_sqlite_version(void);

#endif
