/* suggest_int.h — what the three files of the suggest module share (as SQLite's btreeInt.h):
 * the sites, the demand groups, the model and the suggestion itself. suggest.c reads the
 * inputs, builds the demand and the model, and answers nv_suggest_run; suggest_solve.c
 * is the search (greedy, swap, GLPK, the Lagrangian bound, the tie-break and the
 * alternatives); suggest_write.c writes the result folder. Nothing here is public: only
 * suggest.h is, and no other module includes this file. */
#ifndef NV_SUGGEST_INT_H
#define NV_SUGGEST_INT_H

#include "suggest.h"

#include "coverage.h"
#include "pmedian.h"

#include <stdint.h>
#include <time.h>

/* A location that is or may become open: an office of the plan or a candidate. */
typedef struct site {
    double x, y;                /* analysis CRS */
    double lat, lon;            /* WGS 84 as read; NAN when the source gave x/y */
    char *id, *name, *kommunkod, *namn, *type, *basis, *where;
    int fixed;                  /* stays open whatever the search does */
    int var;                    /* index among the free sites, -1 when fixed */
    int existing;               /* a row of the base plan */
    int reach;                  /* counts as an office (its tier does): people are within R of it */
} site;

/* Demand points of one municipality within R of the same free sites (or of a fixed one);
 * for the p-median's prefix sets pop holds person-km instead (see nv_suggestion.prefixes). */
typedef struct gtab {
    size_t n, cap;
    long *area;
    unsigned char *fixed;       /* within R of a site that stays open */
    size_t *off;
    unsigned *len;
    double *pop;
    long *pts;
    int *pool;
    size_t pool_n, pool_cap;
    size_t *slots;              /* open addressing: group + 1; 0 empty */
    size_t n_slots;
    uint64_t *hash;
} gtab;

/* ---------------------------------------------------------------- the suggestion */

typedef struct plan_sol {
    unsigned char *open;        /* per free site */
    unsigned char *mark;        /* the sites that reach exactly what one of its sites reaches */
    int m;                      /* sites open in it */
    double value;               /* objective of the free part (people beyond the fixed ones, or sites) */
    int proven;                 /* proven best (among plans that differ from the earlier ones) */
} plan_sol;

struct nv_suggestion {
    nv_suggest_options o;
    nv_suggest_summary sum;
    double r_m;
    nv_plan *base_plan;         /* the base plan as read, for its rows */
    nv_coverage *base_cov;      /* where its rows were placed */
    nv_evaluation *base_eval;   /* the base plan measured by the session */
    char **base_files;
    size_t n_base_files;
    site *sites;
    size_t n_sites, n_free;
    int *free_site;             /* var -> site */
    char *candidates_path;
    /* demand */
    gtab *groups;
    size_t n_areas;
    /* the model: distinct coverage sets of the groups not covered by a fixed site */
    size_t nset;
    size_t *set_off;
    int *set_var;
    double *set_w;
    size_t *var_off;            /* incidence: the sets of each free site */
    int *var_set;
    int *var_class;             /* the lowest-numbered free site whose sets are the same */
    double w_const;             /* people covered by the fixed sites */
    double w_unreach;
    double model_const;         /* added to the model's value: w_const (covering), 0 (p-median) */
    /* p-median (--objective mean-distance): the model's rows are the prefix sets of
     * pmedian.h, weighted in person-km, kept per municipality in prefixes (fixed = 0);
     * the groups with fixed = 1 there hold each municipality's person-km under the base
     * plan (people times the distance to their nearest office). */
    int pmedian;
    nv_pmedian_index *pm;
    gtab *prefixes;
    double base_pkm;            /* person-km under the base plan */
    int p_open;                 /* free sites open in every plan (add, close) */
    /* results */
    plan_sol *sols;             /* [0]: the suggestion, then the alternatives */
    size_t n_sols;
    nv_suggest_site *listing;
    size_t n_listing;
    double *listing_people;
    double t0;
};

static inline double nv_suggest_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline nv_status nv_suggest_oom(nv_error *err)
{
    return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
}

/* Tells the caller's progress callback (if any) what the search is doing. */
static inline void nv_suggest_progress_at(nv_suggestion *g, const char *stage, double best, double bound)
{
    if (!g->o.progress)
        return;
    nv_suggest_progress p = {stage, nv_suggest_now_s() - g->t0, best, bound};
    g->o.progress(&p, g->o.user);
}

/* suggest_solve.c. The value of a plan (open: per free site) on the model: people in
 * covered sets, person-km saved (p-median), or the number of open sites (set cover;
 * INFINITY when a coverable set is left uncovered); cnt (nset entries) gets how many open
 * sites cover each set. */
double nv_suggest_evaluate(const nv_suggestion *g, const unsigned char *open, int *cnt);
/* var_class: free sites with the same sets share the lowest number among them. -1 when
 * out of memory. */
int nv_suggest_build_classes(nv_suggestion *g);
/* The search: the suggestion and the alternatives into g->sols, the summary's best,
 * bounds, gap and method. */
nv_status nv_suggest_solve(nv_suggestion *g, nv_error *err);

#endif
