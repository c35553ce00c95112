/* storeread.h — the reading half of the store: a result database read back through
 * GDAL/OGR, layer by layer, as rows of named columns and polygons. store.c writes the
 * databases; this reads narvaro.sqlite, compare.sqlite, a GeoPackage copy of either
 * (ogr2ogr -f GPKG copy.gpkg narvaro.sqlite municipalities offices counties runs), or the
 * same layers in PostGIS ("PG:dbname=..."). Only GDAL's SQLite, GPKG and PostgreSQL drivers
 * are registered and tried, and libspatialite is not loaded: OGR decodes SpatiaLite
 * geometries itself. OGR's types stay in here: callers see strings, numbers and
 * nv_poly_view arrays (index.h).
 *
 * Rows come in the layer's order (fid order for SQLite and GeoPackage). Columns are asked
 * for by name when a cursor opens; the layer's FID column (fid) can be asked for like any
 * other. Only the columns asked for are read, and the geometry only when asked for.
 * Coordinates are as stored (the analysis CRS); nv_storeread_check_crs compares a layer's
 * CRS with the one the result was measured in.
 *
 * Ownership: nv_storeread_open makes a reader that nv_storeread_close frees; a cursor
 * (nv_storeread_cursor_open) lives until nv_storeread_cursor_close, which must come
 * before the reader's close. Strings and polygons from a cursor are borrowed until its
 * next row; column names until the reader's close. Not thread-safe: one thread per
 * reader. */
#ifndef NV_STOREREAD_H
#define NV_STOREREAD_H

#include "error.h"
#include "index.h"

#include <stddef.h>

typedef struct nv_storeread nv_storeread;
typedef struct nv_storeread_cursor nv_storeread_cursor;

/* Opens src read-only: a file or a PostgreSQL connection string ("PG:dbname=...").
 * NV_ERR_INPUT when no driver of the three reads it (the message appends GDAL's own
 * words). The caller closes *out. */
nv_status nv_storeread_open(const char *src, nv_storeread **out, nv_error *err);

/* Closes the reader (accepts NULL). NV_ERR_FAIL when GDAL reports an error on closing. */
nv_status nv_storeread_close(nv_storeread *r, nv_error *err);

/* Whether the source has the layer; whether the layer has the column (fields and the FID
 * column, not the geometry). */
int nv_storeread_has_layer(const nv_storeread *r, const char *layer);
int nv_storeread_has_column(const nv_storeread *r, const char *layer, const char *column);

/* The source's layer names, comma-separated, into buf (for messages). Returns buf. */
const char *nv_storeread_layer_names(const nv_storeread *r, char *buf, size_t size);

/* The layer's columns: its FID column first when it has a named one, then its fields in
 * order, not the geometry. 0 for a missing layer; the name is borrowed (reader's life),
 * NULL past the end. */
size_t nv_storeread_column_count(const nv_storeread *r, const char *layer);
const char *nv_storeread_column_name(const nv_storeread *r, const char *layer, size_t i);

/* Checks that layer's CRS is crs (a user string: "EPSG:3006", WKT, PROJ). A layer with no
 * CRS passes. NV_ERR_INPUT naming both CRSs when they differ, or when crs is not one. */
nv_status nv_storeread_check_crs(const nv_storeread *r, const char *layer, const char *crs, nv_error *err);

/* Opens a cursor over layer's rows with the n columns named (their indexes are those of
 * the array; a name may repeat), and the geometry when with_geometry. NV_ERR_INPUT when
 * the layer or a column is missing (the message names it and lists the layers or
 * columns). Opening a cursor restarts the layer's reading: one cursor per layer at a
 * time. */
nv_status nv_storeread_cursor_open(nv_storeread *r, const char *layer, const char *const *columns, size_t n,
                                   int with_geometry, nv_storeread_cursor **out, nv_error *err);
void nv_storeread_cursor_close(nv_storeread_cursor *c); /* accepts NULL */

/* The next row: 1, or 0 after the last. -1 with *err set when reading fails. */
int nv_storeread_next(nv_storeread_cursor *c, nv_error *err);

/* Column col of the row: NULL / NAN / 0 when the value is null. Text is UTF-8, borrowed
 * until the next row; numbers come as SQLite prints them (integers in decimal, reals with
 * 15 significant digits and always a decimal point: 4.0, 2.25, 1.0e+20). */
int nv_storeread_is_null(const nv_storeread_cursor *c, size_t col);
const char *nv_storeread_text(nv_storeread_cursor *c, size_t col);
double nv_storeread_real(const nv_storeread_cursor *c, size_t col);
long long nv_storeread_int(const nv_storeread_cursor *c, size_t col);
long long nv_storeread_fid(const nv_storeread_cursor *c);

/* The row's geometry as rings, if it is a polygon or multipolygon (cursor opened with
 * the geometry): every ring of every polygon in order (outer ring first, then its
 * holes), each as stored (closed), 2-D. NULL with *why set ("no geometry", "not a polygon
 * or multipolygon", "out of memory"). Borrowed until the next row. */
const nv_poly_view *nv_storeread_polygon(nv_storeread_cursor *c, const char **why);

#endif
