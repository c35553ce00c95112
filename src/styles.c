/* styles.c — QML documents for QGIS, written with open_memstream.
 *
 * QGIS matches a categorised feature by its attribute's text; a category with the empty
 * value takes all other values (presence words a plan invents, office types beyond
 * staffed and booked). A graduated range includes both of its limits and QGIS takes the
 * first range that matches, which is the maps' rule: a value at a limit belongs to the
 * class below it. */
#include "styles.h"

#include "classes.h"
#include "mapdata.h"
#include "symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void option(FILE *f, const char *name, const char *value)
{
    fprintf(f, "          <Option type=\"QString\" name=\"%s\" value=\"", name);
    xml_text(f, value);
    fputs("\"/>\n", f);
}

static void color_option(FILE *f, const char *name, unsigned c)
{
    char v[32];
    snprintf(v, sizeof v, "%u,%u,%u,255", (c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff);
    option(f, name, v);
}

static void mm_option(FILE *f, const char *name, double mm)
{
    char v[32];
    snprintf(v, sizeof v, "%.3g", mm);
    option(f, name, v);
}

static void symbol_open(FILE *f, const char *type, int name)
{
    fprintf(f, "      <symbol type=\"%s\" name=\"%d\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n", type, name);
}

static void fill_symbol(FILE *f, int name, unsigned color, unsigned edge, double edge_mm)
{
    symbol_open(f, "fill", name);
    fputs("        <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
          "          <Option type=\"Map\">\n", f);
    color_option(f, "color", color);
    option(f, "joinstyle", "bevel");
    color_option(f, "outline_color", edge);
    option(f, "outline_style", "solid");
    mm_option(f, "outline_width", edge_mm);
    option(f, "outline_width_unit", "MM");
    option(f, "style", "solid");
    fputs("          </Option>\n        </layer>\n      </symbol>\n", f);
}

static void marker_symbol(FILE *f, int name, const nv_style_class *c, double size_mm)
{
    const char *shape = c->shape ? c->shape : "circle";
    int cross = strcmp(shape, "cross") == 0;
    symbol_open(f, "marker", name);
    fputs("        <layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\">\n"
          "          <Option type=\"Map\">\n", f);
    option(f, "angle", "0");
    color_option(f, "color", c->color);
    option(f, "joinstyle", "miter");
    /* QGIS's "cross2" is an X drawn with the outline pen: the cross of the maps. */
    option(f, "name", cross ? "cross2" : shape);
    color_option(f, "outline_color", c->stroke);
    option(f, "outline_style", "solid");
    mm_option(f, "outline_width", cross ? size_mm * 0.22 : strcmp(shape, "circle") == 0 && c->color == 0xffffff
                                                                  ? size_mm * 0.25 : size_mm * 0.12);
    option(f, "outline_width_unit", "MM");
    option(f, "scale_method", "diameter");
    mm_option(f, "size", strcmp(shape, "diamond") == 0 ? size_mm * 1.25 : size_mm);
    option(f, "size_unit", "MM");
    fputs("          </Option>\n        </layer>\n      </symbol>\n", f);
}

static void symbol(FILE *f, const nv_style *s, int name, const nv_style_class *c)
{
    if (s->kind == NV_STYLE_MARKER_CATEGORIES)
        marker_symbol(f, name, c, s->size_mm);
    else
        fill_symbol(f, name, c->color, s->edge_color, s->edge_mm);
}

char *nv_styles_qml(const nv_style *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    int ranges = s->kind == NV_STYLE_FILL_RANGES;
    fputs("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
          "<qgis version=\"3.22.16-Białowieża\" styleCategories=\"Symbology\">\n", f);
    fprintf(f, "  <renderer-v2 type=\"%s\" attr=\"", ranges ? "graduatedSymbol" : "categorizedSymbol");
    xml_text(f, s->attr);
    fprintf(f, "\"%s forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n",
            ranges ? " graduatedMethod=\"GraduatedColor\"" : "");
    fputs(ranges ? "    <ranges>\n" : "    <categories>\n", f);
    for (size_t i = 0; i < s->n; i++) {
        const nv_style_class *c = &s->cls[i];
        if (ranges) {
            fprintf(f, "      <range render=\"true\" symbol=\"%zu\" lower=\"%.15g\" upper=\"%.15g\" label=\"", i,
                    c->lower, c->upper);
        } else {
            fprintf(f, "      <category render=\"true\" symbol=\"%zu\" type=\"string\" value=\"", i);
            xml_text(f, c->value);
            fputs("\" label=\"", f);
        }
        xml_text(f, c->label);
        fputs("\"/>\n", f);
    }
    fputs(ranges ? "    </ranges>\n" : "    </categories>\n", f);
    fputs("    <symbols>\n", f);
    for (size_t i = 0; i < s->n; i++)
        symbol(f, s, (int)i, &s->cls[i]);
    fputs("    </symbols>\n    <source-symbol>\n", f);
    nv_style_class source = {.value = "", .label = "", .color = 0xbdbdbd, .stroke = 0x222222, .shape = "circle"};
    symbol(f, s, 0, s->n ? &s->cls[0] : &source);
    fputs("    </source-symbol>\n", f);
    if (ranges)
        fputs("    <classificationMethod id=\"Fixed\">\n"
              "      <symmetricMode enabled=\"0\" symmetrypoint=\"0\" astride=\"0\"/>\n"
              "      <labelFormat format=\"%1 - %2\" trimtrailingzeroes=\"1\" labelprecision=\"1\"/>\n"
              "    </classificationMethod>\n", f);
    fputs("  </renderer-v2>\n</qgis>\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---------------------------------------------------------------- narvaro's layers */

struct nv_styles {
    nv_layer_style *s;
    size_t n, cap;
    char *names[32];   /* the styles' names and descriptions, owned here */
    size_t n_names;
};

void nv_styles_destroy(nv_styles *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->s[i].qml);
    for (size_t i = 0; i < l->n_names; i++)
        free(l->names[i]);
    free(l->s);
    free(l);
}

const nv_layer_style *nv_styles_list(const nv_styles *l, size_t *n)
{
    *n = l ? l->n : 0;
    return l ? l->s : NULL;
}

static const char *keep(nv_styles *l, const char *fmt, const char *arg)
{
    char *s = NULL;
    if (l->n_names == sizeof l->names / sizeof l->names[0] || asprintf(&s, fmt, arg) < 0)
        return NULL;
    return l->names[l->n_names++] = s;
}

static nv_status add(nv_styles *l, const char *table, const char *name, const char *description, int dflt,
                     const nv_style *st, nv_error *err)
{
    char *qml = nv_styles_qml(st);
    if (qml && l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        nv_layer_style *s = realloc(l->s, cap * sizeof *s);
        if (s)
            l->s = s, l->cap = cap;
    }
    if (!qml || l->n == l->cap || !name || !description) {
        free(qml);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    l->s[l->n++] = (nv_layer_style){table, "geom", name, description, dflt, qml};
    return NV_OK;
}

/* Municipality edges as the maps draw them: white, thin. */
static const unsigned EDGE = 0xffffff;
static const double EDGE_MM = 0.15;

/* Categories for a categorised measure (presence, change) from the map's classes; the
 * presence class "other" takes all other values. */
static nv_status add_categories(nv_styles *l, const char *table, const char *attr, const nv_classes *c,
                                const char *name, const char *description, int dflt, nv_error *err)
{
    nv_style_class cls[NV_CLASSES_MAX];
    for (size_t i = 0; i < c->n; i++)
        cls[i] = (nv_style_class){.value = strcmp(c->cls[i].key, "other") == 0 ? "" : c->cls[i].key,
                                  .label = c->cls[i].label, .color = c->cls[i].color};
    nv_style st = {NV_STYLE_FILL_CATEGORIES, attr, cls, c->n, EDGE, EDGE_MM, 0};
    return add(l, table, name, description, dflt, &st, err);
}

/* Ranges for a km measure: class i runs from the limit below (0 for the first) to its
 * own (the last one has none). */
static nv_status add_ranges(nv_styles *l, const char *table, const char *attr, const nv_classes *c,
                            const char *name, const char *description, nv_error *err)
{
    nv_style_class cls[NV_CLASSES_MAX];
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if ((int)i == c->no_data_class)
            continue; /* QGIS's ranges have no class for NULL: those stay undrawn */
        double lower = n == 0 ? 0 : c->breaks[n - 1], upper = n < c->n_breaks ? c->breaks[n] : 1e9;
        cls[n++] = (nv_style_class){.lower = lower, .upper = upper, .label = c->cls[i].label,
                                    .color = c->cls[i].color};
    }
    nv_style st = {NV_STYLE_FILL_RANGES, attr, cls, n, EDGE, EDGE_MM, 0};
    return add(l, table, name, description, 0, &st, err);
}

static nv_status add_offices(nv_styles *l, nv_lang lang, const char *name, int dflt, nv_error *err)
{
    /* The maps' symbols (symbols.h) in QGIS's simple marker shapes. */
    static const char *const shapes[NV_OFFICE_OTHER + 1] = {"circle", "circle", "square", "triangle", "diamond",
                                                            "diamond"};
    nv_style_class cls[NV_OFFICE_OTHER + 1];
    for (int t = 0; t <= NV_OFFICE_OTHER; t++) { /* every type but closed; "other" takes the rest */
        cls[t] = (nv_style_class){.value = t == NV_OFFICE_OTHER ? "" : nv_symbols_name(t),
                                  .label = nv_symbols_label(t, lang), .shape = shapes[t]};
        nv_symbols_colors(t, &cls[t].color, &cls[t].stroke);
    }
    nv_style st = {NV_STYLE_MARKER_CATEGORIES, "type", cls, NV_OFFICE_OTHER + 1, 0, 0, 2.4};
    return add(l, "offices", name, keep(l, "%s", lang == NV_LANG_EN ? "narvaro: offices by type, as on its maps"
                                                                : "narvaro: kontor efter typ, som på dess kartor"),
               dflt, &st, err);
}

nv_status nv_styles_for_run(const nv_mapspec *presence, const nv_mapspec *distance, const nv_run_summary *sum,
                            const nv_muni_result *m, size_t n, nv_styles **out, nv_error *err)
{
    nv_styles *l = calloc(1, sizeof *l);
    double *km = malloc((n ? n : 1) * sizeof *km);
    nv_status st = l && km ? NV_OK : nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    nv_class_input pin = {.tier_words = sum->tier_words, .n_tiers = sum->n_tiers}, din = {.values = km};
    for (size_t i = 0; i < n; i++) {
        if (m[i].tier < NV_CLASSES_RANKS)
            pin.rank_counts[m[i].tier]++;
        km[din.n_values++] = m[i].nearest_office_km;
    }
    for (int lang = NV_LANG_SV; lang <= NV_LANG_EN && st == NV_OK; lang++) {
        nv_classes c;
        int en = lang == NV_LANG_EN;
        if ((st = nv_classes_make(&c, presence, (nv_lang)lang, presence->breaks, &pin, err)) == NV_OK)
            st = add_categories(l, "municipalities", "presence", &c, keep(l, "%s", en ? "presence (English)" : "närvaro"),
                                keep(l, "%s", en ? "narvaro: municipalities by presence, as on its presence map"
                                                 : "narvaro: kommunerna efter närvaro, som på närvarokartan"),
                                !en, err);
        if (st == NV_OK && (st = nv_classes_make(&c, distance, (nv_lang)lang, distance->breaks, &din, err)) == NV_OK)
            st = add_ranges(l, "municipalities", "nearest_office_km", &c,
                            keep(l, "%s", en ? "distance (English)" : "avstånd"),
                            keep(l, "%s", en ? "narvaro: distance to the nearest office, as on its distance map"
                                             : "narvaro: avstånd till närmaste kontor, som på avståndskartan"), err);
        if (st == NV_OK)
            st = add_offices(l, (nv_lang)lang, keep(l, "%s", en ? "offices (English)" : "kontor"), !en, err);
    }
    free(km);
    if (st != NV_OK) {
        nv_styles_destroy(l);
        l = NULL;
    }
    *out = l;
    return st;
}

nv_status nv_styles_for_comparison(const nv_mapspec *difference, nv_styles **out, nv_error *err)
{
    nv_styles *l = calloc(1, sizeof *l);
    nv_status st = l ? NV_OK : nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    nv_class_input in = {0};
    for (int lang = NV_LANG_SV; lang <= NV_LANG_EN && st == NV_OK; lang++) {
        nv_classes c;
        int en = lang == NV_LANG_EN;
        if ((st = nv_classes_make(&c, difference, (nv_lang)lang, difference->breaks, &in, err)) == NV_OK)
            st = add_categories(l, "municipalities", "change", &c, keep(l, "%s", en ? "change (English)" : "förändring"),
                                keep(l, "%s", en ? "narvaro: what the new plan changes, as on its difference map"
                                                 : "narvaro: vad den nya planen förändrar, som på skillnadskartan"),
                                !en, err);
    }
    if (st != NV_OK) {
        nv_styles_destroy(l);
        l = NULL;
    }
    *out = l;
    return st;
}
