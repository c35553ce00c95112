/* population.h — demand points: where people are, and how far they are from an office.
 *
 * Points come from a CSV (x,y in a given CRS, or lat,lon in WGS 84, and a population
 * column; the Excel variants that office plans may have) or from any OGR point layer,
 * or from an array (municipal totals placed at representative points). They are
 * streamed: memory grows with the number of areas and offices, not with the number of
 * points. A CSV is cut into fixed 4 MB chunks at line ends that worker threads read,
 * locate and measure on their own; the partial sums are added in chunk order, so the
 * result is the same whatever the number of threads.
 *
 * For each point: the area containing it (nv_polyindex) and the planar distance to the
 * nearest office (nv_kdtree), both in the analysis CRS. A point outside every area is
 * counted in an extra bucket (index n_areas), never dropped. CSV and OGR are both read
 * here: demand points are one input whatever their format. */
#ifndef NV_POPULATION_H
#define NV_POPULATION_H

#include "error.h"
#include "index.h"
#include "results.h"

/* Sums for one area (or for the points outside every area). Distances in metres. */
typedef struct nv_demand_stats {
    double population;
    double within[NV_MAX_RADII];  /* population with an office within radius r */
    double dist_pop_m;            /* sum of population x distance */
    double max_dist_m;            /* over points with population > 0; 0 when none */
    long points;
} nv_demand_stats;

typedef struct nv_population_options {
    const char *source;           /* CSV path or OGR source; required for nv_population_measure_source */
    const char *layer;            /* OGR layer when the source has several */
    const char *crs;              /* CRS of x/y columns or of the OGR layer when it has none; NULL: analysis CRS */
    const char *analysis_crs;     /* NULL: "EPSG:3006" */
    const char *population_column;/* NULL: detect (population, pop, befolkning, folkmängd, invånare, antal, count) */
    char delimiter;               /* 0: detect */
    const char *encoding;         /* NULL: detect */
    int threads;                  /* 0: one per core */
} nv_population_options;

/* What to measure against: borrowed, read-only, shared by the threads. */
typedef struct nv_demand_target {
    const nv_polyindex *areas;    /* required */
    size_t n_areas;
    const nv_kdtree *offices;     /* NULL when the plan has no office: distances are then unknown */
    const double *radii_m;
    size_t n_radii;               /* at most NV_MAX_RADII */
} nv_demand_target;

/* Streams the points of opts->source and adds them to stats[0..n_areas] (the last one
 * is "outside every area"); stats must be zeroed by the caller. *points_read gets the
 * number of points. Bad rows (too few fields, a number that is not one, a negative
 * population, lat/lon out of range) are NV_PROBLEM diagnostics with file and line (the
 * first 20; the error gives the total) and make it return NV_ERR_INPUT. */
nv_status nv_population_measure_source(const nv_population_options *opts, const nv_demand_target *t,
                                       nv_demand_stats *stats, long *points_read, nv_diags *diags,
                                       nv_error *err);

/* The same for points in memory: xy interleaved in the analysis CRS, pop per point. */
void nv_population_measure_points(const double *xy, const double *pop, size_t n, const nv_demand_target *t,
                                  nv_demand_stats *stats);

/* Reads a table of population per area code (columns: a code — kommun_code, kommunkod,
 * kod, code, id — and a population column) with libcsv. Calls add(code, population,
 * line, user) per row. NV_ERR_INPUT with file:line for a bad row. */
nv_status nv_population_read_table(const char *path, void (*add)(const char *code, double population,
                                                                 long line, void *user),
                                   void *user, nv_error *err);

#endif
