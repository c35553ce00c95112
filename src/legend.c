/* legend.c — the legend panel, scale bar and north arrow. */
#include "legend.h"

#include "symbols.h"

#include <math.h>
#include <stdio.h>

/* sv or en, as the page's language asks. */
static const char *tr(const nv_page *r, const char *sv, const char *en)
{
    return nv_page_tr(r, sv, en);
}

/* "Offices", or "Locations" when other tiers than offices have symbols. */
static const char *symbols_heading(const nv_page *r)
{
    for (int t = NV_OFFICE_SERVICE; t <= NV_OFFICE_OTHER; t++)
        if (r->show_type[t])
            return tr(r, "Platser", "Locations");
    return tr(r, "Kontor", "Offices");
}

static const double COL_GAP = 8;

static const double LEGEND_HEAD = 9.5, LEGEND_TEXT = 8.2, SCALE_TEXT = 7.0;
static const double SCALE_MAX = 100.0, ARROW_W = 14.0;

const char *nv_legend_heading(const nv_page *r)
{
    const char *h = nv_mapspec_text(r->s, NV_TEXT_LEGEND, r->lang);
    if (h)
        return h;
    if (r->auto_legend[0])
        return r->auto_legend;
    if (r->s->measure == NV_MEASURE_CHANGE)
        return tr(r, "Förändring i kommunen", "Change in the municipality");
    if (r->s->measure == NV_MEASURE_COLUMN)
        return r->s->column;
    return r->s->measure == NV_MEASURE_PRESENCE ? tr(r, "Lokal närvaro i kommunen", "Local presence in the municipality")
                                                : tr(r, "Avstånd till närmaste kontor", "Distance to the nearest office");
}


nv_legend_metrics nv_legend_measure(nv_page *r)
{
    nv_legend_metrics p = {0};
    p.pad = 7;
    p.swatch_w = 16;
    p.swatch_h = 10;
    p.row = 13;
    double wmax = 0, w, h;
    PangoLayout *l = nv_page_text(r, nv_legend_heading(r), LEGEND_HEAD, 1, 170, 0);
    nv_page_text_size(l, &w, &h);
    g_object_unref(l);
    p.head_h = h + 4;
    wmax = w;
    char num[32];
    double label_w = 0;
    for (size_t i = 0; i < r->cl.n; i++) {
        label_w = fmax(label_w, nv_page_text_width(r, r->cl.cls[i].label, LEGEND_TEXT, 0));
        nv_page_count(r, num, sizeof num, r->pcount[1][i]);
        p.count_w = fmax(p.count_w, nv_page_text_width(r, num, LEGEND_TEXT, 0));
        nv_page_count(r, num, sizeof num, r->pcount[0][i]);
        p.count_w = fmax(p.count_w, nv_page_text_width(r, num, LEGEND_TEXT, 0));
    }
    int any_symbol = 0;
    for (int t = 0; t < NV_OFFICE_TYPES; t++) {
        if (!r->show_type[t])
            continue;
        any_symbol = 1;
        label_w = fmax(label_w, nv_page_text_width(r, nv_symbols_label(t, r->lang), LEGEND_TEXT, 0));
        nv_page_count(r, num, sizeof num, r->type_count[t]);
        p.count_w = fmax(p.count_w, nv_page_text_width(r, num, LEGEND_TEXT, 0));
        nv_page_count(r, num, sizeof num, r->ptype_count[0][t]);
        p.count_w = fmax(p.count_w, nv_page_text_width(r, num, LEGEND_TEXT, 0));
    }
    if (r->pair) {
        p.col_w = p.count_w;
        for (int k = 0; k < 2; k++)
            p.col_w = fmax(p.col_w, nv_page_text_width(r, r->plabel[k], LEGEND_TEXT, 1));
        p.count_w = 2 * p.col_w + COL_GAP;
        p.cols_h = p.row;
    }
    wmax = fmax(wmax, p.swatch_w + 6 + label_w + 12 + p.count_w);
    if (any_symbol) {
        l = nv_page_text(r, symbols_heading(r), LEGEND_HEAD, 1, 0, 0);
        nv_page_text_size(l, &w, &h);
        g_object_unref(l);
        p.sym_head_h = h + 3;
        wmax = fmax(wmax, w);
    }
    p.scale_h = 30;
    wmax = fmax(wmax, SCALE_MAX + 16 + ARROW_W + 12);
    p.w = wmax + 2 * p.pad;
    p.h = p.pad + p.head_h + p.cols_h + (double)r->cl.n * p.row;
    if (any_symbol) {
        int types = 0;
        for (int t = 0; t < NV_OFFICE_TYPES; t++)
            types += r->show_type[t];
        p.h += 6 + p.sym_head_h + types * p.row;
    }
    p.h += 8 + p.scale_h + p.pad;
    return p;
}

/* A round scale bar length in km that fits max_pt at the map's scale; its half is round
 * too (no 25: 12.5 is not a tick anyone reads well). */
static double scale_bar_km(double s_pt_per_m, double max_pt)
{
    static const double nice[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    double best = nice[0];
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] * 1000 * s_pt_per_m <= max_pt)
            best = nice[i];
    return best;
}

static void draw_north_arrow(nv_page *r, double cx, double top, double height)
{
    cairo_t *cr = r->cr;
    PangoLayout *l = nv_page_text(r, "N", 8.5, 1, 0, 0);
    double w, h;
    nv_page_text_size(l, &w, &h);
    nv_page_show_text(r, l, cx - w / 2, top, NV_INK);
    g_object_unref(l);
    double y0 = top + h, y1 = top + height, half = ARROW_W / 2 * 0.7;
    /* Left half filled, right half open: readable at any size and in grey print. */
    cairo_new_path(cr);
    cairo_move_to(cr, cx, y0);
    cairo_line_to(cr, cx - half, y1);
    cairo_line_to(cr, cx, y1 - (y1 - y0) * 0.28);
    cairo_close_path(cr);
    nv_page_set_color(cr, NV_INK);
    cairo_fill(cr);
    cairo_new_path(cr);
    cairo_move_to(cr, cx, y0);
    cairo_line_to(cr, cx + half, y1);
    cairo_line_to(cr, cx, y1 - (y1 - y0) * 0.28);
    cairo_line_to(cr, cx - half, y1);
    cairo_close_path(cr);
    cairo_set_line_width(cr, 0.7);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
}

static void draw_scale_bar(nv_page *r, double x, double y)
{
    cairo_t *cr = r->cr;
    double km = scale_bar_km(r->t.s, SCALE_MAX);
    double len = km * 1000 * r->t.s, bar_h = 4;
    for (int i = 0; i < 4; i++) {
        cairo_new_path(cr);
        cairo_rectangle(cr, x + len * i / 4, y, len / 4, bar_h);
        nv_page_set_color(cr, i % 2 ? 0xffffff : 0x333333);
        cairo_fill_preserve(cr);
        nv_page_set_color(cr, 0x333333);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    }
    char a[32], b[48];
    double ticks[3] = {0, km / 2, km};
    for (int i = 0; i < 3; i++) {
        nv_classes_format_km(a, sizeof a, ticks[i], r->lang);
        snprintf(b, sizeof b, i == 2 ? "%s km" : "%s", a);
        PangoLayout *l = nv_page_text(r, b, SCALE_TEXT, 0, 0, 0);
        double w, h, tx = x + len * i / 2;
        nv_page_text_size(l, &w, &h);
        /* The unit hangs to the right of the last tick, so "0" and the number stay centred. */
        double wnum = i == 2 ? nv_page_text_width(r, a, SCALE_TEXT, 0) : w;
        nv_page_show_text(r, l, tx - wnum / 2, y + bar_h + 1.5, NV_INK);
        g_object_unref(l);
    }
}

/* A count, right-aligned at right; with plan = both the before plan's in the column
 * left of the after plan's. */
static void draw_counts(nv_page *r, const nv_legend_metrics *p, int before, int after, double right, double y)
{
    char num[32];
    for (int k = r->pair ? 0 : 1; k < 2; k++) {
        nv_page_count(r, num, sizeof num, k == 0 ? before : after);
        double w = nv_page_text_width(r, num, LEGEND_TEXT, 0);
        PangoLayout *l = nv_page_text(r, num, LEGEND_TEXT, 0, 0, 0);
        nv_page_show_text(r, l, (k == 0 ? right - p->col_w - COL_GAP : right) - w, y, NV_INK_SOFT);
        g_object_unref(l);
    }
}

/* The offices' heading and a row per office type shown, from y down; returns the y below. */
static double draw_symbol_rows(nv_page *r, const nv_legend_metrics *p, nv_render_info *info, double px, double x,
                               double y, double right)
{
    cairo_t *cr = r->cr;
    y += 6;
    PangoLayout *l = nv_page_text(r, symbols_heading(r), LEGEND_HEAD, 1, 0, 0);
    nv_page_show_text(r, l, x, y, NV_INK);
    g_object_unref(l);
    y += p->sym_head_h;
    size_t k = 0;
    for (int t = 0; t < NV_OFFICE_TYPES; t++) {
        if (!r->show_type[t])
            continue;
        double cx = x + p->swatch_w / 2, cy = y + p->row / 2 - 1, rad = 3.0;
        nv_symbols_draw(cr, t, cx, cy, rad);
        if (info) {
            nv_render_symbol *is = &info->symbols[k++];
            is->swatch[0] = (cx - rad) * px, is->swatch[1] = (cy - rad) * px;
            is->swatch[2] = is->swatch[3] = 2 * rad * px;
        }
        double th;
        l = nv_page_text(r, nv_symbols_label(t, r->lang), LEGEND_TEXT, 0, 0, 0);
        nv_page_text_size(l, NULL, &th);
        nv_page_show_text(r, l, x + p->swatch_w + 6, y + (p->row - th) / 2 - 1, NV_INK);
        g_object_unref(l);
        draw_counts(r, p, r->ptype_count[0][t], r->type_count[t], right, y + (p->row - th) / 2 - 1);
        y += p->row;
    }
    return y;
}

void nv_legend_draw(nv_page *r, const nv_legend_metrics *p, nv_render_info *info, double px)
{
    cairo_t *cr = r->cr;
    nv_rect b = r->panel;
    cairo_new_path(cr);
    cairo_rectangle(cr, b.x, b.y, b.w, b.h);
    nv_page_set_color(cr, 0xffffff);
    cairo_fill_preserve(cr);
    nv_page_set_color(cr, 0xbdbdbd);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
    double x = b.x + p->pad, y = b.y + p->pad, right = b.x + b.w - p->pad;
    PangoLayout *l = nv_page_text(r, nv_legend_heading(r), LEGEND_HEAD, 1, 170, 0);
    nv_page_show_text(r, l, x, y, NV_INK);
    g_object_unref(l);
    y += p->head_h;
    if (r->pair) { /* the count columns' headings: the plans */
        for (int k = 0; k < 2; k++) {
            double w = nv_page_text_width(r, r->plabel[k], LEGEND_TEXT, 1);
            l = nv_page_text(r, r->plabel[k], LEGEND_TEXT, 1, 0, 0);
            nv_page_show_text(r, l, (k == 0 ? right - p->col_w - COL_GAP : right) - w, y, NV_INK);
            g_object_unref(l);
        }
        y += p->cols_h;
    }
    for (size_t i = 0; i < r->cl.n; i++) {
        const nv_class *c = &r->cl.cls[i];
        double sy = y + (p->row - p->swatch_h) / 2 - 1;
        cairo_new_path(cr);
        cairo_rectangle(cr, x, sy, p->swatch_w, p->swatch_h);
        nv_page_set_color(cr, c->color);
        cairo_fill_preserve(cr);
        nv_page_set_color(cr, 0x8a8a8a);
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
        if (info) {
            nv_render_class *ic = &info->classes[i];
            ic->swatch[0] = x * px, ic->swatch[1] = sy * px;
            ic->swatch[2] = p->swatch_w * px, ic->swatch[3] = p->swatch_h * px;
        }
        double th;
        l = nv_page_text(r, c->label, LEGEND_TEXT, 0, 0, 0);
        nv_page_text_size(l, NULL, &th);
        nv_page_show_text(r, l, x + p->swatch_w + 6, y + (p->row - th) / 2 - 1, NV_INK);
        g_object_unref(l);
        draw_counts(r, p, r->pcount[0][i], r->pcount[1][i], right, y + (p->row - th) / 2 - 1);
        y += p->row;
    }
    if (p->sym_head_h > 0)
        y = draw_symbol_rows(r, p, info, px, x, y, right);
    y += 4;
    cairo_new_path(cr);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, right, y);
    nv_page_set_color(cr, 0xd0d0d0);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    y += 4;
    draw_scale_bar(r, x + 2, y + 12);
    draw_north_arrow(r, right - ARROW_W / 2, y, p->scale_h - 2);
}
