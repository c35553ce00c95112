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
 * the caller's transaction: nv_store_rtree_node_size, _pack, _write and _free in one.
 * Points whose x or y is not finite are left out. Returns SQLITE_OK, or an SQLite error
 * code with the connection's message set (SQLITE_NOMEM when out of memory,
 * SQLITE_CORRUPT when the tree is not empty or not 2-dimensional). */
int nv_store_rtree_load(sqlite3 *db, const char *name, const nv_store_rtree_point *pts, size_t n);

/* The same in steps, so that the packing, which touches no database, can run in a
 * thread of its own while the connection goes on with other rows (store.c packs the
 * offices' tree beside their inserts); the write is then the rows alone.
 *
 * nv_store_rtree_node_size: the bytes per node of the empty R*Tree `name` of db (set when
 * the table was created: page size - 64, at most 51 cells); SQLITE_CORRUPT when it is not
 * empty or not 2-dimensional.
 * nv_store_rtree_pack: the n points (not changed; points without finite coordinates
 * left out) packed into nodes of node_size bytes, in memory (about node_size / 50 + 4
 * bytes a point, and 16 bytes a point more while it sorts them); NULL when out of memory
 * or n >= 2^32. Thread-safe: it calls no SQLite function.
 * nv_store_rtree_pack_from: the same, point i (i < n) read as point(src, i, &p) when
 * needed, in any order and more than once, from the packing's thread: no copy of the
 * points is made.
 * nv_store_rtree_write: writes a packed tree into the empty R*Tree it was sized for,
 * inside the caller's transaction; the file gets the same bytes as from
 * nv_store_rtree_load. */
typedef struct nv_store_rtree nv_store_rtree;
typedef void (*nv_store_rtree_point_fn)(void *src, size_t i, nv_store_rtree_point *p);
int nv_store_rtree_node_size(sqlite3 *db, const char *name, int *node_size);
nv_store_rtree *nv_store_rtree_pack(const nv_store_rtree_point *pts, size_t n, int node_size);
nv_store_rtree *nv_store_rtree_pack_from(size_t n, nv_store_rtree_point_fn point, void *src, int node_size);
int nv_store_rtree_write(sqlite3 *db, const char *name, const nv_store_rtree *t);
void nv_store_rtree_free(nv_store_rtree *t); /* accepts NULL */

#endif
