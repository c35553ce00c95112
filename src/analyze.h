/* analyze.h — one whole run of `narvaro analyze`: one plan evaluated on a session
 * (plan.h), written into a fresh folder beside DIR and swapped into place at the end,
 * so that a failed or interrupted run leaves an earlier result in DIR untouched. */
#ifndef NV_ANALYZE_H
#define NV_ANALYZE_H

#include "error.h"
#include "plan.h"
#include "results.h"

typedef struct nv_analyze_options {
    nv_session_options session;        /* boundaries, offices, population, radii, maps */
    const char *const *office_files;   /* NULL/0: <data>/data/plans/af-2020-illustrative.csv */
    size_t n_office_files;
    const char *out_dir;               /* required */
} nv_analyze_options;

/* The default data folder: $NARVARO_DATA, else the ../shared the build was configured
 * with. Static or environment string. */
const char *nv_analyze_data_dir(void);

/* Runs the analysis. On success *totals (optional) gets the national counts; its string
 * fields are NULL. With opts->session.postgis the run is also written there, after the
 * folder, and *pg (optional) says where. Returns NV_ERR_INPUT for bad input (details in
 * err and diags). */
nv_status nv_analyze_run(const nv_analyze_options *opts, nv_run_summary *totals, nv_pg_outcome *pg,
                         nv_diags *diags, nv_error *err);

#endif
