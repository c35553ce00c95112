#include "analyze.h"

#include "coverage.h"
#include "mapspec.h"
#include "render.h"
#include "report.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NV_DEFAULT_DATA
#define NV_DEFAULT_DATA "../shared"
#endif

const char *nv_analyze_data_dir(void)
{
    const char *env = getenv("NARVARO_DATA");
    return env && *env ? env : NV_DEFAULT_DATA;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int nv_analyze_remove_tree(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Is dir something we may replace: an earlier result or an empty folder? */
static int replaceable(const char *dir)
{
    char marker[4096];
    snprintf(marker, sizeof marker, "%s/summary.json", dir);
    if (access(marker, F_OK) == 0)
        return 1;
    return rmdir(dir) == 0; /* empty: removed, so a plain rename follows */
}

nv_status nv_analyze_publish(const char *tmp, const char *dir, nv_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (rename(tmp, dir) != 0)
            return nv_error_set(err, NV_ERR_FAIL, dir, 0, "cannot move the result into place: %s", strerror(errno));
        return NV_OK;
    }
    if (!S_ISDIR(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, dir, 0, "exists and is not a folder (choose another --out)");
    if (!replaceable(dir))
        return nv_error_set(err, NV_ERR_INPUT, dir, 0,
                            "exists and does not hold an earlier narvaro result; refusing to replace it "
                            "(choose another --out, or remove it)");
    if (stat(dir, &sb) != 0) { /* it was empty and is gone */
        if (rename(tmp, dir) != 0)
            return nv_error_set(err, NV_ERR_FAIL, dir, 0, "cannot move the result into place: %s", strerror(errno));
        return NV_OK;
    }
    /* Swap both folders in one step: there is never a moment without a complete result. */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) != 0)
        return nv_error_set(err, NV_ERR_FAIL, dir, 0, "cannot swap the new result into place: %s", strerror(errno));
    nv_analyze_remove_tree(tmp); /* now holds the earlier result */
    return NV_OK;
}

/* A fresh folder beside dir: same file system, so the final rename is atomic. */
static char *make_temp_beside(const char *dir)
{
    char *copy1 = strdup(dir), *copy2 = strdup(dir), *tmpl = NULL;
    if (copy1 && copy2 &&
        asprintf(&tmpl, "%s/.%s.tmp-XXXXXX", dirname(copy1), basename(copy2)) >= 0 && !mkdtemp(tmpl)) {
        free(tmpl);
        tmpl = NULL;
    }
    free(copy1);
    free(copy2);
    return tmpl;
}

/* DIR/maps/presence.png, drawn from the database just written, so that it is the map
 * `narvaro render` would draw from the finished result. */
static nv_status write_map(const char *tmp, const nv_mapspec *spec, nv_error *err)
{
    char path[4096];
    nv_map_data *d = NULL;
    snprintf(path, sizeof path, "%s/maps", tmp);
    if (mkdir(path, 0777) != 0)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the maps folder: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/narvaro.sqlite", tmp);
    nv_status st = nv_render_load(path, &d, err);
    if (st == NV_OK) {
        snprintf(path, sizeof path, "%s/maps/%s.png", tmp, spec->name);
        st = nv_render_write(d, spec, NULL, path, NULL, err);
    }
    nv_render_data_destroy(d);
    return st;
}

static nv_status write_outputs(const char *tmp, const nv_coverage *cov, const nv_run_summary *s,
                               const nv_mapspec *spec, nv_error *err)
{
    char path[4096];
    size_t nm, no, nc;
    const nv_muni_result *m = nv_coverage_municipalities(cov, &nm);
    const nv_office_result *o = nv_coverage_offices(cov, &no);
    const nv_county_result *c = nv_coverage_counties(cov, &nc);
    nv_status st;
    snprintf(path, sizeof path, "%s/municipalities.csv", tmp);
    if ((st = nv_report_municipalities_csv(path, m, nm, &s->radii, err)) != NV_OK)
        return st;
    snprintf(path, sizeof path, "%s/counties.csv", tmp);
    if ((st = nv_report_counties_csv(path, c, nc, &s->radii, err)) != NV_OK)
        return st;
    snprintf(path, sizeof path, "%s/offices.csv", tmp);
    if ((st = nv_report_offices_csv(path, o, no, err)) != NV_OK)
        return st;
    snprintf(path, sizeof path, "%s/narvaro.sqlite", tmp);
    if ((st = nv_store_write(path, s->srid, m, nm, o, no, c, nc, s, err)) != NV_OK)
        return st;
    if (spec && (st = write_map(tmp, spec, err)) != NV_OK)
        return st;
    /* summary.json last: its presence marks a complete result. */
    snprintf(path, sizeof path, "%s/summary.json", tmp);
    return nv_report_summary_json(path, s, err);
}

nv_status nv_analyze_run(const nv_analyze_options *opts, nv_run_summary *totals,
                         nv_diags *diags, nv_error *err)
{
    nv_status st = NV_OK;
    nv_boundaries *b = NULL;
    nv_plan *plan = NULL;
    nv_coverage *cov = NULL;
    nv_areas *areas = NULL;
    nv_mapspec *spec = NULL;
    char *tmp = NULL;
    char default_boundaries[4096], default_plan[4096], default_population[4096];
    const char *data = nv_analyze_data_dir();
    const char *const *files = opts->office_files;
    size_t n_files = opts->n_office_files;
    const char *default_files[1];

    if (!opts->out_dir)
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "no output folder (give one with --out DIR)");
    nv_boundaries_options bo = opts->boundaries;
    if (!bo.source) {
        snprintf(default_boundaries, sizeof default_boundaries, "%s/shapefiles/kommuner.shp", data);
        bo.source = default_boundaries;
    }
    if (!files || n_files == 0) {
        snprintf(default_plan, sizeof default_plan, "%s/data/plans/af-2020-illustrative.csv", data);
        default_files[0] = default_plan;
        files = default_files;
        n_files = 1;
    }
    nv_offices_options oo = opts->offices;
    if (!oo.analysis_crs)
        oo.analysis_crs = bo.analysis_crs;

    /* Read every input before touching the output folder. Both inputs are read even
     * when the first fails, so the user sees all problems at once. The map spec is an
     * input too: a broken one fails the run before any work. */
    if (!opts->no_maps && (st = nv_mapspec_find_and_load(opts->maps_dir, "presence", &spec, err)) != NV_OK) {
        if (err) {
            size_t k = strlen(err->message);
            snprintf(err->message + k, sizeof err->message - k, "; or skip the map with --no-maps");
        }
        goto done;
    }
    st = nv_boundaries_load(&bo, &b, diags, err);
    if (st != NV_OK)
        goto done;
    plan = nv_plan_create();
    if (!plan) {
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        goto done;
    }
    nv_status plan_st = NV_OK;
    for (size_t i = 0; i < n_files; i++) {
        nv_error e = {0};
        nv_status s = nv_plan_read(plan, files[i], &oo, diags, &e);
        if (s != NV_OK && plan_st == NV_OK) {
            plan_st = s;
            *err = e;
        }
        if (s != NV_OK && s != NV_ERR_INPUT)
            break;
    }
    if ((st = plan_st) != NV_OK)
        goto done;
    nv_coverage_options co = {opts->snap_km};
    if ((st = nv_areas_create(b, &areas, err)) != NV_OK)
        goto done;
    nv_population_options po = opts->population;
    if (!po.analysis_crs)
        po.analysis_crs = bo.analysis_crs;
    snprintf(default_population, sizeof default_population, "%s/data/population/kommun_population_2016.csv", data);
    if (!po.source && (st = nv_areas_load_population(areas, default_population, diags, err)) != NV_OK)
        goto done;
    st = nv_coverage_compute(areas, plan, &co, &cov, diags, err);
    if (st != NV_OK)
        goto done;
    nv_population_spec ps = {po.source ? &po : NULL, opts->radii};
    if (ps.radii.n == 0)
        ps.radii = (nv_radii){3, {10, 25, 50}};
    st = nv_coverage_population(cov, &ps, diags, err);
    if (st != NV_OK)
        goto done;

    nv_run_summary s;
    nv_coverage_totals(cov, &s);
    s.version = NV_VERSION;
    s.gdal_version = nv_boundaries_gdal_version();
    s.proj_version = nv_boundaries_proj_version();
    s.sqlite_version = nv_store_sqlite_version();
    s.boundaries = bo.source;
    s.layer = nv_boundaries_layer_name(b);
    s.office_files = files;
    s.n_office_files = n_files;
    s.crs = bo.analysis_crs ? bo.analysis_crs : "EPSG:3006";
    s.srid = nv_boundaries_srid(b);
    s.snap_km = co.snap_km;
    s.geometries_repaired = nv_boundaries_repaired(b);

    tmp = make_temp_beside(opts->out_dir);
    if (!tmp) {
        st = nv_error_set(err, NV_ERR_FAIL, opts->out_dir, 0,
                          "cannot create a working folder beside it: %s (does its parent folder exist?)",
                          strerror(errno));
        goto done;
    }
    st = write_outputs(tmp, cov, &s, spec, err);
    if (st == NV_OK)
        st = nv_analyze_publish(tmp, opts->out_dir, err);
    if (st == NV_OK && totals) {
        *totals = s;
        totals->boundaries = totals->layer = totals->crs = NULL;
        totals->office_files = NULL;
        totals->max_nearest_kommunkod = NULL;
        totals->version = totals->gdal_version = totals->proj_version = totals->sqlite_version = NULL;
    }
done:
    if (tmp) {
        struct stat sb;
        if (stat(tmp, &sb) == 0)
            nv_analyze_remove_tree(tmp);
        free(tmp);
    }
    nv_coverage_destroy(cov);
    nv_mapspec_destroy(spec);
    nv_areas_destroy(areas);
    nv_plan_destroy(plan);
    nv_boundaries_destroy(b);
    return st;
}
