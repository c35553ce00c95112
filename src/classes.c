/* classes.c — class limits, classes, their labels and colours. */
#include "classes.h"

#include "compare.h"
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nv_classes_classify(double v, const double *breaks, size_t n_breaks)
{
    size_t i = 0;
    while (i < n_breaks && v > breaks[i])
        i++;
    return (int)i;
}

/* A share's class (0..n_breaks): a limit belongs to the class above it, so that 99 % is
 * in "≥ 99 %" and 50 % in "50–75 %". */
static int classify_share(double v, const double *breaks, size_t n_breaks)
{
    size_t i = 0;
    while (i < n_breaks && v >= breaks[i])
        i++;
    return (int)i;
}


/* Keeps limits strictly ascending and below the largest value (a limit at the maximum
 * would leave the last class empty). */
static size_t tidy_breaks(double *b, size_t n, double max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] < max && (k == 0 || b[i] > b[k - 1]))
            b[k++] = b[i];
    return k;
}

size_t nv_classes_breaks_quantile(const double *v, size_t n, int k, double *breaks)
{
    if (n == 0 || k < 2)
        return 0;
    for (int i = 1; i < k; i++)
        breaks[i - 1] = v[((size_t)i * n + (size_t)k - 1) / (size_t)k - 1];
    return tidy_breaks(breaks, (size_t)k - 1, v[n - 1]);
}

/* Fisher's exact optimal classification (what Jenks' "natural breaks" computes): the
 * dynamic programme over sorted values that minimises the sum of squared deviations
 * within classes, O(k n^2). */
size_t nv_classes_breaks_jenks(const double *v, size_t n, int k, double *breaks)
{
    if (n == 0 || k < 2)
        return 0;
    if ((size_t)k > n)
        k = (int)n;
    size_t K = (size_t)k + 1;
    size_t *lower = calloc((n + 1) * K, sizeof *lower); /* lower[i*K+j]: first index (1-based) of class j */
    double *cost = calloc((n + 1) * K, sizeof *cost);
    if (!lower || !cost) {
        free(lower);
        free(cost);
        return 0;
    }
    for (size_t j = 1; j <= (size_t)k; j++) {
        lower[1 * K + j] = 1;
        for (size_t i = 2; i <= n; i++)
            cost[i * K + j] = INFINITY;
    }
    for (size_t l = 2; l <= n; l++) {
        double s1 = 0, s2 = 0, w = 0, var = 0;
        for (size_t m = 1; m <= l; m++) {
            size_t i3 = l - m + 1;
            double val = v[i3 - 1];
            s2 += val * val;
            s1 += val;
            w += 1;
            var = s2 - s1 * s1 / w;
            size_t i4 = i3 - 1;
            if (i4 != 0)
                for (size_t j = 2; j <= (size_t)k; j++)
                    if (cost[l * K + j] >= var + cost[i4 * K + j - 1]) {
                        lower[l * K + j] = i3;
                        cost[l * K + j] = var + cost[i4 * K + j - 1];
                    }
        }
        lower[l * K + 1] = 1;
        cost[l * K + 1] = var;
    }
    size_t last = n;
    for (size_t j = (size_t)k; j >= 2; j--) {
        size_t first = lower[last * K + j]; /* class j holds values first..last (1-based) */
        breaks[j - 2] = first >= 2 ? v[first - 2] : v[0];
        last = first >= 2 ? first - 1 : 1;
    }
    free(lower);
    free(cost);
    return tidy_breaks(breaks, (size_t)k - 1, v[n - 1]);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}


void nv_classes_format_km(char *buf, size_t size, double v, nv_lang lang)
{
    if (fabs(v) >= 10 || v == floor(v))
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.1f", v);
    if (lang == NV_LANG_SV)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
}

void nv_classes_format_pct(char *buf, size_t size, double v, nv_lang lang, int radius)
{
    snprintf(buf, size, radius ? "%g" : v == floor(v) ? "%.0f" : "%.1f", v);
    if (lang == NV_LANG_SV)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
}

nv_status nv_classes_colors(const nv_mapspec *s, size_t n, unsigned *out, nv_error *err)
{
    if (s->n_colors > 0) {
        if (s->n_colors < n)
            return nv_error_set(err, NV_ERR_INPUT, s->path, 0,
                                "colors lists %zu colours but the map has %zu classes (the breaks method "
                                "or the data changed the classes: give %zu colours, or use palette)",
                                s->n_colors, n, n);
        memcpy(out, s->colors, n * sizeof *out);
    } else if (!nv_mapspec_palette(s->palette, (int)n, out)) {
        return nv_error_set(err, NV_ERR_INPUT, s->path, 0, "palette '%s' is unknown (give one of %s)", s->palette,
                            nv_mapspec_palette_names());
    }
    /* A share's palette runs from its dark end: the lowest share, the worst, is the
     * strongest colour. Explicit colours are in class order already. */
    int reverse = s->reverse ^ (s->measure == NV_MEASURE_SHARE && s->n_colors == 0);
    if (reverse)
        for (size_t i = 0; i < n / 2; i++) {
            unsigned t = out[i];
            out[i] = out[n - 1 - i];
            out[n - 1 - i] = t;
        }
    return NV_OK;
}

static void add_class(nv_classes *c, const char *key, const char *label, unsigned color)
{
    nv_class *k = &c->cls[c->n++];
    snprintf(k->key, sizeof k->key, "%s", key);
    snprintf(k->label, sizeof k->label, "%s", label);
    k->color = color;
}

/* The legend's words for a tier; another word is shown as it is. */
static const char *tier_label(const char *w, nv_lang lang)
{
    static const char *const words[] = {"staffed", "booked", "servicekontor", "cooperation", "agreement", "none"};
    static const char *const sv[] = {"Bemannat kontor", "Endast bokade besök", "Statens servicekontor",
                                     "Samarbete (bokade möten)", "Överenskommelse med kommunen", "Ingen närvaro"};
    static const char *const en[] = {"Staffed office", "Booked visits only", "State service office",
                                     "Cooperation (booked meetings)", "Agreement with the municipality",
                                     "No presence"};
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strcmp(w, words[k]) == 0)
            return lang == NV_LANG_EN ? en[k] : sv[k];
    return w;
}

/* Every tier some municipality has, in rank order, then none: one sequential scheme read
 * so that the best tier is the strongest colour (the spec's reverse says how). */
static nv_status make_presence(nv_classes *c, const nv_mapspec *s, nv_lang lang, const nv_class_input *in,
                               nv_error *err)
{
    static const char *const fallback[] = {"staffed", "booked"};
    const char *const *words = in->tier_words ? in->tier_words : fallback;
    size_t nt = in->tier_words ? in->n_tiers : 2, shown = 0;
    if (nt + 1 > NV_CLASSES_RANKS)
        nt = NV_CLASSES_RANKS - 1;
    unsigned colors[NV_MAPSPEC_MAX_CLASSES];
    for (size_t k = 0; k <= nt; k++)
        shown += k == nt || in->rank_counts[k] > 0; /* none is always shown: the gaps are the point */
    if (shown > NV_MAPSPEC_MAX_CLASSES)
        return nv_error_set(err, NV_ERR_INPUT, s->path, 0,
                            "the run has %zu presence tiers, more than a map's %d classes; rank fewer words "
                            "(--presence-order) or merge types in the plan",
                            shown, NV_MAPSPEC_MAX_CLASSES);
    nv_status st = nv_classes_colors(s, shown, colors, err);
    if (st != NV_OK)
        return st;
    for (size_t k = 0; k <= nt; k++) {
        if (k < nt && in->rank_counts[k] == 0)
            continue;
        const char *w = k < nt ? words[k] : "none";
        c->rank_class[k] = (int)c->n;
        add_class(c, w, tier_label(w, lang), colors[c->n]);
    }
    return NV_OK;
}

static nv_status make_change(nv_classes *c, const nv_mapspec *s, nv_lang lang, nv_error *err)
{
    /* All five classes, also empty ones: the scale reads the same on every map. */
    static const char *const labels[2][5] = {
        {"Förlorar sin närvaro", "Längre avstånd", "Oförändrad", "Kortare avstånd", "Får närvaro"},
        {"Lost presence", "Longer distance", "Unchanged", "Shorter distance", "Gained presence"}};
    unsigned colors[NV_MAPSPEC_MAX_CLASSES];
    nv_status st = nv_classes_colors(s, 5, colors, err);
    if (st != NV_OK)
        return st;
    for (int k = 0; k < 5; k++)
        add_class(c, nv_change_class_name((nv_change_class)k), labels[lang][k], colors[k]);
    return NV_OK;
}

/* Quantile or jenks limits over the input's values. */
static nv_status compute_breaks(nv_classes *c, const nv_mapspec *s, const nv_class_input *in, nv_error *err)
{
    double *v = malloc((in->n_values ? in->n_values : 1) * sizeof *v);
    size_t n = 0;
    if (!v)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    for (size_t i = 0; i < in->n_values; i++)
        if (isfinite(in->values[i]))
            v[n++] = in->values[i];
    qsort(v, n, sizeof *v, compare_double);
    c->n_breaks = c->method == NV_BREAKS_QUANTILE ? nv_classes_breaks_quantile(v, n, s->classes, c->breaks)
                                                  : nv_classes_breaks_jenks(v, n, s->classes, c->breaks);
    /* Those limits are upper ones (a value at the limit is in the class below); a share's
     * limits are lower ones, so each moves midway to the next value above it, which splits
     * the values the same way. (tidy_breaks keeps every limit below the largest value:
     * there is a next one.) */
    for (size_t i = 0; s->measure == NV_MEASURE_SHARE && i < c->n_breaks; i++) {
        size_t k = 0;
        while (k + 1 < n && v[k] <= c->breaks[i])
            k++;
        c->breaks[i] = (c->breaks[i] + v[k]) / 2;
    }
    free(v);
    return NV_OK;
}

/* A class's label: "< 50 %", "50–75 %", … "≥ 99 %" for shares; "0–10 km" … "> 100 km"
 * for distances; "≤ 2", "2–4", … "> 9" for a column's numbers. */
static void numeric_label(const nv_classes *c, size_t i, nv_lang lang, char *label, size_t size)
{
    char a[32], b[32];
    if (c->measure == NV_MEASURE_COLUMN) {
        if (i > 0)
            nv_classes_format_pct(a, sizeof a, c->breaks[i - 1], lang, 1);
        if (i < c->n_breaks)
            nv_classes_format_pct(b, sizeof b, c->breaks[i], lang, 1);
        if (c->n_breaks == 0)
            snprintf(label, size, "%s", lang == NV_LANG_EN ? "All values" : "Alla värden");
        else if (i == 0)
            snprintf(label, size, "≤ %s", b);
        else if (i < c->n_breaks)
            snprintf(label, size, "%s–%s", a, b);
        else
            snprintf(label, size, "> %s", a);
        return;
    }
    if (c->measure == NV_MEASURE_SHARE) {
        if (i > 0)
            nv_classes_format_pct(a, sizeof a, c->breaks[i - 1], lang, 0);
        if (i < c->n_breaks)
            nv_classes_format_pct(b, sizeof b, c->breaks[i], lang, 0);
        if (c->n_breaks == 0)
            snprintf(label, size, "%s", lang == NV_LANG_EN ? "All shares" : "Alla andelar");
        else if (i == 0)
            snprintf(label, size, "< %s %%", b);
        else if (i < c->n_breaks)
            snprintf(label, size, "%s–%s %%", a, b);
        else
            snprintf(label, size, "≥ %s %%", a);
        return;
    }
    nv_classes_format_km(a, sizeof a, i == 0 ? 0 : c->breaks[i - 1], lang);
    if (i < c->n_breaks) {
        nv_classes_format_km(b, sizeof b, c->breaks[i], lang);
        snprintf(label, size, "%s–%s km", a, b);
    } else if (c->n_breaks > 0) {
        snprintf(label, size, "> %s km", a);
    } else {
        snprintf(label, size, "%s", lang == NV_LANG_EN ? "All distances" : "Alla avstånd");
    }
}

/* Distances and shares: the limits come from all the values given (every map that shares
 * the classes), not from the part drawn, so that every map of a batch has the same classes. */
static nv_status make_numeric(nv_classes *c, const nv_mapspec *s, nv_lang lang, const nv_class_input *in,
                              nv_error *err)
{
    unsigned colors[NV_MAPSPEC_MAX_CLASSES];
    nv_status st;
    if (c->method == NV_BREAKS_FIXED) {
        c->n_breaks = s->n_fixed_breaks;
        memcpy(c->breaks, s->fixed_breaks, c->n_breaks * sizeof *c->breaks);
    } else if ((st = compute_breaks(c, s, in, err)) != NV_OK) {
        return st;
    }
    size_t n = c->n_breaks + 1;
    if ((st = nv_classes_colors(s, n, colors, err)) != NV_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        nv_class *k = &c->cls[c->n++];
        snprintf(k->key, sizeof k->key, "class%d", (int)i + 1);
        k->color = colors[i];
        numeric_label(c, i, lang, k->label, sizeof k->label);
    }
    if (in->no_data) {
        /* Population measures lack a value where the run has no people (or no office). */
        c->no_data_class = (int)c->n;
        add_class(c, "no_data",
                  s->measure == NV_MEASURE_NEAREST_KM
                      ? (lang == NV_LANG_EN ? "No office to measure to" : "Inget kontor att mäta till")
                      : (lang == NV_LANG_EN ? "No data" : "Uppgift saknas"),
                  s->no_data_color);
    }
    return NV_OK;
}

/* A text column: a class per value, in the order given, then no data where some
 * municipality has no value. */
static nv_status make_categories(nv_classes *c, const nv_mapspec *s, nv_lang lang, const nv_class_input *in,
                                 nv_error *err)
{
    unsigned colors[NV_MAPSPEC_MAX_CLASSES];
    if (in->n_categories > NV_MAPSPEC_MAX_CLASSES - 1)
        return nv_error_set(err, NV_ERR_INPUT, s->path, s->measure_line,
                            "measure column:%s has %zu different values; a map shows at most %d categories (group "
                            "the values in the table)",
                            s->column, in->n_categories, NV_MAPSPEC_MAX_CLASSES - 1);
    nv_status st = nv_classes_colors(s, in->n_categories, colors, err);
    if (st != NV_OK)
        return st;
    c->categories = 1;
    for (size_t k = 0; k < in->n_categories; k++)
        add_class(c, in->categories[k], in->categories[k], colors[k]);
    if (in->no_data) {
        c->no_data_class = (int)c->n;
        add_class(c, "no_data", lang == NV_LANG_EN ? "No data" : "Uppgift saknas", s->no_data_color);
    }
    return NV_OK;
}

int nv_classes_of_category(const nv_classes *c, const char *value)
{
    for (size_t k = 0; value && k < c->n; k++)
        if ((int)k != c->no_data_class && strcmp(c->cls[k].key, value) == 0)
            return (int)k;
    return c->no_data_class;
}

nv_status nv_classes_make(nv_classes *c, const nv_mapspec *s, nv_lang lang, nv_breaks method,
                          const nv_class_input *in, nv_error *err)
{
    memset(c, 0, sizeof *c);
    c->measure = s->measure;
    c->method = method;
    c->no_data_class = -1;
    c->no_data_color = s->no_data_color;
    for (int k = 0; k < NV_CLASSES_RANKS; k++)
        c->rank_class[k] = -1;
    if (s->measure == NV_MEASURE_PRESENCE)
        return make_presence(c, s, lang, in, err);
    if (s->measure == NV_MEASURE_CHANGE)
        return make_change(c, s, lang, err);
    if (s->measure == NV_MEASURE_COLUMN && in->categories)
        return make_categories(c, s, lang, in, err);
    return make_numeric(c, s, lang, in, err);
}

int nv_classes_of_rank(const nv_classes *c, int rank)
{
    return rank >= 0 && rank < NV_CLASSES_RANKS ? c->rank_class[rank] : -1;
}

int nv_classes_of_change(const nv_classes *c, int change)
{
    return change >= 0 && (size_t)change < c->n ? change : -1;
}

int nv_classes_of_value(const nv_classes *c, double v)
{
    if (!isfinite(v))
        return c->no_data_class;
    if (c->measure == NV_MEASURE_SHARE)
        return classify_share(v, c->breaks, c->n_breaks);
    return nv_classes_classify(v, c->breaks, c->n_breaks);
}

const char *nv_classes_localize(char *buf, size_t size, const char *digits, nv_lang lang)
{
    return lang == NV_LANG_EN ? nv_numfmt_grouped(buf, size, digits, ",", '.')
                              : nv_numfmt_grouped(buf, size, digits, "\u00a0", ',');
}
