#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *nv_change_class_name(nv_change_class c)
{
    switch (c) {
    case NV_CHANGE_LOST_PRESENCE: return "lost_presence";
    case NV_CHANGE_LONGER: return "longer";
    case NV_CHANGE_UNCHANGED: return "unchanged";
    case NV_CHANGE_SHORTER: return "shorter";
    case NV_CHANGE_GAINED_PRESENCE: return "gained_presence";
    }
    return "unchanged";
}

/* NAN-aware: two missing figures are equal. */
static double diff(double a, double b)
{
    if (isnan(a) && isnan(b))
        return 0;
    if (isnan(a) || isnan(b))
        return NAN;
    return a - b;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

nv_status nv_compare_municipalities(const nv_muni_result *before, const nv_muni_result *after, size_t n,
                                    const nv_radii *radii, nv_change *out, nv_compare_totals *totals,
                                    nv_error *err)
{
    memset(totals, 0, sizeof *totals);
    for (size_t i = 0; i < n; i++) {
        const nv_muni_result *b = &before[i], *a = &after[i];
        if (strcmp(b->kommunkod, a->kommunkod) != 0)
            return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                                "the two results do not cover the same municipalities (%s against %s); compare "
                                "plans on the same boundaries", b->kommunkod, a->kommunkod);
        nv_change *c = &out[i];
        memset(c, 0, sizeof *c);
        c->before = b;
        c->after = a;
        c->delta_km = diff(a->nearest_office_km, b->nearest_office_km);
        int had = b->presence_rank != NV_PRESENCE_NONE, has = a->presence_rank != NV_PRESENCE_NONE;
        /* Distances are written to the metre: a smaller difference is no change. */
        if (had && !has)
            c->cls = NV_CHANGE_LOST_PRESENCE;
        else if (!had && has)
            c->cls = NV_CHANGE_GAINED_PRESENCE;
        else if (isnan(c->delta_km) ? isnan(a->nearest_office_km) : c->delta_km >= 0.001)
            c->cls = NV_CHANGE_LONGER;
        else if (!isnan(c->delta_km) && c->delta_km <= -0.001)
            c->cls = NV_CHANGE_SHORTER;
        else
            c->cls = NV_CHANGE_UNCHANGED;
        int people_moved = 0;
        for (size_t r = 0; radii && r < radii->n; r++) {
            double d = diff(a->pop.within[r], b->pop.within[r]);
            if (isnan(d))
                continue;
            c->beyond_added[r] = d < 0 ? -d : 0;
            c->within_added[r] = d > 0 ? d : 0;
            people_moved |= d != 0;
            totals->beyond_added[r] += c->beyond_added[r];
            totals->within_added[r] += c->within_added[r];
        }
        double dm = diff(a->pop.mean_distance_km, b->pop.mean_distance_km);
        c->person_km_added = isnan(dm) || isnan(a->pop.population) ? 0 : dm * a->pop.population;
        totals->person_km_added += c->person_km_added;
        c->changed = c->cls != NV_CHANGE_UNCHANGED || people_moved || a->offices != b->offices ||
                     !same_str(a->presence, b->presence) || !same_str(a->nearest_office_id, b->nearest_office_id);
        totals->changed += c->changed;
        switch (c->cls) {
        case NV_CHANGE_LOST_PRESENCE: totals->losing_presence++; break;
        case NV_CHANGE_GAINED_PRESENCE: totals->gaining_presence++; break;
        case NV_CHANGE_LONGER: totals->longer++; break;
        case NV_CHANGE_SHORTER: totals->shorter++; break;
        case NV_CHANGE_UNCHANGED: totals->unchanged++; break;
        }
    }
    return NV_OK;
}

/* Orders two presence words: < 0 when a is the better tier. */
static int tier_cmp(const nv_tiers *tiers, const char *a, const char *b)
{
    size_t n = nv_tiers_count(tiers);
    size_t ra = strcmp(a, "none") == 0 ? n + 1 : nv_tiers_rank(tiers, a);
    size_t rb = strcmp(b, "none") == 0 ? n + 1 : nv_tiers_rank(tiers, b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return ra == n ? strcmp(a, b) : 0;
}

static int change_cmp(const void *pa, const void *pb, void *tiers)
{
    const nv_tier_change *a = pa, *b = pb;
    const nv_tiers *sort_tiers = tiers;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = tier_cmp(sort_tiers, a->from, b->from);
    return c ? c : tier_cmp(sort_tiers, a->to, b->to);
}

void nv_compare_tiers(nv_change *changes, size_t n, const nv_tiers *tiers, nv_compare_totals *totals)
{
    totals->lower_tier = totals->higher_tier = 0;
    totals->n_tier_changes = 0;
    for (size_t i = 0; i < n; i++) {
        nv_change *c = &changes[i];
        const char *from = c->before->presence, *to = c->after->presence;
        int cmp = tier_cmp(tiers, from, to);
        c->tier_delta = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
        if (!strcmp(from, to))
            continue;
        totals->lower_tier += c->tier_delta < 0;
        totals->higher_tier += c->tier_delta > 0;
        size_t k = 0;
        while (k < totals->n_tier_changes &&
               (strcmp(totals->tier_changes[k].from, from) || strcmp(totals->tier_changes[k].to, to)))
            k++;
        if (k == totals->n_tier_changes) {
            if (k == NV_MAX_TIER_CHANGES)
                continue;
            totals->tier_changes[k] = (nv_tier_change){from, to, 0};
            totals->n_tier_changes++;
        }
        totals->tier_changes[k].count++;
    }
    qsort_r(totals->tier_changes, totals->n_tier_changes, sizeof *totals->tier_changes, change_cmp,
            (void *)tiers);
}

static int rank_cmp(const void *pa, const void *pb, void *base)
{
    const nv_change *changes = base;
    const nv_change *a = &changes[*(const size_t *)pa], *b = &changes[*(const size_t *)pb];
    if (a->person_km_added != b->person_km_added)
        return a->person_km_added > b->person_km_added ? -1 : 1;
    if (a->beyond_added[0] != b->beyond_added[0])
        return a->beyond_added[0] > b->beyond_added[0] ? -1 : 1;
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    return strcmp(a->before->kommunkod, b->before->kommunkod);
}

size_t nv_compare_ranking(const nv_change *changes, size_t n, const nv_radii *radii, size_t *order)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const nv_change *c = &changes[i];
        /* A mean distance that rises by less than the metre written out is no loss. */
        double rise = c->after->pop.mean_distance_km - c->before->pop.mean_distance_km;
        int loses = c->cls == NV_CHANGE_LOST_PRESENCE || c->cls == NV_CHANGE_LONGER || rise >= 0.001;
        for (size_t r = 0; radii && r < radii->n; r++)
            loses |= c->beyond_added[r] > 0;
        if (loses)
            order[k++] = i;
    }
    qsort_r(order, k, sizeof *order, rank_cmp, (void *)changes);
    return k;
}
