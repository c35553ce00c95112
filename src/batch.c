#include "batch.h"

#include "offices.h"
#include "report.h"
#include "report_html.h"
#include "rules.h"
#include "sheets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { ROW_DONE, ROW_SKIPPED, ROW_FAILED };
enum { PG_NONE, PG_WRITTEN, PG_ALREADY };

/* One plan's line in plans.csv. */
typedef struct row {
    char *file, *name;       /* path (a plan file or a folder), and the file name without .csv
                              * or the folder's name: the result folder */
    char **files;            /* the plan's CSV files: file itself, or a folder's *.csv in name order */
    size_t n_files;
    long violations;         /* batch --rule: failing rows summed over the rules; -1 unknown */
    int status;
    nv_status code;
    char error[1024];
    nv_diags *diags;         /* this plan's diagnostics, merged in plan order at the end */
    char digest[65];
    int pg;                  /* PG_*: what became of it in the session's PostGIS database */
    long offices, with_office, without_office, with_presence, without_presence;
    double population, within[NV_MAX_RADII], mean_km;
} row;

typedef struct batch {
    nv_session *s;
    const nv_batch_options *o;
    row *rows;
    size_t n;
    atomic_size_t next;
    size_t finished;
    nv_radii radii;
    pthread_mutex_t lock;
} batch;

/* A plan: a CSV file or a workbook (.xlsx, .xls, .ods). */
static int is_plan_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcasecmp(name + n - 4, ".csv") == 0) || nv_sheets_is_workbook(name);
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const row *)a)->name, ((const row *)b)->name);
}

static const char *file_kind(mode_t mode)
{
    return S_ISFIFO(mode) ? "a FIFO" : S_ISDIR(mode) ? "a folder" : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" : "not a regular file";
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A *.csv entry that is no regular file (a FIFO would block forever, a device never
 * end) is reported and skipped: 1 when path is a plan file. */
static int plan_file(const char *path, nv_diags *diags)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        nv_diags_add(diags, NV_WARNING, path, 0, "cannot read it (%s); skipped, not a plan", strerror(errno));
        return 0;
    }
    if (!S_ISREG(sb.st_mode)) {
        nv_diags_add(diags, NV_WARNING, path, 0, "is %s, not a regular file; skipped, not a plan",
                     file_kind(sb.st_mode));
        return 0;
    }
    return 1;
}

/* The *.csv files of a subfolder, in name order; 0 files when it is no plan (none, or a
 * narvaro result: it holds summary.json or a batch lock). -1 when out of memory. */
static int folder_plan(const char *dir, char ***files, size_t *n, nv_diags *diags)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t cap = 0;
    int is_result = 0;
    *files = NULL;
    *n = 0;
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, "summary.json") == 0 || strcmp(de->d_name, ".narvaro-batch.lock") == 0 ||
            strcmp(de->d_name, "plans.csv") == 0)
            is_result = 1;
        if (de->d_name[0] == '.' || !is_plan_name(de->d_name))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            char **g = realloc(*files, cap * sizeof *g);
            if (!g)
                goto oom;
            *files = g;
        }
        if (asprintf(&(*files)[*n], "%s/%s", dir, de->d_name) < 0)
            goto oom;
        if (!plan_file((*files)[*n], diags)) {
            free((*files)[*n]);
            continue;
        }
        (*n)++;
    }
    closedir(d);
    if (is_result) {
        for (size_t i = 0; i < *n; i++)
            free((*files)[i]);
        free(*files);
        *files = NULL;
        *n = 0;
    }
    if (*n > 1)
        qsort(*files, *n, sizeof **files, cmp_str);
    return 0;
oom:
    closedir(d);
    return -1;
}

/* The plans of the folder, in name order: each *.csv, and each subfolder of CSV files.
 * Only regular files (or links to them) are plans; the others are reported and skipped. */
static nv_status list_plans(batch *bt, nv_diags *diags, nv_error *err)
{
    DIR *d = opendir(bt->o->plans_dir);
    if (!d)
        return nv_error_set(err, NV_ERR_INPUT, bt->o->plans_dir, 0, "cannot open the plans folder: %s",
                            strerror(errno));
    struct dirent *de;
    size_t cap = 0;
    nv_status st = NV_OK;
    struct stat out_sb;
    int have_out = stat(bt->o->out_dir, &out_sb) == 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *path = NULL, **files = NULL;
        size_t n_files = 0;
        struct stat sb;
        if (asprintf(&path, "%s/%s", bt->o->plans_dir, de->d_name) < 0) {
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            break;
        }
        int is_dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
        /* The output folder may sit inside the plans folder: it is no plan. */
        if (is_dir && !(have_out && sb.st_dev == out_sb.st_dev && sb.st_ino == out_sb.st_ino) &&
            folder_plan(path, &files, &n_files, diags) < 0) {
            free(path);
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            break;
        }
        if (is_dir && n_files == 0 && is_plan_name(de->d_name))
            nv_diags_add(diags, NV_WARNING, path, 0, "is a folder without CSV files; skipped, not a plan");
        if (is_dir ? n_files == 0 : !is_plan_name(de->d_name) || !plan_file(path, diags)) {
            free(path);
            continue;
        }
        if (!is_dir) {
            files = malloc(sizeof *files);
            if (files)
                files[0] = strdup(path);
            if (!files || !files[0]) {
                free(files);
                free(path);
                st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
                break;
            }
            n_files = 1;
        }
        if (bt->n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            row *r = realloc(bt->rows, ncap * sizeof *r);
            if (!r) {
                for (size_t i = 0; i < n_files; i++)
                    free(files[i]);
                free(files);
                free(path);
                st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
                break;
            }
            bt->rows = r;
            cap = ncap;
        }
        row *r = &bt->rows[bt->n];
        memset(r, 0, sizeof *r);
        r->file = path;
        r->files = files;
        r->n_files = n_files;
        r->violations = -1;
        bt->n++;
        const char *dot = is_dir ? NULL : strrchr(de->d_name, '.');
        if (!(r->name = strndup(de->d_name, dot ? (size_t)(dot - de->d_name) : strlen(de->d_name)))) {
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            break;
        }
    }
    closedir(d);
    if (st == NV_OK && bt->n == 0)
        st = nv_error_set(err, NV_ERR_INPUT, bt->o->plans_dir, 0,
                          "holds no plan (*.csv, *.xlsx, *.xls, *.ods, or a subfolder of such files for a plan "
                          "of several files)");
    if (bt->n > 1)
        qsort(bt->rows, bt->n, sizeof *bt->rows, cmp_row);
    return st;
}

/* A number after "key": in one of our summary.json files (fixed layout); NAN if absent. */
static double json_number(const char *text, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(text, pat);
    if (!p)
        return NAN;
    p += strlen(pat);
    if (strncmp(p, "null", 4) == 0)
        return NAN;
    return strtod(p, NULL);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[8192];
    size_t got;
    while (mem && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, got, mem);
    fclose(f);
    if (mem)
        fclose(mem);
    return buf;
}

/* The figures for plans.csv, from a result's summary.json. 0 when it is not a complete
 * result with this digest. */
static int read_result(const batch *bt, row *r, const char *dir, const char *digest)
{
    char path[4200], pat[128];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = slurp(path);
    if (!text)
        return 0;
    snprintf(pat, sizeof pat, "\"digest\": \"%s\"", digest);
    int current = strstr(text, pat) != NULL;
    if (current) {
        r->offices = (long)json_number(text, "offices");
        r->with_office = (long)json_number(text, "municipalities_with_office");
        r->without_office = (long)json_number(text, "municipalities_without_office");
        r->with_presence = (long)json_number(text, "municipalities_with_presence");
        r->without_presence = (long)json_number(text, "municipalities_without_presence");
        const char *pop = strstr(text, "\"population\": {");
        if (pop)
            pop += strlen("\"population\": {"); /* the members, not the object's own key */
        r->population = pop ? json_number(pop, "population") : NAN;
        for (size_t k = 0; k < bt->radii.n; k++) {
            char key[64];
            snprintf(key, sizeof key, "within_%gkm", bt->radii.km[k]);
            r->within[k] = pop ? json_number(pop, key) : NAN;
        }
        r->mean_km = pop ? json_number(pop, "mean_distance_km") : NAN;
    }
    free(text);
    return current;
}

static void fill_row(const batch *bt, row *r, const nv_run_summary *s)
{
    r->offices = s->offices;
    r->with_office = s->with_office;
    r->without_office = s->without_office;
    r->with_presence = s->with_presence;
    r->without_presence = s->without_presence;
    r->population = s->pop.population;
    for (size_t k = 0; k < bt->radii.n; k++)
        r->within[k] = s->pop.within[k];
    r->mean_km = s->pop.mean_distance_km;
}

/* plans.csv's error: the plan's first problem with its file and line, as the user would
 * fix it (the error itself may only sum the problems up, "2 rows have problems"). */
static void first_error(row *r, const nv_error *err)
{
    size_t problems = nv_diags_count_severity(r->diags, NV_PROBLEM);
    for (size_t k = 0; k < nv_diags_count(r->diags); k++) {
        const nv_diag *g = nv_diags_get(r->diags, k);
        if (g->severity != NV_PROBLEM)
            continue;
        char more[64] = "";
        if (problems > 1)
            snprintf(more, sizeof more, " (and %zu more problem%s)", problems - 1, problems == 2 ? "" : "s");
        if (g->path && g->line > 0)
            snprintf(r->error, sizeof r->error, "%s:%ld: %s%s", g->path, g->line, g->message, more);
        else if (g->path)
            snprintf(r->error, sizeof r->error, "%s: %s%s", g->path, g->message, more);
        else
            snprintf(r->error, sizeof r->error, "%s%s", g->message, more);
        return;
    }
    nv_error_format(err, r->error, sizeof r->error);
}

static void run_one(batch *bt, row *r, nv_offices_cache *cache)
{
    char dir[4096];
    nv_error err = {0};
    snprintf(dir, sizeof dir, "%s/%s", bt->o->out_dir, r->name);
    const char *const *files = (const char *const *)r->files;
    nv_status st = nv_session_digest(bt->s, files, r->n_files, r->digest, &err);
    if (st == NV_OK && !bt->o->force && read_result(bt, r, dir, r->digest)) {
        /* Current on disk; with a PostGIS database it must be there too, else it runs
         * again to be written there. */
        long id = 0;
        if (nv_session_has_pg(bt->s) && (st = nv_session_find_pg(bt->s, r->digest, &id, &err)) == NV_OK && id)
            r->pg = PG_ALREADY;
        if (st == NV_OK && (!nv_session_has_pg(bt->s) || id)) {
            r->status = ROW_SKIPPED;
            return;
        }
    }
    nv_evaluation *e = NULL;
    char *tmp = NULL;
    if (st == NV_OK)
        st = nv_session_evaluate(bt->s, files, r->n_files, cache, &e, r->diags, &err);
    if (st == NV_OK && !(tmp = nv_outdir_temp_beside(dir)))
        st = nv_error_set(&err, NV_ERR_FAIL, dir, 0, "cannot create a working folder beside it: %s", strerror(errno));
    if (st == NV_OK && (st = nv_evaluation_write(bt->s, e, tmp, &err)) != NV_OK)
        nv_outdir_name_destination(&err, tmp, dir);
    if (st == NV_OK)
        st = nv_outdir_publish(tmp, dir, &err);
    nv_pg_outcome pg = {0, 0};
    if (st == NV_OK && (st = nv_evaluation_store_pg(bt->s, e, &pg, &err)) == NV_OK && pg.run_id)
        r->pg = pg.already ? PG_ALREADY : PG_WRITTEN;
    if (st == NV_OK) {
        fill_row(bt, r, nv_evaluation_summary(e));
        r->status = ROW_DONE;
    } else {
        r->status = ROW_FAILED;
        r->code = st;
        first_error(r, &err);
        if (tmp)
            nv_outdir_remove_tree(tmp);
    }
    free(tmp);
    nv_evaluation_destroy(e);
}

static void *worker(void *arg)
{
    batch *bt = arg;
    nv_offices_cache *cache = nv_offices_cache_create();
    for (;;) {
        size_t i = atomic_fetch_add(&bt->next, 1);
        if (i >= bt->n)
            break;
        run_one(bt, &bt->rows[i], cache);
        pthread_mutex_lock(&bt->lock);
        bt->finished++;
        if (bt->o->progress)
            bt->o->progress(bt->finished, bt->n, bt->o->user);
        pthread_mutex_unlock(&bt->lock);
    }
    nv_offices_cache_destroy(cache);
    return NULL;
}

#define LOCK_NAME ".narvaro-batch.lock"
#define PLANS_HEADER "plan,file,status,offices,"

/* May the batch write into out_dir? Only if it is absent, empty, or a batch result: every
 * batch leaves its lock file there, and nothing else does. An analyze result or a folder
 * of the user's is refused before anything in it is touched. */
static nv_status check_out_dir(const char *out_dir, nv_error *err)
{
    struct stat sb;
    if (stat(out_dir, &sb) != 0)
        return NV_OK; /* created below */
    if (!S_ISDIR(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, out_dir, 0, "exists and is not a folder (choose another --out)");
    DIR *d = opendir(out_dir);
    if (!d)
        return nv_error_set(err, NV_ERR_FAIL, out_dir, 0, "cannot open the output folder: %s", strerror(errno));
    int empty = 1, ours = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        empty = 0;
        if (strcmp(de->d_name, LOCK_NAME) == 0)
            ours = 1;
    }
    closedir(d);
    if (empty || ours)
        return NV_OK;
    return nv_error_set(err, NV_ERR_INPUT, out_dir, 0,
                        "exists and is not a narvaro batch result (it has no " LOCK_NAME "); refusing to "
                        "write into it (choose another --out, or an empty or new folder)");
}

/* Is the plans.csv in out_dir one that a batch wrote (or absent)? */
static int plans_csv_ours(const char *path)
{
    char head[sizeof PLANS_HEADER] = "";
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT;
    size_t got = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[got] = 0;
    return strcmp(head, PLANS_HEADER) == 0;
}

static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static void csv_people(FILE *f, double v)
{
    char buf[64];
    nv_report_format_people(v, buf, sizeof buf);
    fprintf(f, ",%s", buf);
}

static void csv_number(FILE *f, double v, int decimals)
{
    if (isfinite(v))
        fprintf(f, ",%.*f", decimals, v);
    else
        fputc(',', f);
}

/* plans.csv, written beside and renamed into place. */
static nv_status write_plans_csv(const batch *bt, nv_error *err)
{
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/plans.csv", bt->o->out_dir);
    snprintf(tmp, sizeof tmp, "%s/.plans.csv.tmp-%ld", bt->o->out_dir, (long)getpid());
    if (!plans_csv_ours(path))
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "was not written by narvaro batch; refusing to replace it (move it away, or "
                            "choose another --out)");
    FILE *f = fopen(tmp, "w");
    if (!f)
        return nv_error_set(err, NV_ERR_FAIL, tmp, 0, "cannot create: %s", strerror(errno));
    fputs(PLANS_HEADER "municipalities_with_office,municipalities_without_office,"
          "municipalities_with_presence,municipalities_without_presence,population", f);
    for (size_t k = 0; k < bt->radii.n; k++)
        fprintf(f, ",population_beyond_%gkm", bt->radii.km[k]);
    fputs(bt->o->n_rules ? ",mean_distance_km,violations,manifest_digest,error\n"
                         : ",mean_distance_km,manifest_digest,error\n", f);
    static const char *const status[] = {"done", "skipped", "failed"};
    for (size_t i = 0; i < bt->n; i++) {
        const row *r = &bt->rows[i];
        csv_field(f, r->name);
        fputc(',', f);
        csv_field(f, r->file);
        fprintf(f, ",%s", status[r->status]);
        if (r->status == ROW_FAILED) {
            for (size_t k = 0; k < 6 + bt->radii.n + 1 + (bt->o->n_rules > 0); k++)
                fputc(',', f);
        } else {
            fprintf(f, ",%ld,%ld,%ld,%ld,%ld", r->offices, r->with_office, r->without_office, r->with_presence,
                    r->without_presence);
            csv_people(f, r->population);
            for (size_t k = 0; k < bt->radii.n; k++)
                csv_people(f, r->population - r->within[k]);
            csv_number(f, r->mean_km, 3);
            if (bt->o->n_rules)
                csv_number(f, r->violations >= 0 ? (double)r->violations : NAN, 0);
        }
        fputc(',', f);
        csv_field(f, r->digest);
        fputc(',', f);
        csv_field(f, r->status == ROW_FAILED ? r->error : "");
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        unlink(tmp);
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write: %s", strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot move into place: %s", strerror(errno));
    }
    return NV_OK;
}

/* OUT/report.html: a row per plan, linking to each plan's own report. Written beside
 * and moved into place, as plans.csv is. */
static nv_status write_report(const batch *bt, const nv_session_options *so, nv_error *err)
{
    static const char *const status[] = {"done", "skipped", "failed"};
    char path[4096], tmp[4096], own[4096];
    nv_report_html_plan *p = calloc(bt->n ? bt->n : 1, sizeof *p);
    if (!p)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    for (size_t i = 0; i < bt->n; i++) {
        const row *r = &bt->rows[i];
        p[i].plan = r->name;
        p[i].file = r->file;
        p[i].status = status[r->status];
        p[i].error = r->status == ROW_FAILED ? r->error : NULL;
        snprintf(own, sizeof own, "%s/%s/report.html", bt->o->out_dir, r->name);
        p[i].has_report = r->status != ROW_FAILED && access(own, F_OK) == 0;
        p[i].offices = (int)r->offices;
        p[i].with_office = (int)r->with_office;
        p[i].without_office = (int)r->without_office;
        p[i].population = r->population;
        p[i].mean_distance_km = r->mean_km;
        for (size_t k = 0; k < bt->radii.n; k++)
            p[i].beyond[k] = r->population - r->within[k];
        p[i].violations = r->violations;
    }
    snprintf(path, sizeof path, "%s/report.html", bt->o->out_dir);
    snprintf(tmp, sizeof tmp, "%s/.report.html.tmp-%ld", bt->o->out_dir, (long)getpid());
    nv_report_html_options ro = {(nv_lang)so->lang, so->maps_dir};
    nv_status st = nv_report_html_batch(tmp, p, bt->n, &bt->radii, bt->o->rules, bt->o->n_rules, &ro, err);
    free(p);
    if (st == NV_OK && rename(tmp, path) != 0) {
        unlink(tmp);
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot move into place: %s", strerror(errno));
    }
    return st;
}

/* results.xlsx with plans.csv as its sheet, written beside and renamed into place. */
static nv_status write_plans_xlsx(const batch *bt, nv_error *err)
{
    static const char *const sheets[] = {"plans"};
    char tmp[128], from[4200], to[4200];
    /* Not ".results.xlsx.tmp…": GDAL reads a ".xlsx." inside a path as a way into the archive. */
    snprintf(tmp, sizeof tmp, ".results.tmp-%ld.xlsx", (long)getpid()); /* a leftover to remove_leftovers */
    snprintf(from, sizeof from, "%s/%s", bt->o->out_dir, tmp);
    snprintf(to, sizeof to, "%s/results.xlsx", bt->o->out_dir);
    unlink(from);
    nv_status st = nv_session_write_xlsx(bt->s, bt->o->out_dir, tmp, sheets, 1, err);
    if (st != NV_OK || access(from, F_OK) != 0) /* failed, or the session writes no workbook */
        return st;
    if (rename(from, to) != 0) {
        unlink(from);
        return nv_error_set(err, NV_ERR_FAIL, to, 0, "cannot move into place: %s", strerror(errno));
    }
    return NV_OK;
}

nv_status nv_batch_run(nv_session *s, const nv_batch_options *o, nv_batch_totals *totals, nv_diags *diags,
                       nv_error *err)
{
    batch bt;
    int lock_fd = -1;
    memset(&bt, 0, sizeof bt);
    bt.s = s;
    bt.o = o;
    pthread_mutex_init(&bt.lock, NULL);
    memset(totals, 0, sizeof *totals);
    nv_status st = list_plans(&bt, diags, err);
    if (st == NV_OK)
        st = check_out_dir(o->out_dir, err);
    if (st != NV_OK)
        goto done;
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
        st = nv_error_set(err, NV_ERR_FAIL, o->out_dir, 0, "cannot create the output folder: %s", strerror(errno));
        goto done;
    }
    /* One batch at a time per folder: another would take our working folders for
     * leftovers. The lock goes with the process, however it ends. */
    char lock_path[4096];
    snprintf(lock_path, sizeof lock_path, "%s/" LOCK_NAME, o->out_dir);
    lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lock_fd < 0) {
        st = nv_error_set(err, NV_ERR_FAIL, o->out_dir, 0, "cannot create a lock file in it: %s", strerror(errno));
        goto done;
    }
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        st = nv_error_set(err, NV_ERR_INPUT, o->out_dir, 0,
                          "another narvaro batch is writing to this folder; wait for it or choose another --out");
        goto done;
    }
    nv_outdir_remove_stale_in(o->out_dir); /* what killed batches left */
    nv_session_radii(s, &bt.radii);
    /* A PostGIS database that cannot be reached fails the batch once, not every plan. */
    long probe;
    if (nv_session_has_pg(s) && (st = nv_session_find_pg(s, "", &probe, err)) != NV_OK)
        goto done;
    for (size_t i = 0; i < bt.n; i++)
        if (!(bt.rows[i].diags = nv_diags_create())) {
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            goto done;
        }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t jobs = o->jobs > 0 ? (size_t)o->jobs : cores > 0 ? (size_t)cores : 1;
    if (jobs > bt.n)
        jobs = bt.n;
    if (jobs > 64)
        jobs = 64;
    pthread_t tids[64];
    size_t started = 0;
    for (size_t i = 1; i < jobs; i++)
        if (pthread_create(&tids[i], NULL, worker, &bt) == 0)
            started = i;
        else
            break;
    worker(&bt);
    for (size_t i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);

    /* Diagnostics in plan order, whatever order the threads finished in. */
    nv_status worst = NV_OK;
    totals->plans = bt.n;
    for (size_t i = 0; i < bt.n; i++) {
        row *r = &bt.rows[i];
        for (size_t k = 0; k < nv_diags_count(r->diags); k++) {
            const nv_diag *g = nv_diags_get(r->diags, k);
            nv_diags_add(diags, g->severity, g->path, g->line, "%s", g->message);
        }
        if (r->status == ROW_FAILED) {
            nv_diags_add(diags, NV_PROBLEM, NULL, 0, "plan %s failed: %s", r->name, r->error);
            totals->failed++;
            if (worst != NV_ERR_FAIL)
                worst = r->code == NV_ERR_INPUT ? NV_ERR_INPUT : NV_ERR_FAIL;
        } else if (r->status == ROW_SKIPPED) {
            totals->skipped++;
        } else {
            totals->done++;
        }
        totals->pg_written += r->pg == PG_WRITTEN;
        totals->pg_already += r->pg == PG_ALREADY;
    }
    /* batch --rule: the violations of each plan's result, as narvaro check counts them. */
    for (size_t i = 0; o->n_rules && i < bt.n && st == NV_OK; i++) {
        row *r = &bt.rows[i];
        char dir[4096];
        size_t v = 0;
        if (r->status == ROW_FAILED)
            continue;
        snprintf(dir, sizeof dir, "%s/%s", o->out_dir, r->name);
        st = nv_rules_count_violations(dir, o->rules, o->n_rules, &v, err);
        r->violations = (long)v;
    }
    if (st != NV_OK)
        goto done;
    if ((st = write_plans_csv(&bt, err)) != NV_OK || (st = write_plans_xlsx(&bt, err)) != NV_OK)
        goto done;
    const nv_session_options *so = nv_session_options_of(s);
    if (!so->tables_only && !so->no_report && (st = write_report(&bt, so, err)) != NV_OK)
        goto done;
    if (worst != NV_OK)
        st = nv_error_set(err, worst, o->plans_dir, 0, "%zu of %zu plans failed (see above); the others are in %s",
                          totals->failed, totals->plans, o->out_dir);
done:
    for (size_t i = 0; i < bt.n; i++) {
        for (size_t k = 0; k < bt.rows[i].n_files; k++)
            free(bt.rows[i].files[k]);
        free(bt.rows[i].files);
        free(bt.rows[i].file);
        free(bt.rows[i].name);
        nv_diags_destroy(bt.rows[i].diags);
    }
    free(bt.rows);
    pthread_mutex_destroy(&bt.lock);
    if (lock_fd >= 0)
        close(lock_fd); /* releases the lock */
    return st;
}
