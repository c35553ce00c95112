/* pmedian.h — the p-median objective of narvaro suggest (--objective mean-distance): open
 * K sites, keeping every office of the plan, so that the population-weighted mean
 * distance to the nearest office is as small as it can be.
 *
 * The model is the radius formulation (Elloumi 2010; García, Labbé and Marín 2011), which
 * turns the p-median into a weighted maximal covering problem that the covering machinery
 * of suggest.c solves unchanged (greedy, swap, GLPK with its warm basis, the tie-break,
 * the alternatives). For a demand point with w people, its nearest office at distance d0
 * and the candidates closer than that sorted by distance, d1 <= d2 <= ... <= dm < d0:
 *
 *     distance = d0 - sum over k of (d(k+1) - dk) * [some candidate among the first k is open]
 *
 * with d(m+1) = d0. So each k with dk < d(k+1) is a "prefix set" (the candidates within dk)
 * worth w * (d(k+1) - dk) person-metres when covered, and the plan's total person-metres
 * are those of the plan as it is minus what its open sites cover. Only the candidates
 * closer than the nearest office enter (the rest can never be a point's nearest), and
 * points with the same prefix set are one row, so nearby points share most of their rows.
 * The LP relaxation is as strong as the classical assignment formulation's.
 *
 * Distances are planar, in metres, in the analysis CRS, computed as analyze computes them
 * (sqrt(dx*dx + dy*dy), the nearest office by nv_kdtree_nearest), so the mean distance the
 * search reports is the one analyze measures for the suggested plan. */
#ifndef NV_PMEDIAN_H
#define NV_PMEDIAN_H

#include <stddef.h>

typedef struct nv_pmedian_index nv_pmedian_index;

/* The sites: offices that stay (fixed_xy, n_fixed >= 1) and candidates (free_xy, n_free;
 * candidate i is variable i of the model). Both xy interleaved, copied. NULL when out of
 * memory or n_fixed == 0 (without an office no point has a distance to start from). */
nv_pmedian_index *nv_pmedian_index_create(const double *fixed_xy, size_t n_fixed, const double *free_xy,
                                          size_t n_free);
void nv_pmedian_index_destroy(nv_pmedian_index *ix); /* accepts NULL */

/* Scratch space for nv_pmedian_point, one per thread. */
typedef struct nv_pmedian_scratch nv_pmedian_scratch;
nv_pmedian_scratch *nv_pmedian_scratch_create(const nv_pmedian_index *ix); /* NULL when out of memory */
void nv_pmedian_scratch_destroy(nv_pmedian_scratch *w);                   /* accepts NULL */

/* One prefix set: vars ascending (borrowed until emit returns), weight in person-metres. */
typedef int (*nv_pmedian_emit)(void *user, const int *vars, unsigned len, double weight_pm);

/* Expands the demand point (x, y) with pop people into its prefix sets, shortest first,
 * calling emit for each (emit returns non-zero to stop: out of memory). *d0_m gets the
 * distance to the nearest fixed office. Returns 0, or emit's non-zero value. Thread-safe
 * for distinct scratches. */
int nv_pmedian_point(const nv_pmedian_index *ix, nv_pmedian_scratch *w, double x, double y, double pop,
                     nv_pmedian_emit emit, void *user, double *d0_m);

#endif
