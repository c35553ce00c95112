/* plan.h — office plans evaluated on boundaries prepared once: one plan (analyze), two
 * (compare) or a folder of them (batch). A session holds what all plans share (the
 * boundaries and their index, the population, the manifest of those inputs); an
 * evaluation is one plan's coverage, summary and manifest. Results are written into a
 * fresh folder beside the destination and swapped into place in one step (outdir.h), so
 * a result folder is always complete or absent. */
#ifndef NV_PLAN_H
#define NV_PLAN_H

#include "boundaries.h"
#include "compare.h"
#include "coverage.h"
#include "error.h"
#include "manifest.h"
#include "offices.h"
#include "outdir.h"
#include "population.h"
#include "results.h"
#include "store.h"

typedef struct nv_session_options {
    nv_boundaries_options boundaries;  /* .source NULL: <data>/shapefiles/kommuner.shp */
    nv_offices_options offices;
    nv_population_options population;  /* .source NULL: <data>/data/population/kommun_population_2016.csv,
                                        * municipal totals at representative points */
    nv_radii radii;                    /* n == 0: 10, 25, 50 km */
    double snap_km;                    /* 0: no snapping (the CLI's default is 2) */
    int tables_only;                   /* 1: CSV and JSON only, no narvaro.sqlite, no map */
    int no_maps;                       /* 1: no maps (presence.png; a comparison's difference.png
                                        * and side-by-side.png) */
    const char *maps_dir;              /* folder of map specs; NULL: the default */
    const char *presence_order;        /* tiers, best first, comma-separated; NULL: NV_TIERS_DEFAULT_ORDER */
    const char *office_types;          /* the office tiers; NULL: NV_TIERS_DEFAULT_OFFICES */
    const char *const *attribute_files;/* --attributes tables, joined by kommunkod or lanskod */
    size_t n_attribute_files;
    nv_places_options places;          /* .source NULL: <data>/data/places/localities.csv when it
                                        * exists (an explicit source must exist) */
    int no_report;                     /* 1: no report.html (also none with tables_only) */
    int lang;                          /* the report's language, an nv_lang (0: Swedish) */
    int no_xlsx;                       /* 1: no results.xlsx (tables only implies it) */
    nv_db_format db_format;            /* narvaro.sqlite (default) or narvaro.gpkg; also
                                        * compare.sqlite or compare.gpkg */
    const char *postgis;               /* a PostGIS database that every run is also written
                                        * into (pgstore.h), or NULL */
} nv_session_options;

typedef struct nv_session nv_session;

/* The default data folder: $NARVARO_DATA, else the ../shared the build was configured
 * with. Static or environment string. */
const char *nv_plan_data_dir(void);

/* Loads the boundaries, prepares their index and the population, and records the
 * manifest of these inputs. */
nv_status nv_session_open(const nv_session_options *o, nv_session **out, nv_diags *diags, nv_error *err);
void nv_session_close(nv_session *s); /* accepts NULL */

typedef struct nv_evaluation nv_evaluation;

/* Reads a plan (one or more CSV files; NULL/0: the default 2020 plan) and measures it.
 * cache may be NULL (one per thread when plans are evaluated in parallel). Thread-safe
 * for distinct evaluations on one session. */
nv_status nv_session_evaluate(nv_session *s, const char *const *files, size_t n_files, nv_offices_cache *cache,
                              nv_evaluation **out, nv_diags *diags, nv_error *err);
/* The same, with the name each file goes by in the results (offices.csv's source, the
 * manifest, the maps' source line) instead of the path read: for a plan written into a
 * working folder that will be published elsewhere. labels NULL: the paths. */
nv_status nv_session_evaluate_as(nv_session *s, const char *const *files, const char *const *labels, size_t n_files,
                                 nv_offices_cache *cache, nv_evaluation **out, nv_diags *diags, nv_error *err);
void nv_evaluation_destroy(nv_evaluation *e); /* accepts NULL */
const nv_run_summary *nv_evaluation_summary(const nv_evaluation *e);
const nv_coverage *nv_evaluation_coverage(const nv_evaluation *e);

/* The options the session was opened with, defaults applied. Borrowed. */
const nv_session_options *nv_session_options_of(const nv_session *s);
/* The prepared boundaries, for modules that measure plans of their own (suggest). */
const nv_areas *nv_session_areas(const nv_session *s);
/* A copy of the manifest of the shared inputs, options and versions; the caller destroys
 * it. NULL when out of memory. */
nv_manifest *nv_session_manifest_copy(const nv_session *s);
/* The plan evaluated when none is given: <data>/data/plans/af-2020-illustrative.csv. */
const char *nv_session_default_plan(const nv_session *s);

/* The radii the session measures (the default applied). */
void nv_session_radii(const nv_session *s, nv_radii *out);

/* The manifest digest an evaluation of these plan files would carry, without evaluating
 * (for batch: is the result on disk still current?). out gets 64 hex digits. */
nv_status nv_session_digest(nv_session *s, const char *const *files, size_t n_files, char out[65], nv_error *err);

/* Writes a complete result into dir, an empty folder: the CSV tables, narvaro.sqlite
 * and the map unless the session says tables only, and summary.json last. */
nv_status nv_evaluation_write(nv_session *s, const nv_evaluation *e, const char *dir, nv_error *err);

/* Writes the comparison of two evaluations into dir, an empty folder: before/ and
 * after/ (each a complete result), changes.csv, ranking.csv, compare.sqlite, unless the
 * session says no maps maps/difference.png and maps/side-by-side.png, and summary.json
 * last. *totals and
 * the ranking (the first ranked_max indices into the municipalities, heaviest loss
 * first; *n_ranked how many lose) are returned for the CLI. */
nv_status nv_compare_write(nv_session *s, const nv_evaluation *before, const nv_evaluation *after,
                           const char *dir, nv_compare_totals *totals, nv_change *changes, size_t *ranking,
                           size_t *n_ranked, nv_error *err);

/* Where a run went in the session's PostGIS database. */
typedef struct nv_pg_outcome {
    long run_id;      /* its id in narvaro.runs; 0: not written */
    int already;      /* 1: a run with the same manifest digest was there, nothing written */
} nv_pg_outcome;

/* Writes the evaluation into the session's PostGIS database (nv_pgstore_write), as the
 * plan named by its files' names ("a.csv + b.csv"). Does nothing (*out zeroed) when the
 * session has none. */
nv_status nv_evaluation_store_pg(nv_session *s, const nv_evaluation *e, nv_pg_outcome *out, nv_error *err);

/* Is a run with this manifest digest in the session's PostGIS database? *run_id gets its
 * id, or 0 (also when the session has no database). */
int nv_session_has_pg(const nv_session *s);
nv_status nv_session_find_pg(nv_session *s, const char *digest, long *run_id, nv_error *err);

/* Writes dir/file, an Excel workbook with one sheet per CSV table of dir (csv_names, without
 * ".csv"; at most 8), unless the session says tables only or no xlsx: then does nothing.
 * batch uses it for plans.csv. */
nv_status nv_session_write_xlsx(const nv_session *s, const char *dir, const char *file, const char *const *csv_names,
                                size_t n, nv_error *err);

#endif
