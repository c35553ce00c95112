#include "coverage.h"

#include "index.h"
#include "report.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nv_coverage {
    nv_muni_result *munis;
    size_t n_munis;
    nv_office_result *offices;
    size_t n_offices;
    nv_county_result *counties;
    size_t n_counties;
    char **notes;          /* the offices' notes (the rows with a detail, below), owned */
    size_t n_notes;
    nv_run_summary totals; /* counts only */
    const nv_areas *areas; /* borrowed: the index, for the population pass */
    nv_kdtree *kd;         /* placed offices; NULL when there is none */
    int tree_dropped;      /* nv_coverage_drop_tree freed kd */
    const char **tier_words; /* the run's tiers, best first (borrowed strings) */
    int *tier_counts;
    size_t n_tiers;
    nv_tiers *own_tiers;   /* the default ranking, when the caller gave none */
    double snap_m;         /* --snap-km: demand points farther out are measured for nothing */
};

struct nv_areas {
    const nv_boundaries *b;
    nv_polyindex *idx;
    double minx, miny, maxx, maxy;
    /* Municipal population table, once loaded: people per municipality at its
     * representative point (xy), NAN where the table has none. */
    double *table_pop;
    double *table_xy;
    size_t table_n;          /* municipalities with a figure, packed first in table_xy/table_w */
    double *table_w;
    char *table_path;
    nv_places *places;       /* the gazetteer, once loaded */
};

nv_status nv_areas_create(const nv_boundaries *b, nv_areas **out, nv_error *err)
{
    size_t nm = nv_boundaries_count(b);
    nv_areas *a = calloc(1, sizeof *a);
    nv_poly_view *views = calloc(nm ? nm : 1, sizeof *views);
    *out = NULL;
    if (!a || !views) {
        free(a);
        free(views);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    a->b = b;
    a->minx = a->miny = INFINITY;
    a->maxx = a->maxy = -INFINITY;
    for (size_t i = 0; i < nm; i++) {
        const nv_municipality *mu = nv_boundaries_get(b, i);
        views[i] = mu->poly;
        a->minx = fmin(a->minx, mu->minx), a->miny = fmin(a->miny, mu->miny);
        a->maxx = fmax(a->maxx, mu->maxx), a->maxy = fmax(a->maxy, mu->maxy);
    }
    a->idx = nv_polyindex_create(views, nm);
    free(views);
    if (!a->idx) {
        free(a);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory building the spatial index");
    }
    *out = a;
    return NV_OK;
}

void nv_areas_destroy(nv_areas *a)
{
    if (!a)
        return;
    nv_polyindex_destroy(a->idx);
    free(a->table_pop);
    free(a->table_xy);
    free(a->table_w);
    free(a->table_path);
    nv_places_destroy(a->places);
    free(a);
}

nv_status nv_areas_load_places(nv_areas *a, const nv_places_options *o, nv_diags *diags, nv_error *err)
{
    nv_places *p = NULL;
    nv_status st = nv_places_load(o, a->b, a->idx, &p, diags, err);
    if (st == NV_OK) {
        nv_places_destroy(a->places);
        a->places = p;
    }
    return st;
}

const nv_places *nv_areas_places(const nv_areas *a)
{
    return a->places;
}

static const struct { const char *code, *name; } COUNTIES[] = {
    {"01", "Stockholms län"}, {"03", "Uppsala län"}, {"04", "Södermanlands län"},
    {"05", "Östergötlands län"}, {"06", "Jönköpings län"}, {"07", "Kronobergs län"},
    {"08", "Kalmar län"}, {"09", "Gotlands län"}, {"10", "Blekinge län"},
    {"12", "Skåne län"}, {"13", "Hallands län"}, {"14", "Västra Götalands län"},
    {"17", "Värmlands län"}, {"18", "Örebro län"}, {"19", "Västmanlands län"},
    {"20", "Dalarnas län"}, {"21", "Gävleborgs län"}, {"22", "Västernorrlands län"},
    {"23", "Jämtlands län"}, {"24", "Västerbottens län"}, {"25", "Norrbottens län"},
};

const char *nv_coverage_county_name(const char *lanskod)
{
    for (size_t i = 0; lanskod && i < sizeof COUNTIES / sizeof COUNTIES[0]; i++)
        if (strcmp(COUNTIES[i].code, lanskod) == 0)
            return COUNTIES[i].name;
    return NULL;
}

static long muni_index(const nv_boundaries *b, const char *code);

static nv_presence_rank rank_of(const char *type)
{
    if (strcmp(type, "staffed") == 0)
        return NV_PRESENCE_STAFFED;
    if (strcmp(type, "booked") == 0)
        return NV_PRESENCE_BOOKED;
    return NV_PRESENCE_OTHER;
}

void nv_coverage_destroy(nv_coverage *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_notes; i++)
        free(c->notes[i]);
    free(c->notes);
    nv_kdtree_destroy(c->kd);
    free(c->munis);
    free(c->offices);
    free(c->counties);
    free(c->tier_words);
    free(c->tier_counts);
    nv_tiers_destroy(c->own_tiers);
    free(c);
}

const nv_muni_result *nv_coverage_municipalities(const nv_coverage *c, size_t *n)
{
    *n = c->n_munis;
    return c->munis;
}

const nv_office_result *nv_coverage_offices(const nv_coverage *c, size_t *n)
{
    *n = c->n_offices;
    return c->offices;
}

const nv_county_result *nv_coverage_counties(const nv_coverage *c, size_t *n)
{
    *n = c->n_counties;
    return c->counties;
}

void nv_coverage_totals(const nv_coverage *c, nv_run_summary *s)
{
    *s = c->totals;
    s->n_tiers = c->n_tiers;
    s->tier_words = c->tier_words;
    s->tier_counts = c->tier_counts;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* The municipality whose name is name (compared as gazetteer names are), or -1. */
static long muni_by_name(const nv_boundaries *b, const char *name)
{
    char *key = nv_places_key(name);
    long found = -1;
    for (size_t m = 0; key && m < nv_boundaries_count(b) && found < 0; m++) {
        char *k = nv_places_key(nv_boundaries_get(b, m)->name);
        if (k && strcmp(k, key) == 0)
            found = (long)m;
        free(k);
    }
    free(key);
    return found;
}

/* Rejects a row whose town or code cannot place it: an NV_PROBLEM, and *bad counts it. */
static long reject_row(const nv_office *in, nv_office_result *o, char **note, nv_diags *diags, int *bad,
                       char *why)
{
    o->status = NV_OFFICE_REJECTED;
    *note = why;
    (*bad)++;
    nv_diags_add(diags, NV_PROBLEM, in->source, in->line, "%s: %s", in->id,
                 why ? why : "cannot be placed");
    return -1;
}

/* Places a row without coordinates: by its town in the gazetteer (within its kommunkod
 * when it gives one), else by its kommunkod at the representative point. */
static long place_by_name(const nv_boundaries *b, const nv_places *places, const nv_office *in,
                          nv_office_result *o, char **note, nv_diags *diags, int *bad)
{
    long code_m = -1;
    const nv_municipality *mu;
    if (in->kommunkod[0] && (code_m = muni_index(b, in->kommunkod)) < 0)
        return reject_row(in, o, note, diags, bad,
                          fmt("kommunkod %s is no municipality of the boundaries; correct the code (the "
                              "boundaries have %zu municipalities, %s to %s)",
                              in->kommunkod, nv_boundaries_count(b), nv_boundaries_get(b, 0)->code,
                              nv_boundaries_get(b, nv_boundaries_count(b) - 1)->code));
    if (in->town[0] && places) {
        enum { MAX_HITS = 12 };
        size_t hits[MAX_HITS];
        size_t n = nv_places_find(places, in->town, code_m, hits, MAX_HITS);
        if (n == 1) {
            const nv_place *pl = nv_places_get(places, hits[0]);
            mu = nv_boundaries_get(b, pl->muni);
            o->x = pl->x;
            o->y = pl->y;
            o->status = NV_OFFICE_PLACED;
            o->placed_by = NV_PLACED_BY_TOWN;
            o->snap_m = 0;
            if (pl->feature >= 0)
                *note = fmt("no coordinates: placed at %s in %s %s (%s, feature %ld)", pl->name, mu->code, mu->name,
                            nv_places_source(places), pl->feature);
            else
                *note = fmt("no coordinates: placed at %s in %s %s (%s:%ld)", pl->name, mu->code, mu->name,
                            nv_places_source(places), pl->line);
            return (long)pl->muni;
        }
        if (n > 1) {
            char list[1024] = "";
            for (size_t k = 0; k < n && k < MAX_HITS; k++) {
                const nv_place *pl = nv_places_get(places, hits[k]);
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s %s", k ? ", " : "", pl->kommunkod, pl->kommun_namn);
            }
            return reject_row(in, o, note, diags, bad,
                              fmt("town \"%s\" is in %zu municipalities: %s%s; add a kommunkod column to say "
                                  "which",
                                  in->town, n, list, n > MAX_HITS ? ", ..." : ""));
        }
        if (code_m < 0 && (code_m = muni_by_name(b, in->town)) >= 0) {
            /* Not a locality but a municipality's name ("Ydre", "Ydre kommun"): its point. */
            mu = nv_boundaries_get(b, (size_t)code_m);
            o->x = mu->rep_x;
            o->y = mu->rep_y;
            o->status = NV_OFFICE_PLACED;
            o->placed_by = NV_PLACED_BY_MUNICIPALITY;
            o->snap_m = 0;
            *note = fmt("no coordinates; %s is no locality of the gazetteer but the municipality %s %s: placed at "
                        "its representative point", in->town, mu->code, mu->name);
            return code_m;
        }
        if (code_m < 0) {
            const char *near[3];
            size_t k = nv_places_closest(places, in->town, near, 3);
            char list[512] = "";
            for (size_t i = 0; i < k; i++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", near[i]);
            }
            return reject_row(in, o, note, diags, bad,
                              fmt("town \"%s\" is not in the gazetteer %s%s%s%s; correct the name, or add a "
                                  "kommunkod column to place the row at its municipality",
                                  in->town, nv_places_source(places), k ? " (did you mean " : "", list,
                                  k ? "?)" : ""));
        }
    } else if (in->town[0] && code_m < 0) {
        return reject_row(in, o, note, diags, bad,
                          fmt("town \"%s\" cannot be looked up: no gazetteer is loaded; give one with --places, "
                              "or add a kommunkod column",
                              in->town));
    }
    mu = nv_boundaries_get(b, (size_t)code_m);
    o->x = mu->rep_x;
    o->y = mu->rep_y;
    o->status = NV_OFFICE_PLACED;
    o->placed_by = NV_PLACED_BY_MUNICIPALITY;
    o->snap_m = 0;
    if (in->town[0]) {
        size_t elsewhere = places ? nv_places_find(places, in->town, -1, NULL, 0) : 0;
        *note = fmt("no coordinates, and town %s is not in the gazetteer%s%s: placed at the representative point "
                    "of %s %s",
                    in->town, places ? "" : " (none loaded)", places && elsewhere ? " of this municipality" : "",
                    mu->code, mu->name);
        nv_diags_add(diags, NV_WARNING, in->source, in->line,
                     "%s: town \"%s\" is not in the gazetteer%s; placed by its kommunkod at the representative "
                     "point of %s %s",
                     in->id, in->town, places && elsewhere ? " within its kommunkod (it is elsewhere)" : "",
                     mu->code, mu->name);
    } else {
        *note = fmt("no coordinates and no town: placed at the representative point of %s %s", mu->code, mu->name);
    }
    return code_m;
}

/* Places one row: sets its result fields and returns the municipality index or -1. By
 * where its coordinates lie (*inside when given: located beforehand, locate_rows), else
 * by its kommunkod or town (place_by_name). */
static long place_office(const nv_boundaries *b, const nv_polyindex *idx, const nv_places *places,
                         double snap_m, const nv_plan *plan, const nv_office *in, const int32_t *inside,
                         nv_office_result *o, char **note, nv_diags *diags, int *swapped, int *bad)
{
    long m = -1;
    double d = 0;
    if (!in->valid) {
        o->status = NV_OFFICE_REJECTED;
        *note = fmt("%s", in->problem ? in->problem : "the row has a problem");
        return -1;
    }
    if (!in->located)
        return place_by_name(b, places, in, o, note, diags, bad);
    o->placed_by = NV_PLACED_BY_COORDINATES;
    m = inside ? *inside : nv_polyindex_locate(idx, in->x, in->y);
    if (m >= 0) {
        o->status = NV_OFFICE_PLACED;
        o->snap_m = 0;
    } else {
        m = nv_polyindex_nearest(idx, in->x, in->y, snap_m, &d);
        if (m >= 0) {
            const nv_municipality *mu = nv_boundaries_get(b, (size_t)m);
            o->status = NV_OFFICE_SNAPPED;
            o->snap_m = d;
            *note = fmt("outside every municipality; snapped %.0f m to %s %s", d, mu->code, mu->name);
            nv_diags_add(diags, NV_WARNING, in->source, in->line,
                         "office %s lies %.0f m outside every municipality; placed in the nearest, %s %s "
                         "(the boundaries are simplified; --snap-km sets how far this may reach)",
                         in->id, d, mu->code, mu->name);
        } else {
            double sx, sy;
            long sw = nv_plan_swapped_xy(plan, in, &sx, &sy) ? nv_polyindex_locate(idx, sx, sy) : -1;
            o->status = NV_OFFICE_REJECTED;
            if (sw >= 0) {
                const nv_municipality *mu = nv_boundaries_get(b, (size_t)sw);
                *note = fmt("lat %.6f, lon %.6f lie outside every municipality, but exchanged they lie in %s %s: "
                            "are lat and lon swapped?", in->lat_deg, in->lon_deg, mu->code, mu->name);
                nv_diags_add(diags, NV_PROBLEM, in->source, in->line,
                             "office %s: lat %.6f, lon %.6f lie outside every municipality, but exchanged they "
                             "lie in %s %s (are the lat and lon columns swapped? fix the header or use --lat/--lon)",
                             in->id, in->lat_deg, in->lon_deg, mu->code, mu->name);
                (*swapped)++;
                (*bad)++;
            } else {
                double near_d = NAN;
                long near = nv_polyindex_nearest(idx, in->x, in->y, INFINITY, &near_d);
                const nv_municipality *mu = near >= 0 ? nv_boundaries_get(b, (size_t)near) : NULL;
                *note = fmt("outside every municipality, %.1f km from the nearest (%s %s), farther than --snap-km %.3g",
                            near_d / 1000, mu ? mu->code : "-", mu ? mu->name : "-", snap_m / 1000);
                nv_diags_add(diags, NV_WARNING, in->source, in->line, "office %s rejected: %s", in->id, *note);
            }
            return -1;
        }
    }
    const nv_municipality *mu = nv_boundaries_get(b, (size_t)m);
    if (in->kommunkod[0] && strcmp(in->kommunkod, mu->code) != 0) {
        char *extra = fmt("plan says kommunkod %s, the coordinates lie in %s %s", in->kommunkod, mu->code, mu->name);
        if (*note && extra) {
            char *both = fmt("%s; %s", *note, extra);
            free(*note);
            free(extra);
            *note = both;
        } else if (extra) {
            *note = extra;
        }
        nv_diags_add(diags, NV_WARNING, in->source, in->line, "office %s: the plan says kommunkod %s, but the "
                     "coordinates lie in %s %s (the coordinates decide; check the row)",
                     in->id, in->kommunkod, mu->code, mu->name);
    }
    return m;
}

static nv_population_result no_population(void)
{
    nv_population_result p;
    p.population = p.mean_distance_km = p.max_distance_km = NAN;
    for (size_t r = 0; r < NV_MAX_RADII; r++)
        p.within[r] = NAN;
    return p;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* nv_coverage_compute works in two phases. The first places every row, counts each
 * municipality's locations, and keeps of each row only what the join made of it: a
 * placement (8 bytes; a result is 112) and, for the few rows whose result their row
 * cannot tell, a detail and a note. The second makes the results from the rows and
 * those, and a caller done with the rows frees them as it goes: a plan of millions of
 * rows never holds its rows and its results whole at once. The distances are measured
 * last, from the results, with the trees built then. */
typedef struct placement {
    int32_t muni;          /* index into the boundaries; -1: not placed (blank or rejected) */
    uint8_t status;        /* nv_office_status */
    uint8_t placed_by;     /* nv_placed_by */
    uint8_t is_office;     /* its type is one of the office tiers */
    uint8_t has_detail;    /* the row's detail and note are the next ones, in row order */
} placement;

/* A row with a note (snapped, rejected, placed by name, a kommunkod disagreement) or
 * placed elsewhere than at its coordinates (a town's point, a municipality's). */
typedef struct detail {
    double x, y, snap_m;
} detail;

/* The fields of a result that its row gives, whatever the join makes of it. */
static void result_from_row(const nv_office *in, int is_office, nv_office_result *o)
{
    memset(o, 0, sizeof *o);
    o->source = in->source;
    o->line = in->line;
    o->office_id = in->id;
    o->name = in->name;
    o->type = in->type;
    o->kommunkod_stated = in->kommunkod;
    o->town = in->town;
    o->is_office = is_office;
    o->lat_deg = in->lat_deg;
    o->lon_deg = in->lon_deg;
    o->x = in->valid ? in->x : NAN;
    o->y = in->valid ? in->y : NAN;
    o->snap_m = NAN;
}

/* The result of a row, as phase 1 made it (p, and d and note when p->has_detail). */
static void result_of(const nv_muni_result *munis, const nv_office *in, const placement *p, const detail *d,
                      char *note, nv_office_result *o)
{
    result_from_row(in, p->is_office, o);
    o->status = p->status;
    o->placed_by = p->placed_by;
    o->muni = p->muni >= 0 ? &munis[p->muni] : NULL;
    if (p->status == NV_OFFICE_PLACED)
        o->snap_m = 0;
    if (d) {
        o->x = d->x;
        o->y = d->y;
        o->snap_m = d->snap_m;
        o->note = note;
    }
}

typedef struct inside_ctx {
    const nv_polyindex *idx;
    double snap_m;
} inside_ctx;

/* In a municipality, or within --snap-km of one. */
static int in_or_near(double x, double y, void *user)
{
    const inside_ctx *ic = user;
    double d;
    return nv_polyindex_locate(ic->idx, x, y) >= 0 || nv_polyindex_nearest(ic->idx, x, y, ic->snap_m, &d) >= 0;
}

/* A file whose rows with coordinates all lie outside every municipality (all in the sea,
 * RT 90 given as SWEREF 99 TM, swapped columns) is misread, not a plan without offices:
 * each such file is a problem, with the first row and the likely cause. */
static nv_status check_files_placed(const nv_coverage *c, const nv_plan *plan, const placement *rec,
                                    double snap_m, nv_diags *diags, nv_error *err)
{
    const nv_polyindex *idx = c->areas->idx;
    size_t bad = 0, n = nv_plan_count(plan);
    const char *bad_source = NULL;
    /* A file's rows are contiguous in the plan (nv_plan_read appends them together). */
    for (size_t i = 0, next; i < n; i = next) {
        const char *src = nv_plan_office(plan, i)->source;
        size_t located = 0, placed = 0;
        for (next = i; next < n && nv_plan_office(plan, next)->source == src; next++) {
            const nv_office *o = nv_plan_office(plan, next);
            if (!o->valid || !o->located || o->blank)
                continue;
            located++;
            placed += rec[next].muni >= 0;
        }
        if (located == 0 || placed > 0)
            continue;
        char why[1536];
        inside_ctx ic = {idx, snap_m};
        nv_plan_explain_outside(plan, src, in_or_near, &ic, why, sizeof why);
        nv_diags_add(diags, NV_PROBLEM, src, 0,
                     "no office of this file can be placed: all %zu row%s with coordinates lie outside every "
                     "municipality, also beyond --snap-km (%s)", located, located == 1 ? "" : "s", why);
        bad++;
        bad_source = src;
    }
    if (bad == 1)
        return nv_error_set(err, NV_ERR_INPUT, bad_source, 0,
                            "no office of this file can be placed (the likely cause is above)");
    if (bad)
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                            "%zu plan files have no office that can be placed (see above)", bad);
    return NV_OK;
}

/* Phase 1 records one row: its placement, and its detail and note when its result needs
 * them (see result_of). 0 when out of memory (the note is then freed). */
static int record_row(nv_coverage *c, detail **details, size_t *cap, const nv_office_result *o, long muni,
                      char *note, placement *p)
{
    p->muni = (int32_t)muni;
    p->status = o->status;
    p->placed_by = o->placed_by;
    p->is_office = o->is_office != 0;
    p->has_detail = note || p->status == NV_OFFICE_SNAPPED || p->placed_by == NV_PLACED_BY_TOWN ||
                    p->placed_by == NV_PLACED_BY_MUNICIPALITY;
    if (!p->has_detail)
        return 1;
    if (c->n_notes == *cap) {
        size_t n = *cap ? 2 * *cap : 64;
        detail *d = realloc(*details, n * sizeof *d);
        char **notes = d ? realloc(c->notes, n * sizeof *notes) : NULL;
        if (d)
            *details = d;
        if (!notes) {
            free(note);
            return 0;
        }
        c->notes = notes;
        *cap = n;
    }
    (*details)[c->n_notes] = (detail){o->x, o->y, o->snap_m};
    c->notes[c->n_notes++] = note;
    return 1;
}

/* The placed rows' points, for nv_kdtree_create_from, which asks for them in order: the
 * offices' (offices_only) or every location's. Each point's row goes into rows[]. */
typedef struct result_walk {
    const nv_office_result *o;
    uint32_t *rows;
    int offices_only;
    size_t row;            /* the next row to look at */
} result_walk;

static void result_point(void *user, size_t k, double *x, double *y)
{
    result_walk *w = user;
    while (!w->o[w->row].muni || (w->offices_only && !w->o[w->row].is_office))
        w->row++;
    *x = w->o[w->row].x;
    *y = w->o[w->row].y;
    w->rows[k] = (uint32_t)w->row++;
}

/* Where each row with coordinates lies (nv_polyindex_locate; -1 for the others), for a
 * plan of many rows, located on two threads before the join: the point-in-polygon tests
 * are most of the join's time, each row's is independent of the others', and the join
 * itself (diagnostics, notes, counts in row order) stays on one. Below this many rows
 * the join locates each row itself. */
#define LOCATE_THREAD_ROWS 100000

typedef struct locate_job {
    const nv_polyindex *idx;
    const nv_plan *plan;
    size_t from, to;
    int32_t *inside;
} locate_job;

static void *locate_rows(void *arg)
{
    const locate_job *j = arg;
    for (size_t i = j->from; i < j->to; i++) {
        const nv_office *in = nv_plan_office(j->plan, i);
        j->inside[i] = in && !in->blank && in->valid && in->located ? (int32_t)nv_polyindex_locate(j->idx, in->x, in->y)
                                                                   : -1;
    }
    return NULL;
}

/* The rows' municipalities by coordinates, or NULL (a small plan, or no memory to spare:
 * the join then locates each row itself). */
static int32_t *locate_all(const nv_polyindex *idx, size_t n_areas, const nv_plan *plan, size_t n)
{
    int32_t *inside = n >= LOCATE_THREAD_ROWS && n_areas <= INT32_MAX ? malloc(n * sizeof *inside) : NULL;
    if (!inside)
        return NULL;
    locate_job half = {idx, plan, n / 2, n, inside}, first = {idx, plan, 0, n / 2, inside};
    pthread_t tid;
    int threaded = pthread_create(&tid, NULL, locate_rows, &half) == 0;
    locate_rows(&first);
    if (threaded)
        pthread_join(tid, NULL);
    else
        locate_rows(&half);
    return inside;
}

/* Both nv_coverage_compute and nv_coverage_compute_drop_rows: drop is plan, or NULL to
 * keep the rows. */
static nv_status compute(const nv_areas *areas, const nv_plan *plan, nv_plan *drop, const nv_coverage_options *opts,
                         nv_coverage **out, nv_diags *diags, nv_error *err)
{
    const nv_boundaries *b = areas->b;
    const nv_polyindex *idx = areas->idx;
    nv_status st = NV_OK;
    size_t nm = nv_boundaries_count(b), no = nv_plan_count(plan);
    nv_coverage *c = calloc(1, sizeof *c);
    nv_kdtree *kd = NULL, *kd_all = NULL;
    nv_tiers *own_tiers = NULL;
    const nv_tiers *tiers = opts->tiers;
    /* The points of the trees are gathered after the join, one set at a time: with
     * millions of rows the rows and what is kept of the join are most of the memory. */
    uint32_t *pt_office = NULL, *pt_all = NULL;
    int32_t *inside = NULL;
    placement *rec = malloc((no ? no : 1) * sizeof *rec);
    detail *details = NULL;
    size_t cap_details = 0;

    *out = NULL;
    if (!c || !rec)
        goto oom;
    if (!tiers) {
        if ((st = nv_tiers_create(NULL, NULL, &own_tiers, err)) != NV_OK)
            goto done;
        tiers = c->own_tiers = own_tiers;
        own_tiers = NULL;
    }
    c->totals.office_types = nv_tiers_office_list(tiers);
    c->munis = calloc(nm ? nm : 1, sizeof *c->munis);
    if (!c->munis)
        goto oom;
    c->n_munis = nm;
    c->areas = areas;
    c->snap_m = opts->snap_km * 1000;

    /* A caller done with the rows reads no more into the plan: its duplicate-id set goes
     * before the join needs memory of its own. */
    if (drop)
        nv_plan_drop_rows_before(drop, 0);

    /* Join: every row of the plan, placed, snapped or rejected. */
    inside = locate_all(idx, nm, plan, no);
    int swapped = 0, bad = 0;
    size_t n_pts = 0, n_all = 0;
    nv_run_summary *t = &c->totals;
    for (size_t i = 0; i < no; i++) {
        const nv_office *in = nv_plan_office(plan, i);
        nv_office_result o;
        char *note = NULL;
        long m = -1;
        result_from_row(in, nv_tiers_is_office(tiers, in->type), &o);
        if (in->blank) {
            o.status = NV_OFFICE_BLANK;
            t->rows_blank++;
        } else {
            m = place_office(b, idx, areas->places, opts->snap_km * 1000, plan, in, inside ? &inside[i] : NULL, &o,
                             &note, diags, &swapped, &bad);
            t->offices_read++;
        }
        if (!record_row(c, &details, &cap_details, &o, m, note, &rec[i]))
            goto oom;
        if (in->blank)
            continue;
        if (m < 0) {
            t->offices_rejected++;
            continue;
        }
        t->locations++;
        t->offices += o.is_office;
        t->offices_snapped += o.status == NV_OFFICE_SNAPPED;
        t->kommunkod_disagreements += in->located && in->kommunkod[0] &&
                                      strcmp(in->kommunkod, nv_boundaries_get(b, (size_t)m)->code) != 0;
        if (in->basis && in->basis[0] && strcmp(in->basis, "sourced") != 0)
            t->illustrative = 1;
        n_all++;
        n_pts += o.is_office != 0;
    }
    free(inside);
    inside = NULL;
    if (!swapped && (st = check_files_placed(c, plan, rec, opts->snap_km * 1000, diags, err)) != NV_OK)
        goto done;
    if (swapped) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                          "%d office%s lie%s outside every municipality, but inside one with lat and lon "
                          "exchanged (see above)", swapped, swapped == 1 ? "" : "s", swapped == 1 ? "s" : "");
        goto done;
    }
    if (bad) {
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0, "%d row%s without coordinates cannot be placed (see above)",
                          bad, bad == 1 ? "" : "s");
        goto done;
    }

    /* The run's tiers: the ranking, then every other word found, alphabetically. */
    size_t n_rank = nv_tiers_count(tiers), cap_words = n_rank + 16;
    c->tier_words = malloc(cap_words * sizeof *c->tier_words);
    if (!c->tier_words)
        goto oom;
    for (size_t k = 0; k < n_rank; k++)
        c->tier_words[c->n_tiers++] = nv_tiers_word(tiers, k);
    const char *last_type = NULL; /* rows come in runs of one type: skip the search for a repeat */
    for (size_t i = 0; i < no; i++) {
        const char *type = nv_plan_office(plan, i)->type;
        if (rec[i].muni < 0 || type == last_type)
            continue;
        last_type = type;
        if (nv_tiers_rank(tiers, last_type) < n_rank)
            continue;
        size_t k = n_rank;
        while (k < c->n_tiers && strcmp(c->tier_words[k], last_type) != 0)
            k++;
        if (k < c->n_tiers)
            continue;
        if (c->n_tiers == cap_words) {
            const char **w = realloc(c->tier_words, 2 * cap_words * sizeof *w);
            if (!w)
                goto oom;
            c->tier_words = w;
            cap_words *= 2;
        }
        c->tier_words[c->n_tiers++] = last_type;
    }
    c->tier_counts = calloc(c->n_tiers + 1, sizeof *c->tier_counts);
    if (!c->tier_counts)
        goto oom;
    qsort(c->tier_words + n_rank, c->n_tiers - n_rank, sizeof *c->tier_words, cmp_str);

    /* Each municipality's locations, offices and best tier: one pass over the rows. */
    for (size_t m = 0; m < nm; m++)
        c->munis[m].tier = c->n_tiers;
    last_type = NULL;
    size_t last_rank = c->n_tiers;
    for (size_t i = 0; i < no; i++) {
        if (rec[i].muni < 0)
            continue;
        const char *type = nv_plan_office(plan, i)->type;
        if (type != last_type) {
            last_type = type;
            last_rank = c->n_tiers;
            for (size_t k = 0; k < c->n_tiers; k++)
                if (strcmp(c->tier_words[k], last_type) == 0) {
                    last_rank = k;
                    break;
                }
        }
        nv_muni_result *r = &c->munis[rec[i].muni];
        r->locations++;
        r->offices += rec[i].is_office;
        if (last_rank < r->tier)
            r->tier = last_rank;
    }

    /* Phase 2: the results, in one allocation (its pages are touched as it fills), the
     * rows that drop frees going as they are done with. */
    if (!(c->offices = malloc((no ? no : 1) * sizeof *c->offices)))
        goto oom;
    c->n_offices = no;
    for (size_t i = 0, d = 0; i < no; i++) {
        if (drop)
            nv_plan_drop_rows_before(drop, i);
        const detail *dt = rec[i].has_detail ? &details[d] : NULL;
        result_of(c->munis, nv_plan_office(plan, i), &rec[i], dt, dt ? c->notes[d] : NULL, &c->offices[i]);
        d += dt != NULL;
    }
    if (drop)
        nv_plan_drop_rows(drop);

    /* Measure: per municipality, from the results: the rows are gone. The trees of the
     * placed offices and of all placed locations take their points from the results in
     * row order (result_point): pt_office and pt_all give each point's row. When every
     * location is an office (as in most plans) the two sets are one, in the same order:
     * one tree and one index serve both. Built after the results, not before, so that a
     * plan of millions of rows never holds its rows and a tree at once. */
    free(rec);
    free(details);
    rec = NULL;
    details = NULL;
    int one_set = n_all == n_pts;
    if (no > UINT32_MAX) /* not reached: the plan's rows are bounded long before */
        goto oom;
    pt_office = malloc((n_pts ? n_pts : 1) * sizeof *pt_office);
    if (!pt_office)
        goto oom;
    result_walk walk = {c->offices, pt_office, 1, 0};
    kd = n_pts ? nv_kdtree_create_from(n_pts, result_point, &walk) : NULL;
    if (n_pts && !kd)
        goto oom;
    if (!one_set) {
        if (!(pt_all = malloc(n_all * sizeof *pt_all)))
            goto oom;
        walk = (result_walk){c->offices, pt_all, 0, 0};
        if (!(kd_all = nv_kdtree_create_from(n_all, result_point, &walk)))
            goto oom;
    }
    const uint32_t *near_all_row = one_set ? pt_office : pt_all;
    nv_kdtree *near_all = one_set ? kd : kd_all;

    double sum_km = 0;
    int n_km = 0;
    t->max_nearest_office_km = NAN;
    for (size_t m = 0; m < nm; m++) {
        const nv_municipality *mu = nv_boundaries_get(b, m);
        nv_muni_result *r = &c->munis[m];
        r->kommunkod = mu->code;
        r->namn = mu->name;
        r->lanskod = mu->county;
        r->rep_x = mu->rep_x;
        r->rep_y = mu->rep_y;
        r->area_km2 = mu->area_km2;
        r->wkb = mu->wkb;
        r->wkb_size = mu->wkb_size;
        r->presence_rank = NV_PRESENCE_NONE;
        r->presence = "none";
        if (r->tier < c->n_tiers) {
            r->presence = c->tier_words[r->tier];
            r->presence_rank = rank_of(r->presence);
            c->tier_counts[r->tier]++;
        }
        r->nearest_presence_km = NAN;
        if (near_all) {
            double d;
            long k = nv_kdtree_nearest(near_all, mu->rep_x, mu->rep_y, &d);
            r->nearest_presence_km = d / 1000;
            r->nearest_presence_id = c->offices[near_all_row[k]].office_id;
        }
        r->nearest_office_km = NAN;
        if (kd) {
            double d;
            long k = nv_kdtree_nearest(kd, mu->rep_x, mu->rep_y, &d);
            r->nearest_office_km = d / 1000;
            r->nearest_office_id = c->offices[pt_office[k]].office_id;
            sum_km += r->nearest_office_km;
            n_km++;
            if (!(r->nearest_office_km <= t->max_nearest_office_km)) {
                t->max_nearest_office_km = r->nearest_office_km;
                t->max_nearest_kommunkod = r->kommunkod;
            }
        }
        t->municipalities++;
        if (r->offices) t->with_office++; else t->without_office++;
        if (r->locations) t->with_presence++; else t->without_presence++;
        t->presence_staffed += r->presence_rank == NV_PRESENCE_STAFFED;
        t->presence_booked += r->presence_rank == NV_PRESENCE_BOOKED;
        t->presence_other += r->presence_rank == NV_PRESENCE_OTHER;
        t->presence_none += r->presence_rank == NV_PRESENCE_NONE;
    }
    t->mean_nearest_office_km = n_km ? sum_km / n_km : NAN;

    /* Aggregate: per county, in code order (the municipalities are sorted by code, but a
     * county's codes need not be contiguous in other data, so group explicitly). */
    c->counties = calloc(nm ? nm : 1, sizeof *c->counties);
    if (!c->counties)
        goto oom;
    for (size_t m = 0; m < nm; m++) {
        const nv_muni_result *r = &c->munis[m];
        size_t k = 0;
        while (k < c->n_counties && strcmp(c->counties[k].lanskod, r->lanskod) != 0)
            k++;
        nv_county_result *cr = &c->counties[k];
        if (k == c->n_counties) {
            c->n_counties++;
            cr->lanskod = r->lanskod;
            cr->namn = nv_coverage_county_name(r->lanskod);
            cr->max_nearest_office_km = NAN;
        }
        cr->municipalities++;
        cr->offices += r->offices;
        if (r->offices) cr->with_office++; else cr->without_office++;
        cr->locations += r->locations;
        if (r->locations) cr->with_presence++; else cr->without_presence++;
        cr->staffed += r->presence_rank == NV_PRESENCE_STAFFED;
        cr->booked += r->presence_rank == NV_PRESENCE_BOOKED;
        cr->other += r->presence_rank == NV_PRESENCE_OTHER;
        cr->none += r->presence_rank == NV_PRESENCE_NONE;
        if (isfinite(r->nearest_office_km)) {
            cr->mean_nearest_office_km += r->nearest_office_km; /* a sum until below */
            if (!(r->nearest_office_km <= cr->max_nearest_office_km))
                cr->max_nearest_office_km = r->nearest_office_km;
        }
    }
    for (size_t k = 0; k < c->n_counties; k++) {
        nv_county_result *cr = &c->counties[k];
        cr->mean_nearest_office_km = kd ? cr->mean_nearest_office_km / cr->municipalities : NAN;
    }
    /* Insertion sort by code: 21 counties. */
    for (size_t i = 1; i < c->n_counties; i++)
        for (size_t j = i; j > 0 && strcmp(c->counties[j - 1].lanskod, c->counties[j].lanskod) > 0; j--) {
            nv_county_result tmp = c->counties[j];
            c->counties[j] = c->counties[j - 1];
            c->counties[j - 1] = tmp;
        }
    t->counties = (int)c->n_counties;
    t->pop = no_population();
    for (size_t m = 0; m < nm; m++)
        c->munis[m].pop = no_population();
    for (size_t k = 0; k < c->n_counties; k++)
        c->counties[k].pop = no_population();
    nv_kdtree_destroy(kd_all);
    kd_all = NULL;
    free(pt_office);
    free(pt_all);
    pt_office = pt_all = NULL;

    c->kd = kd;
    kd = NULL;
    *out = c;
    c = NULL;
    goto done;
oom:
    st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
done:
    nv_coverage_destroy(c);
    nv_kdtree_destroy(kd);
    nv_kdtree_destroy(kd_all);
    nv_tiers_destroy(own_tiers);
    free(pt_office);
    free(pt_all);
    free(inside);
    free(rec);
    free(details);
    return st;
}

nv_status nv_coverage_compute(const nv_areas *areas, const nv_plan *plan, const nv_coverage_options *opts,
                              nv_coverage **out, nv_diags *diags, nv_error *err)
{
    return compute(areas, plan, NULL, opts, out, diags, err);
}

nv_status nv_coverage_compute_drop_rows(const nv_areas *areas, nv_plan *plan, const nv_coverage_options *opts,
                                        nv_coverage **out, nv_diags *diags, nv_error *err)
{
    return compute(areas, plan, plan, opts, out, diags, err);
}

/* ---- population ------------------------------------------------------------------- */

typedef struct table_ctx {
    const nv_boundaries *b;
    double *pop;           /* per municipality, NAN until the table gives one */
    const char *path;
    nv_diags *diags;
    long unknown;
} table_ctx;

static long muni_index(const nv_boundaries *b, const char *code)
{
    size_t lo = 0, hi = nv_boundaries_count(b);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(nv_boundaries_get(b, mid)->code, code);
        if (cmp == 0)
            return (long)mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void table_row(const char *code, double population, long line, void *user)
{
    table_ctx *tc = user;
    long m = muni_index(tc->b, code);
    if (m < 0) {
        if (++tc->unknown <= 5)
            nv_diags_add(tc->diags, NV_WARNING, tc->path, line, "population for code %s, which no municipality has",
                         code);
        return;
    }
    if (!isnan(tc->pop[m]))
        nv_diags_add(tc->diags, NV_WARNING, tc->path, line, "a second population for %s; the later one is used", code);
    tc->pop[m] = population;
}

nv_status nv_areas_load_population(nv_areas *a, const char *path, nv_diags *diags, nv_error *err)
{
    size_t nm = nv_boundaries_count(a->b);
    free(a->table_pop), free(a->table_xy), free(a->table_w), free(a->table_path);
    a->table_n = 0;
    a->table_pop = malloc((nm ? nm : 1) * sizeof(double));
    a->table_xy = malloc((nm ? nm : 1) * 2 * sizeof(double));
    a->table_w = malloc((nm ? nm : 1) * sizeof(double));
    a->table_path = strdup(path);
    if (!a->table_pop || !a->table_xy || !a->table_w || !a->table_path)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    for (size_t m = 0; m < nm; m++)
        a->table_pop[m] = NAN;
    table_ctx tc = {a->b, a->table_pop, path, diags, 0};
    nv_status st = nv_population_read_table(path, table_row, &tc, err);
    if (st != NV_OK)
        return st;
    if (tc.unknown > 5)
        nv_diags_add(diags, NV_WARNING, path, 0, "%ld codes in all match no municipality", tc.unknown);
    size_t missing = 0;
    for (size_t m = 0; m < nm; m++) {
        if (isnan(a->table_pop[m])) {
            missing++;
            continue;
        }
        const nv_municipality *mu = nv_boundaries_get(a->b, m);
        a->table_xy[2 * a->table_n] = mu->rep_x;
        a->table_xy[2 * a->table_n + 1] = mu->rep_y;
        a->table_w[a->table_n++] = a->table_pop[m];
    }
    if (a->table_n == 0)
        nv_diags_add(diags, NV_WARNING, path, 0,
                     "no municipality of these boundaries has a population in this table, so the results "
                     "have no population figures (give demand points with --population)");
    else if (missing)
        nv_diags_add(diags, NV_WARNING, path, 0, "%zu municipalit%s no population in this table and count as 0",
                     missing, missing == 1 ? "y has" : "ies have");
    return NV_OK;
}

/* Turns sums into the published figures: km, means, NAN where nothing is known. */
static nv_population_result finish_pop(const nv_demand_stats *s, size_t n_radii, int have_offices)
{
    nv_population_result p = no_population();
    p.population = s->population;
    for (size_t r = 0; r < n_radii; r++)
        p.within[r] = have_offices ? s->within[r] : 0;
    if (have_offices && s->population > 0) {
        p.mean_distance_km = s->dist_pop_m / s->population / 1000;
        p.max_distance_km = s->max_dist_m / 1000;
    }
    return p;
}

static void sum_stats(nv_demand_stats *into, const nv_demand_stats *from)
{
    into->population += from->population;
    for (size_t r = 0; r < NV_MAX_RADII; r++)
        into->within[r] += from->within[r];
    into->dist_pop_m += from->dist_pop_m;
    if (from->max_dist_m > into->max_dist_m)
        into->max_dist_m = from->max_dist_m;
    into->points += from->points;
}

void nv_coverage_drop_tree(nv_coverage *c)
{
    if (!c)
        return;
    nv_kdtree_destroy(c->kd);
    c->kd = NULL;
    c->tree_dropped = 1;
}

nv_status nv_coverage_population(nv_coverage *c, const nv_population_spec *spec, nv_diags *diags, nv_error *err)
{
    if (c->tree_dropped)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "the offices' tree is gone (nv_coverage_drop_tree)");
    const nv_areas *a = c->areas;
    size_t nm = c->n_munis;
    nv_status st = NV_OK;
    double radii_m[NV_MAX_RADII];
    nv_run_summary *t = &c->totals;
    if (spec->radii.n > NV_MAX_RADII)
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "--radius-km: at most %d radii", NV_MAX_RADII);
    if (!spec->points && !a->table_pop)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "no demand points and no population table loaded");
    if (!spec->points && a->table_n == 0)
        return NV_OK; /* no figures: they stay NAN (load said why) */
    nv_demand_stats *stats = calloc(nm + 2, sizeof *stats);
    if (!stats)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    for (size_t r = 0; r < spec->radii.n; r++)
        radii_m[r] = spec->radii.km[r] * 1000;
    nv_demand_target target = {a->idx, nm, c->kd, radii_m, spec->radii.n, c->snap_m, NULL, NULL, NULL};
    t->radii = spec->radii;

    if (spec->points) {
        /* Millions of points: the nearest-office grid pays for itself. */
        if (c->kd && nv_kdtree_prepare_grid(c->kd, a->minx, a->miny, a->maxx, a->maxy) < 0) {
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            goto done;
        }
        long n = 0;
        st = nv_population_measure_source(spec->points, &target, stats, &n, diags, err);
        if (st != NV_OK)
            goto done;
        t->population_source = spec->points->name ? spec->points->name : spec->points->source;
        t->population_municipal = 0;
    } else {
        /* Municipal totals, each at its municipality's representative point. */
        nv_population_measure_points(a->table_xy, a->table_w, a->table_n, &target, stats);
        t->population_source = a->table_path;
        t->population_municipal = 1;
    }

    int have = c->kd != NULL;
    nv_demand_stats nation = {0};
    for (size_t m = 0; m < nm; m++) {
        c->munis[m].pop = finish_pop(&stats[m], spec->radii.n, have);
        sum_stats(&nation, &stats[m]);
    }
    for (size_t k = 0; k < c->n_counties; k++) {
        nv_demand_stats cs = {0};
        for (size_t m = 0; m < nm; m++)
            if (strcmp(c->munis[m].lanskod, c->counties[k].lanskod) == 0)
                sum_stats(&cs, &stats[m]);
        c->counties[k].pop = finish_pop(&cs, spec->radii.n, have);
    }
    sum_stats(&nation, &stats[nm]);
    t->pop = finish_pop(&nation, spec->radii.n, have);
    t->population_points_outside = stats[nm].points + stats[nm + 1].points;
    t->population_outside = stats[nm].population;
    t->population_points_far = stats[nm + 1].points;
    t->population_far = stats[nm + 1].population;
    t->population_points = nation.points + stats[nm + 1].points;
    if (stats[nm + 1].points) {
        char people[64];
        nv_report_format_people(stats[nm + 1].population, people, sizeof people);
        nv_diags_add(diags, NV_WARNING, t->population_source, 0,
                     "%ld demand point%s with %s people lie%s outside every municipality and farther than "
                     "--snap-km %g from all: kept out of every figure, counted only in summary.json "
                     "(population.points_far_outside; are their coordinates right?)", stats[nm + 1].points,
                     stats[nm + 1].points == 1 ? "" : "s", people, stats[nm + 1].points == 1 ? "s" : "",
                     c->snap_m / 1000);
    }
    if (stats[nm].points) {
        char people[64];
        nv_report_format_people(stats[nm].population, people, sizeof people);
        nv_diags_add(diags, NV_WARNING, t->population_source, 0,
                     "%ld demand point%s with %s people lie outside every municipality but within --snap-km of "
                     "one: counted in the national figures, in no municipality's", stats[nm].points,
                     stats[nm].points == 1 ? "" : "s", people);
    }
done:
    free(stats);
    return st;
}

nv_status nv_areas_visit_demand(const nv_areas *a, const nv_population_options *points, double far_m,
                                nv_demand_visitor visit, void (*restart)(void *user), void *user, nv_diags *diags,
                                nv_error *err)
{
    size_t nm = nv_boundaries_count(a->b);
    if (!points && !a->table_pop)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "no demand points and no population table loaded");
    nv_demand_stats *stats = calloc(nm + 2, sizeof *stats);
    if (!stats)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    nv_demand_target target = {a->idx, nm, NULL, NULL, 0, far_m, visit, restart, user};
    nv_status st = NV_OK;
    if (points) {
        long n = 0;
        st = nv_population_measure_source(points, &target, stats, &n, diags, err);
    } else {
        nv_population_measure_points(a->table_xy, a->table_w, a->table_n, &target, stats);
    }
    free(stats);
    return st;
}

const nv_boundaries *nv_areas_boundaries(const nv_areas *a)
{
    return a->b;
}

long nv_areas_locate(const nv_areas *a, double x, double y)
{
    return nv_polyindex_locate(a->idx, x, y);
}
