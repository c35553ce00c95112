#include "analyze.h"

#include "plan.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>

const char *nv_analyze_data_dir(void)
{
    return nv_plan_data_dir();
}

nv_status nv_analyze_run(const nv_analyze_options *opts, nv_run_summary *totals, nv_pg_outcome *pg,
                         nv_diags *diags, nv_error *err)
{
    nv_session *s = NULL;
    nv_evaluation *e = NULL;
    char *tmp = NULL;
    nv_status st;

    if (!opts->out_dir)
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "no output folder (give one with --out DIR)");
    /* Every input is read before the output folder is touched. */
    if ((st = nv_session_open(&opts->session, &s, diags, err)) != NV_OK)
        goto done;
    if ((st = nv_session_evaluate(s, opts->office_files, opts->n_office_files, NULL, &e, diags, err)) != NV_OK)
        goto done;
    nv_outdir_remove_stale(opts->out_dir); /* what killed runs into this folder left */
    if (!(tmp = nv_outdir_temp_beside(opts->out_dir))) {
        st = nv_error_set(err, NV_ERR_FAIL, opts->out_dir, 0,
                          "cannot create a working folder beside it: %s (does its parent folder exist?)",
                          strerror(errno));
        goto done;
    }
    if ((st = nv_evaluation_write(s, e, tmp, err)) == NV_OK)
        st = nv_outdir_publish(tmp, opts->out_dir, err);
    else
        nv_outdir_name_destination(err, tmp, opts->out_dir);
    nv_pg_outcome pg_out;
    if (st == NV_OK && (st = nv_evaluation_store_pg(s, e, &pg_out, err)) == NV_OK && pg)
        *pg = pg_out;
    if (st == NV_OK && totals) {
        *totals = *nv_evaluation_summary(e);
        totals->boundaries = totals->layer = totals->crs = NULL;
        totals->office_files = NULL;
        totals->max_nearest_kommunkod = totals->population_source = NULL;
        totals->manifest_json = totals->manifest_digest = NULL;
        totals->version = totals->gdal_version = totals->proj_version = totals->sqlite_version = NULL;
    }
done:
    if (tmp) {
        struct stat sb;
        if (stat(tmp, &sb) == 0)
            nv_outdir_remove_tree(tmp);
        free(tmp);
    }
    nv_evaluation_destroy(e);
    nv_session_close(s);
    return st;
}
