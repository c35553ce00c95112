/* suggest_write.c — the result folder of narvaro suggest: suggested.csv, alternatives.csv,
 * unreachable.csv, compare/, the map and summary.json (see nv_suggest_write in suggest.h). */
#include "suggest_int.h"

#include "json.h"
#include "mapspec.h"
#include "render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    nv_json_fputs(f, s ? s : "");
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

/* alternatives.csv's worst-off municipality ("code name") and its figure, or two empty
 * cells when there is none (worst == na). */
static void worst_cells(out *w, const nv_boundaries *b, size_t worst, size_t na, double figure)
{
    if (worst == na) {
        fputs(",,", w->f);
        return;
    }
    const nv_municipality *mu = nv_boundaries_get(b, worst);
    char buf[256];
    snprintf(buf, sizeof buf, "%s %s", mu->code, mu->name);
    csv_field(w, buf, 1);
    fprintf(w->f, ",%.4f,", figure);
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

/* The sites an alternative lists, quoted, "id name (kommunkod)" for an existing office
 * and "name (kommunkod)" for a candidate, separated by "; ": the ones it closes (close),
 * else the ones it opens. Returns how many. */
static int write_sites(out *w, const nv_suggestion *g, const unsigned char *open, int close)
{
    int first = 1, count = 0;
    fputc('"', w->f);
    for (size_t j = 0; j < g->n_free; j++) {
        if (close ? open[j] : !open[j])
            continue;
        const site *t = &g->sites[g->free_site[j]];
        count++;
        if (t->existing)
            fprintf(w->f, "%s%s %s (%s)", first ? "" : "; ", t->id, t->name, t->kommunkod);
        else
            fprintf(w->f, "%s%s (%s)", first ? "" : "; ", t->name[0] ? t->name : t->where, t->kommunkod);
        first = 0;
    }
    fputc('"', w->f);
    return count;
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
        return nv_suggest_oom(err);
    }
    muni_cover(g, NULL, bpop, bwithin);
    int close = g->o.mode == NV_SUGGEST_CLOSE;
    double best_cov = 0;
    muni_cover(g, g->sols[0].open, pop, within);
    for (size_t m = 0; m <= na; m++)
        best_cov += within[m];
    fprintf(w.f, "rank,%s,sites,covered_population,difference_to_best,proven,worst_off,worst_off_share_within,"
                 "municipalities_%s,%s\n",
            close ? "closed" : "opened", close ? "losing" : "gaining", close ? "losses" : "gains");
    for (size_t a = 0; a < g->n_sols; a++) {
        const unsigned char *open = g->sols[a].open;
        muni_cover(g, open, pop, within);
        double covered = 0;
        for (size_t m = 0; m <= na; m++)
            covered += within[m];
        fprintf(w.f, "%zu,", a + 1);
        int count = write_sites(&w, g, open, close);
        fprintf(w.f, ",%d,%.0f,%.0f,%d,", count, covered, covered - best_cov, g->sols[a].proven);
        size_t worst = na;
        for (size_t m = 0; m < na; m++)
            if (pop[m] > 0 && (worst == na || cmp_worst(pop, within, m, worst) < 0))
                worst = m;
        worst_cells(&w, b, worst, na, worst < na ? within[worst] / pop[worst] : 0);
        int nch = 0;
        for (size_t m = 0; m < na; m++)
            nch += close ? within[m] < bwithin[m] : within[m] > bwithin[m];
        fprintf(w.f, "%d,\"", nch);
        int first = 1;
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
        return nv_suggest_oom(err);
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
        fprintf(w.f, "%zu,", a + 1);
        int count = write_sites(&w, g, open, 0); /* candidates only: the base plan's offices are fixed */
        fprintf(w.f, ",%d,%.4f,%.4f,%d,%.0f,", count, mean, mean - best, g->sols[a].proven, covered);
        size_t worst = na;
        for (size_t m = 0; m < na; m++) {
            if (!(pop[m] > 0))
                continue;
            double dm = pkm[m] / pop[m], dw = worst < na ? pkm[worst] / pop[worst] : -1;
            if (worst == na || dm > dw || (dm == dw && pop[m] > pop[worst]))
                worst = m;
        }
        worst_cells(&w, b, worst, na, worst < na ? pkm[worst] / pop[worst] : 0);
        /* A change below a metre per person is rounding, not a gain. */
        int nch = 0;
        for (size_t m = 0; m < na; m++)
            nch += pop[m] > 0 && (bpkm[m] - pkm[m]) / pop[m] > 1e-3;
        fprintf(w.f, "%d,\"", nch);
        int first = 1;
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
        return nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
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
        st = nv_suggest_oom(err);
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
