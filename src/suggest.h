/* suggest.h — where new offices should go, which could close, and how good the answer
 * is: maximal covering (open K sites, or keep all but K offices, reaching the most people
 * within R km), set cover (the fewest new sites that put every demand point within R km
 * of a location) and p-median (open K sites minimising the population-weighted mean
 * distance to the nearest office).
 *
 * Each problem is an integer program solved with GLPK (the only module that uses it)
 * within a time limit, warm-started with greedy plus swap (interchange) local search,
 * which is also the answer when GLPK cannot finish. The bound is always reported: the LP
 * relaxation's, or branch and bound's when it is tighter, and the gap to it. Demand
 * points covered by the same set of sites (within R of the same sites, in the same
 * municipality) are one row of the model, so a million points cost no more than their
 * distinct coverage sets.
 *
 * Ties are broken by a stated rule: sites are numbered, candidates sorted by kommunkod,
 * then name, then their line in the file, offices in plan order; of equally good plans
 * the suggestion is one where no chosen site can be exchanged for an earlier-numbered
 * one without making the plan worse. Same inputs, same outputs, byte for byte, whenever
 * the search ends within the time limit (when the limit stops it, the answer can depend
 * on the machine's speed; summary.json then says optimal false). */
#ifndef NV_SUGGEST_H
#define NV_SUGGEST_H

#include "error.h"
#include "plan.h"

typedef enum nv_suggest_mode {
    NV_SUGGEST_ADD = 0,   /* open k new sites, keep every office */
    NV_SUGGEST_CLOSE = 1, /* close k offices of the plan */
    NV_SUGGEST_COVER = 2  /* the fewest new sites so that everyone is within radius_km */
} nv_suggest_mode;

typedef enum nv_suggest_objective {
    NV_SUGGEST_COVERAGE = 0,      /* people within radius_km of a location */
    NV_SUGGEST_MEAN_DISTANCE = 1  /* population-weighted mean distance (add only) */
} nv_suggest_objective;

/* What the search is doing, for a progress line. best and bound are in the objective's
 * unit (people, sites or km); NAN while unknown. */
typedef struct nv_suggest_progress {
    const char *stage;            /* "reading", "coverage sets", "greedy", "solving", "alternative 2", … */
    double elapsed_s;
    double best, bound;
} nv_suggest_progress;

typedef struct nv_suggest_options {
    nv_suggest_mode mode;
    nv_suggest_objective objective;
    int k;                         /* sites to open (add) or offices to close (close) */
    double radius_km;              /* > 0; for mean-distance only the radius reported */
    const char *const *base_files; /* the plan; NULL/0: the session's default plan */
    size_t n_base_files;
    const char *candidates;        /* CSV (lat/lon or x/y) or any OGR point layer; NULL: the
                                    * gazetteer <data>/data/places/localities.csv */
    const char *candidates_layer;  /* layer of an OGR source with several */
    const char *type;              /* type of the new sites; NULL: "staffed" */
    const char *const *keep_types; /* close: offices of these types stay */
    size_t n_keep_types;
    const char *keep_ids;          /* close: a file of office ids that stay, one a line ('#' comments) */
    double time_limit_s;           /* for the whole search, alternatives included; <= 0: 30 */
    int alternatives;              /* other near-optimal plans wanted (0..50) */
    void (*progress)(const nv_suggest_progress *p, void *user); /* optional; called often */
    void *user;
} nv_suggest_options;

typedef struct nv_suggestion nv_suggestion;

/* The answer in numbers. Populations are people, distances km. */
typedef struct nv_suggest_summary {
    const char *objective;         /* "covered_population", "sites" or "mean_distance_km" */
    int maximise;                  /* 1: bound is an upper bound; 0: a lower bound */
    double best;                   /* the objective of the suggestion */
    double bound;                  /* proven bound on the optimum */
    double lp_bound;               /* the LP relaxation's bound */
    double gap;                    /* |bound - best| / |bound| (max) or / |best| (min); 0 when optimal */
    int optimal;                   /* 1 only when proven */
    const char *method;            /* "glpk" (branch and bound, warm-started) or "greedy+swap" */
    double total_population;
    double covered_population;     /* people within radius_km of a location in the suggestion */
    double base_covered_population;/* the same for the base plan */
    double mean_distance_km;       /* population-weighted, the suggestion (NAN without offices) */
    double base_mean_distance_km;
    double unreachable_population; /* no site of any kind within radius_km */
    long unreachable_points;
    long demand_points;
    size_t coverage_sets;          /* rows of the model after aggregation */
    size_t candidates_read;        /* rows (features) of the candidate source */
    size_t candidates_trusted;     /* inside the municipality they name (or some municipality) */
    size_t candidates_used;        /* of those, at distinct points: the sites of the model */
    size_t opened, closed;         /* sites in the suggestion */
    size_t alternatives;           /* plans in alternatives.csv besides the best */
    double solve_s;                /* wall time of the search (not written to files) */
} nv_suggest_summary;

/* Reads the plan, the candidates and the demand points, and solves. The session must be
 * opened with radius_km among its radii (the CLI makes it the only one) so that the
 * results it writes count the same people. NV_ERR_INPUT for bad options or inputs: k
 * larger than the candidates (add) or than the offices that may close (close), k < 1,
 * radius_km <= 0, no usable candidate, an id in keep_ids that no office has. The caller
 * destroys *out. */
nv_status nv_suggest_run(nv_session *s, const nv_suggest_options *o, nv_suggestion **out, nv_diags *diags,
                         nv_error *err);
void nv_suggestion_destroy(nv_suggestion *g); /* accepts NULL */

const nv_suggest_summary *nv_suggestion_summary(const nv_suggestion *g); /* borrowed */

/* The sites the suggestion opens or closes, for the CLI. Borrowed strings. */
typedef struct nv_suggest_site {
    const char *id, *name, *kommunkod, *namn;
    int opened;                    /* 1: a new site; 0: a closed office */
    double people;                 /* people within radius_km who depend on it: gained by opening it,
                                    * or lost by closing it, the rest of the suggestion given */
    double mean_km;                /* mean-distance: how much lower the population-weighted mean
                                    * distance is with it, the rest given (km); NAN otherwise */
} nv_suggest_site;
size_t nv_suggestion_site_count(const nv_suggestion *g);
void nv_suggestion_site(const nv_suggestion *g, size_t i, nv_suggest_site *out);

/* Writes into dir, an empty folder that will be published as final_dir (the name the
 * suggested plan goes by in the results): suggested.csv, alternatives.csv, unreachable.csv,
 * compare/ (the base plan against the suggestion, as narvaro compare writes it), the map
 * maps/suggested.png unless the session says no maps, and summary.json last. Checks
 * that suggested.csv, analyzed again, covers exactly the people the search counted
 * (NV_ERR_FAIL if not). */
nv_status nv_suggest_write(nv_session *s, nv_suggestion *g, const char *dir, const char *final_dir,
                           nv_diags *diags, nv_error *err);

#endif
