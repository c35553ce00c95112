/* store.h — the SpatiaLite output database (narvaro.sqlite), written with SQLite and
 * libspatialite. Tables that QGIS and ogrinfo open as layers:
 *   municipalities  MULTIPOLYGON, srid  — the nv_muni_result columns
 *   offices         POINT, srid         — every input row (rejected rows have NULL geometry)
 *   counties        (no geometry)       — the nv_county_result columns
 *   runs            (no geometry)       — one row per run: version, inputs, options, totals
 * Both geometry tables get a spatial index. */
#ifndef NV_STORE_H
#define NV_STORE_H

#include "error.h"
#include "results.h"

/* Creates a new database at path (which must not exist) and writes everything in one
 * transaction. On failure the file is removed. srid is the EPSG code of the analysis CRS. */
nv_status nv_store_write(const char *path, int srid,
                         const nv_muni_result *m, size_t n_m,
                         const nv_office_result *o, size_t n_o,
                         const nv_county_result *c, size_t n_c,
                         const nv_run_summary *s, nv_error *err);

/* "5.0.1" etc. — for --version. Static strings. */
const char *nv_store_spatialite_version(void);
const char *nv_store_sqlite_version(void);

#endif
