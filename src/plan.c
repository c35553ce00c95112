#include "plan.h"

#include "attributes.h"
#include "compare.h"
#include "manifest.h"
#include "mapspec.h"
#include "pgstore.h"
#include "render.h"
#include "report.h"
#include "report_html.h"
#include "sheets.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef NV_DEFAULT_DATA
#define NV_DEFAULT_DATA "../shared"
#endif

const char *nv_plan_data_dir(void)
{
    const char *env = getenv("NARVARO_DATA");
    return env && *env ? env : NV_DEFAULT_DATA;
}

/* ---------------------------------------------------------------- the session */

/* The demand points can be a file of hundreds of megabytes: its SHA-256 is computed on
 * a thread of its own while the boundaries load. */
typedef struct hash_job {
    const char *path;
    const char *name;   /* as the user gave it (path may be a spooled copy) */
    int started;
    pthread_t tid;
    nv_status st;
    nv_error err;
    char sum[65];
    long long bytes;
} hash_job;

static void hash_one(hash_job *j)
{
    j->st = nv_sha256_file(j->path, j->sum, &j->bytes, &j->err);
}

static void *hash_main(void *arg)
{
    hash_one(arg);
    return NULL;
}

struct nv_session {
    nv_session_options o;
    char boundaries_path[4096], plan_path[4096], population_path[4096], places_path[4096];
    nv_tiers *tiers;
    nv_attributes *attrs;      /* the joined tables, or NULL */
    nv_boundaries *b;
    nv_areas *areas;
    nv_manifest *manifest;     /* the shared inputs, options and versions */
    nv_mapspec *map;           /* the presence map drawn with every result, or NULL */
    nv_mapspec *style_specs[3]; /* presence, distance, difference: the maps whose classes the
                                * QGIS styles take; NULL with tables only */
    hash_job population_hash;
    int population_fd;         /* the spooled copy of a piped population (nv_population_spool), or -1 */
    char population_spool[64]; /* its /proc/self/fd path */
    pthread_mutex_t write_lock; /* SpatiaLite's and the renderer's set-up are not thread-safe */
};

static void add_option(nv_manifest *m, const char *key, const char *value)
{
    if (value)
        nv_manifest_add_value(m, key, value);
}

/* Hashes a file input; a source that is no file (a database connection) is recorded by
 * its name. */
static nv_status add_input(nv_manifest *m, const char *role, const char *path, nv_error *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        return nv_manifest_add_file(m, role, path, err);
    nv_manifest_add_value(m, role, path);
    return NV_OK;
}

static nv_status build_manifest(nv_session *s, nv_error *err)
{
    const nv_session_options *o = &s->o;
    nv_manifest *m = s->manifest = nv_manifest_create();
    char buf[256];
    if (!m)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    nv_manifest_add_value(m, "narvaro", NV_VERSION);
    nv_manifest_add_value(m, "gdal", nv_boundaries_gdal_version());
    nv_manifest_add_value(m, "proj", nv_boundaries_proj_version());
    nv_manifest_add_value(m, "sqlite", nv_store_sqlite_version());
    nv_manifest_add_value(m, "spatialite", nv_store_spatialite_version());
    add_option(m, "crs", o->boundaries.analysis_crs ? o->boundaries.analysis_crs : "EPSG:3006");
    snprintf(buf, sizeof buf, "%.17g", o->snap_km);
    add_option(m, "snap_km", buf);
    buf[0] = 0;
    for (size_t r = 0; r < o->radii.n; r++) {
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s%.17g", r ? "," : "", o->radii.km[r]);
    }
    add_option(m, "radius_km", buf);
    add_option(m, "layer", o->boundaries.layer);
    add_option(m, "id_field", o->boundaries.id_field);
    add_option(m, "name_field", o->boundaries.name_field);
    add_option(m, "county_field", o->boundaries.county_field);
    add_option(m, "boundaries_crs", o->boundaries.source_crs);
    add_option(m, "boundaries_encoding", o->boundaries.encoding);
    add_option(m, "offices_crs", o->offices.xy_crs);
    if (o->offices.delimiter) {
        snprintf(buf, sizeof buf, "%c", o->offices.delimiter);
        add_option(m, "delimiter", buf);
    }
    add_option(m, "encoding", o->offices.encoding);
    add_option(m, "lat", o->offices.lat_column);
    add_option(m, "lon", o->offices.lon_column);
    add_option(m, "id_column", o->offices.id_column);
    add_option(m, "sheet", o->offices.sheet);
    add_option(m, "population_crs", o->population.crs);
    add_option(m, "population_layer", o->population.layer);
    add_option(m, "population_column", o->population.population_column);
    add_option(m, "presence_order", o->presence_order);
    add_option(m, "office_types", o->office_types);
    add_option(m, "places_name_field", o->places.name_field);
    /* The report is an output too: a result without one (or in another language) is
     * not current for a batch that wants one. */
    snprintf(buf, sizeof buf, "tables%s%s%s%s", o->tables_only || o->no_xlsx ? "" : ",xlsx",
             o->tables_only ? "" : ",database", !o->tables_only && !o->no_maps ? ",map" : "",
             !o->tables_only && !o->no_report ? (o->lang == NV_LANG_EN ? ",report-en" : ",report") : "");
    add_option(m, "outputs", buf);
    if (o->db_format == NV_DB_GPKG)
        add_option(m, "db_format", "gpkg");
    const char *const *files = nv_boundaries_files(s->b);
    nv_status st = NV_OK;
    if (!files[0])
        st = add_input(m, "boundaries", s->boundaries_path, err);
    for (size_t i = 0; files[i] && st == NV_OK; i++)
        st = add_input(m, "boundaries", files[i], err);
    hash_job *j = &s->population_hash;
    if (st == NV_OK && j->started) {
        pthread_join(j->tid, NULL);
        j->started = 0;
        if ((st = j->st) != NV_OK) {
            if (err)
                *err = j->err;
        } else if (nv_manifest_add_hashed(m, "population", j->name, j->sum, j->bytes) != NV_OK) {
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        }
    } else if (st == NV_OK) {
        st = add_input(m, "population", o->population.source ? o->population.source : s->population_path, err);
    }
    if (st == NV_OK && o->places.source)
        st = add_input(m, "places", o->places.source, err);
    for (size_t i = 0; st == NV_OK && i < o->n_attribute_files; i++)
        st = add_input(m, "attributes", o->attribute_files[i], err);
    return st;
}

nv_status nv_session_open(const nv_session_options *o, nv_session **out, nv_diags *diags, nv_error *err)
{
    nv_session *s = calloc(1, sizeof *s);
    nv_status st;
    *out = NULL;
    if (!s)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    s->o = *o;
    s->population_fd = -1;
    pthread_mutex_init(&s->write_lock, NULL);
    const char *data = nv_plan_data_dir();
    snprintf(s->boundaries_path, sizeof s->boundaries_path, "%s/shapefiles/kommuner.shp", data);
    snprintf(s->plan_path, sizeof s->plan_path, "%s/data/plans/af-2020-illustrative.csv", data);
    snprintf(s->population_path, sizeof s->population_path, "%s/data/population/kommun_population_2016.csv",
             data);
    snprintf(s->places_path, sizeof s->places_path, "%s/data/places/localities.csv", data);
    if ((st = nv_tiers_create(o->presence_order, o->office_types, &s->tiers, err)) != NV_OK)
        goto fail;
    if (!s->o.boundaries.source)
        s->o.boundaries.source = s->boundaries_path;
    if (s->o.radii.n == 0)
        s->o.radii = (nv_radii){3, {10, 25, 50}};
    if (!s->o.offices.analysis_crs)
        s->o.offices.analysis_crs = s->o.boundaries.analysis_crs;
    if (!s->o.population.analysis_crs)
        s->o.population.analysis_crs = s->o.boundaries.analysis_crs;
    /* The map spec is an input too: a broken one fails the run before any work. */
    if (!s->o.tables_only && !s->o.no_maps &&
        (st = nv_mapspec_find_and_load(s->o.maps_dir, "presence", &s->map, err)) != NV_OK) {
        if (err) {
            size_t k = strlen(err->message);
            snprintf(err->message + k, sizeof err->message - k, " (or skip the map with --no-maps)");
        }
        goto fail;
    }
    static const char *const style_maps[3] = {"presence", "distance", "difference"};
    for (int i = 0; i < 3 && (!s->o.tables_only || s->o.postgis); i++)
        if ((st = nv_mapspec_find_and_load(s->o.maps_dir, style_maps[i], &s->style_specs[i], err)) != NV_OK) {
            if (err) {
                size_t k = strlen(err->message);
                snprintf(err->message + k, sizeof err->message - k, " (the QGIS styles of the database use it)");
            }
            goto fail;
        }
    struct stat sb;
    /* A piped population (or stdin, or lone-CR lines) is read once, into a file that every
     * plan of the session and the manifest's hash read again. */
    if (s->o.population.source) {
        if ((st = nv_population_spool(s->o.population.source, &s->population_fd, err)) != NV_OK)
            goto fail;
        if (s->population_fd >= 0) {
            snprintf(s->population_spool, sizeof s->population_spool, "/proc/self/fd/%d", s->population_fd);
            s->o.population.name = strcmp(o->population.source, "-") == 0 ? "standard input" : o->population.source;
            s->o.population.source = s->population_spool;
            s->o.population.csv = 1;
        }
    }
    if (s->o.population.source && stat(s->o.population.source, &sb) == 0 && S_ISREG(sb.st_mode)) {
        s->population_hash.path = s->o.population.source;
        s->population_hash.name = s->o.population.name ? s->o.population.name : s->o.population.source;
        s->population_hash.started = pthread_create(&s->population_hash.tid, NULL, hash_main,
                                                    &s->population_hash) == 0;
    }
    nv_activity_set("loading the boundaries");
    if ((st = nv_boundaries_load(&s->o.boundaries, &s->b, diags, err)) != NV_OK)
        goto fail;
    if ((st = nv_areas_create(s->b, &s->areas, err)) != NV_OK)
        goto fail;
    if (!s->o.population.source &&
        (st = nv_areas_load_population(s->areas, s->population_path, diags, err)) != NV_OK)
        goto fail;
    /* The gazetteer: the default only when the data folder has it, an explicit one always. */
    if (!s->o.places.source && access(s->places_path, R_OK) == 0)
        s->o.places.source = s->places_path;
    if (!s->o.places.analysis_crs)
        s->o.places.analysis_crs = s->o.boundaries.analysis_crs;
    if (s->o.places.source && (st = nv_areas_load_places(s->areas, &s->o.places, diags, err)) != NV_OK)
        goto fail;
    if (o->places.source && nv_places_count(nv_areas_places(s->areas)) == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, o->places.source, 0,
                          "the gazetteer has no usable entry (a name and coordinates inside a municipality of "
                          "the boundaries); check --places, or name its name column with --places-name-field");
        goto fail;
    }
    if (s->o.n_attribute_files) {
        char **reserved[2] = {nv_report_column_names(0, &s->o.radii), nv_report_column_names(1, &s->o.radii)};
        const char *const *const res[2] = {(const char *const *)reserved[0], (const char *const *)reserved[1]};
        if (!(s->attrs = nv_attributes_create()) || !reserved[0] || !reserved[1])
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        else
            st = NV_OK;
        for (size_t i = 0; i < s->o.n_attribute_files && st == NV_OK; i++)
            st = nv_attributes_load(s->attrs, s->o.attribute_files[i], s->b, res, err);
        free(reserved[0]);
        free(reserved[1]);
        if (st != NV_OK)
            goto fail;
    }
    if ((st = build_manifest(s, err)) != NV_OK)
        goto fail;
    *out = s;
    return NV_OK;
fail:
    nv_session_close(s);
    return st;
}

void nv_session_close(nv_session *s)
{
    if (!s)
        return;
    if (s->population_hash.started)
        pthread_join(s->population_hash.tid, NULL);
    if (s->population_fd >= 0)
        close(s->population_fd);
    nv_manifest_destroy(s->manifest);
    nv_mapspec_destroy(s->map);
    nv_tiers_destroy(s->tiers);
    nv_attributes_destroy(s->attrs);
    for (int i = 0; i < 3; i++)
        nv_mapspec_destroy(s->style_specs[i]);
    nv_areas_destroy(s->areas);
    nv_boundaries_destroy(s->b);
    pthread_mutex_destroy(&s->write_lock);
    free(s);
}

const nv_session_options *nv_session_options_of(const nv_session *s)
{
    return &s->o;
}

const nv_areas *nv_session_areas(const nv_session *s)
{
    return s->areas;
}

nv_manifest *nv_session_manifest_copy(const nv_session *s)
{
    return nv_manifest_copy(s->manifest);
}

const char *nv_session_default_plan(const nv_session *s)
{
    return s->plan_path;
}

void nv_session_radii(const nv_session *s, nv_radii *out)
{
    *out = s->o.radii;
}

/* ---------------------------------------------------------------- evaluations */

struct nv_evaluation {
    nv_plan *plan;
    nv_coverage *cov;
    nv_run_summary s;
    nv_manifest *manifest;
    char *manifest_json;
    char digest[65];
    char **files;              /* the plan files as the results name them (labels) */
    char **paths;              /* and as they were read */
    size_t n_files;
};

void nv_evaluation_destroy(nv_evaluation *e)
{
    if (!e)
        return;
    nv_coverage_destroy(e->cov);
    nv_plan_destroy(e->plan);
    nv_manifest_destroy(e->manifest);
    free(e->manifest_json);
    for (size_t i = 0; i < e->n_files; i++) {
        free(e->files[i]);
        free(e->paths[i]);
    }
    free(e->files);
    free(e->paths);
    free(e);
}

const nv_run_summary *nv_evaluation_summary(const nv_evaluation *e)
{
    return &e->s;
}

const nv_coverage *nv_evaluation_coverage(const nv_evaluation *e)
{
    return e->cov;
}

/* The plan's files hashed (SHA-256, for the manifest) on a thread of their own while the
 * rows are placed: for a plan of millions of rows that is a tenth of a second of one core
 * while the other would be idle. The same files, read the same way, as plan_manifest
 * would hash them itself. */
typedef struct plan_hash {
    hash_job *files; /* one a file, hashed in order on one thread */
    size_t n;
    pthread_t tid;
    int started;
} plan_hash;

static void *plan_hash_main(void *arg)
{
    plan_hash *h = arg;
    for (size_t i = 0; i < h->n && (i == 0 || h->files[i - 1].st == NV_OK); i++)
        hash_one(&h->files[i]);
    return NULL;
}

/* Starts hashing files[0..n); 0 when no thread could start (plan_manifest then hashes
 * them itself). */
static int plan_hash_start(plan_hash *h, const char *const *files, size_t n)
{
    *h = (plan_hash){.files = calloc(n ? n : 1, sizeof *h->files), .n = n};
    for (size_t i = 0; h->files && i < n; i++)
        h->files[i] = (hash_job){.path = files[i], .st = NV_ERR_FAIL};
    h->started = h->files && pthread_create(&h->tid, NULL, plan_hash_main, h) == 0;
    return h->started;
}

/* Waits for the thread, if any; afterwards h is done with or NULL (hash in plan_manifest). */
static plan_hash *plan_hash_finish(plan_hash *h)
{
    if (h->started) {
        pthread_join(h->tid, NULL);
        h->started = 0;
        return h;
    }
    return NULL;
}

static void plan_hash_free(plan_hash *h)
{
    plan_hash_finish(h);
    free(h->files);
    h->files = NULL;
}

/* The session's manifest with the plan's files added, hashed here or taken from h (NULL:
 * none), as `labels` (NULL: their paths) name them. */
static nv_status plan_manifest(nv_session *s, const char *const *files, const char *const *labels, size_t n,
                               const plan_hash *h, nv_manifest **out, nv_error *err)
{
    nv_manifest *m = nv_manifest_copy(s->manifest);
    nv_status st = m ? NV_OK : nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    for (size_t i = 0; i < n && st == NV_OK; i++) {
        hash_job j = {.path = files[i]};
        if (h)
            j = h->files[i];
        else
            hash_one(&j);
        if ((st = j.st) != NV_OK) {
            if (err)
                *err = j.err;
            break;
        }
        if (nv_manifest_add_hashed(m, "plan", labels ? labels[i] : files[i], j.sum, j.bytes) != NV_OK)
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    if (st != NV_OK) {
        nv_manifest_destroy(m);
        m = NULL;
    }
    *out = m;
    return st;
}

nv_status nv_session_digest(nv_session *s, const char *const *files, size_t n_files, char out[65], nv_error *err)
{
    nv_manifest *m = NULL;
    const char *const defaults[] = {s->plan_path};
    if (!files || n_files == 0)
        files = defaults, n_files = 1;
    nv_status st = plan_manifest(s, files, NULL, n_files, NULL, &m, err);
    if (st == NV_OK)
        snprintf(out, 65, "%s", nv_manifest_digest(m));
    nv_manifest_destroy(m);
    return st;
}

nv_status nv_session_evaluate(nv_session *s, const char *const *files, size_t n_files, nv_offices_cache *cache,
                              nv_evaluation **out, nv_diags *diags, nv_error *err)
{
    return nv_session_evaluate_as(s, files, NULL, n_files, cache, out, diags, err);
}

nv_status nv_session_evaluate_as(nv_session *s, const char *const *files, const char *const *labels, size_t n_files,
                                 nv_offices_cache *cache, nv_evaluation **out, nv_diags *diags, nv_error *err)
{
    nv_status st = NV_OK;
    const char *const defaults[] = {s->plan_path};
    nv_evaluation *e = calloc(1, sizeof *e);
    plan_hash hash = {0};
    *out = NULL;
    if (!files || n_files == 0)
        files = defaults, n_files = 1, labels = NULL;
    if (!e || !(e->plan = nv_plan_create()) || !(e->files = calloc(n_files, sizeof *e->files)) ||
        !(e->paths = calloc(n_files, sizeof *e->paths))) {
        nv_evaluation_destroy(e);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    for (size_t i = 0; i < n_files; i++) {
        e->paths[e->n_files] = strdup(files[i]);
        if (!(e->files[e->n_files++] = strdup(labels ? labels[i] : files[i])) || !e->paths[e->n_files - 1]) {
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            goto done;
        }
    }
    nv_activity_set("reading the plan");
    /* Every file is read even when one fails, so the user sees all problems at once. */
    nv_offices_options oo = s->o.offices;
    oo.cache = cache;
    /* The HTML report draws at most 20,000 symbols and lists at most 10 names a
     * municipality (report_html.c), whatever the plan's size; what it holds a row while it
     * writes (the database's offices read back, 32 B, and an index by municipality, 8 B)
     * stays under the analysis's own peak: 894 MB at 2,000,000 rows with the report and
     * without (bench/bigplan.sh). 64 B a row more keeps a margin for it. */
    if (!oo.bytes_per_row && !s->o.tables_only && !s->o.no_report)
        oo.bytes_per_row = NV_PLAN_BYTES_PER_ROW + 64;
    for (size_t i = 0; i < n_files; i++) {
        nv_error e1 = {0};
        oo.source_label = labels ? labels[i] : NULL;
        nv_status s1 = nv_plan_read(e->plan, files[i], &oo, diags, &e1);
        if (s1 != NV_OK && st == NV_OK) {
            st = s1;
            if (err)
                *err = e1;
        }
        if (s1 != NV_OK && s1 != NV_ERR_INPUT)
            break;
    }
    if (st != NV_OK)
        goto done;
    nv_activity_set("placing the offices");
    plan_hash_start(&hash, files, n_files);
    nv_coverage_options co = {s->o.snap_km, s->tiers};
    /* The results borrow the rows' strings, not the rows: they go while the results are made. */
    if ((st = nv_coverage_compute_drop_rows(s->areas, e->plan, &co, &e->cov, diags, err)) != NV_OK)
        goto done;
    nv_population_spec ps = {s->o.population.source ? &s->o.population : NULL, s->o.radii};
    nv_activity_set("measuring the population");
    if ((st = nv_coverage_population(e->cov, &ps, diags, err)) != NV_OK)
        goto done;
    nv_coverage_drop_tree(e->cov); /* its last use: the writers do not need it */
    if ((st = plan_manifest(s, files, labels, n_files, plan_hash_finish(&hash), &e->manifest, err)) != NV_OK)
        goto done;
    snprintf(e->digest, sizeof e->digest, "%s", nv_manifest_digest(e->manifest));
    if (!(e->manifest_json = nv_manifest_json(e->manifest, 2))) {
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        goto done;
    }
    nv_run_summary *sum = &e->s;
    nv_coverage_totals(e->cov, sum);
    sum->version = NV_VERSION;
    sum->gdal_version = nv_boundaries_gdal_version();
    sum->proj_version = nv_boundaries_proj_version();
    sum->sqlite_version = nv_store_sqlite_version();
    sum->boundaries = s->o.boundaries.source;
    sum->layer = nv_boundaries_layer_name(s->b);
    sum->office_files = (const char *const *)e->files;
    sum->n_office_files = e->n_files;
    sum->attribute_files = s->o.attribute_files;
    sum->n_attribute_files = s->o.n_attribute_files;
    sum->places = s->o.places.source;
    sum->crs = s->o.boundaries.analysis_crs ? s->o.boundaries.analysis_crs : "EPSG:3006";
    sum->srid = nv_boundaries_srid(s->b);
    sum->snap_km = s->o.snap_km;
    sum->geometries_repaired = nv_boundaries_repaired(s->b);
    sum->manifest_json = e->manifest_json;
    sum->manifest_digest = e->digest;
done:
    plan_hash_free(&hash);
    if (st != NV_OK) {
        nv_evaluation_destroy(e);
        return st;
    }
    *out = e;
    return NV_OK;
}

/* ---------------------------------------------------------------- PostGIS */

nv_status nv_evaluation_store_pg(nv_session *s, const nv_evaluation *e, nv_pg_outcome *out, nv_error *err)
{
    out->run_id = 0;
    out->already = 0;
    if (!s->o.postgis)
        return NV_OK;
    /* The plan's name: its file names without their folders, which differ between the
     * planners' machines. */
    size_t len = 1;
    for (size_t i = 0; i < e->n_files; i++)
        len += strlen(e->files[i]) + 3;
    char *plan = malloc(len);
    if (!plan)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    plan[0] = '\0';
    for (size_t i = 0; i < e->n_files; i++) {
        const char *slash = strrchr(e->files[i], '/');
        strcat(plan, i ? " + " : "");
        strcat(plan, slash ? slash + 1 : e->files[i]);
    }
    nv_pg_run run = {.plan = plan, .s = &e->s, .attrs = s->attrs};
    run.m = nv_coverage_municipalities(e->cov, &run.n_m);
    run.o = nv_coverage_offices(e->cov, &run.n_o);
    run.c = nv_coverage_counties(e->cov, &run.n_c);
    nv_styles *styles = NULL;
    nv_status st = nv_styles_for_run(s->style_specs[0], s->style_specs[1], &e->s, run.m, run.n_m, &styles, err);
    if (st == NV_OK) {
        run.styles = nv_styles_list(styles, &run.n_styles);
        st = nv_pgstore_write(s->o.postgis, &run, &out->run_id, &out->already, err);
    }
    nv_styles_destroy(styles);
    free(plan);
    return st;
}

int nv_session_has_pg(const nv_session *s)
{
    return s->o.postgis != NULL;
}

nv_status nv_session_find_pg(nv_session *s, const char *digest, long *run_id, nv_error *err)
{
    *run_id = 0;
    return s->o.postgis ? nv_pgstore_find(s->o.postgis, digest, run_id, err) : NV_OK;
}

/* ---------------------------------------------------------------- writing */

#define NV_MAP_MEMORY ((size_t)128 << 20)

/* DIR/maps/presence.png, drawn from the database just written, so that it is the map
 * `narvaro render` would draw from the finished result. */
static nv_status write_map(const char *dir, const char *db, const nv_mapspec *spec, nv_error *err)
{
    char path[4096];
    nv_map_data *d = NULL;
    nv_activity_set("drawing the map");
    /* fontconfig, pango and GLib end the process (a trap or a crash) when an allocation
     * fails: the map is not begun without room for it. */
    if (nv_memory_short(NV_MAP_MEMORY))
        return nv_error_set(err, NV_ERR_FAIL, dir, 0, "out of memory while drawing the map (it needs about %d MB; "
                            "or skip it with --no-maps)", (int)(NV_MAP_MEMORY >> 20));
    snprintf(path, sizeof path, "%s/maps", dir);
    if (mkdir(path, 0777) != 0)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the maps folder: %s", strerror(errno));
    nv_status st = nv_render_load(db, &d, err);
    if (st == NV_OK) {
        snprintf(path, sizeof path, "%s/maps/%s.png", dir, spec->name);
        st = nv_render_write(d, spec, NULL, path, NULL, err);
    }
    nv_render_data_destroy(d);
    return st;
}

/* A GeoPackage result is copied from the SpatiaLite database just written (and the maps
 * drawn from it), which then goes: the folder holds one database. */
static nv_status finish_db(const nv_session *s, const char *dir, const char *name, nv_error *err)
{
    char sqlite_path[4096], gpkg_path[4096];
    if (s->o.db_format != NV_DB_GPKG)
        return NV_OK;
    snprintf(sqlite_path, sizeof sqlite_path, "%s/%s.sqlite", dir, name);
    snprintf(gpkg_path, sizeof gpkg_path, "%s/%s.gpkg", dir, name);
    nv_status st = nv_store_copy_to_gpkg(sqlite_path, gpkg_path, err);
    if (st == NV_OK && unlink(sqlite_path) != 0)
        st = nv_error_set(err, NV_ERR_FAIL, sqlite_path, 0, "cannot remove after copying it into %s: %s",
                          gpkg_path, strerror(errno));
    return st;
}

/* DIR/results.xlsx: one sheet per CSV of DIR, made from the CSV just written. */
static const char *const analyze_sheets[] = {"municipalities", "counties", "offices"};
static const char *const compare_sheets[] = {"changes", "ranking"};

static nv_status write_xlsx(const char *dir, const char *file, const char *const *names, size_t n, nv_error *err)
{
    char xlsx[4096], csv[8][4096];
    nv_sheet_source src[8];
    for (size_t i = 0; i < n && i < 8; i++) {
        snprintf(csv[i], sizeof csv[i], "%s/%s.csv", dir, names[i]);
        src[i] = (nv_sheet_source){names[i], csv[i]};
    }
    snprintf(xlsx, sizeof xlsx, "%s/%s", dir, file);
    return nv_sheets_write_xlsx(xlsx, src, n < 8 ? n : 8, err);
}

nv_status nv_session_write_xlsx(const nv_session *s, const char *dir, const char *file, const char *const *csv_names,
                                size_t n, nv_error *err)
{
    if (s->o.tables_only || s->o.no_xlsx)
        return NV_OK;
    return write_xlsx(dir, file, csv_names, n, err);
}

/* offices.csv of a large plan is written by a thread of its own while narvaro.sqlite is:
 * the two read the same results and write different files, and each takes seconds for
 * millions of rows. Below this many rows one thread does both, one after the other. */
#define NV_OFFICES_CSV_THREAD_ROWS 100000
/* Its thread's nice value. On two cores, at the priority of the others, it took the core
 * the R*Tree's packing needed while the rows went in; behind them it runs in the
 * database's later steps, when that core is idle: 2 M rows in 0.93-0.94 of the time
 * (bench/README.md). */
#define NV_OFFICES_CSV_NICE 10

struct offices_csv_job {
    char path[4096];
    const nv_office_result *o;
    size_t n;
    nv_error err;
    nv_status st;
};

static void *offices_csv_main(void *arg)
{
    struct offices_csv_job *j = arg;
    /* Behind the database's threads (store.c: the R*Tree's packing, the page writer),
     * which the main thread's rows wait for: this file is needed only at the end. Nice,
     * not idle: on a busy machine it still gets its share. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), NV_OFFICES_CSV_NICE);
    j->st = nv_report_offices_csv(j->path, j->o, j->n, &j->err);
    return NULL;
}

nv_status nv_evaluation_write(nv_session *s, const nv_evaluation *e, const char *dir, nv_error *err)
{
    char path[4096];
    size_t nm, no, nc;
    const nv_muni_result *m = nv_coverage_municipalities(e->cov, &nm);
    const nv_office_result *o = nv_coverage_offices(e->cov, &no);
    const nv_county_result *c = nv_coverage_counties(e->cov, &nc);
    const nv_run_summary *sum = &e->s;
    nv_status st;
    nv_activity_set("writing the results");
    snprintf(path, sizeof path, "%s/municipalities.csv", dir);
    if ((st = nv_report_municipalities_csv_attributes(path, m, nm, &sum->radii, s->attrs, err)) != NV_OK)
        return st;
    snprintf(path, sizeof path, "%s/counties.csv", dir);
    if ((st = nv_report_counties_csv_attributes(path, c, nc, &sum->radii, s->attrs, err)) != NV_OK)
        return st;
    struct offices_csv_job job = {.o = o, .n = no, .st = NV_OK};
    snprintf(job.path, sizeof job.path, "%s/offices.csv", dir);
    /* The results.xlsx is made from offices.csv: then the CSV must be finished first. */
    int xlsx = !s->o.tables_only && !s->o.no_xlsx;
    pthread_t csv_thread;
    int threaded = no >= NV_OFFICES_CSV_THREAD_ROWS && !xlsx && !s->o.tables_only &&
                   pthread_create(&csv_thread, NULL, offices_csv_main, &job) == 0;
    if (!threaded && (st = nv_report_offices_csv(job.path, o, no, err)) != NV_OK)
        return st;
    if ((st = nv_session_write_xlsx(s, dir, "results.xlsx", analyze_sheets, 3, err)) != NV_OK) {
        if (threaded) /* (not reached: no workbook when threaded) the job lives on this stack */
            pthread_join(csv_thread, NULL);
        return st;
    }
    if (!s->o.tables_only) {
        snprintf(path, sizeof path, "%s/narvaro.sqlite", dir);
        pthread_mutex_lock(&s->write_lock);
        nv_error store_err = {0};
        st = nv_store_write_attributes(path, sum->srid, m, nm, o, no, c, nc, sum, s->attrs, &store_err);
        if (threaded) {
            pthread_join(csv_thread, NULL);
            if (job.st != NV_OK) /* offices.csv's failure first, as when it came first */
                st = job.st, store_err = job.err;
        }
        if (st != NV_OK && err)
            *err = store_err;
        nv_styles *styles = NULL;
        size_t n_styles = 0;
        if (st == NV_OK && (st = nv_styles_for_run(s->style_specs[0], s->style_specs[1], sum, m, nm, &styles, err)) == NV_OK) {
            const nv_layer_style *list = nv_styles_list(styles, &n_styles);
            st = nv_store_add_styles(path, list, n_styles, err);
        }
        nv_styles_destroy(styles);
        if (st == NV_OK && s->map)
            st = write_map(dir, path, s->map, err);
        pthread_mutex_unlock(&s->write_lock);
        if (st != NV_OK)
            return st;
        if (!s->o.no_report) {
            nv_report_html_run run = {sum, m, nm, c, nc, o, no, s->attrs};
            nv_report_html_options ro = {(nv_lang)s->o.lang, s->o.maps_dir};
            char db[4096];
            snprintf(db, sizeof db, "%s/narvaro.sqlite", dir);
            snprintf(path, sizeof path, "%s/report.html", dir);
            if ((st = nv_report_html_analyze(path, db, &run, &ro, err)) != NV_OK)
                return st;
        }
        /* The GeoPackage copy last: the map and the report read the SpatiaLite file. */
        pthread_mutex_lock(&s->write_lock);
        st = finish_db(s, dir, "narvaro", err);
        pthread_mutex_unlock(&s->write_lock);
        if (st != NV_OK)
            return st;
    }
    /* summary.json last: its presence marks a complete result. */
    snprintf(path, sizeof path, "%s/summary.json", dir);
    return nv_report_summary_json(path, sum, err);
}

/* DIR/maps/difference.png and DIR/maps/side-by-side.png, drawn from the compare.sqlite
 * just written, so that they are the maps `narvaro render` would draw from it. */
static nv_status write_compare_maps(const char *dir, const char *db, const char *maps_dir, nv_error *err)
{
    static const char *const names[] = {"difference", "side-by-side"};
    char path[4096];
    nv_map_data *d = NULL;
    snprintf(path, sizeof path, "%s/maps", dir);
    if (mkdir(path, 0777) != 0)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the maps folder: %s", strerror(errno));
    nv_status st = nv_render_load(db, &d, err);
    for (size_t i = 0; i < sizeof names / sizeof names[0] && st == NV_OK; i++) {
        nv_mapspec *spec = NULL;
        if ((st = nv_mapspec_find_and_load(maps_dir, names[i], &spec, err)) != NV_OK) {
            if (err) {
                size_t k = strlen(err->message);
                snprintf(err->message + k, sizeof err->message - k, " (or skip the maps with --no-maps)");
            }
            break;
        }
        snprintf(path, sizeof path, "%s/maps/%s.png", dir, names[i]);
        st = nv_render_write(d, spec, NULL, path, NULL, err);
        nv_mapspec_destroy(spec);
    }
    nv_render_data_destroy(d);
    return st;
}

nv_status nv_compare_write(nv_session *s, const nv_evaluation *before, const nv_evaluation *after,
                           const char *dir, nv_compare_totals *totals, nv_change *changes, size_t *ranking,
                           size_t *n_ranked, nv_error *err)
{
    char path[4096];
    size_t nb, na;
    const nv_muni_result *mb = nv_coverage_municipalities(before->cov, &nb);
    const nv_muni_result *ma = nv_coverage_municipalities(after->cov, &na);
    const nv_radii *radii = &after->s.radii;
    nv_status st;
    if (nb != na)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "the two plans were measured on different boundaries");
    if ((st = nv_compare_municipalities(mb, ma, na, radii, changes, totals, err)) != NV_OK)
        return st;
    nv_compare_tiers(changes, na, s->tiers, totals);
    *n_ranked = nv_compare_ranking(changes, na, radii, ranking);
    const char *sub[2] = {"before", "after"};
    const nv_evaluation *ev[2] = {before, after};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        if (mkdir(path, 0777) != 0)
            return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create: %s", strerror(errno));
        if ((st = nv_evaluation_write(s, ev[i], path, err)) != NV_OK)
            return st;
    }
    snprintf(path, sizeof path, "%s/changes.csv", dir);
    if ((st = nv_report_changes_csv(path, changes, na, radii, err)) != NV_OK)
        return st;
    snprintf(path, sizeof path, "%s/ranking.csv", dir);
    if ((st = nv_report_ranking_csv(path, changes, ranking, *n_ranked, radii, err)) != NV_OK)
        return st;
    if ((st = nv_session_write_xlsx(s, dir, "results.xlsx", compare_sheets, 2, err)) != NV_OK)
        return st;
    /* One manifest for the comparison: the shared inputs and both plans. */
    nv_manifest *m = nv_manifest_copy(s->manifest);
    char *json = NULL;
    st = m ? NV_OK : nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    for (int i = 0; i < 2 && st == NV_OK; i++)
        for (size_t k = 0; k < ev[i]->n_files && st == NV_OK; k++) {
            char sum[65];
            long long bytes = 0;
            if ((st = nv_sha256_file(ev[i]->paths[k], sum, &bytes, err)) == NV_OK &&
                nv_manifest_add_hashed(m, sub[i], ev[i]->files[k], sum, bytes) != NV_OK)
                st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        }
    if (st == NV_OK && !(json = nv_manifest_json(m, 2)))
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    /* compare.sqlite, and the difference and side-by-side maps drawn from it. */
    if (st == NV_OK && !s->o.tables_only) {
        nv_store_comparison sc = {.changes = changes, .n_changes = na, .totals = totals,
                                  .before = &before->s, .after = &after->s,
                                  .manifest_json = json, .manifest_digest = nv_manifest_digest(m)};
        sc.offices_before = nv_coverage_offices(before->cov, &sc.n_offices_before);
        sc.offices_after = nv_coverage_offices(after->cov, &sc.n_offices_after);
        sc.counties = nv_coverage_counties(after->cov, &sc.n_counties);
        snprintf(path, sizeof path, "%s/compare.sqlite", dir);
        pthread_mutex_lock(&s->write_lock);
        st = nv_store_write_changes(path, after->s.srid, &sc, err);
        nv_styles *styles = NULL;
        size_t n_styles = 0;
        if (st == NV_OK && (st = nv_styles_for_comparison(s->style_specs[2], &styles, err)) == NV_OK) {
            const nv_layer_style *list = nv_styles_list(styles, &n_styles);
            st = nv_store_add_styles(path, list, n_styles, err);
        }
        nv_styles_destroy(styles);
        if (st == NV_OK && !s->o.no_maps)
            st = write_compare_maps(dir, path, s->o.maps_dir, err);
        pthread_mutex_unlock(&s->write_lock);
        if (st == NV_OK && !s->o.no_report) {
            nv_report_html_run rb = {&before->s, mb, nb, NULL, 0, NULL, 0, NULL},
                               ra = {&after->s, ma, na, NULL, 0, NULL, 0, NULL};
            rb.c = nv_coverage_counties(before->cov, &rb.nc);
            rb.o = nv_coverage_offices(before->cov, &rb.no);
            ra.c = nv_coverage_counties(after->cov, &ra.nc);
            ra.o = nv_coverage_offices(after->cov, &ra.no);
            nv_report_html_options ro = {(nv_lang)s->o.lang, s->o.maps_dir};
            char db[4096];
            snprintf(db, sizeof db, "%s/compare.sqlite", dir);
            snprintf(path, sizeof path, "%s/report.html", dir);
            st = nv_report_html_compare(path, db, &rb, &ra, changes, ranking, *n_ranked, totals, &ro, err);
        }
        /* The GeoPackage copy last: the maps and the report read the SpatiaLite file. */
        if (st == NV_OK) {
            pthread_mutex_lock(&s->write_lock);
            st = finish_db(s, dir, "compare", err);
            pthread_mutex_unlock(&s->write_lock);
        }
    }
    if (st == NV_OK) {
        snprintf(path, sizeof path, "%s/summary.json", dir);
        st = nv_report_compare_json(path, totals, radii, &before->s, &after->s, json, err);
    }
    free(json);
    nv_manifest_destroy(m);
    return st;
}
