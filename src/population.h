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
    int csv;                      /* 1: source is a CSV whatever its name (a spooled pipe) */
    const char *name;             /* the source as the user gave it, for messages and the summary
                                   * (source may be a spooled copy); NULL: source */
} nv_population_options;

/* Demand points are read in parallel chunks, by offset, cut at LF: that needs a regular
 * file with LF line ends. When source is standard input ("-"), a pipe (--population
 * <(cat f.csv)) or anything else that is not a regular file, or a CSV whose lines end in a
 * lone CR, it is copied once into an unnamed temporary file with LF line ends, and *fd
 * gets that file (read it as /proc/self/fd/N, as a CSV; the caller closes it). Otherwise
 * *fd is -1 and source is read as it is. NV_ERR_INPUT when it cannot be opened or read,
 * NV_ERR_FAIL when the copy cannot be written (the message says why: a full disk). */
nv_status nv_population_spool(const char *source, int *fd, nv_error *err);

/* Sees the demand points themselves (narvaro suggest builds its coverage sets from them):
 * n points with their coordinates (xy interleaved, analysis CRS; NAN for a point that
 * could not be transformed), people and area (-1: outside every area, -2: far from every
 * area or not transformable, which analyze measures for nothing). Called from the
 * worker threads: chunk numbers the fixed 4 MB pieces of a CSV in file order (0 for an
 * OGR layer or an array), and the points of one chunk arrive in file order, from one
 * thread at a time; distinct chunks may arrive at once. */
typedef void (*nv_demand_visitor)(void *user, size_t chunk, const double *xy, const double *pop,
                                  const long *area, size_t n);

/* What to measure against: borrowed, read-only, shared by the threads. */
typedef struct nv_demand_target {
    const nv_polyindex *areas;    /* required */
    size_t n_areas;
    const nv_kdtree *offices;     /* NULL when the plan has no office: distances are then unknown */
    const double *radii_m;
    size_t n_radii;               /* at most NV_MAX_RADII */
    double far_m;                 /* a point outside every area and farther than this from all of them
                                   * (a typo: lat -33.9 for 59.3) is "far": counted in stats[n_areas + 1]
                                   * and measured for nothing; INFINITY: none is far */
    nv_demand_visitor visit;      /* optional */
    void (*visit_restart)(void *user); /* called when a CSV must be read again from the start
                                   * (a quoted field spans lines): forget what visit saw */
    void *visit_user;
} nv_demand_target;

/* The most people one demand point may hold: more is a wrong column or a typo (1e300). */
#define NV_POPULATION_MAX 1e9

/* Streams the points of opts->source and adds them to stats[0..n_areas + 1] (n_areas is
 * "outside every area, but near one", n_areas + 1 "far from every area": see far_m);
 * stats must be zeroed by the caller. *points_read gets the
 * number of points. Bad rows (too few fields, a number that is not one, a negative
 * population, lat/lon out of range) are NV_PROBLEM diagnostics with file and line (the
 * first 20; the error gives the total) and make it return NV_ERR_INPUT. */
nv_status nv_population_measure_source(const nv_population_options *opts, const nv_demand_target *t,
                                       nv_demand_stats *stats, long *points_read, nv_diags *diags,
                                       nv_error *err);

/* The same for points in memory: xy interleaved in the analysis CRS, pop per point;
 * stats as above, n_areas + 2 of them. */
void nv_population_measure_points(const double *xy, const double *pop, size_t n, const nv_demand_target *t,
                                  nv_demand_stats *stats);

/* Reads a table of population per area code (columns: a code — kommun_code, kommunkod,
 * kod, code, id — and a population column) with libcsv. Calls add(code, population,
 * line, user) per row. NV_ERR_INPUT with file:line for a bad row. */
nv_status nv_population_read_table(const char *path, void (*add)(const char *code, double population,
                                                                 long line, void *user),
                                   void *user, nv_error *err);

#endif
