/* render.c — one map page: the flow from a result to a file.
 *
 *   mapdata    reads the result (polygons, figures, offices, counties, the run's inputs)
 *   classes    makes the classes, their limits, labels and colours
 *   maptext    writes the title, subtitle and source line
 *   legend     measures the legend panel
 *   layout     places the map and the panel on the page
 *   choropleth draws the polygons, edges, symbols (symbols) and names (labels)
 *   legend     draws the panel
 *   surface    writes the PNG, SVG or PDF; mapinfo the JSON description
 *
 * This file holds the page's state (page.h) for one map and frees what it made. */
#include "render.h"

#include "textin.h"

#include "choropleth.h"
#include "classes.h"
#include "layout.h"
#include "legend.h"
#include "mapdata.h"
#include "mapinfo.h"
#include "maptext.h"
#include "outdir.h"
#include "page.h"
#include "surface.h"
#include "symbols.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ======================================================================== the public face */

nv_status nv_render_load(const char *db_path, nv_map_data **out, nv_error *err)
{
    return nv_mapdata_load(db_path, out, err);
}

void nv_render_data_destroy(nv_map_data *d)
{
    nv_mapdata_destroy(d);
}

size_t nv_render_county_count(const nv_map_data *d)
{
    return d ? d->nc : 0;
}

const char *nv_render_county_code(const nv_map_data *d, size_t i)
{
    return d && i < d->nc ? d->c[i].lanskod : NULL;
}

void nv_render_options_init(nv_render_options *o)
{
    memset(o, 0, sizeof *o);
    o->lang = -1;
    o->breaks = -1;
    o->paper = -1;
}

const char *nv_render_format_ext(nv_render_format f)
{
    return f == NV_FORMAT_SVG ? "svg" : f == NV_FORMAT_PDF ? "pdf" : "png";
}

nv_status nv_render_format_from_path(const char *path, nv_render_format *fmt, nv_error *err)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (dot && (!slash || dot > slash)) {
        if (strcasecmp(dot, ".png") == 0)
            return *fmt = NV_FORMAT_PNG, NV_OK;
        if (strcasecmp(dot, ".svg") == 0)
            return *fmt = NV_FORMAT_SVG, NV_OK;
        if (strcasecmp(dot, ".pdf") == 0)
            return *fmt = NV_FORMAT_PDF, NV_OK;
    }
    return nv_error_set(err, NV_ERR_INPUT, path, 0,
                        "the file name's extension picks the map format: give .png, .svg or .pdf");
}

const char *nv_render_cairo_version(void)
{
    return cairo_version_string();
}

const char *nv_render_pango_version(void)
{
    return pango_version_string();
}

/* ======================================================================== one page */

/* The numeric values of data d into v (at *n), for quantile and jenks limits. */
static void add_values(const nv_map_data *d, const nv_mapspec *s, double *v, size_t *n)
{
    for (size_t i = 0; i < d->nm; i++) {
        double x = nv_mapdata_value(d, s, &d->m[i]);
        if (isfinite(x))
            v[(*n)++] = x;
    }
}

/* The classes of the page: from the maps shown (the plan drawn, and with plan = both the
 * before plan too) and, for the limits, from the pool of other runs. */
static nv_status make_classes(nv_page *r, const nv_render_options *o, nv_error *err)
{
    const nv_map_data *shown[2] = {r->d, r->extra_pool};
    nv_class_input in = {{0}, NULL, 0, NULL, 0, 0, NULL, 0};
    in.tier_words = (const char *const *)r->d->tiers;
    in.n_tiers = r->d->n_tiers;
    const char *cats[NV_MAPSPEC_MAX_CLASSES + 1];
    if (r->s->measure == NV_MEASURE_COLUMN) {
        nv_status st = nv_mapdata_column_input(r->d, r->s, &in, cats, &r->method, err);
        if (st != NV_OK)
            return st;
        if (in.categories)
            return nv_classes_make(&r->cl, r->s, r->lang, r->method, &in, err);
    }
    double *v = NULL;
    int numeric = r->s->measure != NV_MEASURE_PRESENCE && r->s->measure != NV_MEASURE_CHANGE;
    size_t total = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; shown[k] && i < shown[k]->nm; i++) {
            const nv_map_muni *m = &shown[k]->m[i];
            if (m->tier >= 0 && m->tier < NV_CLASSES_RANKS)
                in.rank_counts[m->tier]++;
            in.no_data += numeric && !isfinite(nv_mapdata_value(shown[k], r->s, m));
            total++;
        }
    if (numeric && r->method != NV_BREAKS_FIXED) {
        for (size_t i = 0; i < o->n_pool; i++)
            total += o->pool[i] ? o->pool[i]->nm : 0;
        if (!(v = malloc((total ? total : 1) * sizeof *v)))
            return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        for (int k = 0; k < 2; k++)
            if (shown[k])
                add_values(shown[k], r->s, v, &in.n_values);
        for (size_t i = 0; i < o->n_pool; i++)
            if (o->pool[i])
                add_values(o->pool[i], r->s, v, &in.n_values);
        in.values = v;
    }
    nv_status st = nv_classes_make(&r->cl, r->s, r->lang, r->method, &in, err);
    free(v);
    return st;
}

/* Class and office counts, per plan with plan = both (the legend has a column each), and
 * which office types the map shows. */
static void count_classes(nv_page *r)
{
    const nv_mapspec *s = r->s;
    for (int k = r->pair ? 0 : 1; k < 2; k++) {
        const nv_map_data *d = r->pair ? r->pv[k] : r->d;
        int *counts = r->pcount[k], *types = r->ptype_count[k];
        for (size_t i = 0; i < d->nm; i++)
            if (nv_page_in_focus(r, &d->m[i])) {
                int c = nv_page_class_of(r, &d->m[i]);
                if (c >= 0)
                    counts[c]++;
            }
        for (size_t i = 0; i < d->no; i++) {
            /* Closed offices are shown on change maps only. */
            int type = nv_page_office_type(r, &d->o[i]);
            if (s->offices && (type != NV_OFFICE_CLOSED || s->measure == NV_MEASURE_CHANGE))
                r->show_type[type] = 1;
            if (nv_page_office_in_focus(r, &d->o[i]))
                types[type]++;
        }
    }
    memcpy(r->type_count, r->ptype_count[1], sizeof r->type_count);
}

/* The page's texts as layouts, made before the layout: the map frame is what they leave. */
typedef struct page_texts {
    char *title, *sub;
    PangoLayout *title_l, *sub_l, *src_l;
    PangoLayout *head_l[2], *psum_l[2]; /* plan = both: each plan's heading and figures */
    double th, sh, fh;         /* heights of title, subtitle, source line */
} page_texts;

static void free_texts(page_texts *t)
{
    PangoLayout *l[7] = {t->title_l, t->sub_l, t->src_l, t->head_l[0], t->head_l[1], t->psum_l[0], t->psum_l[1]};
    for (int i = 0; i < 7; i++)
        if (l[i])
            g_object_unref(l[i]);
    free(t->title);
    free(t->sub);
}

static nv_status make_texts(nv_page *r, page_texts *t, double inner_w, nv_error *err)
{
    t->title = nv_maptext_title(r);
    t->sub = nv_maptext_subtitle(r);
    r->source = nv_maptext_source(r);
    if (!t->title || !r->source)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    t->title_l = nv_page_text(r, t->title, 16, 1, inner_w, 0);
    nv_page_text_size(t->title_l, NULL, &t->th);
    if (t->sub) {
        t->sub_l = nv_page_text(r, t->sub, 9, 0, inner_w, 0);
        nv_page_text_size(t->sub_l, NULL, &t->sh);
    }
    t->src_l = nv_page_text(r, r->source, 7, 0, inner_w, 1);
    nv_page_text_size(t->src_l, NULL, &t->fh);
    return NV_OK;
}

/* The frame the header and footer leave. */
static nv_rect map_frame(const nv_page *r, const page_texts *t, double margin, double inner_w)
{
    double header = t->th + (t->sub ? 3 + t->sh : 0) + 8;
    return (nv_rect){margin, margin + header, inner_w, r->page_h - 2 * margin - header - t->fh - 6};
}

/* plan = both: each plan's heading over its map, the two maps and the legend, centred on
 * the page; the page's texts are then wrapped to the group's width, which may take more
 * lines, so the group is placed again. Returns the left edge of the texts. */
static nv_status place_pair(nv_page *r, page_texts *t, const double *ext, const nv_legend_metrics *pm,
                            double margin, double inner_w, double *text_x, nv_error *err)
{
    for (int k = 0; k < 2; k++) {
        char *markup = nv_maptext_panel_heading(r, k);
        r->d = r->pv[k];
        char *sum = nv_maptext_panel_summary(r);
        if (!markup) {
            free(sum);
            return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        }
        t->head_l[k] = nv_page_text(r, markup, 10, 0, 0, 1);
        t->psum_l[k] = nv_page_text(r, sum ? sum : "", 7.5, 0, 0, 0);
        free(markup);
        free(sum);
    }
    r->d = r->pv[1];
    nv_layout_place_pair(r, ext, pm, t->head_l, t->psum_l);
    double gw = r->panel.x + r->panel.w - r->pframe[0].x;
    PangoLayout *texts[3] = {t->title_l, t->sub_l, t->src_l};
    for (int i = 0; i < 3; i++)
        if (texts[i])
            pango_layout_set_width(texts[i], (int)(gw * PANGO_SCALE));
    nv_page_text_size(t->title_l, NULL, &t->th);
    if (t->sub_l)
        nv_page_text_size(t->sub_l, NULL, &t->sh);
    nv_page_text_size(t->src_l, NULL, &t->fh);
    r->frame = map_frame(r, t, margin, inner_w);
    nv_layout_place_pair(r, ext, pm, t->head_l, t->psum_l);
    *text_x = r->pframe[0].x;
    return NV_OK;
}

/* The map (both plans' with plan = both, under their headings). */
static void draw_maps(nv_page *r, const page_texts *t)
{
    nv_page_set_color(r->cr, 0xffffff);
    cairo_paint(r->cr);
    if (!r->pair) {
        nv_choropleth_draw(r);
        return;
    }
    for (int k = 0; k < 2; k++) {
        double hh, sh2;
        nv_page_text_size(t->head_l[k], NULL, &hh);
        nv_page_text_size(t->psum_l[k], NULL, &sh2);
        r->d = r->pv[k];
        r->t = r->pt[k];
        r->frame = r->pframe[k];
        nv_layout_set_view(r);
        nv_choropleth_draw(r);
        nv_page_show_text(r, t->head_l[k], r->frame.x, r->frame.y - NV_LAYOUT_PANEL_HEAD_GAP - sh2 - 1 - hh, NV_INK);
        nv_page_show_text(r, t->psum_l[k], r->frame.x, r->frame.y - NV_LAYOUT_PANEL_HEAD_GAP - sh2, NV_INK_SOFT);
    }
}

/* The classes into info, before the legend adds their swatches. */
static void info_classes(const nv_page *r, nv_render_info *info)
{
    memset(info, 0, sizeof *info);
    info->n_classes = r->cl.n;
    for (size_t c = 0; c < r->cl.n; c++) {
        nv_render_class *ic = &info->classes[c];
        snprintf(ic->key, sizeof ic->key, "%s", r->cl.cls[c].key);
        snprintf(ic->label, sizeof ic->label, "%s", r->cl.cls[c].label);
        ic->color = r->cl.cls[c].color;
        ic->count = r->pcount[1][c];
        ic->count_before = r->pair ? r->pcount[0][c] : 0;
    }
}

static void rect_out(nv_rect b, double px, double *out)
{
    out[0] = b.x * px, out[1] = b.y * px, out[2] = b.w * px, out[3] = b.h * px;
}

/* The rest of info, once the map is written. */
static void info_rest(const nv_page *r, const nv_surface *sf, nv_render_info *info)
{
    double px = nv_surface_px_per_pt(sf);
    info->format = r->fmt;
    info->width = nv_surface_width(sf);
    info->height = nv_surface_height(sf);
    info->dpi = r->fmt == NV_FORMAT_PNG ? r->dpi : 72;
    info->scale = r->t.s * px;
    info->x_offset = r->t.tx * px;
    info->y_offset = r->t.ty * px;
    info->n_breaks = r->cl.n_breaks;
    memcpy(info->breaks_km, r->cl.breaks, r->cl.n_breaks * sizeof *r->cl.breaks);
    for (int t = 0; t < NV_OFFICE_TYPES; t++) {
        if (!r->show_type[t])
            continue;
        nv_render_symbol *is = &info->symbols[info->n_symbols++];
        snprintf(is->type, sizeof is->type, "%s", nv_symbols_name(t));
        is->count = r->type_count[t];
        is->count_before = r->pair ? r->ptype_count[0][t] : 0;
        nv_symbols_colors(t, &is->fill, &is->stroke);
        is->radius = r->sym_r * px;
        info->offices += r->type_count[t];
    }
    rect_out(r->panel, px, info->panel);
    rect_out(r->frame, px, info->frame);
    for (size_t i = 0; i < r->cl.n; i++)
        info->municipalities += r->pcount[1][i];
    for (int k = 0; r->pair && k < 2; k++) {
        nv_render_panel *ip = &info->panels[info->n_panels++];
        snprintf(ip->plan, sizeof ip->plan, "%s", k ? "after" : "before");
        snprintf(ip->label, sizeof ip->label, "%s", r->plabel[k]);
        ip->scale = r->pt[k].s * px;
        ip->x_offset = r->pt[k].tx * px;
        ip->y_offset = r->pt[k].ty * px;
        rect_out(r->pframe[k], px, ip->frame);
        for (int t = 0; t < NV_OFFICE_TYPES; t++)
            ip->offices += r->show_type[t] ? r->ptype_count[k][t] : 0;
    }
    info->labels = r->labels_placed;
    info->labels_wanted = r->labels_wanted;
    info->illustrative = r->d->illustrative;
    snprintf(info->date, sizeof info->date, "%s", r->date);
}

/* Lays out and draws the page on surface sf, whose cairo context r->cr is. */
static nv_status draw_page(nv_page *r, page_texts *t, nv_surface *sf, nv_render_info *info, nv_error *err)
{
    double margin = 10 * NV_MM, inner_w = r->page_w - 2 * margin, text_x = margin, ext[4];
    nv_status st = make_texts(r, t, inner_w, err);
    if (st != NV_OK)
        return st;
    nv_surface_set_title(sf, t->title);
    r->frame = map_frame(r, t, margin, inner_w);
    if (nv_layout_extent(r, ext) != 0)
        return nv_error_set(err, NV_ERR_INPUT, r->d->path, 0, "the municipalities have no extent to draw");
    nv_legend_metrics pm = nv_legend_measure(r);
    if (r->pair) {
        if ((st = place_pair(r, t, ext, &pm, margin, inner_w, &text_x, err)) != NV_OK)
            return st;
    } else if (nv_layout_place(r, ext, &pm) != 0) {
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory (layout)");
    }
    draw_maps(r, t);
    info_classes(r, info);
    nv_legend_draw(r, &pm, info, nv_surface_px_per_pt(sf));
    nv_page_show_text(r, t->title_l, text_x, margin, NV_INK);
    if (t->sub_l)
        nv_page_show_text(r, t->sub_l, text_x, margin + t->th + 3, NV_INK_SOFT);
    nv_page_show_text(r, t->src_l, text_x, r->page_h - margin - t->fh, NV_INK_SOFT);
    return NV_OK;
}

static nv_status render_page(nv_page *r, const nv_render_options *o, const char *out_path, nv_render_info *info,
                             PangoFontMap *fm, nv_error *err)
{
    nv_surface *sf = NULL;
    nv_outfile of = {NULL, NULL};
    page_texts t;
    memset(&t, 0, sizeof t);
    nv_status st = make_classes(r, o, err);
    if (st != NV_OK)
        return st;
    count_classes(r);
    r->sym_r = r->county >= 0 ? 3.4 : 2.3;
    r->labels = r->s->labels == NV_LABELS_NAMES || (r->s->labels == NV_LABELS_AUTO && r->county >= 0);
    nv_maptext_date(o->date, r->date, sizeof r->date);
    /* Written whole or not at all: a failed map leaves the earlier file at out_path. */
    if ((st = nv_outfile_begin(&of, out_path, err)) != NV_OK)
        goto done;
    if ((st = nv_surface_create(r->fmt, of.write_path, r->page_w, r->page_h, r->dpi, r->date, &sf, err)) != NV_OK)
        goto done;
    r->cr = cairo_create(nv_surface_cairo(sf));
    cairo_scale(r->cr, nv_surface_px_per_pt(sf), nv_surface_px_per_pt(sf));
    if ((st = nv_page_make_pango(r, fm, err)) != NV_OK || (st = draw_page(r, &t, sf, info, err)) != NV_OK)
        goto done;
    cairo_destroy(r->cr);
    r->cr = NULL;
    if ((st = nv_surface_finish(sf, err)) == NV_OK) {
        info_rest(r, sf, info);
        if (o->info_path)
            st = nv_mapinfo_write(o->info_path, r, info, t.title, err);
    }
done:
    free_texts(&t);
    if (r->pc)
        g_object_unref(r->pc);
    r->pc = NULL;
    if (r->cr)
        cairo_destroy(r->cr);
    r->cr = NULL;
    nv_surface_destroy(sf);
    if (st == NV_OK)
        st = nv_outfile_commit(&of, err);
    else
        nv_outfile_abort(&of, err);
    free(r->source);
    r->source = NULL;
    free(r->label_boxes);
    r->label_boxes = NULL;
    return st;
}

/* A population measure needs a single run's population figures, and share_within_<R>km
 * a run that counted the people within R km. */
static nv_status check_measure(const nv_map_data *d, const nv_mapspec *s, nv_error *err)
{
    if (s->measure != NV_MEASURE_MEAN_KM && s->measure != NV_MEASURE_MAX_KM && s->measure != NV_MEASURE_SHARE)
        return NV_OK;
    char name[64];
    nv_mapspec_measure_name(s, name, sizeof name);
    if (d->compare)
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "is a comparison, and the map '%s' colours by %s, a figure of one plan: draw it from "
                            "the narvaro.sqlite that narvaro analyze writes for either plan", s->name, name);
    if (!d->has_population)
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "holds no population figures, which measure %s needs (an older narvaro wrote it: "
                            "run narvaro analyze again)", name);
    if (s->measure != NV_MEASURE_SHARE || nv_mapdata_radius_index(d, s->share_radius_km) >= 0)
        return NV_OK;
    char radii[160] = "", choices[400] = "", km[32];
    size_t a = 0, b = 0;
    for (size_t i = 0; i < d->n_radii; i++) {
        const char *sep = i == 0 ? "" : i + 1 == d->n_radii ? " or " : ", ";
        a += (size_t)snprintf(radii + a, a < sizeof radii ? sizeof radii - a : 0, "%s%g", i ? ", " : "",
                              d->radii_km[i]);
        b += (size_t)snprintf(choices + b, b < sizeof choices ? sizeof choices - b : 0, "%sshare_within_%gkm", sep,
                              d->radii_km[i]);
        if (a >= sizeof radii || b >= sizeof choices)
            break;
    }
    snprintf(km, sizeof km, "%g", s->share_radius_km);
    if (d->n_radii == 0)
        return nv_error_set(err, NV_ERR_INPUT, s->path, s->measure_line,
                            "measure %s: %s counts the population within no radius (run narvaro analyze again "
                            "with --radius-km %s)", name, d->path, km);
    return nv_error_set(err, NV_ERR_INPUT, s->path, s->measure_line,
                        "measure %s: %s has no population within %s km; the run's radii are %s km (give %s, or "
                        "run narvaro analyze again with --radius-km %s)", name, d->path, km, radii, choices, km);
}

static nv_status render_one(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                            const char *out_path, nv_render_format fmt, nv_render_info *info, PangoFontMap *fm,
                            nv_error *err)
{
    nv_page r;
    memset(&r, 0, sizeof r);
    if (!d->compare && (spec->measure == NV_MEASURE_CHANGE || spec->plan != NV_PLAN_AFTER))
        return nv_error_set(err, NV_ERR_INPUT, d->path, 0,
                            "holds the result of one plan, and the map '%s' shows %s: draw it from the "
                            "compare.sqlite that narvaro compare BASE.csv PLAN.csv --out DIR writes",
                            spec->name, spec->measure == NV_MEASURE_CHANGE ? "what changes between two plans"
                                        : spec->plan == NV_PLAN_BOTH ? "two plans side by side"
                                                                     : "the before plan of a comparison");
    nv_status st = check_measure(d, spec, err);
    for (size_t i = 0; st == NV_OK && i < o->n_pool; i++)
        if (o->pool[i])
            st = check_measure(o->pool[i], spec, err);
    if (st != NV_OK)
        return st;
    nv_map_data view;
    nv_map_muni *owned = NULL;
    const nv_map_data *before = NULL;
    if (spec->plan != NV_PLAN_AFTER && !(before = nv_mapdata_before_view(d, &view, &owned))) {
        free(owned);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    r.base = d;
    r.d = spec->plan == NV_PLAN_BEFORE ? before : d;
    if (spec->plan == NV_PLAN_BOTH) {
        r.pair = 1;
        r.pv[0] = before;
        r.pv[1] = d;
        r.extra_pool = before;
    }
    r.s = spec;
    r.fmt = fmt;
    r.lang = o->lang >= 0 ? (nv_lang)o->lang : spec->lang;
    r.method = o->breaks >= 0 ? (nv_breaks)o->breaks : spec->breaks;
    r.county = -1;
    if (o->county) {
        r.county = nv_mapdata_find_county(d, o->county);
        if (r.county < 0) {
            char codes[256] = "";
            size_t len = 0;
            for (size_t i = 0; i < d->nc && len < sizeof codes; i++)
                len += (size_t)snprintf(codes + len, sizeof codes - len, "%s%s", i ? ", " : "", d->c[i].lanskod);
            free(owned);
            return nv_error_set(err, NV_ERR_INPUT, d->path, 0, "no county '%s' in this run (counties: %s)",
                                o->county, codes);
        }
    }
    nv_layout_page_size(spec, o, &r.page_w, &r.page_h, &r.dpi);
    if (d->compare)
        nv_maptext_plan_labels(&r);
    nv_maptext_population_texts(&r);
    nv_render_info local;
    st = render_page(&r, o, out_path, info ? info : &local, fm, err);
    free(owned);
    return st;
}

nv_status nv_render_write(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                          const char *out_path, nv_render_info *info, nv_error *err)
{
    nv_render_format fmt = NV_FORMAT_PNG; /* set below; the initialiser quiets -O3 */
    nv_render_options defaults;
    nv_status st;
    if (!o) {
        nv_render_options_init(&defaults);
        o = &defaults;
    }
    if ((st = nv_render_format_from_path(out_path, &fmt, err)) != NV_OK)
        return st;
    PangoFontMap *fm = pango_cairo_font_map_new();
    st = render_one(d, spec, o, out_path, fmt, info, fm, err);
    g_object_unref(fm);
    return st;
}

nv_status nv_render_write_by_county(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                                    const char *out_dir, nv_render_format fmt, int *written, nv_error *err)
{
    nv_render_options opt;
    nv_status st = NV_OK;
    if (o)
        opt = *o;
    else
        nv_render_options_init(&opt);
    if (written)
        *written = 0;
    if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        return nv_error_set(err, NV_ERR_FAIL, out_dir, 0, "cannot create the folder: %s", strerror(errno));
    struct stat sb;
    if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, out_dir, 0, "is not a folder (with --by-county, --out names a folder)");
    int want_info = o && o->info_path;
    char date[16];
    nv_maptext_date(opt.date, date, sizeof date);
    opt.date = date; /* one date for the whole batch, even across midnight */
    PangoFontMap *fm = pango_cairo_font_map_new();
    for (size_t i = 0; i < d->nc && st == NV_OK; i++) {
        char *path = NULL, *json = NULL;
        if (asprintf(&path, "%s/%s-%s.%s", out_dir, spec->name, d->c[i].lanskod, nv_render_format_ext(fmt)) < 0 ||
            (want_info && asprintf(&json, "%s/%s-%s.json", out_dir, spec->name, d->c[i].lanskod) < 0)) {
            free(path);
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            break;
        }
        opt.county = d->c[i].lanskod;
        opt.info_path = json;
        st = render_one(d, spec, &opt, path, fmt, NULL, fm, err);
        if (st == NV_OK && written)
            (*written)++;
        free(path);
        free(json);
    }
    g_object_unref(fm);
    return st;
}
