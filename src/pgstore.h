/* pgstore.h — one shared PostGIS database for the runs of many planners (--postgis CONN),
 * written with libpq. In the schema narvaro:
 *   runs            one row per run: id, plan, office_files, manifest_digest (unique),
 *                   manifest (jsonb), created (the time of the run), and the national
 *                   totals, the versions and the options
 *   municipalities  MULTIPOLYGON, the analysis CRS — the nv_muni_result columns, per run_id
 *   offices         POINT — every input row of the plan, per run_id
 *   counties        (no geometry) — the nv_county_result columns, per run_id
 *   latest          a view: the municipalities of each plan's newest run, with its plan and
 *                   time, for QGIS
 * and QGIS's styles for them in public.layer_styles, the table QGIS's PostgreSQL provider
 * reads (created as QGIS creates it when missing).
 * The population within each radius is one array per row (population_within), in the
 * order of runs.radii_km: runs with other radii share the tables.
 *
 * Each run is one transaction, taken under a transaction-scoped advisory lock, so two
 * narvaro processes writing at once are serialised: neither sees the other's half-written
 * run, the schema is created once, and the same run (the same manifest digest) is stored
 * once. The schema and the view are created by the first run that finds them missing. */
#ifndef NV_PGSTORE_H
#define NV_PGSTORE_H

#include "error.h"
#include "results.h"
#include "styles.h"

/* What one run stores. Everything is borrowed for the duration of the call. */
typedef struct nv_pg_run {
    const char *plan;                  /* the plan's name in runs.plan and latest: its file names */
    const nv_muni_result *m;
    size_t n_m;
    const nv_office_result *o;
    size_t n_o;
    const nv_county_result *c;
    size_t n_c;
    const nv_run_summary *s;           /* with manifest_json and manifest_digest set */
    const nv_layer_style *styles;      /* QGIS styles for the tables and views of the schema, */
    size_t n_styles;                   /* stored in public.layer_styles where QGIS looks for them
                                        * (those of the same table and name already there are kept) */
} nv_pg_run;

/* Writes the run into the database conn names: a libpq connection string, with or
 * without GDAL's "PG:" prefix ("PG:host=db.example dbname=gis user=planner"). *run_id gets
 * the run's id in narvaro.runs; when a run with the same manifest digest is already there,
 * nothing is written, *already is 1 and *run_id is that run's id. NV_ERR_INPUT for a
 * connection that fails (the message names the server and the fix), a database without
 * PostGIS that this user cannot add it to, or tables in another CRS; NV_ERR_FAIL for
 * anything else, with PostgreSQL's own message. Nothing of the run is left behind on
 * failure. */
nv_status nv_pgstore_write(const char *conn, const nv_pg_run *run, long *run_id, int *already, nv_error *err);

/* Is a run with this manifest digest stored? *run_id gets its id, or 0. A database
 * without narvaro's schema holds none. Errors as for nv_pgstore_write. */
nv_status nv_pgstore_find(const char *conn, const char *digest, long *run_id, nv_error *err);

#endif
