/* suggest.c — narvaro suggest's inputs and model (see suggest.h; the parts it shares with
 * suggest_solve.c and suggest_write.c are in suggest_int.h): the base plan and the
 * candidates as sites, the demand points grouped by the sites within R of them (and, for
 * the p-median, their prefix sets, pmedian.h), the model's rows, and nv_suggest_run. */
#include "suggest_int.h"

#include "offices.h"
#include "textin.h"
#include "tiers.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- small helpers */

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- sites and groups */

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
        return nv_suggest_oom(err);
    for (size_t i = 0; i < nf; i++)
        if (!(g->base_files[g->n_base_files++] = strdup(g->o.n_base_files ? g->o.base_files[i] : def)))
            return nv_suggest_oom(err);
    if ((st = nv_session_evaluate(s, (const char *const *)g->base_files, g->n_base_files, NULL, &g->base_eval, diags,
                                  err)) != NV_OK)
        return st;
    /* Read once more for the rows themselves (basis, coordinates as written): the
     * evaluation has already reported every problem, so its diagnostics are dropped. */
    if (!(g->base_plan = nv_plan_create()))
        return nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
    for (size_t i = 0; i < no && st == NV_OK; i++) {
        const nv_office *in = nv_plan_office(g->base_plan, i);
        if (!res[i].muni) /* rejected: no office, and not in the suggestion */
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
        snprintf(where, sizeof where, "%s:%ld", in->source, (long)in->line);
        if (!(t.id = dup_str(in->id)) || !(t.name = dup_str(in->name)) ||
            !(t.kommunkod = dup_str(in->kommunkod[0] ? in->kommunkod : nv_office_kommunkod(&res[i]))) ||
            !(t.namn = dup_str(nv_office_namn(&res[i]))) || !(t.type = dup_str(in->type)) || !(t.basis = dup_str(in->basis)) ||
            !(t.where = dup_str(where)) || push_site(g, cap, &t) != 0) {
            free(t.id), free(t.name), free(t.kommunkod), free(t.namn), free(t.type), free(t.basis), free(t.where);
            st = nv_suggest_oom(err);
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
    return r->muni && r->status == NV_OFFICE_PLACED &&
           (!r->kommunkod_stated || !r->kommunkod_stated[0] || strcmp(r->kommunkod_stated, r->muni->kommunkod) == 0);
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
        return nv_suggest_oom(err);
    const char *dot = strrchr(path, '.');
    int csv = dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0 || strcasecmp(dot, ".tsv") == 0);
    nv_plan *plan = nv_plan_create();
    nv_coverage *cov = NULL;
    nv_diags *quiet = nv_diags_create();
    nv_status st = NV_OK;
    size_t first = g->n_sites;
    if (!plan || !quiet) {
        st = nv_suggest_oom(err);
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
            st = nv_suggest_oom(err);
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
            snprintf(where, sizeof where, "%s:%ld", in->source, (long)in->line);
            /* A gazetteer names its places in a town (locality) column. */
            const char *name = in->name && in->name[0] ? in->name : in->town ? in->town : "";
            if (!(t.id = dup_str(in->id)) || !(t.name = dup_str(name)) || !(t.kommunkod = dup_str(nv_office_kommunkod(&res[i]))) ||
                !(t.namn = dup_str(nv_office_namn(&res[i]))) || !(t.type = dup_str(g->o.type ? g->o.type : "staffed")) ||
                !(t.basis = dup_str("suggested")) || !(t.where = dup_str(where)) || push_site(g, cap, &t) != 0) {
                free(t.id), free(t.name), free(t.kommunkod), free(t.namn), free(t.type), free(t.basis), free(t.where);
                st = nv_suggest_oom(err);
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
                st = nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
        goto done;
    }
    nv_suggest_progress_at(g, "coverage sets", NAN, NAN);
    /* Points far from every municipality are measured for nothing, as analyze does. */
    if ((st = nv_areas_visit_demand(nv_session_areas(s), so->population.source ? &so->population : NULL,
                                    so->snap_km * 1000, collect, collect_restart, &c, diags, err)) != NV_OK)
        goto done;
    if (c.failed) {
        st = nv_suggest_oom(err);
        goto done;
    }
    /* Merged in chunk order: the groups and their sums do not depend on the threads. */
    if (!(g->groups = calloc(1, sizeof(gtab))) || (g->pm && !(g->prefixes = calloc(1, sizeof(gtab))))) {
        st = nv_suggest_oom(err);
        goto done;
    }
    for (size_t k = 0; k < c.n_chunks && st == NV_OK; k++) {
        for (int which = 0; which < 2 && st == NV_OK; which++) {
            gtab *t = which ? c.pchunks[k] : c.chunks[k], *into = which ? g->prefixes : g->groups;
            for (size_t i = 0; t && i < t->n; i++)
                if (gtab_add(into, t->area[i], t->fixed[i], gset(t, i), t->len[i], t->pop[i], t->pts[i]) != 0) {
                    st = nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
done:
    collect_restart(&c);
    free(c.chunks);
    free(c.pchunks);
    pthread_mutex_destroy(&c.lock);
    grid_free(&gr);
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
        st = nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
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
        return nv_suggest_oom(err);
    g->o = *o;
    g->t0 = nv_suggest_now_s();
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
    nv_suggest_progress_at(g, "reading", NAN, NAN);
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
        st = nv_suggest_oom(err);
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
    if (nv_suggest_build_classes(g) != 0) {
        st = nv_suggest_oom(err);
        goto done;
    }
    if ((st = nv_suggest_solve(g, err)) != NV_OK)
        goto done;
    g->sum.objective = o->mode == NV_SUGGEST_COVER ? "sites" : g->pmedian ? "mean_distance_km" : "covered_population";
    g->sum.maximise = o->mode != NV_SUGGEST_COVER && !g->pmedian;
    if (g->pmedian)
        pmedian_summary(g);
    g->sum.solve_s = nv_suggest_now_s() - g->t0;
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
            st = nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
        goto done;
    }
    double v = 0;
    nv_suggest_evaluate(g, open, cnt);
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
