#include "suggest.h"

#include "coverage.h"
#include "mapspec.h"
#include "offices.h"
#include "pmedian.h"
#include "render.h"
#include "textin.h"
#include "tiers.h"

#include <glpk.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---------------------------------------------------------------- small helpers */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- sites */

/* A location that is or may become open: an office of the plan or a candidate. */
typedef struct site {
    double x, y;                /* analysis CRS */
    double lat, lon;            /* WGS 84 as read; NAN when the source gave x/y */
    char *id, *name, *kommunkod, *namn, *type, *basis, *where;
    int fixed;                  /* stays open whatever the search does */
    int var;                    /* index among the free sites, -1 when fixed */
    int existing;               /* a row of the base plan */
    int reach;                  /* counts as an office (its tier does): people are within R of it */
} site;

/* Demand points of one municipality within R of the same free sites (or of a fixed one). */
typedef struct gtab {
    size_t n, cap;
    long *area;
    unsigned char *fixed;       /* within R of a site that stays open */
    size_t *off;
    unsigned *len;
    double *pop;
    long *pts;
    int *pool;
    size_t pool_n, pool_cap;
    size_t *slots;              /* open addressing: group + 1; 0 empty */
    size_t n_slots;
    uint64_t *hash;
} gtab;

static void gtab_free(gtab *t)
{
    if (!t)
        return;
    free(t->area), free(t->fixed), free(t->off), free(t->len), free(t->pop), free(t->pts);
    free(t->pool), free(t->slots), free(t->hash);
    free(t);
}

static uint64_t key_hash(long area, int fixed, const int *set, unsigned len)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(area + 2) * 0x9E3779B97F4A7C15ull ^ (uint64_t)fixed;
    for (unsigned i = 0; i < len; i++) {
        h ^= (uint64_t)(unsigned)set[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static int gtab_grow_slots(gtab *t)
{
    size_t ns = t->n_slots ? t->n_slots * 2 : 256;
    size_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t g = 0; g < t->n; g++) {
        size_t k = (size_t)(t->hash[g] & (ns - 1));
        while (slots[k])
            k = (k + 1) & (ns - 1);
        slots[k] = g + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = ns;
    return 0;
}

/* Adds pop and pts to the group (area, fixed, set), creating it. -1 when out of memory. */
static int gtab_add(gtab *t, long area, int fixed, const int *set, unsigned len, double pop, long pts)
{
    if (fixed)
        len = 0;
    uint64_t h = key_hash(area, fixed, set, len);
    if (2 * (t->n + 1) > t->n_slots && gtab_grow_slots(t) != 0)
        return -1;
    size_t k = (size_t)(h & (t->n_slots - 1));
    while (t->slots[k]) {
        size_t g = t->slots[k] - 1;
        if (t->hash[g] == h && t->area[g] == area && t->fixed[g] == fixed && t->len[g] == len &&
            (len == 0 || memcmp(&t->pool[t->off[g]], set, len * sizeof *set) == 0)) {
            t->pop[g] += pop;
            t->pts[g] += pts;
            return 0;
        }
        k = (k + 1) & (t->n_slots - 1);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
#define GROW(f) do { void *p_ = realloc(t->f, cap * sizeof *t->f); if (!p_) return -1; t->f = p_; } while (0)
        GROW(area); GROW(fixed); GROW(off); GROW(len); GROW(pop); GROW(pts); GROW(hash);
#undef GROW
        t->cap = cap;
    }
    if (t->pool_n + len > t->pool_cap) {
        size_t cap = t->pool_cap ? t->pool_cap : 1024;
        while (cap < t->pool_n + len)
            cap *= 2;
        int *p = realloc(t->pool, cap * sizeof *p);
        if (!p)
            return -1;
        t->pool = p;
        t->pool_cap = cap;
    }
    size_t g = t->n++;
    t->area[g] = area;
    t->fixed[g] = (unsigned char)fixed;
    t->off[g] = t->pool_n;
    t->len[g] = len;
    t->pop[g] = pop;
    t->pts[g] = pts;
    t->hash[g] = h;
    if (len)
        memcpy(&t->pool[t->pool_n], set, len * sizeof *set);
    t->pool_n += len;
    t->slots[k] = g + 1;
    return 0;
}

/* A uniform grid over the sites: which sites lie within R of a point. */
typedef struct grid {
    double minx, miny, cell;
    size_t nx, ny;
    size_t *start;              /* nx*ny + 1 */
    int *site;
} grid;

static void grid_free(grid *g)
{
    free(g->start);
    free(g->site);
}

static int grid_build(grid *g, const site *sites, size_t n, double r_m)
{
    memset(g, 0, sizeof *g);
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        minx = fmin(minx, sites[i].x), miny = fmin(miny, sites[i].y);
        maxx = fmax(maxx, sites[i].x), maxy = fmax(maxy, sites[i].y);
    }
    if (n == 0)
        minx = miny = maxx = maxy = 0;
    double cell = r_m;
    /* At most about 4 M cells, whatever R. */
    while ((maxx - minx) / cell * (maxy - miny) / cell > 4e6)
        cell *= 2;
    g->minx = minx, g->miny = miny, g->cell = cell;
    g->nx = (size_t)((maxx - minx) / cell) + 1;
    g->ny = (size_t)((maxy - miny) / cell) + 1;
    g->start = calloc(g->nx * g->ny + 1, sizeof *g->start);
    g->site = malloc((n ? n : 1) * sizeof *g->site);
    if (!g->start || !g->site)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!sites[i].reach)
            continue;
        size_t cx = (size_t)((sites[i].x - minx) / cell), cy = (size_t)((sites[i].y - miny) / cell);
        g->start[cy * g->nx + cx + 1]++;
    }
    for (size_t c = 0; c < g->nx * g->ny; c++)
        g->start[c + 1] += g->start[c];
    size_t *fill = calloc(g->nx * g->ny, sizeof *fill);
    if (!fill)
        return -1;
    for (size_t i = 0; i < n; i++) { /* in site order within each cell */
        if (!sites[i].reach)
            continue;
        size_t cx = (size_t)((sites[i].x - minx) / cell), cy = (size_t)((sites[i].y - miny) / cell);
        size_t c = cy * g->nx + cx;
        g->site[g->start[c] + fill[c]++] = (int)i;
    }
    free(fill);
    return 0;
}

/* ---------------------------------------------------------------- the suggestion */

typedef struct plan_sol {
    unsigned char *open;        /* per free site */
    unsigned char *mark;        /* the sites that reach exactly what one of its sites reaches */
    int m;                      /* sites open in it */
    double value;               /* objective of the free part (people beyond the fixed ones, or sites) */
    int proven;                 /* proven best (among plans that differ from the earlier ones) */
} plan_sol;

struct nv_suggestion {
    nv_suggest_options o;
    nv_suggest_summary sum;
    double r_m;
    nv_plan *base_plan;         /* the base plan as read, for its rows */
    nv_coverage *base_cov;      /* where its rows were placed */
    nv_evaluation *base_eval;   /* the base plan measured by the session */
    char **base_files;
    size_t n_base_files;
    site *sites;
    size_t n_sites, n_free;
    int *free_site;             /* var -> site */
    char *candidates_path;
    /* demand */
    gtab *groups;
    size_t n_areas;
    /* the model: distinct coverage sets of the groups not covered by a fixed site */
    size_t nset;
    size_t *set_off;
    int *set_var;
    double *set_w;
    size_t *var_off;            /* incidence: the sets of each free site */
    int *var_set;
    int *var_class;             /* the lowest-numbered free site whose sets are the same */
    double w_const;             /* people covered by the fixed sites */
    double w_unreach;
    double model_const;         /* added to the model's value: w_const (covering), 0 (p-median) */
    /* p-median (--objective mean-distance): the model's rows are the prefix sets of
     * pmedian.h, weighted in person-km, kept per municipality in prefixes (fixed = 0);
     * the groups with fixed = 1 there hold each municipality's person-km under the base
     * plan (people times the distance to their nearest office). */
    int pmedian;
    nv_pmedian_index *pm;
    gtab *prefixes;
    double base_pkm;            /* person-km under the base plan */
    int p_open;                 /* free sites open in every plan (add, close) */
    /* results */
    plan_sol *sols;             /* [0]: the suggestion, then the alternatives */
    size_t n_sols;
    nv_suggest_site *listing;
    size_t n_listing;
    double *listing_people;
    double t0;
};

void nv_suggestion_destroy(nv_suggestion *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_sites; i++) {
        site *s = &g->sites[i];
        free(s->id), free(s->name), free(s->kommunkod), free(s->namn), free(s->type), free(s->basis), free(s->where);
    }
    free(g->sites);
    free(g->free_site);
    for (size_t i = 0; i < g->n_base_files; i++)
        free(g->base_files[i]);
    free(g->base_files);
    free(g->candidates_path);
    gtab_free(g->groups);
    gtab_free(g->prefixes);
    nv_pmedian_index_destroy(g->pm);
    free(g->set_off), free(g->set_var), free(g->set_w), free(g->var_off), free(g->var_set), free(g->var_class);
    for (size_t i = 0; i < g->n_sols; i++)
        free(g->sols[i].open), free(g->sols[i].mark);
    free(g->sols);
    free(g->listing);
    nv_evaluation_destroy(g->base_eval);
    nv_coverage_destroy(g->base_cov);
    nv_plan_destroy(g->base_plan);
    free(g);
}

const nv_suggest_summary *nv_suggestion_summary(const nv_suggestion *g)
{
    return &g->sum;
}

size_t nv_suggestion_site_count(const nv_suggestion *g)
{
    return g->n_listing;
}

void nv_suggestion_site(const nv_suggestion *g, size_t i, nv_suggest_site *out)
{
    *out = g->listing[i];
}

static void progress(nv_suggestion *g, const char *stage, double best, double bound)
{
    if (!g->o.progress)
        return;
    nv_suggest_progress p = {stage, now_s() - g->t0, best, bound};
    g->o.progress(&p, g->o.user);
}

static nv_status oom(nv_error *err)
{
    return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
}

static int push_site(nv_suggestion *g, size_t *cap, const site *s)
{
    if (g->n_sites == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        site *p = realloc(g->sites, c * sizeof *p);
        if (!p)
            return -1;
        g->sites = p;
        *cap = c;
    }
    g->sites[g->n_sites++] = *s;
    return 0;
}

/* ---------------------------------------------------------------- reading */

static int type_listed(const char *type, const char *const *types, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(type, types[i]) == 0)
            return 1;
    return 0;
}

/* Reads the ids of keep_ids into a NULL-terminated array; lines are trimmed, '#' starts
 * a comment. */
static nv_status read_ids(const char *path, char ***out, size_t *n_out, nv_error *err)
{
    FILE *f = fopen(path, "r");
    *out = NULL;
    *n_out = 0;
    if (!f)
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot open the --keep-ids file: %s", strerror(errno));
    char line[1024];
    size_t n = 0, cap = 0;
    char **ids = NULL;
    while (fgets(line, sizeof line, f)) {
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        char *s = line, *e;
        if (n == 0 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
            s += 3;
        while (*s == ' ' || *s == '\t')
            s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == ','))
            *--e = 0;
        if (!*s)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(ids, cap * sizeof *p);
            if (!p)
                break;
            ids = p;
        }
        ids[n++] = strdup(s);
    }
    fclose(f);
    *out = ids;
    *n_out = n;
    return NV_OK;
}

/* The base plan: its placed offices become sites, fixed unless the search may close them. */
static nv_status read_base(nv_suggestion *g, nv_session *s, size_t *cap, nv_diags *diags, nv_error *err)
{
    const nv_session_options *so = nv_session_options_of(s);
    nv_status st;
    const char *def = nv_session_default_plan(s);
    size_t nf = g->o.n_base_files ? g->o.n_base_files : 1;
    g->base_files = calloc(nf, sizeof *g->base_files);
    if (!g->base_files)
        return oom(err);
    for (size_t i = 0; i < nf; i++)
        if (!(g->base_files[g->n_base_files++] = strdup(g->o.n_base_files ? g->o.base_files[i] : def)))
            return oom(err);
    if ((st = nv_session_evaluate(s, (const char *const *)g->base_files, g->n_base_files, NULL, &g->base_eval, diags,
                                  err)) != NV_OK)
        return st;
    /* Read once more for the rows themselves (basis, coordinates as written): the
     * evaluation has already reported every problem, so its diagnostics are dropped. */
    if (!(g->base_plan = nv_plan_create()))
        return oom(err);
    for (size_t i = 0; i < g->n_base_files; i++)
        if ((st = nv_plan_read(g->base_plan, g->base_files[i], &so->offices, NULL, err)) != NV_OK)
            return st;
    nv_coverage_options co = {so->snap_km, NULL};
    if ((st = nv_coverage_compute(nv_session_areas(s), g->base_plan, &co, &g->base_cov, NULL, err)) != NV_OK)
        return st;
    char **keep_ids = NULL;
    size_t n_keep_ids = 0;
    if (g->o.keep_ids && (st = read_ids(g->o.keep_ids, &keep_ids, &n_keep_ids, err)) != NV_OK)
        return st;
    size_t no;
    const nv_office_result *res = nv_coverage_offices(g->base_cov, &no);
    unsigned char *id_seen = calloc(n_keep_ids ? n_keep_ids : 1, 1);
    if (!id_seen)
        st = oom(err);
    for (size_t i = 0; i < no && st == NV_OK; i++) {
        const nv_office *in = nv_plan_office(g->base_plan, i);
        if (!res[i].kommunkod) /* rejected: no office, and not in the suggestion */
            continue;
        site t = {0};
        /* where it was placed: a row may give only a town or a code */
        t.x = res[i].x, t.y = res[i].y, t.lat = in->lat_deg, t.lon = in->lon_deg;
        if (!(isfinite(in->x) && isfinite(in->y)))
            t.lat = t.lon = NAN;
        t.existing = 1;
        /* Other kinds of presence (a cooperation, a service office) stay in the plan but
         * are no office: analyze measures distances to offices only. */
        t.reach = res[i].is_office;
        int keep = g->o.mode != NV_SUGGEST_CLOSE || !t.reach ||
                   type_listed(in->type, g->o.keep_types, g->o.n_keep_types);
        for (size_t k = 0; k < n_keep_ids; k++)
            if (strcmp(keep_ids[k], in->id) == 0)
                keep = 1, id_seen[k] = 1;
        t.fixed = keep;
        t.var = -1;
        char where[1200];
        snprintf(where, sizeof where, "%s:%ld", in->source, in->line);
        if (!(t.id = dup_str(in->id)) || !(t.name = dup_str(in->name)) ||
            !(t.kommunkod = dup_str(in->kommunkod[0] ? in->kommunkod : res[i].kommunkod)) ||
            !(t.namn = dup_str(res[i].namn)) || !(t.type = dup_str(in->type)) || !(t.basis = dup_str(in->basis)) ||
            !(t.where = dup_str(where)) || push_site(g, cap, &t) != 0) {
            free(t.id), free(t.name), free(t.kommunkod), free(t.namn), free(t.type), free(t.basis), free(t.where);
            st = oom(err);
        }
    }
    for (size_t k = 0; k < n_keep_ids && st == NV_OK; k++)
        if (!id_seen[k])
            st = nv_error_set(err, NV_ERR_INPUT, g->o.keep_ids, 0,
                              "no office of the plan has the id \"%s\" (the ids are the plan's office_id column)",
                              keep_ids[k]);
    for (size_t k = 0; k < n_keep_ids; k++)
        free(keep_ids[k]);
    free(keep_ids);
    free(id_seen);
    return st;
}

typedef struct ogr_points {
    double *xy;
    size_t n, cap;
    int failed;
} ogr_points;

static void ogr_point(double x, double y, double w, void *user)
{
    (void)w;
    ogr_points *p = user;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        double *q = realloc(p->xy, cap * 2 * sizeof *q);
        if (!q) {
            p->failed = 1;
            return;
        }
        p->xy = q;
        p->cap = cap;
    }
    p->xy[2 * p->n] = x;
    p->xy[2 * p->n + 1] = y;
    p->n++;
}

static int cmp_where_line(const site *a, const site *b)
{
    /* "file:line": compare the lines as numbers, so that line 10 follows line 9. */
    const char *ca = strrchr(a->where, ':'), *cb = strrchr(b->where, ':');
    long la = ca ? atol(ca + 1) : 0, lb = cb ? atol(cb + 1) : 0;
    return (la > lb) - (la < lb);
}

static int cmp_candidate(const void *pa, const void *pb)
{
    const site *a = pa, *b = pb;
    int c = strcmp(a->kommunkod, b->kommunkod);
    if (c)
        return c;
    if ((c = strcmp(a->name, b->name)))
        return c;
    return cmp_where_line(a, b);
}

/* The trust rule for a candidate: its point lies inside a municipality of the boundaries
 * (not merely near one), and inside the one it names when it names one. For the
 * gazetteer this keeps the localities whose coordinates agree with their municipality
 * (the 1,708 with coords_in_named_kommun = yes in the shared file). */
static int candidate_trusted(const nv_office_result *r)
{
    return r->kommunkod && strcmp(r->status, "placed") == 0 &&
           (!r->kommunkod_stated || !r->kommunkod_stated[0] || strcmp(r->kommunkod_stated, r->kommunkod) == 0);
}

static nv_status read_candidates(nv_suggestion *g, nv_session *s, size_t *cap, nv_diags *diags, nv_error *err)
{
    const nv_session_options *so = nv_session_options_of(s);
    char path[4096];
    if (g->o.candidates)
        snprintf(path, sizeof path, "%s", g->o.candidates);
    else
        snprintf(path, sizeof path, "%s/data/places/localities.csv", nv_plan_data_dir());
    if (!(g->candidates_path = strdup(path)))
        return oom(err);
    const char *dot = strrchr(path, '.');
    int csv = dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0 || strcasecmp(dot, ".tsv") == 0);
    nv_plan *plan = nv_plan_create();
    nv_coverage *cov = NULL;
    nv_diags *quiet = nv_diags_create();
    nv_status st = NV_OK;
    size_t first = g->n_sites;
    if (!plan || !quiet) {
        st = oom(err);
        goto done;
    }
    nv_offices_options oo = {0};
    oo.analysis_crs = so->offices.analysis_crs;
    if (csv) {
        if ((st = nv_plan_read(plan, path, &oo, diags, err)) != NV_OK) {
            if (err) {
                size_t k = strlen(err->message);
                snprintf(err->message + k, sizeof err->message - k, " (in the --candidates file)");
            }
            goto done;
        }
    }
    ogr_points pts = {0};
    if (!csv) {
        nv_points_options po = {0};
        po.source = path, po.layer = g->o.candidates_layer, po.analysis_crs = so->offices.analysis_crs;
        if ((st = nv_boundaries_read_points(&po, ogr_point, &pts, diags, err)) != NV_OK) {
            free(pts.xy);
            goto done;
        }
        if (pts.failed) {
            free(pts.xy);
            st = oom(err);
            goto done;
        }
    }
    size_t n_read = csv ? nv_plan_count(plan) : pts.n;
    g->sum.candidates_read = n_read;
    if (csv) {
        nv_coverage_options co = {0, NULL};
        if ((st = nv_coverage_compute(nv_session_areas(s), plan, &co, &cov, quiet, err)) != NV_OK) {
            if (err) {
                size_t k = strlen(err->message);
                snprintf(err->message + k, sizeof err->message - k,
                         " (in the --candidates file: no candidate lies inside the boundaries?)");
            }
            goto done;
        }
        size_t no;
        const nv_office_result *res = nv_coverage_offices(cov, &no);
        for (size_t i = 0; i < no && st == NV_OK; i++) {
            if (!candidate_trusted(&res[i]))
                continue;
            const nv_office *in = nv_plan_office(plan, i);
            site t = {0};
            /* where it was placed: a row may give only a town or a code */
            t.x = res[i].x, t.y = res[i].y, t.lat = in->lat_deg, t.lon = in->lon_deg;
            if (!(isfinite(in->x) && isfinite(in->y)))
                t.lat = t.lon = NAN;
            t.var = 0;
            t.reach = 1;
            char where[1200];
            snprintf(where, sizeof where, "%s:%ld", in->source, in->line);
            /* A gazetteer names its places in a town (locality) column. */
            const char *name = in->name && in->name[0] ? in->name : in->town ? in->town : "";
            if (!(t.id = dup_str(in->id)) || !(t.name = dup_str(name)) || !(t.kommunkod = dup_str(res[i].kommunkod)) ||
                !(t.namn = dup_str(res[i].namn)) || !(t.type = dup_str(g->o.type ? g->o.type : "staffed")) ||
                !(t.basis = dup_str("suggested")) || !(t.where = dup_str(where)) || push_site(g, cap, &t) != 0) {
                free(t.id), free(t.name), free(t.kommunkod), free(t.namn), free(t.type), free(t.basis), free(t.where);
                st = oom(err);
            }
        }
    } else {
        /* Points of an OGR layer: placed with the same index, by the same rule (inside
         * a municipality; they name none). */
        const nv_areas *areas = nv_session_areas(s);
        const nv_boundaries *b = nv_areas_boundaries(areas);
        for (size_t i = 0; i < pts.n && st == NV_OK; i++) {
            long m = nv_areas_locate(areas, pts.xy[2 * i], pts.xy[2 * i + 1]);
            if (m < 0)
                continue;
            const nv_municipality *mu = nv_boundaries_get(b, (size_t)m);
            site t = {0};
            t.x = pts.xy[2 * i], t.y = pts.xy[2 * i + 1], t.lat = NAN, t.lon = NAN;
            t.reach = 1;
            char id[64], where[4200];
            snprintf(id, sizeof id, "feature-%zu", i + 1);
            snprintf(where, sizeof where, "%s:%zu", path, i + 1);
            if (!(t.id = dup_str(id)) || !(t.name = dup_str("")) || !(t.kommunkod = dup_str(mu->code)) ||
                !(t.namn = dup_str(mu->name)) || !(t.type = dup_str(g->o.type ? g->o.type : "staffed")) ||
                !(t.basis = dup_str("suggested")) || !(t.where = dup_str(where)) || push_site(g, cap, &t) != 0) {
                free(t.id), free(t.name), free(t.kommunkod), free(t.namn), free(t.type), free(t.basis), free(t.where);
                st = oom(err);
            }
        }
        free(pts.xy);
    }
    if (st != NV_OK)
        goto done;
    /* Candidate order: kommunkod, name, line; of candidates at the very same point the
     * first in that order stays. */
    size_t nc = g->n_sites - first;
    qsort(g->sites + first, nc, sizeof *g->sites, cmp_candidate);
    size_t kept = 0;
    for (size_t i = 0; i < nc; i++) {
        site *c = &g->sites[first + i];
        int dup = 0;
        for (size_t j = 0; j < kept && !dup; j++)
            dup = g->sites[first + j].x == c->x && g->sites[first + j].y == c->y;
        if (dup) {
            free(c->id), free(c->name), free(c->kommunkod), free(c->namn), free(c->type), free(c->basis), free(c->where);
            continue;
        }
        g->sites[first + kept++] = *c;
    }
    g->n_sites = first + kept;
    g->sum.candidates_trusted = nc;
    g->sum.candidates_used = kept;
    if (nc < n_read)
        nv_diags_add(diags, NV_WARNING, path, 0,
                     "%zu of %zu candidates are not used: their point lies outside the municipality they name, or "
                     "outside every municipality", n_read - nc, n_read);
    if (kept < nc)
        nv_diags_add(diags, NV_WARNING, path, 0, "%zu candidates lie at the very point of an earlier one and are "
                     "used once", nc - kept);
done:
    nv_coverage_destroy(cov);
    nv_plan_destroy(plan);
    nv_diags_destroy(quiet);
    return st;
}

/* ---------------------------------------------------------------- demand */

typedef struct collector {
    const nv_suggestion *g;
    const grid *gr;
    pthread_mutex_t lock;
    gtab **chunks;
    gtab **pchunks;             /* p-median: the prefix sets of each chunk */
    size_t n_chunks;
    int failed;
} collector;

typedef struct prefix_sink {
    gtab *t;
    long area;
} prefix_sink;

static int add_prefix(void *user, const int *vars, unsigned len, double weight_pm)
{
    prefix_sink *k = user;
    return gtab_add(k->t, k->area, 0, vars, len, weight_pm / 1000, 1);
}

static void collect(void *user, size_t chunk, const double *xy, const double *pop, const long *area, size_t n)
{
    collector *c = user;
    const nv_suggestion *g = c->g;
    const grid *gr = c->gr;
    double r = g->r_m;
    pthread_mutex_lock(&c->lock);
    if (chunk >= c->n_chunks) {
        size_t nn = chunk + 16;
        gtab **p = realloc(c->chunks, nn * sizeof *p);
        gtab **q = p ? realloc(c->pchunks, nn * sizeof *q) : NULL;
        if (p)
            c->chunks = p;
        if (!p || !q) {
            c->failed = 1;
            pthread_mutex_unlock(&c->lock);
            return;
        }
        memset(p + c->n_chunks, 0, (nn - c->n_chunks) * sizeof *p);
        memset(q + c->n_chunks, 0, (nn - c->n_chunks) * sizeof *q);
        c->pchunks = q;
        c->n_chunks = nn;
    }
    if (!c->chunks[chunk] && !(c->chunks[chunk] = calloc(1, sizeof(gtab))))
        c->failed = 1;
    if (g->pm && !c->pchunks[chunk] && !(c->pchunks[chunk] = calloc(1, sizeof(gtab))))
        c->failed = 1;
    gtab *t = c->chunks[chunk], *pt = g->pm ? c->pchunks[chunk] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (!t || (g->pm && !pt))
        return;
    int *set = malloc((g->n_free ? g->n_free : 1) * sizeof *set);
    nv_pmedian_scratch *scratch = g->pm ? nv_pmedian_scratch_create(g->pm) : NULL;
    if (!set || (g->pm && !scratch)) {
        free(set);
        nv_pmedian_scratch_destroy(scratch);
        c->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        unsigned len = 0;
        if (area[i] == -2)
            continue;
        int fixed = 0;
        if (isfinite(x) && isfinite(y)) {
            long cx0 = (long)floor((x - r - gr->minx) / gr->cell), cx1 = (long)floor((x + r - gr->minx) / gr->cell);
            long cy0 = (long)floor((y - r - gr->miny) / gr->cell), cy1 = (long)floor((y + r - gr->miny) / gr->cell);
            if (cx0 < 0) cx0 = 0;
            if (cy0 < 0) cy0 = 0;
            if (cx1 >= (long)gr->nx) cx1 = (long)gr->nx - 1;
            if (cy1 >= (long)gr->ny) cy1 = (long)gr->ny - 1;
            for (long cy = cy0; cy <= cy1 && !fixed; cy++)
                for (long cx = cx0; cx <= cx1 && !fixed; cx++) {
                    size_t cell = (size_t)cy * gr->nx + (size_t)cx;
                    for (size_t k = gr->start[cell]; k < gr->start[cell + 1]; k++) {
                        const site *s = &g->sites[gr->site[k]];
                        double dx = x - s->x, dy = y - s->y;
                        /* The same expression as the nearest-office search, so that
                         * "within R" means what analyze counts. */
                        if (!(sqrt(dx * dx + dy * dy) <= r))
                            continue;
                        if (s->fixed) {
                            fixed = 1;
                            break;
                        }
                        set[len++] = s->var;
                    }
                }
            if (!fixed && len > 1)
                qsort(set, len, sizeof *set, cmp_int);
        }
        if (gtab_add(t, area[i], fixed, set, len, pop[i], 1) != 0) {
            c->failed = 1;
            break;
        }
        if (pt && isfinite(x) && isfinite(y)) {
            /* The prefix sets, and the point's person-km under the base plan as a
             * group with fixed = 1 (no set) of its municipality. */
            prefix_sink sink = {pt, area[i]};
            double d0_m;
            if (nv_pmedian_point(g->pm, scratch, x, y, pop[i], add_prefix, &sink, &d0_m) != 0 ||
                gtab_add(pt, area[i], 1, NULL, 0, pop[i] * d0_m / 1000, 1) != 0) {
                c->failed = 1;
                break;
            }
        }
    }
    free(set);
    nv_pmedian_scratch_destroy(scratch);
}

static void collect_restart(void *user)
{
    collector *c = user;
    for (size_t k = 0; k < c->n_chunks; k++) {
        gtab_free(c->chunks[k]);
        gtab_free(c->pchunks[k]);
        c->chunks[k] = c->pchunks[k] = NULL;
    }
}

static const int *gset(const gtab *t, size_t i)
{
    return t->pool ? &t->pool[t->off[i]] : NULL;
}

static const gtab *sort_base;
static int cmp_group_set(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const gtab *t = sort_base;
    unsigned la = t->len[a], lb = t->len[b];
    const int *sa = gset(t, a), *sb = gset(t, b);
    for (unsigned i = 0; i < la && i < lb; i++)
        if (sa[i] != sb[i])
            return sa[i] < sb[i] ? -1 : 1;
    if (la != lb)
        return la < lb ? -1 : 1;
    return (a > b) - (a < b);
}

/* The model: one row per distinct set among the groups of t that no fixed site covers
 * (covering: the coverage groups; p-median: the prefix sets), weighted by their sum, and
 * the incidence of each free site. -1 when out of memory. */
static int build_model(nv_suggestion *g, const gtab *t)
{
    size_t *order = malloc((t->n ? t->n : 1) * sizeof *order), n_order = 0;
    if (!order)
        return -1;
    for (size_t i = 0; i < t->n; i++)
        if (!t->fixed[i] && t->len[i] > 0)
            order[n_order++] = i;
    sort_base = t;
    qsort(order, n_order, sizeof *order, cmp_group_set);
    g->set_off = malloc((n_order + 1) * sizeof *g->set_off);
    g->set_w = malloc((n_order ? n_order : 1) * sizeof *g->set_w);
    g->set_var = malloc((t->pool_n ? t->pool_n : 1) * sizeof *g->set_var);
    g->var_off = calloc(g->n_free + 1, sizeof *g->var_off);
    if (!g->set_off || !g->set_w || !g->set_var || !g->var_off) {
        free(order);
        return -1;
    }
    size_t ns = 0, nv = 0;
    g->set_off[0] = 0;
    for (size_t k = 0; k < n_order; k++) {
        size_t i = order[k];
        if (k > 0 && t->len[i] == t->len[order[k - 1]] &&
            memcmp(gset(t, i), gset(t, order[k - 1]), t->len[i] * sizeof(int)) == 0) {
            g->set_w[ns - 1] += t->pop[i];
            continue;
        }
        memcpy(&g->set_var[nv], gset(t, i), t->len[i] * sizeof(int));
        nv += t->len[i];
        g->set_w[ns++] = t->pop[i];
        g->set_off[ns] = nv;
    }
    free(order);
    g->nset = ns;
    g->sum.coverage_sets = ns;
    for (size_t k = 0; k < nv; k++)
        g->var_off[g->set_var[k] + 1]++;
    for (size_t j = 0; j < g->n_free; j++)
        g->var_off[j + 1] += g->var_off[j];
    g->var_set = malloc((nv ? nv : 1) * sizeof *g->var_set);
    size_t *fill = calloc(g->n_free ? g->n_free : 1, sizeof *fill);
    if (!g->var_set || !fill) {
        free(fill);
        return -1;
    }
    for (size_t si = 0; si < ns; si++)
        for (size_t k = g->set_off[si]; k < g->set_off[si + 1]; k++) {
            int j = g->set_var[k];
            g->var_set[g->var_off[j] + fill[j]++] = (int)si;
        }
    free(fill);
    return 0;
}

static nv_status build_demand(nv_suggestion *g, nv_session *s, nv_diags *diags, nv_error *err)
{
    const nv_session_options *so = nv_session_options_of(s);
    grid gr;
    collector c = {0};
    nv_status st = NV_OK;
    c.g = g;
    c.gr = &gr;
    pthread_mutex_init(&c.lock, NULL);
    if (grid_build(&gr, g->sites, g->n_sites, g->r_m) != 0) {
        st = oom(err);
        goto done;
    }
    progress(g, "coverage sets", NAN, NAN);
    /* Points far from every municipality are measured for nothing, as analyze does. */
    if ((st = nv_areas_visit_demand(nv_session_areas(s), so->population.source ? &so->population : NULL,
                                    so->snap_km * 1000, collect, collect_restart, &c, diags, err)) != NV_OK)
        goto done;
    if (c.failed) {
        st = oom(err);
        goto done;
    }
    /* Merged in chunk order: the groups and their sums do not depend on the threads. */
    if (!(g->groups = calloc(1, sizeof(gtab))) || (g->pm && !(g->prefixes = calloc(1, sizeof(gtab))))) {
        st = oom(err);
        goto done;
    }
    for (size_t k = 0; k < c.n_chunks && st == NV_OK; k++) {
        for (int which = 0; which < 2 && st == NV_OK; which++) {
            gtab *t = which ? c.pchunks[k] : c.chunks[k], *into = which ? g->prefixes : g->groups;
            for (size_t i = 0; t && i < t->n; i++)
                if (gtab_add(into, t->area[i], t->fixed[i], gset(t, i), t->len[i], t->pop[i], t->pts[i]) != 0) {
                    st = oom(err);
                    break;
                }
        }
    }
    if (st != NV_OK)
        goto done;
    gtab *t = g->groups;
    for (size_t i = 0; i < t->n; i++) {
        g->sum.total_population += t->pop[i];
        g->sum.demand_points += t->pts[i];
        if (t->fixed[i])
            g->w_const += t->pop[i];
        else if (t->len[i] == 0) {
            g->w_unreach += t->pop[i];
            g->sum.unreachable_points += t->pts[i];
        }
    }
    g->sum.unreachable_population = g->w_unreach;
    g->model_const = g->w_const;
    if (g->pm) {
        g->model_const = 0;
        for (size_t i = 0; i < g->prefixes->n; i++)
            if (g->prefixes->fixed[i])
                g->base_pkm += g->prefixes->pop[i];
    }
    if (build_model(g, g->pm ? g->prefixes : g->groups) != 0)
        st = oom(err);
done:
    collect_restart(&c);
    free(c.chunks);
    free(c.pchunks);
    pthread_mutex_destroy(&c.lock);
    grid_free(&gr);
    return st;
}

/* ---------------------------------------------------------------- heuristics */

/* The objective of the free part: people in covered sets (maximal covering), or the
 * number of open sites (set cover; INFINITY when a coverable set is left uncovered). */
static double evaluate(const nv_suggestion *g, const unsigned char *open, int *cnt)
{
    memset(cnt, 0, (g->nset ? g->nset : 1) * sizeof *cnt);
    int sites = 0;
    for (size_t j = 0; j < g->n_free; j++) {
        if (!open[j])
            continue;
        sites++;
        for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
            cnt[g->var_set[k]]++;
    }
    if (g->o.mode == NV_SUGGEST_COVER) {
        for (size_t s = 0; s < g->nset; s++)
            if (!cnt[s])
                return INFINITY;
        return sites;
    }
    double v = 0;
    for (size_t s = 0; s < g->nset; s++)
        if (cnt[s])
            v += g->set_w[s];
    return v;
}

static void open_var(const nv_suggestion *g, unsigned char *open, int *cnt, size_t j, int delta)
{
    open[j] = delta > 0;
    for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
        cnt[g->var_set[k]] += delta;
}

/* gain[j] for every closed j: people in sets no open site covers that j would cover. */
static void gains(const nv_suggestion *g, const unsigned char *open, const int *cnt, double *gain)
{
    for (size_t j = 0; j < g->n_free; j++)
        gain[j] = 0;
    for (size_t s = 0; s < g->nset; s++)
        if (!cnt[s])
            for (size_t k = g->set_off[s]; k < g->set_off[s + 1]; k++)
                gain[g->set_var[k]] += g->set_w[s];
    for (size_t j = 0; j < g->n_free; j++)
        if (open[j])
            gain[j] = -1;
}

/* A plan the search must not return: one that, site for site, reaches what an earlier
 * plan reaches (sites reaching exactly the same demand points count as one, so that an
 * alternative is a different plan for the people, not a neighbouring village); for set
 * cover also one that contains such a plan. */
static int forbidden(const nv_suggestion *g, const unsigned char *open)
{
    for (size_t i = 0; i < g->n_sols; i++) {
        const plan_sol *p = &g->sols[i];
        int in = 0;
        for (size_t j = 0; j < g->n_free; j++)
            in += open[j] && p->mark[j];
        if (in >= p->m)
            return 1;
    }
    return 0;
}

static const nv_suggestion *class_base;
static int cmp_var_sets(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    const nv_suggestion *g = class_base;
    size_t la = g->var_off[a + 1] - g->var_off[a], lb = g->var_off[b + 1] - g->var_off[b];
    if (la != lb)
        return la < lb ? -1 : 1;
    int c = memcmp(&g->var_set[g->var_off[a]], &g->var_set[g->var_off[b]], la * sizeof(int));
    if (c)
        return c;
    return (a > b) - (a < b);
}

/* var_class: free sites with the same sets share the lowest number among them. */
static int build_classes(nv_suggestion *g)
{
    size_t n = g->n_free;
    int *order = malloc((n ? n : 1) * sizeof *order);
    g->var_class = malloc((n ? n : 1) * sizeof *g->var_class);
    if (!order || !g->var_class) {
        free(order);
        return -1;
    }
    for (size_t j = 0; j < n; j++)
        order[j] = (int)j;
    class_base = g;
    qsort(order, n, sizeof *order, cmp_var_sets);
    for (size_t k = 0; k < n; k++) {
        int j = order[k];
        int same = k > 0 &&
                   g->var_off[j + 1] - g->var_off[j] == g->var_off[order[k - 1] + 1] - g->var_off[order[k - 1]] &&
                   memcmp(&g->var_set[g->var_off[j]], &g->var_set[g->var_off[order[k - 1]]],
                          (g->var_off[j + 1] - g->var_off[j]) * sizeof(int)) == 0;
        g->var_class[j] = same ? g->var_class[order[k - 1]] : j;
    }
    free(order);
    return 0;
}

/* Greedy for maximal covering: add the best site P times, or (when most sites stay open)
 * start with all and drop the least useful. Ties: the lowest-numbered site. */
static void greedy_maxcov(const nv_suggestion *g, unsigned char *open, int *cnt, double *gain)
{
    size_t n = g->n_free, P = (size_t)g->p_open;
    memset(open, 0, n ? n : 1);
    if (P * 2 <= n) {
        evaluate(g, open, cnt);
        for (size_t step = 0; step < P; step++) {
            gains(g, open, cnt, gain);
            size_t best = n;
            for (size_t j = 0; j < n; j++)
                if (!open[j] && (best == n || gain[j] > gain[best]))
                    best = j;
            if (best < n)
                open_var(g, open, cnt, best, +1);
        }
        return;
    }
    memset(open, 1, n);
    evaluate(g, open, cnt);
    for (size_t step = 0; step < n - P; step++) {
        size_t best = n;
        double best_loss = INFINITY;
        for (size_t j = 0; j < n; j++) {
            if (!open[j])
                continue;
            double loss = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                if (cnt[g->var_set[k]] == 1)
                    loss += g->set_w[g->var_set[k]];
            if (loss < best_loss)
                best_loss = loss, best = j;
        }
        if (best < n)
            open_var(g, open, cnt, best, -1);
    }
}

/* Swap (interchange) local search: close one open site, open the best closed one, while
 * that gains people and the plan is not forbidden. Returns the value. */
static double swap_maxcov(const nv_suggestion *g, unsigned char *open, int *cnt, double *gain, double deadline)
{
    size_t n = g->n_free;
    double v = evaluate(g, open, cnt);
    int improved = 1;
    while (improved && now_s() < deadline) {
        improved = 0;
        for (size_t j = 0; j < n; j++) {
            if (!open[j])
                continue;
            open_var(g, open, cnt, j, -1);
            gains(g, open, cnt, gain);
            double base = gain[j] < 0 ? 0 : gain[j];
            /* gain[j] is what j itself brings back. */
            double here = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                if (!cnt[g->var_set[k]])
                    here += g->set_w[g->var_set[k]];
            (void)base;
            size_t best = n;
            for (size_t i = 0; i < n; i++) {
                if (open[i] || i == j || !(gain[i] > here + 1e-9 * (1 + here)))
                    continue;
                if (best == n || gain[i] > gain[best]) {
                    open_var(g, open, cnt, i, +1);
                    int bad = forbidden(g, open);
                    open_var(g, open, cnt, i, -1);
                    if (!bad)
                        best = i;
                }
            }
            if (best < n) {
                open_var(g, open, cnt, best, +1);
                v += gain[best] - here;
                improved = 1;
            } else {
                open_var(g, open, cnt, j, +1);
            }
        }
    }
    return evaluate(g, open, cnt);
}

/* Greedy for set cover: the site covering the most uncovered sets (then the most people,
 * then the lowest number) until every coverable set is covered; then sites that became
 * redundant are dropped, the highest-numbered first. */
static void greedy_cover(const nv_suggestion *g, unsigned char *open, int *cnt)
{
    size_t n = g->n_free;
    memset(open, 0, n ? n : 1);
    evaluate(g, open, cnt);
    size_t uncovered = g->nset;
    while (uncovered) {
        size_t best = n;
        long best_c = -1;
        double best_w = -1;
        for (size_t j = 0; j < n; j++) {
            if (open[j])
                continue;
            long cc = 0;
            double w = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                if (!cnt[g->var_set[k]])
                    cc++, w += g->set_w[g->var_set[k]];
            if (cc > best_c || (cc == best_c && w > best_w))
                best = j, best_c = cc, best_w = w;
        }
        if (best == n || best_c <= 0)
            break;
        open_var(g, open, cnt, best, +1);
        uncovered -= (size_t)best_c;
    }
    for (size_t jj = n; jj-- > 0;) {
        if (!open[jj])
            continue;
        int needed = 0;
        for (size_t k = g->var_off[jj]; k < g->var_off[jj + 1] && !needed; k++)
            needed = cnt[g->var_set[k]] == 1;
        if (!needed)
            open_var(g, open, cnt, jj, -1);
    }
}

/* The tie-break rule: while some open site can be exchanged for an earlier-numbered
 * closed one without making the plan worse (and without repeating an earlier plan), do
 * the exchange that moves the earliest possible site. Incremental: closing j uncovers
 * some sets, and i must bring back at least as many people (set cover: all of them). */
static void canonical(const nv_suggestion *g, unsigned char *open, int *cnt)
{
    size_t n = g->n_free;
    int cover = g->o.mode == NV_SUGGEST_COVER;
    evaluate(g, open, cnt);
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < n && !changed; i++) {
            if (open[i])
                continue;
            for (size_t j = i + 1; j < n && !changed; j++) {
                if (!open[j])
                    continue;
                open_var(g, open, cnt, j, -1);
                double loss = 0, back = 0;
                long lost = 0, regained = 0;
                for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                    if (!cnt[g->var_set[k]])
                        loss += g->set_w[g->var_set[k]], lost++;
                for (size_t k = g->var_off[i]; k < g->var_off[i + 1]; k++)
                    if (!cnt[g->var_set[k]])
                        back += g->set_w[g->var_set[k]], regained++;
                /* Set cover: i must cover every set j alone covered (it may cover more). */
                int ok = cover ? regained >= lost : back >= loss - 1e-9 * (1 + loss);
                if (cover && ok) { /* the sets j uncovers must all be among those i covers */
                    open_var(g, open, cnt, i, +1);
                    for (size_t k = g->var_off[j]; k < g->var_off[j + 1] && ok; k++)
                        ok = cnt[g->var_set[k]] > 0;
                    open_var(g, open, cnt, i, -1);
                }
                if (ok) {
                    open_var(g, open, cnt, i, +1);
                    if (!forbidden(g, open)) {
                        changed = 1;
                        break;
                    }
                    open_var(g, open, cnt, i, -1);
                }
                open_var(g, open, cnt, j, +1);
            }
        }
    }
}

/* Set cover: whether every set that only j covered (cnt 0 with j closed) contains i. */
static int covers_all(const nv_suggestion *g, const int *cnt, size_t i, size_t j)
{
    for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++) {
        int q = g->var_set[k];
        if (cnt[q])
            continue;
        int in = 0;
        for (size_t m = g->set_off[q]; m < g->set_off[q + 1] && !in; m++)
            in = g->set_var[m] == (int)i;
        if (!in)
            return 0;
    }
    return 1;
}

/* The warm start of an alternative: the best single exchange (close j, open i) of the
 * plan before that no earlier plan forbids; the first such in the order j, then i, on
 * equal values. Incremental: closing j uncovers the sets only j covered (loss), and every
 * closed i would cover again the uncovered sets it belongs to (back[i]), so one pass over
 * the model per open site prices every exchange with it (set cover: i must cover all j
 * uncovers). open becomes that plan; returns its value, NAN when there is none. back
 * is scratch of n_free entries. */
static double best_exchange(const nv_suggestion *g, unsigned char *open, int *cnt, double *back)
{
    size_t n = g->n_free;
    int cover = g->o.mode == NV_SUGGEST_COVER;
    long *reach = malloc((n ? n : 1) * sizeof *reach);
    if (!reach)
        return NAN;
    double v0 = evaluate(g, open, cnt), bestv = cover ? INFINITY : -INFINITY;
    size_t bj = n, bi = n;
    for (size_t j = 0; j < n; j++) {
        if (!open[j])
            continue;
        open_var(g, open, cnt, j, -1);
        double loss = 0;
        long lost = 0;
        for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
            if (!cnt[g->var_set[k]])
                loss += g->set_w[g->var_set[k]], lost++;
        for (size_t i = 0; i < n; i++)
            back[i] = 0, reach[i] = 0;
        for (size_t q = 0; q < g->nset; q++)
            if (!cnt[q])
                for (size_t k = g->set_off[q]; k < g->set_off[q + 1]; k++)
                    back[g->set_var[k]] += g->set_w[q], reach[g->set_var[k]]++;
        for (size_t i = 0; i < n; i++) {
            if (open[i] || i == j)
                continue;
            /* Set cover: the number of sites stays; feasible when i covers all j did. */
            double w = cover ? (isfinite(v0) && reach[i] >= lost && covers_all(g, cnt, i, j) ? v0 : INFINITY)
                             : v0 - loss + back[i];
            if (!(cover ? w < bestv : w > bestv))
                continue;
            open[i] = 1;
            int bad = forbidden(g, open);
            open[i] = 0;
            if (!bad)
                bestv = w, bj = j, bi = i;
        }
        open_var(g, open, cnt, j, +1);
    }
    free(reach);
    if (bj == n)
        return NAN;
    open[bj] = 0, open[bi] = 1;
    return evaluate(g, open, cnt);
}

/* ---------------------------------------------------------------- GLPK */

typedef struct glpk_ctx {
    nv_suggestion *g;
    const unsigned char *warm;
    double warm_value;
    int given;
    double bound;               /* of the best active node */
    int have_bound;
    int ncols;
    const int *col;             /* the column of y_s; 0 for a set folded into its one site */
    const char *stage;
    double last_progress;
} glpk_ctx;

static void glpk_callback(glp_tree *tree, void *info)
{
    glpk_ctx *c = info;
    nv_suggestion *g = c->g;
    if (glp_ios_reason(tree) == GLP_IHEUR && !c->given && c->warm) {
        c->given = 1;
        double *x = calloc((size_t)c->ncols + 1, sizeof *x);
        if (x) {
            int *cnt = calloc(g->nset ? g->nset : 1, sizeof *cnt);
            for (size_t j = 0; j < g->n_free; j++)
                x[j + 1] = c->warm[j];
            if (cnt && g->o.mode != NV_SUGGEST_COVER) {
                evaluate(g, c->warm, cnt);
                for (size_t s = 0; s < g->nset; s++)
                    if (c->col[s])
                        x[c->col[s]] = cnt[s] ? 1 : 0;
            }
            glp_ios_heur_sol(tree, x);
            free(cnt);
            free(x);
        }
    }
    int p = glp_ios_best_node(tree);
    if (p) {
        c->bound = glp_ios_node_bound(tree, p);
        c->have_bound = 1;
    }
    double t = now_s();
    if (g->o.progress && t - c->last_progress > 0.2) {
        c->last_progress = t;
        glp_prob *lp = glp_ios_get_prob(tree);
        double best = glp_mip_status(lp) == GLP_FEAS || glp_mip_status(lp) == GLP_OPT ? glp_mip_obj_val(lp) : NAN;
        double off = g->o.mode == NV_SUGGEST_COVER ? 0 : g->model_const;
        progress(g, c->stage, best + off, c->have_bound ? c->bound + off : NAN);
    }
}

/* The starting basis of the LP: the vertex of the warm plan. From GLPK's default (all
 * rows' auxiliary variables basic, every column at zero) the primal simplex needs about
 * one pivot per row to bring the coverage variables in, seconds on the national
 * instance; from the heuristic plan, which is usually optimal or nearly so, it needs a
 * few hundred. Every row gets exactly one basic variable with a unit column, so the
 * basis is the identity and always valid:
 *   maximal covering, set s covered by at most one open site: y_s basic (= 0 or 1), its
 *   row at its bound; covered by several: the row basic, y_s at its upper bound 1;
 *   set cover, the cardinality row and the cuts: the row basic;
 *   sites: open at their upper bound, closed at their lower (fixed ones: GLP_NS).
 * The vertex may be infeasible for a cut row (an alternative's warm plan always satisfies
 * them); the simplex's phase one repairs that. -1 when out of memory. */
static int warm_basis(const nv_suggestion *g, glp_prob *P, const unsigned char *warm, const int *col)
{
    int cover = g->o.mode == NV_SUGGEST_COVER;
    int *cnt = calloc(g->nset ? g->nset : 1, sizeof *cnt);
    if (!cnt)
        return -1;
    evaluate(g, warm, cnt);
    int nrows = glp_get_num_rows(P);
    for (int i = 1; i <= nrows; i++)
        glp_set_row_stat(P, i, GLP_BS);
    for (size_t j = 0; j < g->n_free; j++) {
        int c = (int)j + 1;
        glp_set_col_stat(P, c, glp_get_col_type(P, c) == GLP_FX ? GLP_NS : warm[j] ? GLP_NU : GLP_NL);
    }
    int row = 0;
    for (size_t s = 0; s < g->nset; s++) {
        if (g->set_off[s + 1] - g->set_off[s] <= 1)
            continue;
        row++;
        if (cover)
            continue;
        if (cnt[s] <= 1) {
            glp_set_col_stat(P, col[s], GLP_BS);
            glp_set_row_stat(P, row, GLP_NU);
        } else {
            glp_set_col_stat(P, col[s], GLP_NU);
        }
    }
    free(cnt);
    return 0;
}

/* Solves the model with GLPK within time_s seconds, the earlier solutions cut off.
 * warm (feasible, value warm_value) is handed to branch and bound as its first incumbent.
 * out gets the best plan found (warm when GLPK finds none better); returns 0 when GLPK
 * ran (*proven: optimal), -1 when it failed (out untouched). *lp and *bound get the LP
 * relaxation's bound and the proven one (NAN when unknown). */
static int glpk_solve(nv_suggestion *g, const unsigned char *warm, double warm_value, double time_s,
                      const char *stage, unsigned char *out, double *out_value, int *proven, double *lp, double *bound)
{
    int cover = g->o.mode == NV_SUGGEST_COVER;
    size_t nv = g->n_free, ns = g->nset;
    /* A set with one site is covered exactly when that site is open: its people go into
     * the site's objective coefficient (maximal covering) or the site is forced open
     * (set cover), and it needs no row. Most demand far from the offices is of this kind. */
    int *col = calloc(ns ? ns : 1, sizeof *col);
    double *cx = calloc(nv ? nv : 1, sizeof *cx);
    unsigned char *forced = calloc(nv ? nv : 1, 1);
    if (!col || !cx || !forced) {
        free(col), free(cx), free(forced);
        return -1;
    }
    int ny = 0, nrows_sets = 0;
    for (size_t s = 0; s < ns; s++) {
        size_t len = g->set_off[s + 1] - g->set_off[s];
        if (len == 1) {
            int j = g->set_var[g->set_off[s]];
            if (cover)
                forced[j] = 1;
            else
                cx[j] += g->set_w[s];
            continue;
        }
        nrows_sets++;
        if (!cover)
            col[s] = (int)nv + ++ny;
    }
    int ncols = (int)nv + ny;
    size_t nz = 0;
    for (size_t s = 0; s < ns; s++)
        if (g->set_off[s + 1] - g->set_off[s] > 1)
            nz += g->set_off[s + 1] - g->set_off[s] + (cover ? 0 : 1);
    nz += nv;                                   /* the cardinality row */
    for (size_t i = 0; i < g->n_sols; i++)
        nz += nv;                               /* cuts: at most nv each */
    int *ia = malloc((nz + 1) * sizeof *ia), *ja = malloc((nz + 1) * sizeof *ja);
    double *ar = malloc((nz + 1) * sizeof *ar);
    *proven = 0;
    *lp = *bound = NAN;
    if (!ia || !ja || !ar) {
        free(ia), free(ja), free(ar), free(col), free(cx), free(forced);
        return -1;
    }
    glp_term_out(GLP_OFF);
    glp_prob *P = glp_create_prob();
    glp_set_obj_dir(P, cover ? GLP_MIN : GLP_MAX);
    glp_add_cols(P, ncols);
    for (size_t j = 0; j < nv; j++) {
        glp_set_col_kind(P, (int)j + 1, GLP_BV);
        glp_set_obj_coef(P, (int)j + 1, cover ? 1.0 : cx[j]);
        if (forced[j])
            glp_set_col_bnds(P, (int)j + 1, GLP_FX, 1.0, 1.0);
    }
    for (size_t s = 0; !cover && s < ns; s++) {
        if (!col[s])
            continue;
        glp_set_col_bnds(P, col[s], GLP_DB, 0.0, 1.0);
        glp_set_obj_coef(P, col[s], g->set_w[s]);
    }
    int nrows = nrows_sets + (cover ? 0 : 1) + (int)g->n_sols;
    if (nrows > 0)
        glp_add_rows(P, nrows);
    size_t k = 0;
    int row = 0;
    for (size_t s = 0; s < ns; s++) {
        if (g->set_off[s + 1] - g->set_off[s] <= 1)
            continue;
        row++;
        if (cover) {
            glp_set_row_bnds(P, row, GLP_LO, 1.0, 0.0);
        } else {
            glp_set_row_bnds(P, row, GLP_UP, 0.0, 0.0);
            k++, ia[k] = row, ja[k] = col[s], ar[k] = 1.0;
        }
        for (size_t q = g->set_off[s]; q < g->set_off[s + 1]; q++)
            k++, ia[k] = row, ja[k] = g->set_var[q] + 1, ar[k] = cover ? 1.0 : -1.0;
    }
    if (!cover) {
        row++;
        glp_set_row_bnds(P, row, GLP_FX, g->p_open, g->p_open);
        for (size_t j = 0; j < nv; j++)
            k++, ia[k] = row, ja[k] = (int)j + 1, ar[k] = 1.0;
    }
    for (size_t i = 0; i < g->n_sols; i++) {
        row++;
        for (size_t j = 0; j < nv; j++)
            if (g->sols[i].mark[j])
                k++, ia[k] = row, ja[k] = (int)j + 1, ar[k] = 1.0;
        glp_set_row_bnds(P, row, GLP_UP, 0.0, g->sols[i].m - 1);
    }
    free(cx), free(forced);
    glp_load_matrix(P, (int)k, ia, ja, ar);
    free(ia), free(ja), free(ar);
    if (warm && warm_basis(g, P, warm, col) != 0) {
        glp_delete_prob(P);
        free(col);
        return -1;
    }

    int rc = -1;
    double t0 = now_s();
    glp_smcp sp;
    glp_init_smcp(&sp);
    sp.msg_lev = GLP_MSG_OFF;
    sp.tm_lim = (int)fmax(1, time_s * 1000);
    if (glp_simplex(P, &sp) == 0 && glp_get_status(P) == GLP_OPT) {
        double off = cover ? 0 : g->model_const;
        *lp = glp_get_obj_val(P) + off;
        *bound = *lp;
        glpk_ctx c = {g, warm, warm_value, 0, NAN, 0, ncols, col, stage, 0};
        glp_iocp ip;
        glp_init_iocp(&ip);
        ip.msg_lev = GLP_MSG_OFF;
        ip.cb_func = glpk_callback;
        ip.cb_info = &c;
        ip.presolve = GLP_OFF;
        ip.mip_gap = 0.0;
        double left = time_s - (now_s() - t0);
        ip.tm_lim = (int)fmax(1, left * 1000);
        int ret = glp_intopt(P, &ip);
        int ms = glp_mip_status(P);
        if ((ret == 0 || ret == GLP_ETMLIM || ret == GLP_ESTOP) && (ms == GLP_OPT || ms == GLP_FEAS)) {
            for (size_t j = 0; j < nv; j++)
                out[j] = glp_mip_col_val(P, (int)j + 1) > 0.5;
            int *cnt = calloc(ns ? ns : 1, sizeof *cnt);
            double v = cnt ? evaluate(g, out, cnt) : NAN;
            free(cnt);
            if (warm && !(cover ? v < warm_value : v > warm_value) && !(v == warm_value)) {
                memcpy(out, warm, nv);
                v = warm_value;
            }
            *out_value = v;
            *proven = ret == 0 && ms == GLP_OPT;
            if (*proven)
                *bound = v + off;
            else if (c.have_bound)
                *bound = cover ? fmax(*lp, c.bound + off) : fmin(*lp, c.bound + off);
            rc = 0;
        } else if (ret == 0 && ms == GLP_NOFEAS) {
            rc = -2; /* no plan differs from the earlier ones */
        } else if (warm) {
            memcpy(out, warm, nv);
            *out_value = warm_value;
            if (c.have_bound)
                *bound = cover ? fmax(*lp, c.bound + off) : fmin(*lp, c.bound + off);
            rc = 0;
        }
    } else if (glp_get_status(P) == GLP_NOFEAS) {
        rc = -2;
    }
    glp_delete_prob(P);
    free(col);
    return rc;
}

/* ---------------------------------------------------------------- the search */

static const double *score_base;
static int cmp_score_desc(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    if (score_base[a] != score_base[b])
        return score_base[a] > score_base[b] ? -1 : 1;
    return (a > b) - (a < b);
}

/* A bound for covering models (coverage and p-median) when GLPK gave none (its simplex
 * ran out of time on a model too large): the Lagrangian relaxation of the rows
 * y_s <= sum of x_j over s. For multipliers 0 <= l_s <= w_s,
 *     L(l) = sum over s of (w_s - l_s) + the K largest of (sum of l_s over the sets of j)
 * is at least the optimum, whatever l; subgradient steps (Polyak's, towards the value of
 * the plan found, lower) make it smaller. A fixed number of iterations, so the bound
 * does not depend on the machine's speed unless the time cap stops it first. The model's
 * value plus model_const, as glpk_solve's bounds; NAN when out of memory. */
static double lagrangian_bound(const nv_suggestion *g, double lower, double deadline)
{
    size_t ns = g->nset, n = g->n_free, K = (size_t)g->p_open;
    double *lam = malloc((ns ? ns : 1) * sizeof *lam), *sc = malloc((n ? n : 1) * sizeof *sc);
    int *order = malloc((n ? n : 1) * sizeof *order);
    unsigned char *x = malloc(n ? n : 1);
    double best = INFINITY;
    if (!lam || !sc || !order || !x || K > n) {
        free(lam), free(sc), free(order), free(x);
        return NAN;
    }
    for (size_t r = 0; r < ns; r++)
        lam[r] = g->set_w[r];
    double theta = 2, prev = INFINITY;
    int stall = 0;
    for (int it = 0; it < 400 && (it % 16 || now_s() < deadline); it++) {
        for (size_t j = 0; j < n; j++) {
            double v = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                v += lam[g->var_set[k]];
            sc[j] = v;
            order[j] = (int)j;
            x[j] = 0;
        }
        score_base = sc;
        qsort(order, n, sizeof *order, cmp_score_desc);
        double L = 0;
        for (size_t k = 0; k < K; k++)
            L += sc[order[k]], x[order[k]] = 1;
        double norm = 0;
        for (size_t r = 0; r < ns; r++) {
            L += g->set_w[r] - lam[r];
            int open = 0;
            for (size_t k = g->set_off[r]; k < g->set_off[r + 1]; k++)
                open += x[g->set_var[k]];
            double gr = open - (g->set_w[r] > lam[r] ? 1 : 0);
            norm += gr * gr;
        }
        best = fmin(best, L);
        if (norm == 0 || !(L - lower > 1e-9 * fabs(L)))
            break; /* the relaxation's answer is feasible, or the bound meets the plan */
        if (L < prev - 1e-12 * fabs(prev))
            stall = 0;
        else if (++stall >= 8)
            theta /= 2, stall = 0;
        prev = fmin(prev, L);
        double t = theta * (L - lower) / norm;
        for (size_t r = 0; r < ns; r++) {
            int open = 0;
            for (size_t k = g->set_off[r]; k < g->set_off[r + 1]; k++)
                open += x[g->set_var[k]];
            double gr = open - (g->set_w[r] > lam[r] ? 1 : 0);
            lam[r] = fmin(g->set_w[r], fmax(0, lam[r] - t * gr));
        }
    }
    free(lam), free(sc), free(order), free(x);
    return best + g->model_const;
}

/* The model's value when every row is covered: a bound nothing can beat. */
static double all_sets_weight(const nv_suggestion *g)
{
    double v = g->model_const;
    for (size_t q = 0; q < g->nset; q++)
        v += g->set_w[q];
    return v;
}

static nv_status solve(nv_suggestion *g, nv_error *err)
{
    size_t n = g->n_free;
    int cover = g->o.mode == NV_SUGGEST_COVER;
    double limit = g->o.time_limit_s > 0 ? g->o.time_limit_s : 30;
    double deadline = g->t0 + limit;
    size_t want = 1 + (size_t)(g->o.alternatives > 0 ? g->o.alternatives : 0);
    unsigned char *open = malloc(n ? n : 1), *best = malloc(n ? n : 1);
    int *cnt = malloc((g->nset ? g->nset : 1) * sizeof *cnt);
    double *gain = malloc((n ? n : 1) * sizeof *gain);
    nv_status st = NV_OK;
    g->sols = calloc(want, sizeof *g->sols);
    if (!open || !best || !cnt || !gain || !g->sols) {
        st = oom(err);
        goto done;
    }
    double off = cover ? 0 : g->model_const;
    for (size_t a = 0; a < want; a++) {
        const char *stage = a == 0 ? "solving" : "alternatives";
        double v;
        /* The warm start: greedy plus swap for the first plan, the best single exchange
         * of the plan before for the alternatives. */
        progress(g, a == 0 ? "greedy" : stage, NAN, NAN);
        if (a == 0) {
            if (cover)
                greedy_cover(g, open, cnt);
            else
                greedy_maxcov(g, open, cnt, gain);
            v = cover ? evaluate(g, open, cnt) : swap_maxcov(g, open, cnt, gain, fmin(deadline, now_s() + limit / 4));
        } else {
            memcpy(open, g->sols[a - 1].open, n);
            v = best_exchange(g, open, cnt, gain);
        }
        int have_warm = !isnan(v) && isfinite(v);
        double left = deadline - now_s();
        if (a > 0)
            left = left / (double)(want - a);
        int proven = 0;
        double lp = NAN, bound = NAN, got = NAN;
        int rc = -1;
        if (left > 0.05 && n > 0)
            rc = glpk_solve(g, have_warm ? open : NULL, v, left, stage, best, &got, &proven, &lp, &bound);
        if (rc == -2)
            break; /* every plan has been listed */
        if (rc != 0) {
            if (!have_warm)
                break;
            memcpy(best, open, n);
            got = v;
            proven = 0;
            if (a == 0)
                g->sum.method = "greedy+swap";
        } else if (a == 0) {
            g->sum.method = "glpk";
        }
        canonical(g, best, cnt);
        got = evaluate(g, best, cnt);
        if (a == 0 && !cover && isnan(bound)) /* GLPK gave no bound: the Lagrangian's */
            bound = fmin(lagrangian_bound(g, got, fmax(deadline, now_s() + 1) + limit / 10),
                         g->pmedian ? all_sets_weight(g)
                                    : g->w_const + (g->sum.total_population - g->w_const - g->w_unreach));
        plan_sol *ps = &g->sols[g->n_sols];
        if (!(ps->open = malloc(n ? n : 1)) || !(ps->mark = calloc(n ? n : 1, 1))) {
            free(ps->open);
            st = oom(err);
            goto done;
        }
        memcpy(ps->open, best, n ? n : 1);
        ps->m = 0;
        for (size_t j = 0; j < n; j++)
            ps->m += best[j];
        for (size_t i = 0; i < n; i++) /* the classes of its sites, then their members */
            if (best[i])
                ps->mark[g->var_class[i]] = 2;
        for (size_t j = 0; j < n; j++)
            ps->mark[j] = ps->mark[g->var_class[j]] != 0;
        ps->value = got;
        ps->proven = proven;
        g->n_sols++;
        if (a == 0) {
            nv_suggest_summary *sm = &g->sum;
            sm->best = got + off;
            sm->lp_bound = lp;
            sm->bound = isnan(bound) ? (cover ? 0 : g->pmedian ? all_sets_weight(g)
                                                : g->w_const + (g->sum.total_population - g->w_const - g->w_unreach))
                                     : bound;
            if (cover && !isnan(sm->bound))
                sm->bound = ceil(sm->bound - 1e-6);
            sm->optimal = proven || (cover ? sm->best <= sm->bound : sm->best >= sm->bound - 1e-9 * fabs(sm->bound));
            if (sm->optimal)
                sm->bound = sm->best;
            sm->gap = sm->optimal ? 0 : cover ? (sm->best - sm->bound) / fabs(sm->best)
                                              : (sm->bound - sm->best) / fabs(sm->bound);
            progress(g, "solved", sm->best, sm->bound);
        }
    }
    if (g->n_sols == 0)
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "the search found no plan (GLPK failed and no heuristic plan)");
done:
    free(open);
    free(best);
    free(cnt);
    free(gain);
    return st;
}

/* ---------------------------------------------------------------- entry */

/* People within R of a location under the plan open (free sites), site without taken
 * out (-1: none), from the coverage groups. */
static double people_within(const nv_suggestion *g, const unsigned char *open, long without)
{
    const gtab *t = g->groups;
    double v = 0;
    for (size_t i = 0; i < t->n; i++) {
        int cov = t->fixed[i];
        for (unsigned k = 0; k < t->len[i] && !cov; k++) {
            int j = t->pool[t->off[i] + k];
            cov = open[j] && j != without;
        }
        if (cov)
            v += t->pop[i];
    }
    return v;
}

/* p-median: the search ran on person-km covered (saved); the summary is in mean km.
 * The optimum lies between the lower bound (the proven bound on the savings turned into
 * distance) and the plan found. */
static void pmedian_summary(nv_suggestion *g)
{
    nv_suggest_summary *m = &g->sum;
    double P = m->total_population;
    double saved = m->best, bound = m->bound, lp = m->lp_bound;
    m->best = (g->base_pkm - saved) / P;
    m->bound = (g->base_pkm - bound) / P;
    m->lp_bound = (g->base_pkm - lp) / P;
    if (m->optimal || m->bound > m->best)
        m->bound = m->best;
    m->gap = m->optimal ? 0 : m->best > 0 ? (m->best - m->bound) / m->best : 0;
    m->mean_distance_km = m->best;
    m->base_mean_distance_km = g->base_pkm / P;
}

/* --type: the new sites must be of a type that reaches people the way the objective
 * counts them, an office tier (analyze measures distances to offices only). A site of
 * another tier (a cooperation, a service office) would change nobody's distance, so the
 * suggestion would be any K candidates; refused, with the office tiers named. */
static nv_status check_type(nv_session *s, const char *type, nv_error *err)
{
    const nv_session_options *so = nv_session_options_of(s);
    if (!type)
        return NV_OK;
    nv_tiers *tiers = NULL;
    nv_status st = nv_tiers_create(so->presence_order, so->office_types, &tiers, err);
    if (st != NV_OK)
        return st;
    char word[256];
    snprintf(word, sizeof word, "%s", type);
    nv_text_lower_utf8(word);
    const char *en = nv_tiers_canonical(word);
    const char *canon = en ? en : word;
    char known[1024] = "";
    for (size_t i = 0; i < nv_tiers_count(tiers); i++) {
        size_t k = strlen(known);
        snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "", nv_tiers_word(tiers, i));
    }
    if (nv_tiers_rank(tiers, canon) == nv_tiers_count(tiers))
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                          "--type '%s': not a known type (known: %s; the office types: %s; more with "
                          "--presence-order and --office-types)", type, known, nv_tiers_office_list(tiers));
    else if (!nv_tiers_is_office(tiers, canon))
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                          "--type '%s': a %s is no office, and suggest places sites that bring people closer to an "
                          "office; give an office type (%s), or count it as one with --office-types",
                          type, canon, nv_tiers_office_list(tiers));
    nv_tiers_destroy(tiers);
    return st;
}

/* The p-median's index: the offices that stay and the candidates, by variable. */
static nv_status make_pmedian_index(nv_suggestion *g, nv_error *err)
{
    double *fixed = malloc((g->n_sites ? 2 * g->n_sites : 1) * sizeof *fixed);
    double *cand = malloc((g->n_free ? 2 * g->n_free : 1) * sizeof *cand);
    size_t nf = 0;
    nv_status st = NV_OK;
    if (!fixed || !cand) {
        st = oom(err);
        goto done;
    }
    for (size_t i = 0; i < g->n_sites; i++)
        if (g->sites[i].fixed && g->sites[i].reach)
            fixed[2 * nf] = g->sites[i].x, fixed[2 * nf + 1] = g->sites[i].y, nf++;
    for (size_t j = 0; j < g->n_free; j++) {
        const site *t = &g->sites[g->free_site[j]];
        cand[2 * j] = t->x, cand[2 * j + 1] = t->y;
    }
    if (nf == 0)
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                          "--objective mean-distance: the plan has no office to measure distances from; give a plan "
                          "with at least one (or use the default objective, coverage)");
    else if (!(g->pm = nv_pmedian_index_create(fixed, nf, cand, g->n_free)))
        st = oom(err);
done:
    free(fixed);
    free(cand);
    return st;
}

nv_status nv_suggest_run(nv_session *s, const nv_suggest_options *o, nv_suggestion **out, nv_diags *diags,
                         nv_error *err)
{
    nv_suggestion *g = calloc(1, sizeof *g);
    nv_status st = NV_OK;
    size_t cap = 0;
    *out = NULL;
    if (!g)
        return oom(err);
    g->o = *o;
    g->t0 = now_s();
    g->r_m = o->radius_km * 1000;
    g->sum.method = "glpk";
    g->sum.mean_distance_km = g->sum.base_mean_distance_km = NAN;
    if (!(o->radius_km > 0) || !isfinite(o->radius_km)) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0, "%s: give a distance in km above 0",
                          o->mode == NV_SUGGEST_COVER ? "--cover" : "--radius-km");
        goto done;
    }
    if (o->mode != NV_SUGGEST_COVER && o->k < 1) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0, "--%s %d: give a number of sites, 1 or more",
                          o->mode == NV_SUGGEST_ADD ? "add" : "close", o->k);
        goto done;
    }
    if (o->objective == NV_SUGGEST_MEAN_DISTANCE && o->mode != NV_SUGGEST_ADD) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0, "--objective mean-distance goes with --add K only");
        goto done;
    }
    g->pmedian = o->objective == NV_SUGGEST_MEAN_DISTANCE;
    if (o->mode != NV_SUGGEST_CLOSE && (st = check_type(s, o->type, err)) != NV_OK)
        goto done;
    progress(g, "reading", NAN, NAN);
    if ((st = read_base(g, s, &cap, diags, err)) != NV_OK)
        goto done;
    if (o->mode != NV_SUGGEST_CLOSE && (st = read_candidates(g, s, &cap, diags, err)) != NV_OK)
        goto done;
    size_t n_free = 0;
    for (size_t i = 0; i < g->n_sites; i++) {
        site *t = &g->sites[i];
        t->var = t->fixed ? -1 : (int)n_free++;
    }
    g->n_free = n_free;
    if (!(g->free_site = malloc((n_free ? n_free : 1) * sizeof *g->free_site))) {
        st = oom(err);
        goto done;
    }
    for (size_t i = 0; i < g->n_sites; i++)
        if (!g->sites[i].fixed)
            g->free_site[g->sites[i].var] = (int)i;
    const char *cand = g->candidates_path;
    if (o->mode != NV_SUGGEST_CLOSE && n_free == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, cand, 0,
                          "no candidate lies inside the boundaries (in the municipality it names, when it names "
                          "one): give other candidates with --candidates");
        goto done;
    }
    if (o->mode == NV_SUGGEST_ADD && (size_t)o->k > n_free) {
        st = nv_error_set(err, NV_ERR_INPUT, cand, 0, "--add %d: there are only %zu usable candidates; give --add %zu "
                          "or fewer, or more candidates", o->k, n_free, n_free);
        goto done;
    }
    if (o->mode == NV_SUGGEST_CLOSE && (size_t)o->k > n_free) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0, "--close %d: only %zu offices of the plan may close (%zu stay "
                          "by --keep/--keep-ids); give --close %zu or fewer", o->k, n_free, g->n_sites - n_free,
                          n_free);
        goto done;
    }
    if (g->pmedian && (st = make_pmedian_index(g, err)) != NV_OK)
        goto done;
    g->n_areas = nv_boundaries_count(nv_areas_boundaries(nv_session_areas(s)));
    g->p_open = o->mode == NV_SUGGEST_ADD ? o->k : o->mode == NV_SUGGEST_CLOSE ? (int)n_free - o->k : 0;
    if ((st = build_demand(g, s, diags, err)) != NV_OK)
        goto done;
    if (build_classes(g) != 0) {
        st = oom(err);
        goto done;
    }
    if ((st = solve(g, err)) != NV_OK)
        goto done;
    g->sum.objective = o->mode == NV_SUGGEST_COVER ? "sites" : g->pmedian ? "mean_distance_km" : "covered_population";
    g->sum.maximise = o->mode != NV_SUGGEST_COVER && !g->pmedian;
    if (g->pmedian)
        pmedian_summary(g);
    g->sum.solve_s = now_s() - g->t0;
    g->sum.alternatives = g->n_sols - 1;
    /* The new sites of the suggestion get ids S1, S2, … in site order (skipping any the
     * plan already uses). */
    const unsigned char *open = g->sols[0].open;
    int next_id = 1;
    for (size_t i = 0; i < g->n_sites; i++) {
        site *t = &g->sites[i];
        if (t->existing || !open[t->var])
            continue;
        char id[64];
        for (;;) {
            snprintf(id, sizeof id, "S%d", next_id++);
            int clash = 0;
            for (size_t k = 0; k < g->n_sites && !clash; k++)
                clash = g->sites[k].existing && strcmp(g->sites[k].id, id) == 0;
            if (!clash)
                break;
        }
        char *copy = strdup(id);
        if (!copy) {
            st = oom(err);
            goto done;
        }
        free(t->id);
        t->id = copy;
    }
    /* The listing and the covered people. */
    int *cnt = calloc(g->nset ? g->nset : 1, sizeof *cnt);
    g->listing = calloc(g->n_free ? g->n_free : 1, sizeof *g->listing);
    if (!cnt || !g->listing) {
        free(cnt);
        st = oom(err);
        goto done;
    }
    double v = 0;
    evaluate(g, open, cnt);
    for (size_t q = 0; q < g->nset; q++)
        v += cnt[q] ? g->set_w[q] : 0;
    g->sum.covered_population = g->pmedian ? people_within(g, open, -1) : g->w_const + v;
    double base = 0;
    for (size_t q = 0; q < g->nset && o->mode == NV_SUGGEST_CLOSE; q++)
        base += g->set_w[q];
    g->sum.base_covered_population = g->w_const + base;
    for (size_t j = 0; j < g->n_free; j++) {
        int opened = o->mode != NV_SUGGEST_CLOSE;
        if ((opened && !open[j]) || (!opened && open[j]))
            continue;
        const site *t = &g->sites[g->free_site[j]];
        double people = 0;
        for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++) {
            int q = g->var_set[k];
            if (opened ? cnt[q] == 1 : cnt[q] == 0)
                people += g->set_w[q];
        }
        /* A closed office's people: those it alone would cover again. p-median: the
         * model's weight is person-km; the people are those within R it alone reaches. */
        double km = NAN;
        if (g->pmedian) {
            km = people / g->sum.total_population;
            people = g->sum.covered_population - people_within(g, open, (long)j);
        }
        g->listing[g->n_listing++] = (nv_suggest_site){t->id, t->name, t->kommunkod, t->namn, opened, people, km};
    }
    free(cnt);
    g->sum.opened = o->mode != NV_SUGGEST_CLOSE ? g->n_listing : 0;
    g->sum.closed = o->mode == NV_SUGGEST_CLOSE ? g->n_listing : 0;
done:
    if (st != NV_OK) {
        nv_suggestion_destroy(g);
        return st;
    }
    *out = g;
    return NV_OK;
}

/* ---------------------------------------------------------------- writing */

typedef struct out {
    FILE *f;
    const char *path;
    int failed;
} out;

static nv_status out_open(out *w, const char *path, nv_error *err)
{
    w->path = path;
    w->failed = 0;
    if (!(w->f = fopen(path, "w")))
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create: %s", strerror(errno));
    return NV_OK;
}

static nv_status out_close(out *w, nv_error *err)
{
    int bad = ferror(w->f) | w->failed;
    if (fclose(w->f) != 0 || bad)
        return nv_error_set(err, NV_ERR_FAIL, w->path, 0, "cannot write: %s", strerror(errno ? errno : EIO));
    return NV_OK;
}

static void csv_field(out *w, const char *s, int first)
{
    if (!first)
        fputc(',', w->f);
    if (!s)
        return;
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', w->f);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                fputc('"', w->f);
            fputc(*p, w->f);
        }
        fputc('"', w->f);
    } else {
        fputs(s, w->f);
    }
}

/* The shortest decimal that reads back as exactly v, so that the plan analyzed again
 * places every site where the search did. Locale-independent: the C locale. */
static void exact_number(char *buf, size_t size, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v, int decimals)
{
    if (!isfinite(v))
        fputs("null", f);
    else
        fprintf(f, "%.*f", decimals, v);
}

/* Per municipality under a plan: people, and people within R. */
static void muni_cover(const nv_suggestion *g, const unsigned char *open, double *pop, double *within)
{
    const gtab *t = g->groups;
    for (size_t m = 0; m <= g->n_areas; m++)
        pop[m] = within[m] = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t m = t->area[i] >= 0 ? (size_t)t->area[i] : g->n_areas;
        pop[m] += t->pop[i];
        int cov = t->fixed[i];
        for (unsigned k = 0; k < t->len[i] && !cov; k++)
            cov = open ? open[t->pool[t->off[i] + k]] : g->o.mode == NV_SUGGEST_CLOSE;
        if (cov)
            within[m] += t->pop[i];
    }
}

static nv_status write_suggested(const nv_suggestion *g, const char *path, nv_error *err)
{
    out w;
    nv_status st = out_open(&w, path, err);
    if (st != NV_OK)
        return st;
    const unsigned char *open = g->sols[0].open;
    int latlon = 1;
    for (size_t i = 0; i < g->n_sites; i++) {
        const site *t = &g->sites[i];
        int in = t->fixed || open[t->var];
        if (in && !(isfinite(t->lat) && isfinite(t->lon)))
            latlon = 0;
    }
    fprintf(w.f, "office_id,name,kommunkod,municipality,type,%s,basis,source\n", latlon ? "lat,lon" : "x,y");
    for (size_t i = 0; i < g->n_sites; i++) {
        const site *t = &g->sites[i];
        if (!(t->fixed || open[t->var]))
            continue;
        char a[40], b[40];
        const char *use_id = t->id;
        exact_number(a, sizeof a, latlon ? t->lat : t->x);
        exact_number(b, sizeof b, latlon ? t->lon : t->y);
        csv_field(&w, use_id, 1);
        csv_field(&w, t->name, 0);
        csv_field(&w, t->kommunkod, 0);
        csv_field(&w, t->namn, 0);
        csv_field(&w, t->type, 0);
        csv_field(&w, a, 0);
        csv_field(&w, b, 0);
        csv_field(&w, t->existing ? t->basis : "suggested", 0);
        csv_field(&w, t->where, 0);
        fputc('\n', w.f);
    }
    return out_close(&w, err);
}

static int cmp_worst(const double *pop, const double *within, size_t a, size_t b)
{
    double sa = within[a] / pop[a], sb = within[b] / pop[b];
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (pop[a] - within[a] != pop[b] - within[b])
        return pop[a] - within[a] > pop[b] - within[b] ? -1 : 1;
    return (a > b) - (a < b);
}

static nv_status write_alternatives(const nv_suggestion *g, const nv_boundaries *b, const char *path, nv_error *err)
{
    out w;
    nv_status st = out_open(&w, path, err);
    if (st != NV_OK)
        return st;
    size_t na = g->n_areas;
    double *pop = calloc(na + 1, sizeof *pop), *within = calloc(na + 1, sizeof *within);
    double *bpop = calloc(na + 1, sizeof *bpop), *bwithin = calloc(na + 1, sizeof *bwithin);
    if (!pop || !within || !bpop || !bwithin) {
        free(pop), free(within), free(bpop), free(bwithin);
        fclose(w.f);
        return oom(err);
    }
    muni_cover(g, NULL, bpop, bwithin);
    int close = g->o.mode == NV_SUGGEST_CLOSE, cover = g->o.mode == NV_SUGGEST_COVER;
    fprintf(w.f, "rank,%s,sites,covered_population,difference_to_best,proven,worst_off,worst_off_share_within,"
                 "municipalities_%s,%s\n",
            close ? "closed" : "opened", close ? "losing" : "gaining", close ? "losses" : "gains");
    for (size_t a = 0; a < g->n_sols; a++) {
        const unsigned char *open = g->sols[a].open;
        muni_cover(g, open, pop, within);
        double covered = 0;
        for (size_t m = 0; m <= na; m++)
            covered += within[m];
        double best_cov = 0;
        muni_cover(g, g->sols[0].open, pop, within);
        for (size_t m = 0; m <= na; m++)
            best_cov += within[m];
        muni_cover(g, open, pop, within);
        fprintf(w.f, "%zu,", a + 1);
        /* The sites: "id name (kommunkod)" separated by "; ". */
        fputc('"', w.f);
        int first = 1, count = 0;
        for (size_t j = 0; j < g->n_free; j++) {
            if (close ? open[j] : !open[j])
                continue;
            const site *t = &g->sites[g->free_site[j]];
            count++;
            if (t->existing)
                fprintf(w.f, "%s%s %s (%s)", first ? "" : "; ", t->id, t->name, t->kommunkod);
            else
                fprintf(w.f, "%s%s (%s)", first ? "" : "; ", t->name[0] ? t->name : t->where, t->kommunkod);
            first = 0;
        }
        fputc('"', w.f);
        fprintf(w.f, ",%d,%.0f,%.0f,%d,", cover ? count : count, covered, covered - best_cov, g->sols[a].proven);
        size_t worst = na;
        for (size_t m = 0; m < na; m++)
            if (pop[m] > 0 && (worst == na || cmp_worst(pop, within, m, worst) < 0))
                worst = m;
        if (worst < na) {
            const nv_municipality *mu = nv_boundaries_get(b, worst);
            char buf[256];
            snprintf(buf, sizeof buf, "%s %s", mu->code, mu->name);
            csv_field(&w, buf, 1);
            fprintf(w.f, ",%.4f,", within[worst] / pop[worst]);
        } else {
            fputs(",,", w.f);
        }
        int nch = 0;
        for (size_t m = 0; m < na; m++)
            nch += close ? within[m] < bwithin[m] : within[m] > bwithin[m];
        fprintf(w.f, "%d,\"", nch);
        first = 1;
        for (size_t m = 0; m < na; m++) {
            if (!(close ? within[m] < bwithin[m] : within[m] > bwithin[m]))
                continue;
            const nv_municipality *mu = nv_boundaries_get(b, m);
            fprintf(w.f, "%s%s %s %+.0f", first ? "" : "; ", mu->code, mu->name, within[m] - bwithin[m]);
            first = 0;
        }
        fputs("\"\n", w.f);
    }
    free(pop), free(within), free(bpop), free(bwithin);
    return out_close(&w, err);
}

/* p-median: per municipality (n_areas: outside every one), person-km under the plan open. */
static void muni_pkm(const nv_suggestion *g, const unsigned char *open, double *pkm)
{
    const gtab *t = g->prefixes;
    for (size_t m = 0; m <= g->n_areas; m++)
        pkm[m] = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t m = t->area[i] >= 0 ? (size_t)t->area[i] : g->n_areas;
        if (t->fixed[i]) {
            pkm[m] += t->pop[i];
            continue;
        }
        int cov = 0;
        for (unsigned k = 0; k < t->len[i] && !cov && open; k++)
            cov = open[t->pool[t->off[i] + k]];
        if (cov)
            pkm[m] -= t->pop[i];
    }
}

/* alternatives.csv for --objective mean-distance: as for coverage, ranked by the mean
 * distance; the worst-off municipality is the one with the longest mean distance, the
 * municipalities that gain those whose mean distance falls, each with its change in km. */
static nv_status write_alternatives_pmedian(const nv_suggestion *g, const nv_boundaries *b, const char *path,
                                            nv_error *err)
{
    out w;
    nv_status st = out_open(&w, path, err);
    if (st != NV_OK)
        return st;
    size_t na = g->n_areas;
    double *pop = calloc(na + 1, sizeof *pop), *within = calloc(na + 1, sizeof *within);
    double *pkm = calloc(na + 1, sizeof *pkm), *bpkm = calloc(na + 1, sizeof *bpkm);
    if (!pop || !within || !pkm || !bpkm) {
        free(pop), free(within), free(pkm), free(bpkm);
        fclose(w.f);
        return oom(err);
    }
    muni_pkm(g, NULL, bpkm);
    double P = g->sum.total_population, best = NAN;
    fputs("rank,opened,sites,mean_distance_km,difference_to_best,proven,covered_population,worst_off,"
          "worst_off_mean_distance_km,municipalities_gaining,gains\n", w.f);
    for (size_t a = 0; a < g->n_sols; a++) {
        const unsigned char *open = g->sols[a].open;
        muni_cover(g, open, pop, within);
        muni_pkm(g, open, pkm);
        double total = 0, covered = 0;
        for (size_t m = 0; m <= na; m++)
            total += pkm[m], covered += within[m];
        double mean = total / P;
        if (a == 0)
            best = mean;
        fprintf(w.f, "%zu,\"", a + 1);
        int first = 1, count = 0;
        for (size_t j = 0; j < g->n_free; j++) {
            if (!open[j])
                continue;
            const site *t = &g->sites[g->free_site[j]];
            count++;
            fprintf(w.f, "%s%s (%s)", first ? "" : "; ", t->name[0] ? t->name : t->where, t->kommunkod);
            first = 0;
        }
        fprintf(w.f, "\",%d,%.4f,%.4f,%d,%.0f,", count, mean, mean - best, g->sols[a].proven, covered);
        size_t worst = na;
        for (size_t m = 0; m < na; m++) {
            if (!(pop[m] > 0))
                continue;
            double dm = pkm[m] / pop[m], dw = worst < na ? pkm[worst] / pop[worst] : -1;
            if (worst == na || dm > dw || (dm == dw && pop[m] > pop[worst]))
                worst = m;
        }
        if (worst < na) {
            const nv_municipality *mu = nv_boundaries_get(b, worst);
            char buf[256];
            snprintf(buf, sizeof buf, "%s %s", mu->code, mu->name);
            csv_field(&w, buf, 1);
            fprintf(w.f, ",%.4f,", pkm[worst] / pop[worst]);
        } else {
            fputs(",,", w.f);
        }
        /* A change below a metre per person is rounding, not a gain. */
        int nch = 0;
        for (size_t m = 0; m < na; m++)
            nch += pop[m] > 0 && (bpkm[m] - pkm[m]) / pop[m] > 1e-3;
        fprintf(w.f, "%d,\"", nch);
        first = 1;
        for (size_t m = 0; m < na; m++) {
            if (!(pop[m] > 0 && (bpkm[m] - pkm[m]) / pop[m] > 1e-3))
                continue;
            const nv_municipality *mu = nv_boundaries_get(b, m);
            fprintf(w.f, "%s%s %s %+.3f km", first ? "" : "; ", mu->code, mu->name, (pkm[m] - bpkm[m]) / pop[m]);
            first = 0;
        }
        fputs("\"\n", w.f);
    }
    free(pop), free(within), free(pkm), free(bpkm);
    return out_close(&w, err);
}

static nv_status write_unreachable(const nv_suggestion *g, const nv_boundaries *b, const char *path, nv_error *err)
{
    out w;
    nv_status st = out_open(&w, path, err);
    if (st != NV_OK)
        return st;
    size_t na = g->n_areas;
    double *pop = calloc(na + 1, sizeof *pop);
    long *pts = calloc(na + 1, sizeof *pts);
    if (!pop || !pts) {
        free(pop), free(pts);
        fclose(w.f);
        return oom(err);
    }
    const gtab *t = g->groups;
    for (size_t i = 0; i < t->n; i++)
        if (!t->fixed[i] && t->len[i] == 0) {
            size_t m = t->area[i] >= 0 ? (size_t)t->area[i] : na;
            pop[m] += t->pop[i];
            pts[m] += t->pts[i];
        }
    fputs("kommunkod,namn,points,population\n", w.f);
    for (size_t m = 0; m <= na; m++) {
        if (!pts[m])
            continue;
        const nv_municipality *mu = m < na ? nv_boundaries_get(b, m) : NULL;
        csv_field(&w, mu ? mu->code : "", 1);
        csv_field(&w, mu ? mu->name : "(outside every municipality)", 0);
        fprintf(w.f, ",%ld,%.0f\n", pts[m], pop[m]);
    }
    free(pop), free(pts);
    return out_close(&w, err);
}

static const char *mode_name(nv_suggest_mode m)
{
    return m == NV_SUGGEST_ADD ? "add" : m == NV_SUGGEST_CLOSE ? "close" : "cover";
}

static nv_status write_summary(const nv_suggestion *g, const nv_run_summary *after, const char *path,
                               const char *manifest_json, nv_error *err)
{
    out w;
    nv_status st = out_open(&w, path, err);
    if (st != NV_OK)
        return st;
    const nv_suggest_summary *s = &g->sum;
    FILE *f = w.f;
    fprintf(f, "{\n  \"mode\": \"%s\",\n  \"objective\": \"%s\",\n", mode_name(g->o.mode), s->objective);
    if (g->o.mode != NV_SUGGEST_COVER)
        fprintf(f, "  \"k\": %d,\n", g->o.k);
    fprintf(f, "  \"radius_km\": ");
    json_num(f, g->o.radius_km, 3);
    fprintf(f, ",\n  \"covered_population\": %.0f,\n", s->covered_population);
    fprintf(f, "  \"base_covered_population\": %.0f,\n", s->base_covered_population);
    fprintf(f, "  \"total_population\": %.0f,\n", s->total_population);
    if (g->o.mode == NV_SUGGEST_COVER) {
        fprintf(f, "  \"sites\": %.0f,\n  \"lower_bound\": ", s->best);
        json_num(f, s->bound, 0);
    } else if (g->pmedian) {
        /* The optimum lies in [lower_bound, upper_bound]: the proven bound and the plan found. */
        fprintf(f, "  \"mean_distance_km\": ");
        json_num(f, s->best, 6);
        fprintf(f, ",\n  \"base_mean_distance_km\": ");
        json_num(f, s->base_mean_distance_km, 6);
        fprintf(f, ",\n  \"lower_bound\": ");
        json_num(f, s->bound, 6);
        fprintf(f, ",\n  \"upper_bound\": ");
        json_num(f, s->best, 6);
    } else {
        fprintf(f, "  \"upper_bound\": ");
        json_num(f, s->bound, 0);
    }
    fprintf(f, ",\n  \"lp_bound\": ");
    json_num(f, s->lp_bound, g->pmedian ? 6 : 3);
    fprintf(f, ",\n  \"optimal\": %s,\n  \"gap\": ", s->optimal ? "true" : "false");
    json_num(f, s->gap, 6);
    fprintf(f, ",\n  \"method\": \"%s\",\n", s->method);
    fprintf(f, "  \"tie_break\": \"sites numbered by kommunkod, name and line (offices in plan order); no chosen "
               "site can be exchanged for an earlier-numbered one without a worse plan\",\n");
    fprintf(f, "  \"unreachable_population\": %.0f,\n  \"unreachable_points\": %ld,\n", s->unreachable_population,
            s->unreachable_points);
    fprintf(f, "  \"demand_points\": %ld,\n  \"coverage_sets\": %zu,\n", s->demand_points, s->coverage_sets);
    fprintf(f, "  \"candidates\": ");
    json_str(f, g->o.mode == NV_SUGGEST_CLOSE ? NULL : g->candidates_path);
    fprintf(f, ",\n  \"candidates_read\": %zu,\n  \"candidates_trusted\": %zu,\n  \"candidates_used\": %zu,\n",
            s->candidates_read, s->candidates_trusted, s->candidates_used);
    fprintf(f, "  \"opened\": [");
    for (size_t i = 0, k = 0; i < g->n_listing; i++)
        if (g->listing[i].opened) {
            fprintf(f, "%s", k++ ? ", " : "");
            json_str(f, g->listing[i].name[0] ? g->listing[i].name : g->listing[i].id);
        }
    fprintf(f, "],\n  \"closed\": [");
    for (size_t i = 0, k = 0; i < g->n_listing; i++)
        if (!g->listing[i].opened) {
            fprintf(f, "%s", k++ ? ", " : "");
            json_str(f, g->listing[i].id);
        }
    fprintf(f, "],\n  \"alternatives\": %zu,\n", s->alternatives);
    fprintf(f, "  \"suggested\": {\"offices\": %d, \"municipalities_with_office\": %d, "
               "\"municipalities_without_office\": %d},\n",
            after->offices, after->with_office, after->without_office);
    fprintf(f, "  \"manifest\": %s\n}\n", manifest_json ? manifest_json : "null");
    return out_close(&w, err);
}

/* DIR/maps/suggested.png: the difference map of the comparison (gained and lost presence,
 * the suggestion's offices on top, closed offices as crosses), drawn from compare.sqlite. */
static nv_status write_map(nv_session *s, const char *dir, nv_error *err)
{
    char path[4096], db[4096];
    nv_mapspec *spec = NULL;
    nv_map_data *d = NULL;
    snprintf(path, sizeof path, "%s/maps", dir);
    if (mkdir(path, 0777) != 0)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the maps folder: %s", strerror(errno));
    snprintf(db, sizeof db, "%s/compare/compare.sqlite", dir);
    nv_status st = nv_mapspec_find_and_load(nv_session_options_of(s)->maps_dir, "suggested", &spec, err);
    if (st == NV_OK)
        st = nv_render_load(db, &d, err);
    if (st == NV_OK) {
        snprintf(path, sizeof path, "%s/maps/suggested.png", dir);
        st = nv_render_write(d, spec, NULL, path, NULL, err);
    }
    nv_render_data_destroy(d);
    nv_mapspec_destroy(spec);
    return st;
}

nv_status nv_suggest_write(nv_session *s, nv_suggestion *g, const char *dir, const char *final_dir, nv_diags *diags,
                           nv_error *err)
{
    char path[4096], label[4096];
    nv_status st;
    const nv_boundaries *b = nv_areas_boundaries(nv_session_areas(s));
    snprintf(path, sizeof path, "%s/suggested.csv", dir);
    snprintf(label, sizeof label, "%s/suggested.csv", final_dir);
    if ((st = write_suggested(g, path, err)) != NV_OK)
        return st;
    /* The suggestion as analyze sees it: the check that it counts the same people. */
    nv_evaluation *after = NULL;
    const char *files[1] = {path}, *labels[1] = {label};
    nv_diags *quiet = nv_diags_create();
    st = nv_session_evaluate_as(s, files, labels, 1, NULL, &after, quiet, err);
    nv_diags_destroy(quiet);
    if (st != NV_OK)
        return st;
    const nv_run_summary *as = nv_evaluation_summary(after);
    size_t r = 0;
    while (r < as->radii.n && as->radii.km[r] != g->o.radius_km)
        r++;
    if (r < as->radii.n && isfinite(as->pop.within[r]) &&
        fabs(as->pop.within[r] - g->sum.covered_population) > 1e-6 * fmax(1, g->sum.covered_population)) {
        st = nv_error_set(err, NV_ERR_FAIL, path, 0,
                          "internal check failed: analyzed again, the suggestion covers %.0f people within %g km, the "
                          "search counted %.0f (please report this)",
                          as->pop.within[r], g->o.radius_km, g->sum.covered_population);
        goto done;
    }
    if (g->pmedian) {
        /* The same check for the objective: analyze's mean distance is the search's. */
        double a = as->pop.mean_distance_km, a0 = nv_evaluation_summary(g->base_eval)->pop.mean_distance_km;
        if (!(fabs(a - g->sum.best) <= 1e-9 * fmax(1, a)) ||
            !(fabs(a0 - g->sum.base_mean_distance_km) <= 1e-9 * fmax(1, a0))) {
            st = nv_error_set(err, NV_ERR_FAIL, path, 0,
                              "internal check failed: analyzed again, the mean distance is %.6f km (the plan: %.6f), "
                              "the search counted %.6f (%.6f) (please report this)",
                              a, a0, g->sum.best, g->sum.base_mean_distance_km);
            goto done;
        }
    }
    g->sum.mean_distance_km = as->pop.mean_distance_km;
    g->sum.base_mean_distance_km = nv_evaluation_summary(g->base_eval)->pop.mean_distance_km;
    snprintf(path, sizeof path, "%s/alternatives.csv", dir);
    if ((st = (g->pmedian ? write_alternatives_pmedian : write_alternatives)(g, b, path, err)) != NV_OK)
        goto done;
    snprintf(path, sizeof path, "%s/unreachable.csv", dir);
    if ((st = write_unreachable(g, b, path, err)) != NV_OK)
        goto done;
    snprintf(path, sizeof path, "%s/compare", dir);
    if (mkdir(path, 0777) != 0) {
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create: %s", strerror(errno));
        goto done;
    }
    size_t nm = g->n_areas, n_ranked = 0;
    nv_change *changes = calloc(nm ? nm : 1, sizeof *changes);
    size_t *ranking = calloc(nm ? nm : 1, sizeof *ranking);
    nv_compare_totals totals;
    if (!changes || !ranking)
        st = oom(err);
    else
        st = nv_compare_write(s, g->base_eval, after, path, &totals, changes, ranking, &n_ranked, err);
    free(changes);
    free(ranking);
    if (st != NV_OK)
        goto done;
    const nv_session_options *so = nv_session_options_of(s);
    if (!so->no_maps && !so->tables_only && (st = write_map(s, dir, err)) != NV_OK)
        goto done;
    /* The manifest: the shared inputs, the plan, the candidates, the options. */
    nv_manifest *m = nv_session_manifest_copy(s);
    char *json = NULL, buf[64];
    if (!m) {
        st = oom(err);
        goto done;
    }
    for (size_t i = 0; i < g->n_base_files && st == NV_OK; i++)
        st = nv_manifest_add_file(m, "plan", g->base_files[i], err);
    if (st == NV_OK && g->o.mode != NV_SUGGEST_CLOSE) {
        struct stat sb;
        if (stat(g->candidates_path, &sb) == 0 && S_ISREG(sb.st_mode))
            st = nv_manifest_add_file(m, "candidates", g->candidates_path, err);
        else
            nv_manifest_add_value(m, "candidates", g->candidates_path);
    }
    if (st == NV_OK && g->o.keep_ids)
        st = nv_manifest_add_file(m, "keep_ids", g->o.keep_ids, err);
    nv_manifest_add_value(m, "suggest_mode", mode_name(g->o.mode));
    if (g->pmedian)
        nv_manifest_add_value(m, "suggest_objective", "mean-distance");
    snprintf(buf, sizeof buf, "%d", g->o.k);
    nv_manifest_add_value(m, "suggest_k", buf);
    snprintf(buf, sizeof buf, "%.17g", g->o.radius_km);
    nv_manifest_add_value(m, "suggest_radius_km", buf);
    nv_manifest_add_value(m, "suggest_type", g->o.type ? g->o.type : "staffed");
    for (size_t i = 0; i < g->o.n_keep_types; i++)
        nv_manifest_add_value(m, "suggest_keep", g->o.keep_types[i]);
    snprintf(buf, sizeof buf, "%d", g->o.alternatives);
    nv_manifest_add_value(m, "suggest_alternatives", buf);
    snprintf(buf, sizeof buf, "%.17g", g->o.time_limit_s > 0 ? g->o.time_limit_s : 30);
    nv_manifest_add_value(m, "suggest_time_limit_s", buf);
    if (st == NV_OK && !(json = nv_manifest_json(m, 2)))
        st = oom(err);
    if (st == NV_OK) {
        snprintf(path, sizeof path, "%s/summary.json", dir);
        st = write_summary(g, as, path, json, err);
    }
    free(json);
    nv_manifest_destroy(m);
done:
    (void)diags;
    nv_evaluation_destroy(after);
    return st;
}
