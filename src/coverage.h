/* coverage.h — the join and the measures: each office placed in the municipality that
 * contains it (or snapped to the nearest one within a distance, or rejected with the
 * reason), then per municipality the number of offices, the best presence and the
 * distance from its representative point to the nearest office; per county and for the
 * nation the same, aggregated. Planar distances in the analysis CRS. */
#ifndef NV_COVERAGE_H
#define NV_COVERAGE_H

#include "boundaries.h"
#include "error.h"
#include "offices.h"
#include "places.h"
#include "population.h"
#include "results.h"
#include "tiers.h"

typedef struct nv_coverage nv_coverage;

/* The boundaries prepared once for any number of plans: the spatial index over the
 * polygons, and the municipal population table once loaded. Borrows b: keep it alive. */
typedef struct nv_areas nv_areas;
nv_status nv_areas_create(const nv_boundaries *b, nv_areas **out, nv_error *err);
void nv_areas_destroy(nv_areas *a); /* accepts NULL */

/* Loads a table of population per municipality code (see nv_population_read_table); its
 * figures then stand at each municipality's representative point. Codes the boundaries
 * lack, and municipalities the table lacks, are warnings. */
nv_status nv_areas_load_population(nv_areas *a, const char *path, nv_diags *diags, nv_error *err);

/* Loads a gazetteer (places.h) to place rows that give a town and no coordinates; its
 * entries are located on these areas. Without one, such rows are placed by their
 * kommunkod or rejected. */
nv_status nv_areas_load_places(nv_areas *a, const nv_places_options *o, nv_diags *diags, nv_error *err);
/* The gazetteer loaded, or NULL (borrowed; lives as long as the areas). */
const nv_places *nv_areas_places(const nv_areas *a);

typedef struct nv_coverage_options {
    double snap_km;   /* offices outside every polygon within this distance are snapped */
    const nv_tiers *tiers; /* the ranking and the office tiers; NULL: the default */
} nv_coverage_options;

/* Computes everything. A row with coordinates is placed in the municipality containing
 * it; a row without is placed at its town's gazetteer point (restricted to its kommunkod
 * when it gives one), else at its kommunkod's representative point. Warnings (snapped
 * offices, kommunkod disagreements, rejected offices, towns placed by code) go to diags;
 * an ambiguous or unknown town without a code, or a code that is no municipality, is an
 * NV_PROBLEM and makes it return NV_ERR_INPUT. The result borrows from areas (and its boundaries) and plan:
 * keep them alive while it is used. Returns NV_ERR_INPUT when a row's coordinates look
 * like swapped lat/lon. Thread-safe for distinct plans on shared areas. */
nv_status nv_coverage_compute(const nv_areas *areas, const nv_plan *plan,
                              const nv_coverage_options *opts, nv_coverage **out,
                              nv_diags *diags, nv_error *err);
/* As nv_coverage_compute, for a caller done with the plan's rows (an evaluation once its
 * plan is read): on NV_OK the rows are gone, as after nv_plan_drop_rows, freed a block at
 * a time while the results are made from them, so that rows and results (hundreds of MB
 * each for a plan of millions of rows) are never both held whole. The results borrow the
 * plan's strings, which stay until nv_plan_destroy. On an error the rows are still there
 * (for messages), but nothing more can be read into the plan (see nv_plan_drop_rows_before). */
nv_status nv_coverage_compute_drop_rows(const nv_areas *areas, nv_plan *plan, const nv_coverage_options *opts,
                                        nv_coverage **out, nv_diags *diags, nv_error *err);
void nv_coverage_destroy(nv_coverage *c); /* accepts NULL */

/* Borrowed arrays, valid until nv_coverage_destroy. Municipalities and counties are
 * sorted by code, offices in input order. */
const nv_muni_result *nv_coverage_municipalities(const nv_coverage *c, size_t *n);
const nv_office_result *nv_coverage_offices(const nv_coverage *c, size_t *n);
const nv_county_result *nv_coverage_counties(const nv_coverage *c, size_t *n);
/* National totals; the input/version fields are left for the caller to fill. */
void nv_coverage_totals(const nv_coverage *c, nv_run_summary *s);

/* Where the people are: demand points from a file, or municipal totals from a table
 * (code, population) placed at each municipality's representative point. */
typedef struct nv_population_spec {
    const nv_population_options *points; /* NULL: the table loaded into the areas */
    nv_radii radii;
} nv_population_spec;

/* Adds population figures to a computed coverage: per municipality, county and nation
 * (see nv_population_result). Without it, every population figure is NAN. Points outside
 * every municipality count for the nation only, and are reported in diags. */
nv_status nv_coverage_population(nv_coverage *c, const nv_population_spec *spec, nv_diags *diags,
                                 nv_error *err);

/* Frees the offices' k-d tree, which only nv_coverage_population uses (24 bytes an
 * office: 48 MB for a plan of 2 million rows, no longer held while the results are
 * written). Population figures cannot be added after it. */
void nv_coverage_drop_tree(nv_coverage *c);

/* Passes every demand point to visit (see nv_demand_visitor): the points of a file
 * (points != NULL), else the municipal totals of the table loaded into the areas, each at
 * its municipality's representative point, as nv_coverage_population counts them (far_m
 * as in nv_demand_target: the coverage's snap distance). The
 * points' areas are indices into the boundaries. *total_population (optional) gets the
 * people seen. Problems as for nv_coverage_population. */
nv_status nv_areas_visit_demand(const nv_areas *a, const nv_population_options *points, double far_m,
                                nv_demand_visitor visit, void (*restart)(void *user), void *user, nv_diags *diags,
                                nv_error *err);

/* Index of the municipality containing (x, y) in the analysis CRS, or -1. */
long nv_areas_locate(const nv_areas *a, double x, double y);

/* The boundaries the areas were made from (borrowed). */
const nv_boundaries *nv_areas_boundaries(const nv_areas *a);

/* Swedish county name for a two-digit code ("01" -> "Stockholms län"), NULL if unknown. */
const char *nv_coverage_county_name(const char *lanskod);

#endif
