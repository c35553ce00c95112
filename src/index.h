/* index.h — the hot path: which polygon contains a point, which polygon is nearest to a
 * point outside all of them, and which office is nearest to a point. Own code, no
 * dependency: planar coordinates in one projected CRS (metres for EPSG:3006).
 *
 * Point in polygon uses the crossing rule with half-open edges (an edge covers
 * y0 <= y < y1, and a crossing counts when x < the edge's x at y). Every edge is
 * evaluated from its lower end, so two polygons sharing an edge compute the same
 * crossing and a point on a shared border belongs to exactly one of them. Rings of a
 * multipolygon, holes included, are all just rings: even-odd parity decides. */
#ifndef NV_INDEX_H
#define NV_INDEX_H

#include <stddef.h>

/* A polygon or multipolygon as borrowed arrays: ring r has the points
 * xy[2*ring_start[r]] .. xy[2*ring_start[r+1]-1], closed or not (the closing edge is
 * implied). ring_start has n_rings + 1 entries. */
typedef struct nv_poly_view {
    size_t n_rings;
    const size_t *ring_start;
    const double *xy;
} nv_poly_view;

typedef struct nv_polyindex nv_polyindex;

/* Builds the index over n polygons; copies what it needs, so polys may go away after.
 * NULL when out of memory or n == 0. */
nv_polyindex *nv_polyindex_create(const nv_poly_view *polys, size_t n);
void nv_polyindex_destroy(nv_polyindex *idx); /* accepts NULL */

/* Index of the polygon containing (x, y), or -1. Where polygons overlap, the lowest
 * index. Thread-safe (read-only). */
long nv_polyindex_locate(const nv_polyindex *idx, double x, double y);

/* Index of the polygon whose boundary is nearest to (x, y) within max_dist, or -1;
 * *dist_out gets that distance (0 when the point is inside). Meant for the few points
 * outside every polygon (simplified coasts), not for bulk use. */
long nv_polyindex_nearest(const nv_polyindex *idx, double x, double y, double max_dist,
                          double *dist_out);

/* Planar distance from (x, y) to the boundary of polygon i. */
double nv_polyindex_boundary_distance(const nv_polyindex *idx, size_t i, double x, double y);

typedef struct nv_kdtree nv_kdtree;

/* A 2-d tree over n points (xy interleaved; copied). From 100,000 points on, the halves
 * below the root are built in two threads (the tree is the same). NULL when out of memory
 * or n == 0. */
nv_kdtree *nv_kdtree_create(const double *xy, size_t n);

/* The same tree over n points that point(user, i, &x, &y) gives one at a time, for a
 * caller whose points are spread over its own records: with millions of points, an
 * interleaved copy to hand to nv_kdtree_create is tens of MB more at the run's peak.
 * point is called once for each i, in order from 0; nv_kdtree_nearest then answers i. */
nv_kdtree *nv_kdtree_create_from(size_t n, void (*point)(void *user, size_t i, double *x, double *y), void *user);
void nv_kdtree_destroy(nv_kdtree *t); /* accepts NULL */

/* Adds a grid over an extent (the area of the demand points) that answers
 * nv_kdtree_nearest from a short list per cell: the points that can be nearest to some
 * place in the cell. Same answers as the tree, ties included; outside the extent the
 * tree answers. Skipped (returns 0, tree only) for plans so large that building the grid
 * would cost more than it saves. -1 when out of memory or the extent is empty. */
int nv_kdtree_prepare_grid(nv_kdtree *t, double minx, double miny, double maxx, double maxy);

/* Index (into the xy given to create) of the point nearest to (x, y); on equal distances
 * the lowest index wins, so results do not depend on the tree's shape. *dist_out gets
 * the distance. -1 for an empty tree. Thread-safe. */
long nv_kdtree_nearest(const nv_kdtree *t, double x, double y, double *dist_out);

/* 1 when some point of t lies within r of (x, y), else 0 (also for a NULL tree and a
 * non-finite (x, y)): whether the nearest point's dx * dx + dy * dy <= r * r, its squared
 * distance from the coordinates, not the square of a rounded square root (which can land
 * on r one step over it). The rule by which compare.sqlite marks a before office closed
 * and a map an after office new; the SQL that once marked the closed ones computed the
 * same sum. Asks the tree, not the grid of nv_kdtree_prepare_grid. Thread-safe. */
int nv_kdtree_within(const nv_kdtree *t, double x, double y, double r);

/* How many points the calling thread's last nv_kdtree_nearest or nv_kdtree_within
 * measured: the work a query cost, for tests and benchmarks. */
size_t nv_kdtree_last_visits(void);

#endif
