/* plan.h — office plans evaluated on boundaries prepared once: one plan (analyze), two
 * (compare) or a folder of them (batch). A session holds what all plans share (the
 * boundaries and their index, the population, the manifest of those inputs); an
 * evaluation is one plan's coverage, summary and manifest. Results are written into a
 * fresh folder beside the destination and swapped into place in one step, so a result
 * folder is always complete or absent. */
#ifndef NV_PLAN_H
#define NV_PLAN_H

#include "boundaries.h"
#include "compare.h"
#include "coverage.h"
#include "error.h"
#include "manifest.h"
#include "offices.h"
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

/* Output folders. Before any work: may dir become a result folder? Its parent must exist,
 * and dir be absent, empty or an earlier result (NV_ERR_INPUT otherwise). */
nv_status nv_outdir_check(const char *dir, nv_error *err);
/* A fresh working folder beside dir (same file system), named
 * ".DIR.tmp-PID-XXXXXX" and flock'ed by this process until it is published or removed;
 * NULL with errno set. Thread-safe. */
char *nv_outdir_temp_beside(const char *dir);
/* Removes the working folders beside dir whose writer is gone (killed, crashed): its pid
 * names no process and nobody holds the folder's lock. A live writer's folder, of this
 * process or another, is never touched. */
void nv_outdir_remove_stale(const char *dir);
/* The same for every working folder (and batch's plans.csv working file) in folder, also
 * those of older narvaro versions without a pid: for batch, which holds the folder's lock. */
void nv_outdir_remove_stale_in(const char *folder);
/* Removes every working folder this process has not yet published or removed, and lets
 * no new one be made: for a signal handler's thread (SIGINT, SIGTERM) before it ends the
 * process. Not async-signal-safe: call it from a thread that sigwait()ed. */
void nv_outdir_abandon_all(void);
/* Replaces dir with the finished folder tmp in one step (rename, or an atomic exchange
 * when dir exists), then removes what dir held before. dir must be absent, empty, or an
 * earlier narvaro result (it holds summary.json): anything else is refused. */
nv_status nv_outdir_publish(const char *tmp, const char *dir, nv_error *err);
/* rm -rf; 0 on success. A working folder of nv_outdir_temp_beside is forgotten. */
int nv_outdir_remove_tree(const char *dir);

#endif
