/* report_html.c — DIR/report.html, written directly in C: the page's parts in order
 * (head with the style sheet, summary, controls, SVG map, legend, tables, the data as
 * JSON, the script), each by one function; at the end, what narvaro check writes into
 * a finished page (the rules block of the summary, between two comments made for it).
 * The style sheet and the script are constant strings (report_html_assets.c), the map's
 * path data is report_html_svg.c's; everything that varies is escaped on the way out.
 *
 * Numbers are printed under a private "C" locale (as report.c does); the texts of the
 * page use the language's own decimal and thousands separators, which this file makes
 * itself rather than trusting the process's locale. People are printed as the CSVs print
 * them (report.h), so that the page and municipalities.csv agree to the digit. */
#include "report_html.h"

#include "attributes.h"
#include "classes.h"
#include "json.h"
#include "mapdata.h"
#include "report.h"
#include "report_html_int.h"
#include "symbols.h"
#include "textin.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>



/* ======================================================================== output */

typedef struct writer {
    FILE *f;
    const char *path;
    int errnum;
    locale_t c_locale, saved_locale;
    nv_lang lang;
} writer;

static nv_status w_open(writer *w, const char *path, nv_lang lang, nv_error *err)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->lang = lang;
    if (!(w->f = fopen(path, "wb")))
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the report: %s", strerror(errno));
    w->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (w->c_locale == (locale_t)0) {
        int e = errno;
        fclose(w->f);
        unlink(path);
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the C locale: %s", strerror(e));
    }
    w->saved_locale = uselocale(w->c_locale);
    return NV_OK;
}

/* Closes the file; on any error (or when st already failed) removes it. */
static nv_status w_close(writer *w, nv_status st, nv_error *err)
{
    uselocale(w->saved_locale);
    freelocale(w->c_locale);
    if (ferror(w->f) && w->errnum == 0)
        w->errnum = EIO;
    if (fclose(w->f) != 0 && w->errnum == 0)
        w->errnum = errno ? errno : EIO;
    if (st == NV_OK && w->errnum)
        st = nv_error_set(err, NV_ERR_FAIL, w->path, 0, "cannot write the report: %s", strerror(w->errnum));
    if (st != NV_OK)
        unlink(w->path);
    return st;
}

static void put(writer *w, const char *s)
{
    if (fputs(s, w->f) == EOF && w->errnum == 0)
        w->errnum = errno ? errno : EIO;
}

static void putf(writer *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void putf(writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(w->f, fmt, ap) < 0 && w->errnum == 0)
        w->errnum = errno ? errno : EIO;
    va_end(ap);
}

/* Text for HTML text and attribute values alike: & < > " ' escaped. NULL writes nothing. */
static void html(writer *w, const char *s)
{
    int oom;
    char *fixed = s ? nv_text_utf8_repair(s, &oom) : NULL; /* a file name in another encoding */
    if (fixed)
        s = fixed;
    for (const char *p = s; p && *p; p++) {
        switch (*p) {
        case '&': put(w, "&amp;"); break;
        case '<': put(w, "&lt;"); break;
        case '>': put(w, "&gt;"); break;
        case '"': put(w, "&quot;"); break;
        case '\'': put(w, "&#39;"); break;
        default: fputc(*p, w->f);
        }
    }
    free(fixed);
}

/* A JSON string that is also safe inside <script>: no '<', '>' or '&' appears raw, so
 * neither "</script>" nor "<!--" can end or change the block. NULL becomes null. */
static void json_str(writer *w, const char *s)
{
    int oom;
    char *fixed = s ? nv_text_utf8_repair(s, &oom) : NULL; /* a file name in another encoding */
    nv_json_fputs_script(w->f, fixed ? fixed : s);
    free(fixed);
}

/* A number for JSON with the given decimals, null when it does not exist. */
static void json_num(writer *w, double v, int decimals)
{
    if (!isfinite(v))
        put(w, "null");
    else if (decimals == 0)
        putf(w, "%.0f", v);
    else
        putf(w, "%.*f", decimals, v);
}

/* People for JSON, as the CSVs write them; null when there are no figures. */
static void json_people(writer *w, double v)
{
    char raw[64];
    if (!isfinite(v)) {
        put(w, "null");
        return;
    }
    nv_report_format_people(v, raw, sizeof raw);
    put(w, raw);
}

/* ======================================================================== words */

static const char *tr(const writer *w, const char *sv, const char *en)
{
    return w->lang == NV_LANG_EN ? en : sv;
}

/* A whole number with the language's thousands separator, into buf. "–" when it does
 * not exist. */
static const char *fmt_int(char *buf, size_t size, double v, nv_lang lang)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "–");
        return buf;
    }
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", fabs(v) < 0.5 ? 0 : v);
    return nv_classes_localize(buf, size, digits, lang);
}

/* People as every file and stdout write them (report.h: to the hundredth, trailing
 * zeros dropped, so 12345.5 and not 12346), with the language's separators: the report
 * agrees with municipalities.csv to the digit. "–" when there are no figures. */
static const char *fmt_people(char *buf, size_t size, double v, nv_lang lang)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "–");
        return buf;
    }
    char digits[64];
    nv_report_format_people(v, digits, sizeof digits);
    return nv_classes_localize(buf, size, digits, lang);
}

/* A decimal number with the language's decimal sign. */
static const char *fmt_dec(char *buf, size_t size, double v, int decimals, nv_lang lang)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "–");
        return buf;
    }
    snprintf(buf, size, "%.*f", decimals, v);
    if (lang == NV_LANG_SV)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
    return buf;
}

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "";
}

/* "a, b och c" / "a, b and c": the separator before item i of n. */
static const char *list_sep(const writer *w, size_t i, size_t n)
{
    return i == 0 ? "" : i + 1 == n ? tr(w, " och ", " and ") : ", ";
}

/* The sources line: boundaries, plan files, narvaro's version, and "Illustrativ" when a
 * plan has rows that are not sourced. prefix names the plan ("Före: ") in a comparison. */
static void source_line(writer *w, const nv_run_summary *s, const char *prefix)
{
    put(w, "<p class=\"source\">");
    html(w, prefix);
    put(w, tr(w, "Källor: gränser ", "Sources: boundaries "));
    html(w, base_name(s->boundaries));
    put(w, tr(w, "; kontorsplan ", "; office plan "));
    for (size_t i = 0; i < s->n_office_files; i++) {
        put(w, list_sep(w, i, s->n_office_files));
        html(w, base_name(s->office_files[i]));
    }
    put(w, tr(w, "; befolkning ", "; population "));
    html(w, base_name(s->population_source));
    putf(w, "; narvaro %s.", s->version ? s->version : NV_VERSION);
    if (s->illustrative)
        put(w, tr(w, " <strong class=\"illustrative\">Illustrativ</strong>: planen har rader som inte är "
                     "hämtade ur en källa.",
                  " <strong class=\"illustrative\">Illustrative</strong>: the plan has rows that are not "
                  "sourced."));
    put(w, "</p>\n");
}

/* The people beyond each radius, as a sentence. */
static void people_beyond(writer *w, const nv_run_summary *s)
{
    char a[64], b[64], c[32];
    if (!(s->pop.population > 0))
        return;
    put(w, "<p>");
    putf(w, tr(w, "Av %s invånare", "Of %s inhabitants"), fmt_people(a, sizeof a, s->pop.population, w->lang));
    if (s->population_municipal)
        put(w, tr(w, " (kommunernas befolkning, var och en i kommunens representativa punkt)",
                  " (municipal totals, each at its municipality's representative point)"));
    put(w, tr(w, " har ", ", "));
    for (size_t r = 0; r < s->radii.n; r++) {
        double beyond = s->pop.population - s->pop.within[r];
        put(w, list_sep(w, r, s->radii.n));
        fmt_people(a, sizeof a, beyond, w->lang);
        fmt_dec(b, sizeof b, 100 * beyond / s->pop.population, 1, w->lang);
        fmt_dec(c, sizeof c, s->radii.km[r], s->radii.km[r] == floor(s->radii.km[r]) ? 0 : 1, w->lang);
        putf(w, tr(w, "%s (%s %%) längre än %s km", "%s (%s %%) live farther than %s km"), a, b, c);
    }
    put(w, tr(w, " till närmaste kontor.</p>\n", " from the nearest office.</p>\n"));
}

/* ======================================================================== measures */

/* One entry of the measure selector: its classes (from the renderer) and the class of
 * every municipality. */
typedef struct measure {
    char key[80];
    char label[96];
    nv_classes cl;             /* classes.h: keys, labels, colours, limits */
    int count[NV_CLASSES_MAX]; /* municipalities per class on this measure's map */
    unsigned sym_fill[NV_OFFICE_TYPES], sym_stroke[NV_OFFICE_TYPES];
    int sym_count[NV_OFFICE_TYPES]; /* offices of the plan shown, per symbol type */
    int *cls;                  /* nm entries: class of each municipality, -1 for none */
} measure;

typedef struct page {
    writer w;
    const nv_report_html_options *o;
    const nv_report_html_run *run, *before; /* before: a comparison's base plan, else NULL */
    const nv_change *changes;
    nv_map_data *d;
    measure *ms;
    size_t n_ms, cap_ms;
    nv_rh_frame f;
    long (*county_bb)[4];      /* per county of run->c: user units */
    /* A comparison's closed offices (the base plan's that compare.sqlite marks closed):
     * indices into before->o, and per municipality the first of its in that list. */
    size_t *closed, n_closed;
    /* The offices' symbols as drawn (see office_symbols): how many rows, how many symbols,
     * and the grid cell they were merged on, user units (0: none merged; 1: only
     * identical ones). */
    size_t sym_rows, sym_drawn;
    long sym_cell_units;
} page;

static nv_status load_spec(const page *pg, const char *name, nv_mapspec **out, nv_error *err)
{
    nv_status st = nv_mapspec_find_and_load(pg->o->maps_dir, name, out, err);
    if (st != NV_OK && err) {
        size_t k = strlen(err->message);
        snprintf(err->message + k, sizeof err->message - k, " (or skip the report with --no-report)");
    }
    return st;
}

/* The classes of a map of spec over the run's database, as the maps make them
 * (classes.h, from the values mapdata.h reads back, as render.c does): a gets the classes,
 * the class of each municipality of the plan the spec shows (the after plan for plan
 * both) with the counts, and the office symbols; b, for plan both, the same classes with
 * the before plan's municipalities and offices. */
static nv_status map_classes(const page *pg, const nv_mapspec *s, measure *a, measure *b, nv_error *err)
{
    const nv_map_data *d = pg->d;
    nv_map_data view;
    nv_map_muni *owned = NULL;
    const nv_map_data *before = NULL;
    if (s->plan != NV_PLAN_AFTER && !(before = nv_mapdata_before_view(d, &view, &owned)))
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    /* shown[0]: the plan the spec shows; shown[1]: with plan both, the before plan. */
    const nv_map_data *shown[2] = {s->plan == NV_PLAN_BEFORE ? before : d, s->plan == NV_PLAN_BOTH ? before : NULL};
    nv_class_input in = {{0}, NULL, 0, NULL, 0, 0, NULL, 0};
    in.tier_words = (const char *const *)d->tiers;
    in.n_tiers = d->n_tiers;
    nv_breaks method = s->breaks;
    const char *cats[NV_MAPSPEC_MAX_CLASSES + 1];
    int col = s->measure == NV_MEASURE_COLUMN ? nv_mapdata_column(d, s->column) : -1;
    if (s->measure == NV_MEASURE_COLUMN) {
        nv_status st = nv_mapdata_column_input(d, s, &in, cats, &method, err);
        if (st != NV_OK) {
            free(owned);
            return st;
        }
    }
    int numeric = s->measure != NV_MEASURE_PRESENCE && s->measure != NV_MEASURE_CHANGE && !in.categories;
    double *v = malloc((2 * d->nm + 1) * sizeof *v);
    if (!v) {
        free(owned);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; shown[k] && i < shown[k]->nm; i++) {
            const nv_map_muni *m = &shown[k]->m[i];
            if (m->tier >= 0 && m->tier < NV_CLASSES_RANKS)
                in.rank_counts[m->tier]++;
            double x = numeric ? nv_mapdata_value(shown[k], s, m) : NAN;
            if (isfinite(x))
                v[in.n_values++] = x;
            else
                in.no_data += numeric;
        }
    in.values = numeric && method != NV_BREAKS_FIXED ? v : NULL;
    if (!in.values)
        in.n_values = 0;
    nv_status st = nv_classes_make(&a->cl, s, pg->o->lang, method, &in, err);
    const nv_classes *cl = &a->cl;
    free(v);
    if (st == NV_OK && b)
        b->cl = a->cl; /* plan both: one set of classes for both maps */
    for (int k = 0; k < 2 && st == NV_OK; k++) {
        measure *ms = k == 0 ? a : b;
        if (!ms || !shown[k])
            continue;
        for (size_t i = 0; i < d->nm; i++) {
            const nv_map_muni *m = &shown[k]->m[i];
            int c = s->measure == NV_MEASURE_PRESENCE ? nv_classes_of_rank(cl, m->tier)
                    : s->measure == NV_MEASURE_CHANGE ? nv_classes_of_change(cl, m->change)
                    : in.categories                   ? nv_classes_of_category(cl, nv_mapdata_text(shown[k], col, m))
                                                      : nv_classes_of_value(cl, nv_mapdata_value(shown[k], s, m));
            ms->cls[i] = c;
            if (c >= 0)
                ms->count[c]++;
        }
        for (int t = 0; t < NV_OFFICE_TYPES; t++)
            nv_symbols_colors(t, &ms->sym_fill[t], &ms->sym_stroke[t]);
        for (size_t i = 0; i < shown[k]->no; i++)
            if (shown[k]->o[i].type >= 0 && shown[k]->o[i].type < NV_OFFICE_TYPES)
                ms->sym_count[shown[k]->o[i].type]++;
    }
    free(owned);
    return st;
}

/* Adds a measure (and, for plan both, its before twin right after it). */
static nv_status add_measure(page *pg, const nv_mapspec *spec, const char *key, const char *label,
                             const char *key_before, const char *label_before, nv_error *err)
{
    size_t nm = pg->run->nm, need = spec->plan == NV_PLAN_BOTH ? 2 : 1;
    if (pg->d->nm != nm)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "the report's database does not match the run");
    if (pg->n_ms + need > pg->cap_ms) {
        size_t cap = pg->cap_ms ? 2 * pg->cap_ms : 16;
        measure *g = realloc(pg->ms, cap * sizeof *g);
        if (!g)
            return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        pg->ms = g;
        pg->cap_ms = cap;
    }
    measure *a = &pg->ms[pg->n_ms], *b = need == 2 ? &pg->ms[pg->n_ms + 1] : NULL;
    memset(a, 0, need * sizeof *a);
    if (!(a->cls = malloc((nm ? nm : 1) * sizeof *a->cls)) || (b && !(b->cls = malloc((nm ? nm : 1) * sizeof *b->cls)))) {
        free(a->cls);
        a->cls = NULL;
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    nv_status st = map_classes(pg, spec, a, b, err);
    if (st != NV_OK) {
        free(a->cls);
        a->cls = NULL;
        if (b) {
            free(b->cls);
            b->cls = NULL;
        }
        return st;
    }
    snprintf(a->key, sizeof a->key, "%s", key);
    snprintf(a->label, sizeof a->label, "%s", label);
    if (b) {
        snprintf(b->key, sizeof b->key, "%s", key_before);
        snprintf(b->label, sizeof b->label, "%s", label_before);
    }
    pg->n_ms += need;
    return NV_OK;
}

/* The joined attributes, a measure each, classed as the map of a spec that says only
 * `measure = column:NAME` is (mapdata.h, classes.h): numbers by quantiles, text a
 * category per value. A text column of more values than a map shows is left out (it is
 * no map; the tables have it), as is a name a spec cannot hold. */
static nv_status attribute_measures(page *pg, nv_error *err)
{
    const nv_attributes *a = pg->run->attrs;
    size_t n = a ? nv_attributes_count(a, NV_ATTR_MUNICIPALITY) : 0;
    nv_status st = NV_OK;
    for (size_t k = 0; k < n && st == NV_OK; k++) {
        const char *name = nv_attributes_name(a, NV_ATTR_MUNICIPALITY, k);
        char text[128], key[80];
        nv_mapspec *spec = NULL;
        nv_error e = {0};
        int len = snprintf(text, sizeof text, "measure = column:%s\n", name);
        if (len < 0 || (size_t)len >= sizeof text || strpbrk(name, "\r\n#"))
            continue;
        st = nv_mapspec_parse(text, (size_t)len, name, &spec, &e);
        if (st == NV_OK && spec->measure == NV_MEASURE_COLUMN && strcmp(spec->column, name) == 0 &&
            nv_mapdata_column(pg->d, name) >= 0) {
            snprintf(key, sizeof key, "column:%s", name);
            st = add_measure(pg, spec, key, name, NULL, NULL, &e);
        }
        nv_mapspec_destroy(spec);
        if (st == NV_ERR_INPUT)
            st = NV_OK; /* no map of it */
        else if (st != NV_OK && err)
            *err = e;
    }
    return st;
}

/* The measures of one plan: presence, distance, and with population figures the share
 * within each radius and the weighted mean distance; then the joined attributes. */
static nv_status single_measures(page *pg, nv_error *err)
{
    nv_mapspec *pres = NULL, *dist = NULL, *popu = NULL;
    const writer *w = &pg->w;
    const nv_run_summary *s = pg->run->summary;
    nv_status st;
    if ((st = load_spec(pg, "presence", &pres, err)) != NV_OK || (st = load_spec(pg, "distance", &dist, err)) != NV_OK)
        goto done;
    if ((st = add_measure(pg, pres, "presence", tr(w, "Närvaro", "Presence"), NULL, NULL, err)) != NV_OK)
        goto done;
    if ((st = add_measure(pg, dist, "nearest_office_km", tr(w, "Avstånd till närmaste kontor", "Distance to the nearest office"),
                          NULL, NULL, err)) != NV_OK)
        goto done;
    if (!(s->pop.population >= 0))
        goto done;
    if ((st = load_spec(pg, "population", &popu, err)) != NV_OK)
        goto done;
    for (size_t r = 0; r < s->radii.n && st == NV_OK; r++) {
        nv_mapspec share = *popu; /* a shallow copy: only the radius differs */
        char key[48], label[96], km[32];
        share.measure = NV_MEASURE_SHARE;
        share.share_radius_km = s->radii.km[r];
        snprintf(key, sizeof key, "share_within_%gkm", s->radii.km[r]);
        fmt_dec(km, sizeof km, s->radii.km[r], s->radii.km[r] == floor(s->radii.km[r]) ? 0 : 1, w->lang);
        snprintf(label, sizeof label, tr(w, "Andel av befolkningen inom %s km", "Share of the people within %s km"), km);
        st = add_measure(pg, &share, key, label, NULL, NULL, err);
    }
    if (st == NV_OK) {
        nv_mapspec mean = *dist;
        mean.measure = NV_MEASURE_MEAN_KM;
        st = add_measure(pg, &mean, "mean_distance_km",
                         tr(w, "Befolkningens medelavstånd", "The people's mean distance"), NULL, NULL, err);
    }
done:
    if (st == NV_OK)
        st = attribute_measures(pg, err);
    nv_mapspec_destroy(pres);
    nv_mapspec_destroy(dist);
    nv_mapspec_destroy(popu);
    return st;
}

/* A comparison's measures: the change, then presence and distance after and before with
 * shared classes. */
static nv_status compare_measures(page *pg, nv_error *err)
{
    nv_mapspec *diff = NULL, *pres = NULL, *dist = NULL;
    const writer *w = &pg->w;
    nv_status st;
    if ((st = load_spec(pg, "difference", &diff, err)) != NV_OK || (st = load_spec(pg, "presence", &pres, err)) != NV_OK ||
        (st = load_spec(pg, "distance", &dist, err)) != NV_OK)
        goto done;
    nv_mapspec change = *diff;
    change.plan = NV_PLAN_AFTER;
    if ((st = add_measure(pg, &change, "change", tr(w, "Förändring", "Change"), NULL, NULL, err)) != NV_OK)
        goto done;
    nv_mapspec p2 = *pres, d2 = *dist;
    p2.plan = d2.plan = NV_PLAN_BOTH;
    if ((st = add_measure(pg, &p2, "presence", tr(w, "Närvaro, ny plan", "Presence, new plan"), "presence_before",
                          tr(w, "Närvaro, tidigare plan", "Presence, base plan"), err)) != NV_OK)
        goto done;
    st = add_measure(pg, &d2, "nearest_office_km", tr(w, "Avstånd, ny plan", "Distance, new plan"),
                     "nearest_office_km_before", tr(w, "Avstånd, tidigare plan", "Distance, base plan"), err);
done:
    nv_mapspec_destroy(diff);
    nv_mapspec_destroy(pres);
    nv_mapspec_destroy(dist);
    return st;
}

static unsigned class_color(const measure *m, int c)
{
    return c >= 0 && (size_t)c < m->cl.n ? m->cl.cls[c].color : m->cl.no_data_color;
}

/* ======================================================================== page parts */

static void head(page *pg, const char *title)
{
    writer *w = &pg->w;
    putf(w, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", tr(w, "sv", "en"));
    put(w, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    /* No request may leave the file: the policy forbids any that the page itself did not
     * inline, whatever a future edit adds. */
    put(w, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    put(w, "<meta name=\"generator\" content=\"narvaro\">\n<title>");
    html(w, title);
    put(w, "</title>\n<style>\n");
    for (size_t i = 0; nv_report_html_css[i]; i++)
        put(w, nv_report_html_css[i]);
    put(w, "</style>\n</head>\n<body>\n");
}

static void controls(page *pg)
{
    writer *w = &pg->w;
    put(w, "<div class=\"controls\">\n<label>");
    put(w, tr(w, "Visa", "Show"));
    put(w, " <select id=\"measure\">");
    for (size_t i = 0; i < pg->n_ms; i++) {
        putf(w, "<option value=\"%zu\">", i);
        html(w, pg->ms[i].label);
        put(w, "</option>");
    }
    put(w, "</select></label>\n<label>");
    put(w, tr(w, "Zooma till", "Zoom to"));
    put(w, " <select id=\"zoom\"><option value=\"\">");
    put(w, tr(w, "Hela landet", "The whole country"));
    put(w, "</option>");
    for (size_t i = 0; i < pg->run->nc; i++) {
        put(w, "<option value=\"");
        html(w, pg->run->c[i].lanskod);
        put(w, "\">");
        html(w, pg->run->c[i].namn ? pg->run->c[i].namn : pg->run->c[i].lanskod);
        put(w, "</option>");
    }
    put(w, "</select></label>\n</div>\n");
}

static int county_index(const nv_report_html_run *run, const char *lanskod)
{
    for (size_t i = 0; lanskod && i < run->nc; i++)
        if (strcmp(run->c[i].lanskod, lanskod) == 0)
            return (int)i;
    return -1;
}

/* The shapes of symbols.c, centred on (0, 0) in user units (a dot's radius is 450, 4.5
 * km on the map of the nation): a dot, a ring, a square, a triangle, diamonds, and the
 * closed office's cross. Placed with a transform, which the script scales on zoom. */
static const char *const SYMBOL_D[NV_OFFICE_TYPES] = {
    "M-450 0a450 450 0 1 0 900 0a450 450 0 1 0-900 0z", "M-450 0a450 450 0 1 0 900 0a450 450 0 1 0-900 0z",
    "M-405-405h810v810h-810z", "M0-585l518 923h-1036z", "M0-563l563 563-563 563-563-563z",
    "M0-563l563 563-563 563-563-563z", "M-428-428l856 856m0-856l-856 856"};

/* The symbol type of a row: a row without a type is a staffed office (offices.h). */
static int symbol_type(const nv_office_result *o)
{
    return o->type ? nv_mapdata_office_type(o->type) : NV_OFFICE_STAFFED;
}

/* "och 1 234 till" / "and 1,234 more", into buf. */
static const char *and_more(char *buf, size_t size, size_t k, nv_lang lang)
{
    char num[64];
    fmt_int(num, sizeof num, (double)k, lang);
    snprintf(buf, size, lang == NV_LANG_EN ? "and %s more" : "och %s till", num);
    return buf;
}

/* The office's symbol; more is how many other rows it stands for (office_symbols). */
static void office_symbol(writer *w, const nv_rh_frame *f, const nv_office_result *o, size_t more, const measure *ms)
{
    int type = symbol_type(o);
    long X = nv_rh_ux(f, o->x), Y = nv_rh_uy(f, o->y);
    putf(w, "<path class=\"of of-%s\" data-x=\"%ld\" data-y=\"%ld\" transform=\"translate(%ld %ld)\" d=\"%s\" "
            "fill=\"#%06x\" stroke=\"#%06x\"><title>",
         nv_symbols_name(type), X, Y, X, Y, SYMBOL_D[type], ms->sym_fill[type], ms->sym_stroke[type]);
    html(w, o->name && *o->name ? o->name : o->office_id);
    if (more) {
        char buf[96];
        putf(w, " %s", and_more(buf, sizeof buf, more, w->lang));
    }
    put(w, "</title></path>");
}

/* ---- symbols at the same place drawn once ---- */

/* A plan of 2,000,000 rows at a hundred places drew 2 M symbols, nearly all on top of
 * others: a page of 600 MB that no browser opens. So the rows of one symbol type that
 * fall in the same cell of a grid are drawn once, at the first row's place, in the order
 * of the rows. A plan of at most SYMBOLS_MAX places drawn is drawn row by row as it always
 * was (the 2020 plan has offices at identical coordinates: its page stays byte for byte).
 * A larger one is merged on the SVG's own grid (10 m) if that leaves at most SYMBOLS_MAX
 * symbols: identical symbols at identical coordinates, a map the same to the pixel.
 * Beyond that the cell doubles until at
 * most SYMBOLS_MAX are left (80 m for 2 M rows within 300 m of the 2020 plan's 112
 * places): places within a cell share a symbol, less than a pixel apart at the closest
 * county zoom of a screen, and a note under the legend says so. Any plan thus draws at
 * most SYMBOLS_MAX symbols (a few MB); the tables and offices.csv keep every row. */
#define SYMBOLS_MAX 20000

typedef struct sym_cell {
    long cx, cy;               /* the cell, in cells of the grid */
    int type;                  /* an NV_OFFICE_ type; -1: an empty slot */
    size_t first, n;           /* the first row there (index into the rows) and how many */
} sym_cell;

static long floor_div(long a, long b)
{
    long q = a / b;
    return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q;
}

static int cmp_sym_first(const void *a, const void *b)
{
    const sym_cell *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* The row of k: idx[k] when there is an index list, else k. */
static size_t sym_row(const size_t *idx, size_t k)
{
    return idx ? idx[k] : k;
}

static int drawn_row(const nv_office_result *o)
{
    return o->status != NV_OFFICE_REJECTED && isfinite(o->x);
}

/* The symbols of rows o (the n of them, or the n that idx lists) that are drawn (placed or
 * snapped): *out, which the caller frees, gets one cell per symbol in the order of its first
 * row (an index into o), *n_out how many, *cell the grid's cell (user units; 0 when every
 * row has its own symbol) and *rows the rows drawn. type is the symbol type of every row, or -1 for each row's own. NV_OK, or NV_ERR_FAIL
 * when out of memory. */
static nv_status office_symbols(const nv_office_result *o, const size_t *idx, size_t n, int type,
                                const nv_rh_frame *f, sym_cell **out, size_t *n_out, long *cell, size_t *rows,
                                nv_error *err)
{
    size_t drawn = 0;
    for (size_t k = 0; k < n; k++)
        drawn += drawn_row(&o[sym_row(idx, k)]);
    size_t slots = 16, want = drawn < SYMBOLS_MAX ? drawn + 1 : SYMBOLS_MAX + 1;
    while (slots < 2 * want)
        slots *= 2;
    sym_cell *t = malloc(slots * sizeof *t);
    if (!t)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    *rows = drawn;
    if (drawn <= SYMBOLS_MAX) { /* every row, as it always was */
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
            if (drawn_row(&o[sym_row(idx, k)]))
                t[m++] = (sym_cell){0, 0, type, sym_row(idx, k), 1};
        *out = t;
        *n_out = m;
        *cell = 0;
        return NV_OK;
    }
    size_t used = 0;
    long c = 1;
    for (;; c *= 2) {
        for (size_t s = 0; s < slots; s++)
            t[s].type = -1;
        used = 0;
        for (size_t k = 0; k < n && used <= SYMBOLS_MAX; k++) {
            const nv_office_result *r = &o[sym_row(idx, k)];
            if (!drawn_row(r))
                continue;
            int ty = type >= 0 ? type : symbol_type(r);
            long cx = floor_div(nv_rh_ux(f, r->x), c), cy = floor_div(nv_rh_uy(f, r->y), c);
            unsigned long long h = (unsigned long long)cx * 0x9E3779B97F4A7C15ull ^
                                   (unsigned long long)cy * 0xC2B2AE3D27D4EB4Full ^ (unsigned long long)ty;
            size_t s = (size_t)(h ^ h >> 29) & (slots - 1);
            while (t[s].type >= 0 && !(t[s].cx == cx && t[s].cy == cy && t[s].type == ty))
                s = (s + 1) & (slots - 1);
            if (t[s].type < 0) {
                t[s] = (sym_cell){cx, cy, ty, sym_row(idx, k), 0};
                used++;
            }
            t[s].n++;
        }
        /* A cell as large as the frame leaves a few symbols a type: the loop ends. */
        if (used <= SYMBOLS_MAX || c > LONG_MAX / 4)
            break;
    }
    size_t m = 0;
    for (size_t s = 0; s < slots; s++)
        if (t[s].type >= 0)
            t[m++] = t[s];
    qsort(t, m, sizeof *t, cmp_sym_first);
    *out = t;
    *n_out = m;
    *cell = c;
    return NV_OK;
}

/* The map: a path per municipality, the offices of the plan shown on top. */
static nv_status map_svg(page *pg, nv_error *err)
{
    writer *w = &pg->w;
    const nv_report_html_run *run = pg->run;
    const measure *m0 = &pg->ms[0];
    putf(w, "<div class=\"mapwrap\"><svg id=\"map\"%s xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %ld %ld\" "
            "tabindex=\"-1\" role=\"group\" aria-label=\"",
         strcmp(m0->key, "change") == 0 ? " class=\"light-edges\"" : "", pg->f.w, pg->f.h);
    put(w, tr(w, "Karta över kommunerna", "Map of the municipalities"));
    put(w, "\">\n<g id=\"munis\">\n");
    for (size_t i = 0; i < run->nm; i++) {
        const nv_muni_result *m = &run->m[i];
        long bb[4] = {LONG_MAX, LONG_MAX, LONG_MIN, LONG_MIN};
        put(w, "<path data-kommunkod=\"");
        html(w, m->kommunkod);
        put(w, "\" data-i=\"");
        putf(w, "%zu\" tabindex=\"0\" aria-label=\"", i);
        html(w, m->namn);
        putf(w, "\" fill=\"#%06x\" d=\"", class_color(m0, m0->cls[i]));
        if (!nv_report_html_wkb_path(w->f, m->wkb, m->wkb_size, &pg->f, bb))
            return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "municipality %s: its geometry is not a polygon",
                                m->kommunkod);
        put(w, "\"/>\n");
        int c = county_index(run, m->lanskod);
        if (c >= 0 && bb[0] <= bb[2]) {
            long *cb = pg->county_bb[c];
            if (bb[0] < cb[0]) cb[0] = bb[0];
            if (bb[1] < cb[1]) cb[1] = bb[1];
            if (bb[2] > cb[2]) cb[2] = bb[2];
            if (bb[3] > cb[3]) cb[3] = bb[3];
        }
    }
    put(w, "</g>\n<g id=\"offices\" aria-hidden=\"true\">\n");
    sym_cell *sym = NULL;
    size_t n_sym = 0;
    nv_status st = office_symbols(run->o, NULL, run->no, -1, &pg->f, &sym, &n_sym, &pg->sym_cell_units, &pg->sym_rows, err);
    if (st != NV_OK)
        return st;
    pg->sym_drawn = n_sym;
    for (size_t k = 0; k < n_sym; k++)
        office_symbol(w, &pg->f, &run->o[sym[k].first], sym[k].n - 1, m0), put(w, "\n");
    free(sym);
    sym = NULL;
    put(w, "</g>\n");
    if (pg->n_closed) {
        /* The PNG change map's cross with its halo: shown with the change measure only.
         * Crosses at the same place drawn once too. */
        unsigned halo, ink;
        long cell;
        size_t rows;
        if ((st = office_symbols(pg->before->o, pg->closed, pg->n_closed, NV_OFFICE_CLOSED, &pg->f, &sym, &n_sym, &cell,
                                 &rows, err)) != NV_OK)
            return st;
        if (cell > pg->sym_cell_units)
            pg->sym_cell_units = cell;
        nv_symbols_colors(NV_OFFICE_CLOSED, &halo, &ink);
        put(w, "<g id=\"closed\" aria-hidden=\"true\">\n");
        for (size_t k = 0; k < n_sym; k++) {
            const nv_office_result *o = &pg->before->o[sym[k].first];
            long X = nv_rh_ux(&pg->f, o->x), Y = nv_rh_uy(&pg->f, o->y);
            put(w, "<g class=\"of-closed\">");
            for (int layer = 0; layer < 2; layer++)
                putf(w, "<path class=\"cl %s\" data-x=\"%ld\" data-y=\"%ld\" transform=\"translate(%ld %ld)\" d=\"%s\" "
                        "stroke=\"#%06x\"/>",
                     layer ? "cl-x" : "cl-halo", X, Y, X, Y, SYMBOL_D[NV_OFFICE_CLOSED], layer ? ink : halo);
            put(w, "<title>");
            html(w, o->name && *o->name ? o->name : o->office_id);
            if (sym[k].n > 1) {
                char buf[96];
                putf(w, " %s", and_more(buf, sizeof buf, sym[k].n - 1, w->lang));
            }
            putf(w, " (%s)</title></g>\n", tr(w, "stängs", "closed"));
        }
        free(sym);
        put(w, "</g>\n");
    }
    put(w, "</svg>\n<div id=\"tooltip\" role=\"tooltip\" hidden></div></div>\n");
    return NV_OK;
}

/* The legend of the first measure (the script redraws it for the others). */
static void legend(page *pg)
{
    writer *w = &pg->w;
    const measure *m = &pg->ms[0];
    put(w, "<div id=\"legend\"><p class=\"legend-head\">");
    html(w, m->label);
    put(w, "</p><ul>");
    for (size_t c = 0; c < m->cl.n; c++) {
        const nv_class *k = &m->cl.cls[c];
        putf(w, "<li><span class=\"sw\" style=\"background:#%06x\"></span>", k->color);
        html(w, k->label);
        putf(w, " <span class=\"n\">(%d)</span></li>", m->count[c]);
    }
    put(w, "</ul><ul class=\"symbols\">");
    for (int t = 0; t < NV_OFFICE_CLOSED; t++) {
        if (!m->sym_count[t])
            continue;
        putf(w, "<li><svg width=\"14\" height=\"14\" viewBox=\"-700 -700 1400 1400\" aria-hidden=\"true\"><path d=\"%s\" "
                "fill=\"#%06x\" stroke=\"#%06x\" stroke-width=\"%s\" vector-effect=\"non-scaling-stroke\"/></svg>%s "
                "<span class=\"n\">(%d)</span></li>",
             SYMBOL_D[t], m->sym_fill[t], m->sym_stroke[t], t == NV_OFFICE_BOOKED || t == NV_OFFICE_AGREEMENT ? "2.4" : "1",
             nv_symbols_label(t, w->lang), m->sym_count[t]);
    }
    if (pg->n_closed) {
        unsigned halo, ink;
        nv_symbols_colors(NV_OFFICE_CLOSED, &halo, &ink);
        putf(w, "<li class=\"closed-only\"><svg width=\"14\" height=\"14\" viewBox=\"-7 -7 14 14\" aria-hidden=\"true\" "
                "fill=\"none\" stroke-linecap=\"round\"><path d=\"M-4 -4l8 8m0 -8l-8 8\" stroke=\"#%06x\" stroke-width=\"4\"/>"
                "<path d=\"M-4 -4l8 8m0 -8l-8 8\" stroke=\"#%06x\" stroke-width=\"1.8\"/></svg>%s <span class=\"n\">(%zu)</span></li>",
             halo, ink, nv_symbols_label(NV_OFFICE_CLOSED, w->lang), pg->n_closed);
    }
    put(w, "</ul>");
    if (pg->sym_cell_units > 1) {
        /* Only when places were merged that are not identical on the map (office_symbols). */
        char rows[64], drawn[64], cell_m[64];
        fmt_int(rows, sizeof rows, (double)pg->sym_rows, w->lang);
        fmt_int(drawn, sizeof drawn, (double)pg->sym_drawn, w->lang);
        fmt_int(cell_m, sizeof cell_m, GRID_M * (double)pg->sym_cell_units, w->lang);
        put(w, "<p class=\"n\">");
        putf(w, tr(w, "Kartan visar %s platser som %s symboler: platser i samma ruta om %s × %s m delar symbol.",
                   "The map draws %s locations as %s symbols: locations in the same square of %s × %s m share one."),
             rows, drawn, cell_m, cell_m);
        put(w, "</p>");
    }
    put(w, "</div>\n");
}

/* ---- tables ---- */

typedef enum { COL_TEXT, COL_NUM } col_kind;

static void th(writer *w, const char *label, col_kind kind)
{
    putf(w, "<th data-type=\"%s\" tabindex=\"0\" aria-sort=\"none\">", kind == COL_NUM ? "num" : "text");
    html(w, label);
    put(w, "</th>");
}

static void td_text(writer *w, const char *s)
{
    put(w, "<td>");
    html(w, s);
    put(w, "</td>");
}

/* A number cell: the value to sort by in data-v (C notation), the text as the language
 * writes it. */
static void td_num(writer *w, double v, int decimals)
{
    char buf[64];
    if (!isfinite(v)) {
        put(w, "<td class=\"num\" data-v=\"\">–</td>");
        return;
    }
    putf(w, "<td class=\"num\" data-v=\"%.*f\">%s</td>", decimals, v,
         decimals == 0 ? fmt_int(buf, sizeof buf, v, w->lang) : fmt_dec(buf, sizeof buf, v, decimals, w->lang));
}

/* A cell of people: data-v as the CSVs write the figure, the text in the language's
 * notation of the same digits. */
static void td_people(writer *w, double v)
{
    char raw[64], buf[96];
    if (!isfinite(v)) {
        put(w, "<td class=\"num\" data-v=\"\">–</td>");
        return;
    }
    nv_report_format_people(v, raw, sizeof raw);
    putf(w, "<td class=\"num\" data-v=\"%s\">%s</td>", raw, nv_classes_localize(buf, sizeof buf, raw, w->lang));
}

static const char *presence_label(const writer *w, const char *p)
{
    if (!p || strcmp(p, "none") == 0)
        return tr(w, "Ingen närvaro", "No presence");
    if (strcmp(p, "staffed") == 0)
        return tr(w, "Bemannat kontor", "Staffed office");
    if (strcmp(p, "booked") == 0)
        return tr(w, "Endast bokade besök", "Booked visits only");
    if (strcmp(p, "servicekontor") == 0)
        return tr(w, "Statens servicekontor", "State service office");
    if (strcmp(p, "cooperation") == 0)
        return tr(w, "Samarbete", "Cooperation");
    if (strcmp(p, "agreement") == 0)
        return tr(w, "Överenskommelse", "Agreement");
    return p; /* another type word of the plan, as it wrote it */
}

static const char *county_name(const nv_report_html_run *run, const char *lanskod)
{
    int c = county_index(run, lanskod);
    return c >= 0 && run->c[c].namn ? run->c[c].namn : lanskod;
}

/* The county filter of a table. */
static void county_filter(page *pg, const char *table_id)
{
    writer *w = &pg->w;
    put(w, "<p class=\"filter\"><label>");
    put(w, tr(w, "Län", "County"));
    putf(w, " <select class=\"county-filter\" data-table=\"%s\"><option value=\"\">", table_id);
    put(w, tr(w, "Alla län", "All counties"));
    put(w, "</option>");
    for (size_t i = 0; i < pg->run->nc; i++) {
        put(w, "<option value=\"");
        html(w, pg->run->c[i].lanskod);
        put(w, "\">");
        html(w, pg->run->c[i].namn ? pg->run->c[i].namn : pg->run->c[i].lanskod);
        put(w, "</option>");
    }
    put(w, "</select></label></p>\n");
}

static void radius_header(writer *w, const char *fmt_sv, const char *fmt_en, double km)
{
    char label[96], k[32];
    fmt_dec(k, sizeof k, km, km == floor(km) ? 0 : 1, w->lang);
    snprintf(label, sizeof label, tr(w, fmt_sv, fmt_en), k);
    th(w, label, COL_NUM);
}

static void municipality_table(page *pg)
{
    writer *w = &pg->w;
    const nv_report_html_run *run = pg->run;
    const nv_radii *radii = &run->summary->radii;
    int pop = run->summary->pop.population >= 0;
    put(w, "<h2>");
    put(w, tr(w, "Kommuner", "Municipalities"));
    put(w, "</h2>\n");
    county_filter(pg, "t-muni");
    put(w, "<table id=\"t-muni\" class=\"sortable\"><thead><tr>");
    th(w, tr(w, "Kod", "Code"), COL_TEXT);
    th(w, tr(w, "Kommun", "Municipality"), COL_TEXT);
    th(w, tr(w, "Län", "County"), COL_TEXT);
    th(w, tr(w, "Närvaro", "Presence"), COL_TEXT);
    th(w, tr(w, "Kontor", "Offices"), COL_NUM);
    th(w, tr(w, "Platser", "Locations"), COL_NUM);
    th(w, tr(w, "Närmaste kontor, km", "Nearest office, km"), COL_NUM);
    th(w, tr(w, "Närmaste närvaro, km", "Nearest presence, km"), COL_NUM);
    if (pop) {
        th(w, tr(w, "Befolkning", "Population"), COL_NUM);
        for (size_t r = 0; r < radii->n; r++)
            radius_header(w, "Inom %s km, %%", "Within %s km, %%", radii->km[r]);
        th(w, tr(w, "Medelavstånd, km", "Mean distance, km"), COL_NUM);
    }
    put(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < run->nm; i++) {
        const nv_muni_result *m = &run->m[i];
        put(w, "<tr data-lan=\"");
        html(w, m->lanskod);
        put(w, "\">");
        td_text(w, m->kommunkod);
        td_text(w, m->namn);
        td_text(w, county_name(run, m->lanskod));
        td_text(w, presence_label(w, m->presence));
        td_num(w, m->offices, 0);
        td_num(w, m->locations, 0);
        td_num(w, m->nearest_office_km, 1);
        td_num(w, m->nearest_presence_km, 1);
        if (pop) {
            td_people(w, m->pop.population);
            for (size_t r = 0; r < radii->n; r++)
                td_num(w, m->pop.population > 0 ? 100 * m->pop.within[r] / m->pop.population : NAN, 1);
            td_num(w, m->pop.mean_distance_km, 1);
        }
        put(w, "</tr>\n");
    }
    put(w, "</tbody></table>\n");
}

static void county_table(page *pg)
{
    writer *w = &pg->w;
    const nv_report_html_run *run = pg->run;
    const nv_radii *radii = &run->summary->radii;
    int pop = run->summary->pop.population >= 0;
    put(w, "<h2>");
    put(w, tr(w, "Län", "Counties"));
    put(w, "</h2>\n<table id=\"t-county\" class=\"sortable\"><thead><tr>");
    th(w, tr(w, "Kod", "Code"), COL_TEXT);
    th(w, tr(w, "Län", "County"), COL_TEXT);
    th(w, tr(w, "Kommuner", "Municipalities"), COL_NUM);
    th(w, tr(w, "Kontor", "Offices"), COL_NUM);
    th(w, tr(w, "Med kontor", "With an office"), COL_NUM);
    th(w, tr(w, "Utan kontor", "Without"), COL_NUM);
    th(w, tr(w, "Med närvaro", "With presence"), COL_NUM);
    th(w, tr(w, "Ingen närvaro", "No presence"), COL_NUM);
    th(w, tr(w, "Medelavstånd, km", "Mean distance, km"), COL_NUM);
    th(w, tr(w, "Längsta avstånd, km", "Longest distance, km"), COL_NUM);
    if (pop) {
        th(w, tr(w, "Befolkning", "Population"), COL_NUM);
        for (size_t r = 0; r < radii->n; r++)
            radius_header(w, "Inom %s km, %%", "Within %s km, %%", radii->km[r]);
    }
    put(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < run->nc; i++) {
        const nv_county_result *c = &run->c[i];
        put(w, "<tr data-lan=\"");
        html(w, c->lanskod);
        put(w, "\">");
        td_text(w, c->lanskod);
        td_text(w, c->namn ? c->namn : c->lanskod);
        td_num(w, c->municipalities, 0);
        td_num(w, c->offices, 0);
        td_num(w, c->with_office, 0);
        td_num(w, c->without_office, 0);
        td_num(w, c->with_presence, 0);
        td_num(w, c->without_presence, 0);
        td_num(w, c->mean_nearest_office_km, 1);
        td_num(w, c->max_nearest_office_km, 1);
        if (pop) {
            td_people(w, c->pop.population);
            for (size_t r = 0; r < radii->n; r++)
                td_num(w, c->pop.population > 0 ? 100 * c->pop.within[r] / c->pop.population : NAN, 1);
        }
        put(w, "</tr>\n");
    }
    put(w, "</tbody></table>\n");
}

/* ---- data for the script ---- */

static int cmp_code(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const nv_muni_result *)elem)->kommunkod);
}

/* The offices the municipalities measure to: per municipality, the name of the first row
 * (in input order, not rejected) whose id is its nearest_office_id, or the id itself. One
 * pass over the rows, each id looked up among the municipalities' (sorted), rather than a
 * pass per municipality: 290 x 2,000,000 comparisons on a plan of 2 M rows. The array
 * (nm entries, borrowing the run's strings) is the caller's to free; NULL when out of memory. */
typedef struct nearest_id {
    const char *id, *name; /* name: NULL until a row is found */
} nearest_id;

static int cmp_nearest_id(const void *a, const void *b)
{
    return strcmp(((const nearest_id *)a)->id, ((const nearest_id *)b)->id);
}

static const char **nearest_names(const nv_report_html_run *run)
{
    const char **out = calloc(run->nm + 1, sizeof *out);
    nearest_id *ids = malloc((run->nm + 1) * sizeof *ids);
    size_t n = 0;
    if (!out || !ids) {
        free(out), free(ids);
        return NULL;
    }
    for (size_t i = 0; i < run->nm; i++)
        if ((out[i] = run->m[i].nearest_office_id))
            ids[n++] = (nearest_id){out[i], NULL};
    qsort(ids, n, sizeof *ids, cmp_nearest_id);
    size_t u = 0; /* each id once */
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(ids[u - 1].id, ids[i].id) != 0)
            ids[u++] = ids[i];
    for (size_t i = 0; u && i < run->no; i++) {
        const nv_office_result *o = &run->o[i];
        if (!o->office_id || o->status == NV_OFFICE_REJECTED)
            continue;
        nearest_id key = {o->office_id, NULL}, *hit = bsearch(&key, ids, u, sizeof *ids, cmp_nearest_id);
        if (hit && !hit->name)
            hit->name = o->name && *o->name ? o->name : hit->id;
    }
    for (size_t i = 0; i < run->nm; i++) {
        nearest_id key = {out[i], NULL}, *hit = out[i] ? bsearch(&key, ids, u, sizeof *ids, cmp_nearest_id) : NULL;
        if (hit && hit->name)
            out[i] = hit->name;
    }
    free(ids);
    return out;
}

/* The names a tooltip lists of a municipality's locations (and, on a comparison's page,
 * of its closed offices): the first NAMES_MAX in the plan's order, then "och K till" / "and
 * K more". A tooltip of a few names is read at a glance; one of 17,000 (a municipality of
 * a plan of 2 M rows) covers the screen and made the page 300 MB; offices.csv and the
 * result's database hold every row. No municipality of the shipped plans has more than 4. */
#define NAMES_MAX 10

/* One plan's figures of a municipality: presence, offices and their names, the nearest
 * office and its distance, the people within each radius. */
static void json_figures(writer *w, const nv_report_html_run *run, const nv_muni_result *m, const char *nearest,
                         size_t **names, size_t *n_names)
{
    put(w, "\"p\":");
    json_str(w, m->presence);
    put(w, ",\"pl\":");
    json_str(w, presence_label(w, m->presence));
    putf(w, ",\"o\":%d,\"loc\":%d,\"km\":", m->offices, m->locations);
    json_num(w, m->nearest_office_km, 1);
    put(w, ",\"pk\":");
    json_num(w, m->nearest_presence_km, 1);
    put(w, ",\"nn\":");
    json_str(w, nearest);
    put(w, ",\"ol\":[");
    size_t idx = (size_t)(m - run->m), n = n_names[idx];
    for (size_t k = 0; k < n && k < NAMES_MAX; k++) {
        const nv_office_result *o = &run->o[names[idx][k]];
        put(w, k ? ",[" : "[");
        json_str(w, o->name && *o->name ? o->name : o->office_id);
        put(w, ",");
        json_str(w, presence_label(w, o->type ? o->type : "staffed"));
        put(w, "]");
    }
    if (n > NAMES_MAX) {
        /* The rest as one entry that the script shows as it shows a name: "och 1 234 till
         * (Bemannat kontor)", with their form when they share one. */
        const char *form = NULL;
        for (size_t k = NAMES_MAX; k < n; k++) {
            const nv_office_result *o = &run->o[names[idx][k]];
            const char *f = presence_label(w, o->type ? o->type : "staffed");
            if (form && strcmp(form, f) != 0) {
                form = tr(w, "olika former", "several forms");
                break;
            }
            form = f;
        }
        char buf[96];
        put(w, ",[");
        json_str(w, and_more(buf, sizeof buf, n - NAMES_MAX, w->lang));
        put(w, ",");
        json_str(w, form);
        put(w, "]");
    }
    put(w, "],\"pop\":");
    json_people(w, m->pop.population);
    put(w, ",\"w\":[");
    for (size_t r = 0; r < run->summary->radii.n; r++) {
        put(w, r ? "," : "");
        json_people(w, m->pop.within[r]);
    }
    put(w, "],\"mean\":");
    json_num(w, m->pop.mean_distance_km, 1);
}

/* Per municipality, the offices placed in it (indices into run->o); freed by the caller
 * (names[0] holds them all). NULL when out of memory. */
static size_t **offices_by_muni(const nv_report_html_run *run, size_t **counts)
{
    size_t **names = calloc(run->nm + 1, sizeof *names), *n = calloc(run->nm + 1, sizeof *n);
    size_t *all = malloc((run->no ? run->no : 1) * sizeof *all), used = 0;
    if (!names || !n || !all) {
        free(names), free(n), free(all);
        return NULL;
    }
    for (size_t i = 0; i < run->no; i++) /* count */
        if (run->o[i].muni && run->o[i].status != NV_OFFICE_REJECTED) {
            const nv_muni_result *m = bsearch(nv_office_kommunkod(&run->o[i]), run->m, run->nm, sizeof *run->m, cmp_code);
            if (m)
                n[m - run->m]++;
        }
    for (size_t k = 0; k < run->nm; k++) {
        names[k] = all + used;
        used += n[k];
        n[k] = 0;
    }
    names[run->nm] = all; /* kept for freeing when nm == 0 */
    for (size_t i = 0; i < run->no; i++)
        if (run->o[i].muni && run->o[i].status != NV_OFFICE_REJECTED) {
            const nv_muni_result *m = bsearch(nv_office_kommunkod(&run->o[i]), run->m, run->nm, sizeof *run->m, cmp_code);
            if (m) {
                size_t k = (size_t)(m - run->m);
                names[k][n[k]++] = i;
            }
        }
    *counts = n;
    return names;
}

static void json_texts(writer *w, const nv_radii *radii)
{
    put(w, "\"t\":{");
    putf(w, "\"county\":\"%s\",\"presence\":\"%s\",\"offices\":\"%s\",\"nearest\":\"%s\",\"distance\":\"%s\","
            "\"population\":\"%s\",\"within\":\"%s\",\"mean\":\"%s\",\"none\":\"%s\",\"change\":\"%s\","
            "\"km\":\"km\",\"people\":\"%s\",\"locations\":\"%s\",\"nearestp\":\"%s\",\"closed\":\"%s\"",
         tr(w, "Län", "County"), tr(w, "Närvaro", "Presence"), tr(w, "Kontor", "Offices"),
         tr(w, "Närmaste kontor", "Nearest office"), tr(w, "Avstånd", "Distance"), tr(w, "Befolkning", "Population"),
         tr(w, "Inom", "Within"), tr(w, "Medelavstånd", "Mean distance"), tr(w, "inga", "none"),
         tr(w, "Förändring", "Change"), tr(w, "invånare", "people"),
         tr(w, "Platser, alla former", "Locations, every form"), tr(w, "Närmaste närvaro", "Nearest presence"),
         tr(w, "stängs", "closed"));
    put(w, "},\"radii\":[");
    for (size_t r = 0; r < radii->n; r++)
        putf(w, "%s%g", r ? "," : "", radii->km[r]);
    put(w, "]");
}

/* A municipality's class on the change map (the first measure of a comparison). */
static const char *change_label(const page *pg, size_t i)
{
    const measure *m = &pg->ms[0];
    int c = m->cls[i];
    return c >= 0 && (size_t)c < m->cl.n ? m->cl.cls[c].label : "";
}

static nv_status data_json(page *pg, nv_error *err)
{
    writer *w = &pg->w;
    const nv_report_html_run *run = pg->run, *bef = pg->before;
    size_t *na = NULL, *nb = NULL;
    size_t **oa = offices_by_muni(run, &na), **ob = bef ? offices_by_muni(bef, &nb) : NULL;
    const char **nna = nearest_names(run), **nnb = bef ? nearest_names(bef) : NULL;
    if (!oa || (bef && !ob) || !nna || (bef && !nnb)) {
        if (oa) free(oa[run->nm]), free(oa), free(na);
        if (ob) free(ob[bef->nm]), free(ob), free(nb);
        free(nna), free(nnb);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    putf(w, "<script type=\"application/json\" id=\"nv-data\">{\"lang\":\"%s\",", tr(w, "sv", "en"));
    json_texts(w, &run->summary->radii);
    put(w, ",\"measures\":[");
    for (size_t i = 0; i < pg->n_ms; i++) {
        const measure *m = &pg->ms[i];
        put(w, i ? ",{\"key\":" : "{\"key\":");
        json_str(w, m->key);
        put(w, ",\"label\":");
        json_str(w, m->label);
        put(w, ",\"classes\":[");
        for (size_t c = 0; c < m->cl.n; c++) {
            const nv_class *k = &m->cl.cls[c];
            put(w, c ? ",{\"label\":" : "{\"label\":");
            json_str(w, k->label);
            putf(w, ",\"color\":\"#%06x\",\"count\":%d}", k->color, m->count[c]);
        }
        put(w, "],\"cls\":[");
        for (size_t k = 0; k < run->nm; k++)
            putf(w, k ? ",%d" : "%d", m->cls[k]);
        put(w, "]}");
    }
    put(w, "],\"counties\":{");
    for (size_t i = 0; i < run->nc; i++) {
        const long *b = pg->county_bb[i];
        put(w, i ? "," : "");
        json_str(w, run->c[i].lanskod);
        put(w, ":{\"n\":");
        json_str(w, run->c[i].namn);
        if (b[0] <= b[2])
            putf(w, ",\"bb\":[%ld,%ld,%ld,%ld]", b[0], b[1], b[2], b[3]);
        put(w, "}");
    }
    put(w, "},\"munis\":[");
    size_t next_closed = 0; /* pg->closed is in municipality order, as run->m */
    for (size_t i = 0; i < run->nm; i++) {
        const nv_muni_result *m = &run->m[i];
        put(w, i ? ",\n{\"k\":" : "\n{\"k\":");
        json_str(w, m->kommunkod);
        put(w, ",\"n\":");
        json_str(w, m->namn);
        put(w, ",\"l\":");
        json_str(w, m->lanskod);
        put(w, ",");
        json_figures(w, run, m, nna[i], oa, na);
        if (bef) {
            put(w, ",\"b\":{");
            json_figures(w, bef, &bef->m[i], nnb[i], ob, nb);
            put(w, "},\"ch\":");
            json_str(w, change_label(pg, i));
            put(w, ",\"cl\":[");
            size_t listed = 0;
            while (next_closed < pg->n_closed) {
                const nv_office_result *o = &bef->o[pg->closed[next_closed]];
                int c = strcmp(nv_office_kommunkod(o), m->kommunkod);
                if (c > 0)
                    break;
                next_closed++;
                if (c < 0)
                    continue; /* a municipality the run does not have: not in a tooltip */
                if (listed++ >= NAMES_MAX)
                    continue;
                put(w, listed > 1 ? "," : "");
                json_str(w, o->name && *o->name ? o->name : o->office_id);
            }
            if (listed > NAMES_MAX) {
                char buf[96];
                put(w, ",");
                json_str(w, and_more(buf, sizeof buf, listed - NAMES_MAX, w->lang)); /* "… (stängs)" */
            }
            put(w, "]");
        }
        put(w, "}");
    }
    put(w, "]}</script>\n");
    free(oa[run->nm]), free(oa), free(na);
    if (ob)
        free(ob[bef->nm]), free(ob), free(nb);
    free(nna), free(nnb);
    return NV_OK;
}

/* ---- a comparison's closed offices ---- */

static int cmp_xy(const void *a, const void *b)
{
    const double *p = a, *q = b;
    return p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : p[1] < q[1] ? -1 : p[1] > q[1];
}

static int cmp_closed(const void *a, const void *b, void *user)
{
    const nv_report_html_run *bef = user;
    const nv_office_result *x = &bef->o[*(const size_t *)a], *y = &bef->o[*(const size_t *)b];
    int c = strcmp(nv_office_kommunkod(x), nv_office_kommunkod(y));
    return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* The base plan's offices that the new plan closes, as compare.sqlite marks them (no
 * office of the new plan within NV_STORE_CLOSED_WITHIN_M; mapdata.h reads them as type
 * closed) and the PNG change map draws them: found among before->o by their coordinates,
 * which the database holds exactly as computed. In municipality order. */
static nv_status find_closed(page *pg, nv_error *err)
{
    const nv_map_data *d = pg->d;
    const nv_report_html_run *bef = pg->before;
    size_t n = 0;
    for (size_t i = 0; i < d->no; i++)
        n += d->o[i].type == NV_OFFICE_CLOSED;
    if (n == 0)
        return NV_OK;
    double *xy = malloc(2 * n * sizeof *xy);
    if (!xy || !(pg->closed = malloc((bef->no ? bef->no : 1) * sizeof *pg->closed))) {
        free(xy);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    for (size_t i = 0, k = 0; i < d->no; i++)
        if (d->o[i].type == NV_OFFICE_CLOSED)
            xy[2 * k] = d->o[i].x, xy[2 * k + 1] = d->o[i].y, k++;
    qsort(xy, n, 2 * sizeof *xy, cmp_xy);
    for (size_t i = 0; i < bef->no; i++) {
        const nv_office_result *o = &bef->o[i];
        double key[2] = {o->x, o->y};
        if (o->status != NV_OFFICE_REJECTED && o->muni && isfinite(o->x) &&
            bsearch(key, xy, n, 2 * sizeof *xy, cmp_xy))
            pg->closed[pg->n_closed++] = i;
    }
    free(xy);
    qsort_r(pg->closed, pg->n_closed, sizeof *pg->closed, cmp_closed, (void *)bef);
    return NV_OK;
}

/* ======================================================================== pages */

#define RULES_BEGIN "<!--nv:rules-->"
#define RULES_END "<!--/nv:rules-->"

static void page_free(page *pg)
{
    for (size_t i = 0; i < pg->n_ms; i++)
        free(pg->ms[i].cls);
    free(pg->ms);
    free(pg->closed);
    free(pg->county_bb);
    nv_mapdata_destroy(pg->d);
}

/* Loads the classes and lays out the frame; the page is then written part by part. */
static nv_status page_prepare(page *pg, const char *db_path, int compare, nv_error *err)
{
    nv_status st = nv_mapdata_load(db_path, &pg->d, err);
    if (st == NV_OK)
        st = compare ? compare_measures(pg, err) : single_measures(pg, err);
    if (st == NV_OK && compare)
        st = find_closed(pg, err);
    if (st != NV_OK)
        return st;
    double ext[4];
    nv_report_html_extent(pg->run->m, pg->run->nm, ext);
    if (!(ext[0] <= ext[2]))
        ext[0] = ext[1] = 0, ext[2] = ext[3] = 1;
    double margin = 0.01 * fmax(ext[2] - ext[0], ext[3] - ext[1]);
    pg->f.x0 = ext[0] - margin;
    pg->f.y1 = ext[3] + margin;
    pg->f.w = lround((ext[2] - ext[0] + 2 * margin) / GRID_M) + 1;
    pg->f.h = lround((ext[3] - ext[1] + 2 * margin) / GRID_M) + 1;
    if (!(pg->county_bb = malloc((pg->run->nc ? pg->run->nc : 1) * sizeof *pg->county_bb)))
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    for (size_t i = 0; i < pg->run->nc; i++) {
        pg->county_bb[i][0] = pg->county_bb[i][1] = LONG_MAX;
        pg->county_bb[i][2] = pg->county_bb[i][3] = LONG_MIN;
    }
    return NV_OK;
}

/* The map section and what follows it, common to both pages. */
static nv_status page_body(page *pg, nv_error *err)
{
    writer *w = &pg->w;
    put(w, "<section id=\"mapsec\">\n");
    controls(pg);
    put(w, "<div class=\"mapbox\">\n");
    nv_status st = map_svg(pg, err);
    if (st != NV_OK)
        return st;
    legend(pg);
    put(w, "</div>\n</section>\n");
    return NV_OK;
}

static void page_end(page *pg)
{
    writer *w = &pg->w;
    put(w, "<script>\n");
    for (size_t i = 0; nv_report_html_js[i]; i++)
        put(w, nv_report_html_js[i]);
    put(w, "</script>\n</body>\n</html>\n");
}

static void analyze_summary(page *pg)
{
    writer *w = &pg->w;
    const nv_run_summary *s = pg->run->summary;
    char a[64], b[64];
    put(w, "<header id=\"summary\">\n<h1>");
    put(w, tr(w, "Lokal närvaro per kommun", "Local presence by municipality"));
    put(w, "</h1>\n<p class=\"lead\">");
    putf(w, tr(w, "%d av %d kommuner har ett eget kontor, %d saknar. %d kontor.",
               "%d of %d municipalities have an office of their own, %d have none. %d offices."),
         s->with_office, s->municipalities, s->without_office, s->offices);
    if (s->without_presence != s->without_office)
        putf(w, tr(w, " %d av kommunerna utan kontor har en annan form av närvaro, %d saknar närvaro helt.",
                   " %d of the municipalities without an office have another form of presence, %d have none at all."),
             s->without_office - s->without_presence, s->without_presence);
    put(w, "</p>\n");
    if (s->n_tiers > 0) {
        /* Every form of presence the run found, best first: the municipalities whose best it is. */
        put(w, "<p>");
        put(w, tr(w, "Kommunernas bästa form av närvaro: ", "Each municipality's best form of presence: "));
        for (size_t t = 0, shown = 0; t < s->n_tiers; t++) {
            if (s->tier_counts[t] == 0)
                continue;
            put(w, shown++ ? ", " : "");
            html(w, presence_label(w, s->tier_words[t]));
            putf(w, " %s", fmt_int(a, sizeof a, s->tier_counts[t], w->lang));
        }
        putf(w, tr(w, ", ingen närvaro %s.</p>\n", ", no presence %s.</p>\n"),
             fmt_int(a, sizeof a, s->without_presence, w->lang));
    }
    people_beyond(w, s);
    if (isfinite(s->max_nearest_office_km)) {
        const char *far = s->max_nearest_kommunkod;
        for (size_t i = 0; far && i < pg->run->nm; i++)
            if (strcmp(pg->run->m[i].kommunkod, far) == 0)
                far = pg->run->m[i].namn;
        put(w, "<p>");
        put(w, tr(w, "Längst till närmaste kontor: ", "Farthest from an office: "));
        html(w, far);
        putf(w, " (%s km)", fmt_dec(a, sizeof a, s->max_nearest_office_km, 1, w->lang));
        putf(w, tr(w, "; i genomsnitt %s km från kommunernas representativa punkter.",
                   "; on average %s km from the municipalities' representative points."),
             fmt_dec(b, sizeof b, s->mean_nearest_office_km, 1, w->lang));
        put(w, "</p>\n");
    }
    if (s->offices_rejected || s->offices_snapped)
        putf(w, tr(w, "<p>%d kontor låg strax utanför gränserna och flyttades till närmaste kommun, %d kunde inte "
                      "placeras (se offices.csv).</p>\n",
                   "<p>%d offices lay just outside the boundaries and were moved to the nearest municipality, %d "
                   "could not be placed (see offices.csv).</p>\n"),
             s->offices_snapped, s->offices_rejected);
    /* Where narvaro check writes what the rules say (nv_report_html_check). */
    put(w, RULES_BEGIN RULES_END "\n");
    source_line(w, s, NULL);
    put(w, "</header>\n");
}

nv_status nv_report_html_analyze(const char *path, const char *db_path, const nv_report_html_run *run,
                                 const nv_report_html_options *o, nv_error *err)
{
    page pg;
    memset(&pg, 0, sizeof pg);
    pg.o = o;
    pg.run = run;
    pg.w.lang = o->lang;
    nv_status st = page_prepare(&pg, db_path, 0, err);
    if (st == NV_OK && (st = w_open(&pg.w, path, o->lang, err)) == NV_OK) {
        head(&pg, tr(&pg.w, "Lokal närvaro per kommun", "Local presence by municipality"));
        analyze_summary(&pg);
        if ((st = page_body(&pg, err)) == NV_OK) {
            put(&pg.w, "<section id=\"tables\">\n");
            municipality_table(&pg);
            county_table(&pg);
            put(&pg.w, "</section>\n");
            st = data_json(&pg, err);
        }
        if (st == NV_OK)
            page_end(&pg);
        st = w_close(&pg.w, st, err);
    }
    page_free(&pg);
    return st;
}

/* ---- comparison ---- */

static void compare_summary(page *pg, const nv_compare_totals *t, const size_t *ranking, size_t n_ranked)
{
    writer *w = &pg->w;
    const nv_run_summary *b = pg->before->summary, *a = pg->run->summary;
    char x[64], y[64];
    put(w, "<header id=\"summary\">\n<h1>");
    put(w, tr(w, "Vad den nya kontorsplanen förändrar", "What the new office plan changes"));
    put(w, "</h1>\n<p class=\"lead\">");
    putf(w, tr(w, "Kommuner med eget kontor: %d → %d. %d förlorar sin närvaro, %d får närvaro; närmaste kontor "
                  "kommer längre bort i %d kommuner och närmare i %d.",
               "Municipalities with an office of their own: %d → %d. %d lose their presence, %d gain one; the "
               "nearest office moves farther away in %d municipalities and nearer in %d."),
         b->with_office, a->with_office, t->losing_presence, t->gaining_presence, t->longer, t->shorter);
    put(w, "</p>\n");
    if (a->pop.population > 0) {
        put(w, "<p>");
        for (size_t r = 0; r < a->radii.n; r++) {
            put(w, list_sep(w, r, a->radii.n));
            fmt_dec(y, sizeof y, a->radii.km[r], a->radii.km[r] == floor(a->radii.km[r]) ? 0 : 1, w->lang);
            putf(w, tr(w, "%s fler längre än %s km", "%s more beyond %s km"),
                 fmt_people(x, sizeof x, t->beyond_added[r] - t->within_added[r], w->lang), y);
        }
        put(w, tr(w, " från närmaste kontor (netto).</p>\n", " from the nearest office (net).</p>\n"));
    }
    if (n_ranked) {
        const nv_change *c = &pg->changes[ranking[0]];
        put(w, "<p>");
        put(w, tr(w, "Störst förlust: ", "Heaviest loss: "));
        html(w, c->after->namn);
        putf(w, tr(w, ", %s → %s km till närmaste kontor.", ", %s → %s km to the nearest office."),
             fmt_dec(x, sizeof x, c->before->nearest_office_km, 1, w->lang),
             fmt_dec(y, sizeof y, c->after->nearest_office_km, 1, w->lang));
        put(w, "</p>\n");
    }
    source_line(w, b, tr(w, "Tidigare plan. ", "Base plan. "));
    source_line(w, a, tr(w, "Ny plan. ", "New plan. "));
    put(w, "</header>\n");
}


static void change_row(page *pg, const nv_change *c, size_t i, long rank)
{
    writer *w = &pg->w;
    const nv_radii *radii = &pg->run->summary->radii;
    put(w, "<tr data-lan=\"");
    html(w, c->after->lanskod);
    put(w, "\">");
    if (rank > 0)
        td_num(w, (double)rank, 0);
    td_text(w, c->after->kommunkod);
    td_text(w, c->after->namn);
    td_text(w, change_label(pg, i));
    td_text(w, presence_label(w, c->before->presence));
    td_text(w, presence_label(w, c->after->presence));
    td_num(w, c->before->nearest_office_km, 1);
    td_num(w, c->after->nearest_office_km, 1);
    td_num(w, c->delta_km, 1);
    td_people(w, c->after->pop.population);
    for (size_t r = 0; r < radii->n; r++)
        td_people(w, c->beyond_added[r]);
    td_num(w, c->person_km_added, 0);
    put(w, "</tr>\n");
}

static void change_table(page *pg, const char *id, const size_t *order, size_t n, int ranked)
{
    writer *w = &pg->w;
    const nv_radii *radii = &pg->run->summary->radii;
    county_filter(pg, id);
    putf(w, "<table id=\"%s\" class=\"sortable\"><thead><tr>", id);
    if (ranked)
        th(w, tr(w, "Rang", "Rank"), COL_NUM);
    th(w, tr(w, "Kod", "Code"), COL_TEXT);
    th(w, tr(w, "Kommun", "Municipality"), COL_TEXT);
    th(w, tr(w, "Förändring", "Change"), COL_TEXT);
    th(w, tr(w, "Närvaro före", "Presence before"), COL_TEXT);
    th(w, tr(w, "Närvaro efter", "Presence after"), COL_TEXT);
    th(w, tr(w, "Km före", "Km before"), COL_NUM);
    th(w, tr(w, "Km efter", "Km after"), COL_NUM);
    th(w, tr(w, "Skillnad, km", "Difference, km"), COL_NUM);
    th(w, tr(w, "Befolkning", "Population"), COL_NUM);
    for (size_t r = 0; r < radii->n; r++)
        radius_header(w, "Nya bortom %s km", "New beyond %s km", radii->km[r]);
    th(w, tr(w, "Personkm tillagda", "Person-km added"), COL_NUM);
    put(w, "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < n; k++) {
        size_t i = order ? order[k] : k;
        if (!order && !pg->changes[i].changed)
            continue;
        change_row(pg, &pg->changes[i], i, ranked ? (long)k + 1 : 0);
    }
    put(w, "</tbody></table>\n");
}

nv_status nv_report_html_compare(const char *path, const char *db_path, const nv_report_html_run *before,
                                 const nv_report_html_run *after, const nv_change *changes,
                                 const size_t *ranking, size_t n_ranked, const nv_compare_totals *totals,
                                 const nv_report_html_options *o, nv_error *err)
{
    page pg;
    memset(&pg, 0, sizeof pg);
    pg.o = o;
    pg.run = after;
    pg.before = before;
    pg.changes = changes;
    pg.w.lang = o->lang;
    if (before->nm != after->nm)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "the two plans were measured on different boundaries");
    nv_status st = page_prepare(&pg, db_path, 1, err);
    if (st == NV_OK && (st = w_open(&pg.w, path, o->lang, err)) == NV_OK) {
        writer *w = &pg.w;
        head(&pg, tr(w, "Vad den nya kontorsplanen förändrar", "What the new office plan changes"));
        compare_summary(&pg, totals, ranking, n_ranked);
        if ((st = page_body(&pg, err)) == NV_OK) {
            put(w, "<section id=\"tables\">\n<h2>");
            put(w, tr(w, "Rangordning: de som förlorar mest", "Ranking: the heaviest losses"));
            put(w, "</h2>\n");
            change_table(&pg, "t-ranking", ranking, n_ranked, 1);
            put(w, "<h2>");
            put(w, tr(w, "Alla förändringar", "Every change"));
            put(w, "</h2>\n");
            change_table(&pg, "t-changes", NULL, after->nm, 0);
            put(w, "<p class=\"source\">");
            put(w, tr(w, "Varje plans egen rapport: <a href=\"before/report.html\">tidigare plan</a>, "
                         "<a href=\"after/report.html\">ny plan</a>.</p>\n",
                      "Each plan's own report: <a href=\"before/report.html\">base plan</a>, "
                      "<a href=\"after/report.html\">new plan</a>.</p>\n"));
            put(w, "</section>\n");
            st = data_json(&pg, err);
        }
        if (st == NV_OK)
            page_end(&pg);
        st = w_close(w, st, err);
    }
    page_free(&pg);
    return st;
}

/* ---- batch ---- */

/* A plan's name in a link to its own report: a file name (no '/'), percent-escaped
 * where a URL or the attribute would read it otherwise. */
static void plan_href(writer *w, const char *plan)
{
    put(w, "<a href=\"");
    for (const unsigned char *q = (const unsigned char *)plan; *q; q++)
        if (*q < 0x21 || strchr("%#?&<>\"'\\", *q))
            putf(w, "%%%02X", *q);
        else
            fputc(*q, w->f);
    put(w, "/report.html\">");
    html(w, plan);
    put(w, "</a>");
}

/* The rules of batch --rule in words: which, and how many plans break them. */
static void batch_rules(writer *w, const nv_report_html_plan *plans, size_t n, const char *const *rules,
                        size_t n_rules)
{
    size_t checked = 0, breaking = 0;
    long total = 0;
    for (size_t i = 0; i < n; i++)
        if (plans[i].violations >= 0) {
            checked++;
            breaking += plans[i].violations > 0;
            total += plans[i].violations;
        }
    put(w, "<p id=\"rules\">");
    put(w, n_rules == 1 ? tr(w, "Regeln som prövades: ", "The rule checked: ")
                        : tr(w, "Reglerna som prövades: ", "The rules checked: "));
    for (size_t r = 0; r < n_rules; r++) {
        put(w, list_sep(w, r, n_rules));
        putf(w, "rule %zu <code>", r + 1);
        html(w, rules[r]);
        put(w, "</code>");
    }
    putf(w, tr(w, ". %zu av %zu planer bryter mot ", ". %zu of %zu plans break "), breaking, checked);
    put(w, n_rules == 1 ? tr(w, "den", "it") : tr(w, "dem", "them"));
    putf(w, tr(w, " (%ld regelbrott sammanlagt, en kommun och regel vardera), %zu håller ",
               " (%ld violations in all, a municipality and rule each), %zu keep "),
         total, checked - breaking);
    put(w, n_rules == 1 ? tr(w, "den", "it") : tr(w, "alla", "them all"));
    put(w, tr(w, "; varje plans regelbrott står i tabellen.</p>\n", "; each plan's violations are in the table.</p>\n"));
}

nv_status nv_report_html_batch(const char *path, const nv_report_html_plan *plans, size_t n,
                               const nv_radii *radii, const char *const *rules, size_t n_rules,
                               const nv_report_html_options *o, nv_error *err)
{
    page pg;
    memset(&pg, 0, sizeof pg);
    writer *w = &pg.w;
    nv_status st = w_open(w, path, o->lang, err);
    if (st != NV_OK)
        return st;
    size_t done = 0, skipped = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        done += strcmp(plans[i].status, "done") == 0;
        skipped += strcmp(plans[i].status, "skipped") == 0;
        failed += strcmp(plans[i].status, "failed") == 0;
    }
    head(&pg, tr(w, "Planerna i en körning", "The plans of a batch"));
    put(w, "<header id=\"summary\">\n<h1>");
    put(w, tr(w, "Planerna i en körning", "The plans of a batch"));
    putf(w, tr(w, "</h1>\n<p class=\"lead\">%zu planer: %zu körda nu, %zu redan aktuella, %zu misslyckade. "
                  "Klicka på en plan för dess egen rapport.</p>\n",
               "</h1>\n<p class=\"lead\">%zu plans: %zu run now, %zu already current, %zu failed. Follow a "
               "plan for its own report.</p>\n"),
         n, done, skipped, failed);
    if (n_rules)
        batch_rules(w, plans, n, rules, n_rules);
    put(w, "</header>\n");
    put(w, "<section id=\"tables\">\n<table id=\"t-plans\" class=\"sortable\"><thead><tr>");
    th(w, "Plan", COL_TEXT);
    th(w, "Status", COL_TEXT);
    th(w, tr(w, "Kontor", "Offices"), COL_NUM);
    th(w, tr(w, "Kommuner med kontor", "Municipalities with an office"), COL_NUM);
    th(w, tr(w, "Utan kontor", "Without"), COL_NUM);
    th(w, tr(w, "Befolkning", "Population"), COL_NUM);
    for (size_t r = 0; radii && r < radii->n; r++)
        radius_header(w, "Bortom %s km", "Beyond %s km", radii->km[r]);
    th(w, tr(w, "Medelavstånd, km", "Mean distance, km"), COL_NUM);
    if (n_rules)
        th(w, tr(w, "Regelbrott", "Rule violations"), COL_NUM);
    th(w, tr(w, "Fel", "Error"), COL_TEXT);
    put(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const nv_report_html_plan *p = &plans[i];
        int ok = strcmp(p->status, "failed") != 0;
        put(w, "<tr><td>");
        if (p->has_report)
            plan_href(w, p->plan);
        else
            html(w, p->plan);
        put(w, "</td>");
        td_text(w, strcmp(p->status, "done") == 0      ? tr(w, "körd", "done")
                   : strcmp(p->status, "skipped") == 0 ? tr(w, "aktuell", "current")
                                                       : tr(w, "misslyckad", "failed"));
        td_num(w, ok ? p->offices : NAN, 0);
        td_num(w, ok ? p->with_office : NAN, 0);
        td_num(w, ok ? p->without_office : NAN, 0);
        td_people(w, ok ? p->population : NAN);
        for (size_t r = 0; radii && r < radii->n; r++)
            td_people(w, ok ? p->beyond[r] : NAN);
        td_num(w, ok ? p->mean_distance_km : NAN, 1);
        if (n_rules)
            td_num(w, ok && p->violations >= 0 ? (double)p->violations : NAN, 0);
        td_text(w, p->error ? p->error : "");
        put(w, "</tr>\n");
    }
    put(w, "</tbody></table>\n</section>\n");
    putf(w, "<script type=\"application/json\" id=\"nv-data\">{\"lang\":\"%s\",\"measures\":[],\"munis\":[]}</script>\n",
         tr(w, "sv", "en"));
    page_end(&pg);
    return w_close(w, NV_OK, err);
}

/* ---- narvaro check ---- */

enum { RULE_NAMES_SHOWN = 10 }; /* more failing rows fold away behind the first ones */

static void rule_rows(writer *w, const nv_check_rule_result *r, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++) {
        put(w, list_sep(w, k - from, to - from));
        html(w, r->names[k] && *r->names[k] ? r->names[k] : r->keys[k]);
    }
}

/* Each rule, whether it holds, and where it fails. */
static void rules_block(writer *w, const nv_check_result *res, int county)
{
    const char *rows = county ? tr(w, "län", "counties") : tr(w, "kommuner", "municipalities");
    size_t holding = 0;
    for (size_t i = 0; i < res->n_rules; i++)
        holding += res->rules[i].failing == 0;
    putf(w, tr(w, "<div id=\"rules\">\n<p><strong>Regler</strong> (narvaro check): %zu av %zu håller.</p>\n<ul>\n",
               "<div id=\"rules\">\n<p><strong>Rules</strong> (narvaro check): %zu of %zu hold.</p>\n<ul>\n"),
         holding, res->n_rules);
    for (size_t i = 0; i < res->n_rules; i++) {
        const nv_check_rule_result *r = &res->rules[i];
        putf(w, "<li class=\"%s\"><strong>", r->failing ? "rule-fail" : "rule-ok");
        html(w, r->name);
        put(w, "</strong> <code>");
        html(w, r->text);
        put(w, "</code>: ");
        if (!r->failing) {
            putf(w, tr(w, "håller i alla %zu %s.</li>\n", "holds in all %zu %s.</li>\n"), res->rows, rows);
            continue;
        }
        putf(w, tr(w, "<span class=\"fails\">bryts</span> i %zu av %zu %s: ",
                   "<span class=\"fails\">fails</span> in %zu of %zu %s: "),
             r->failing, res->rows, rows);
        if (r->failing <= RULE_NAMES_SHOWN) {
            rule_rows(w, r, 0, r->failing);
            put(w, ".</li>\n");
            continue;
        }
        put(w, "<details><summary>");
        for (size_t k = 0; k < RULE_NAMES_SHOWN; k++) {
            put(w, k ? ", " : "");
            html(w, r->names[k] && *r->names[k] ? r->names[k] : r->keys[k]);
        }
        putf(w, tr(w, " och %zu till</summary>", " and %zu more</summary>"), r->failing - RULE_NAMES_SHOWN);
        rule_rows(w, r, RULE_NAMES_SHOWN, r->failing);
        put(w, ".</details></li>\n");
    }
    put(w, tr(w, "</ul>\n<p class=\"source\">Varje regelbrott med värdena står i ",
              "</ul>\n<p class=\"source\">Every violation, with the values, is in "));
    html(w, base_name(res->violations));
    put(w, ".</p>\n</div>");
}

nv_status nv_report_html_check(const char *path, const nv_check_result *res, int county, int *written,
                               nv_error *err)
{
    *written = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? NV_OK
                               : nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot read the report: %s", strerror(errno));
    char *text = NULL;
    size_t n = 0, cap = 0;
    nv_status st = NV_OK;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            char *g = realloc(text, cap = 2 * cap + 65536 + 1);
            if (!g) {
                st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
                break;
            }
            text = g;
        }
        size_t k = fread(text + n, 1, cap - n - 1, f);
        n += k;
        if (k == 0)
            break;
    }
    if (st == NV_OK && ferror(f))
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot read the report: %s", strerror(errno ? errno : EIO));
    fclose(f);
    if (st != NV_OK) {
        free(text);
        return st;
    }
    text[n] = 0;
    /* Only a page of narvaro analyze has the place (an older one, or one of compare or
     * batch, does not): then there is nothing to add to. */
    char *begin = strstr(text, RULES_BEGIN), *end = begin ? strstr(begin, RULES_END) : NULL;
    if (!end || strlen(text) != n) {
        free(text);
        return NV_OK;
    }
    begin += strlen(RULES_BEGIN);
    nv_lang lang = strncmp(text, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0 ? NV_LANG_EN : NV_LANG_SV;
    char *tmp = NULL;
    writer w;
    if (asprintf(&tmp, "%s.tmp-%ld", path, (long)getpid()) < 0) {
        free(text);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    if ((st = w_open(&w, tmp, lang, err)) == NV_OK) {
        if (fwrite(text, 1, (size_t)(begin - text), w.f) != (size_t)(begin - text))
            w.errnum = errno ? errno : EIO;
        rules_block(&w, res, county);
        put(&w, end);
        if ((st = w_close(&w, NV_OK, err)) == NV_OK && rename(tmp, path) != 0) {
            st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot move the report into place: %s", strerror(errno));
            unlink(tmp);
        }
    }
    *written = st == NV_OK;
    free(tmp);
    free(text);
    return st;
}
