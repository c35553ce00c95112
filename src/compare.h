/* compare.h — what a new office plan changes, municipality by municipality: presence
 * before and after, the distance from the representative point to the nearest office,
 * and the people within each radius. Both results must come from the same boundaries
 * (same municipalities in the same order) and the same population and radii. */
#ifndef NV_COMPARE_H
#define NV_COMPARE_H

#include "error.h"
#include "results.h"
#include "tiers.h"

/* The five classes of the difference map, worst first. */
typedef enum nv_change_class {
    NV_CHANGE_LOST_PRESENCE = 0, /* had a location of some kind, has none */
    NV_CHANGE_LONGER = 1,        /* the nearest office is farther (by 1 m or more) */
    NV_CHANGE_UNCHANGED = 2,
    NV_CHANGE_SHORTER = 3,
    NV_CHANGE_GAINED_PRESENCE = 4
} nv_change_class;

const char *nv_change_class_name(nv_change_class c); /* "lost_presence", … */

typedef struct nv_change {
    const nv_muni_result *before, *after;  /* borrowed */
    nv_change_class cls;
    int changed;                 /* anything differs: presence, offices, distance, people within */
    double delta_km;             /* nearest_office_km after - before */
    double beyond_added[NV_MAX_RADII]; /* people no longer within radius r (>= 0) */
    double within_added[NV_MAX_RADII]; /* people newly within radius r (>= 0) */
    double person_km_added;      /* population x rise of the population-weighted mean distance */
    int tier_delta;              /* nv_compare_tiers: +1 a better presence tier after, -1 a worse, 0 the same */
} nv_change;

/* A change of presence tier (e.g. staffed -> cooperation) and how many municipalities
 * make it. Strings borrowed from the results. */
typedef struct nv_tier_change {
    const char *from, *to;
    int count;
} nv_tier_change;
#define NV_MAX_TIER_CHANGES 64

typedef struct nv_compare_totals {
    int losing_presence, gaining_presence, longer, shorter, unchanged, changed;
    double beyond_added[NV_MAX_RADII];   /* people moving beyond radius r, over the nation */
    double within_added[NV_MAX_RADII];   /* people moving within it */
    double person_km_added;              /* net over the nation */
    int lower_tier, higher_tier;         /* nv_compare_tiers: municipalities whose presence tier falls, rises
                                          * ("none" is the lowest tier: lost presence falls too) */
    nv_tier_change tier_changes[NV_MAX_TIER_CHANGES]; /* most frequent first, then by tier */
    size_t n_tier_changes;
} nv_compare_totals;

/* One nv_change per municipality (out has n entries), in code order. NV_ERR_INPUT when
 * the two results do not cover the same municipalities. */
nv_status nv_compare_municipalities(const nv_muni_result *before, const nv_muni_result *after, size_t n,
                                    const nv_radii *radii, nv_change *out, nv_compare_totals *totals,
                                    nv_error *err);

/* Fills tier_delta of every change and the tier counts of totals, ranking the presence
 * words by tiers (any other word below the ranked ones, alphabetically; "none" last). */
void nv_compare_tiers(nv_change *changes, size_t n, const nv_tiers *tiers, nv_compare_totals *totals);

/* Indices into changes of the municipalities that lose anything (lost presence, longer
 * distance, people moving beyond a radius), the heaviest loss first: person-km added,
 * then people beyond the first radius, then code. Returns how many; order has room for n. */
size_t nv_compare_ranking(const nv_change *changes, size_t n, const nv_radii *radii, size_t *order);

#endif
