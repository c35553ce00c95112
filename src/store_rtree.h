/* store_rtree.h — part of the store module: an SQLite R*Tree filled in one pass.
 *
 * SQLite's R*Tree has no bulk load: every row inserted through the virtual table walks
 * the tree, rewrites its leaf and, often enough, splits; for the offices of a plan of 2
 * million rows that took longer (about 50 s) than the whole rest of the run. An R*Tree's
 * content is three ordinary shadow tables (rtree.c, "The data structure"): NAME_node
 * (nodeno, data BLOB), NAME_rowid (rowid, nodeno) and NAME_parent (nodeno, parentnode).
 * This module packs the points bottom-up (sort-tile-recursive, Leutenegger et al. 1997)
 * and writes those tables directly, the way the virtual table would have stored the same
 * entries: 32-bit floats rounded outwards as rtree.c rounds them, big-endian, the root
 * in node 1 with the depth of the tree. SQLite's rtreecheck() accepts the result and
 * every query through the virtual table sees the same rows as after row-by-row inserts;
 * only the grouping of the entries into nodes differs.
 *
 * Limits: 2-dimensional real R*Trees only (SpatiaLite's spatial indexes), built into an
 * empty tree (the one CreateSpatialIndex makes on an empty table). The shadow tables
 * must be writable (not SQLITE_DBCONFIG_DEFENSIVE). */
#ifndef NV_STORE_RTREE_H
#define NV_STORE_RTREE_H

#include <sqlite3.h>

#include <stddef.h>

/* One entry: a point (x, y) of the row with this rowid, in the table's units. */
typedef struct nv_store_rtree_point {
    double x, y;
    sqlite3_int64 rowid;
} nv_store_rtree_point;

/* Fills the empty R*Tree `name` (e.g. "idx_offices_geom") of db with the n points, inside
 * the caller's transaction. The points are reordered (sorted) in place; nothing is kept.
 * Returns SQLITE_OK, or an SQLite error code with the connection's message set
 * (SQLITE_NOMEM when out of memory, SQLITE_CORRUPT when the tree is not empty or not
 * 2-dimensional). */
int nv_store_rtree_load(sqlite3 *db, const char *name, nv_store_rtree_point *pts, size_t n);

#endif
