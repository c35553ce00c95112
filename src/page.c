/* page.c — text, colours and focus tests shared by the map modules. */
#include "page.h"

#include "numfmt.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FONT_FAMILY "DejaVu Sans"

void nv_page_set_color(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

int nv_page_in_view(const nv_page *r, const double *bb)
{
    return !(bb[2] < r->view[0] || bb[0] > r->view[2] || bb[3] < r->view[1] || bb[1] > r->view[3]);
}

int nv_page_in_focus(const nv_page *r, const nv_map_muni *m)
{
    return r->county < 0 || m->county == r->county;
}

int nv_page_office_in_focus(const nv_page *r, const nv_map_office *o)
{
    return r->county < 0 || o->county == r->county;
}

int nv_page_office_type(const nv_page *r, const nv_map_office *o)
{
    return o->is_new && r->s->new_offices && r->s->measure == NV_MEASURE_CHANGE ? NV_OFFICE_NEW : o->type;
}

void nv_page_path_muni(cairo_t *cr, const nv_map_data *d, const nv_map_muni *m, nv_xform t, double dx, double dy)
{
    for (size_t ri = m->ring0; ri < m->ring0 + m->nrings; ri++) {
        const double *p = d->xy + 2 * d->rings[ri].pt0;
        size_t n = d->rings[ri].npts;
        if (n < 3)
            continue;
        cairo_move_to(cr, t.tx + t.s * p[0] - dx, t.ty - t.s * p[1] - dy);
        for (size_t k = 1; k < n; k++)
            cairo_line_to(cr, t.tx + t.s * p[2 * k] - dx, t.ty - t.s * p[2 * k + 1] - dy);
        cairo_close_path(cr);
    }
}


PangoLayout *nv_page_text(nv_page *r, const char *text, double size_pt, int bold, double wrap_pt, int markup)
{
    PangoLayout *l = pango_layout_new(r->pc);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, FONT_FAMILY);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, size_pt * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (wrap_pt > 0) {
        pango_layout_set_width(l, (int)(wrap_pt * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    if (markup)
        pango_layout_set_markup(l, text, -1);
    else
        pango_layout_set_text(l, text, -1);
    return l;
}

void nv_page_text_size(PangoLayout *l, double *w, double *h)
{
    PangoRectangle ink, logical;
    pango_layout_get_extents(l, &ink, &logical);
    if (w)
        *w = logical.width / (double)PANGO_SCALE;
    if (h)
        *h = logical.height / (double)PANGO_SCALE;
}

void nv_page_show_text(nv_page *r, PangoLayout *l, double x, double y, unsigned color)
{
    cairo_move_to(r->cr, x, y);
    nv_page_set_color(r->cr, color);
    pango_cairo_show_layout(r->cr, l);
}

/* Text with a white halo, for names over the map. */
void nv_page_show_text_halo(nv_page *r, PangoLayout *l, double x, double y)
{
    cairo_t *cr = r->cr;
    cairo_new_path(cr);
    cairo_move_to(cr, x, y);
    pango_cairo_layout_path(cr, l);
    nv_page_set_color(cr, 0xffffff);
    cairo_set_line_width(cr, 2.2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    nv_page_show_text(r, l, x, y, NV_INK);
}

double nv_page_text_width(nv_page *r, const char *s, double size, int bold)
{
    PangoLayout *l = nv_page_text(r, s, size, bold, 0, 0);
    double w;
    nv_page_text_size(l, &w, NULL);
    g_object_unref(l);
    return w;
}

const char *nv_page_tr(const nv_page *r, const char *sv, const char *en)
{
    return r->lang == NV_LANG_EN ? en : sv;
}

const char *nv_page_count(const nv_page *r, char *buf, size_t size, long v)
{
    char digits[24];
    nv_numfmt_long(digits, sizeof digits, v);
    return nv_classes_localize(buf, size, digits, r->lang);
}

/* Makes the PangoContext: the pinned family, no hinting, no rounding (see the top). */
nv_status nv_page_make_pango(nv_page *r, PangoFontMap *fm, nv_error *err)
{
    r->pc = pango_font_map_create_context(fm);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(r->pc, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(r->pc, 72);
    pango_context_set_round_glyph_positions(r->pc, FALSE);
    pango_context_set_language(r->pc, pango_language_from_string(r->lang == NV_LANG_EN ? "en" : "sv"));
    /* Fontconfig substitutes silently: check that the family we get is the one we ask for. */
    PangoFontDescription *fd = pango_font_description_from_string(FONT_FAMILY " 10");
    PangoFont *font = pango_font_map_load_font(fm, r->pc, fd);
    pango_font_description_free(fd);
    const char *family = NULL;
    PangoFontDescription *got = font ? pango_font_describe(font) : NULL;
    if (got)
        family = pango_font_description_get_family(got);
    int ok = family && strcasecmp(family, FONT_FAMILY) == 0;
    char found[128];
    snprintf(found, sizeof found, "%s", family ? family : "no font at all");
    if (got)
        pango_font_description_free(got);
    if (font)
        g_object_unref(font);
    if (!ok)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0,
                            "the font family \"" FONT_FAMILY "\" is not installed (fontconfig offers %s instead; "
                            "install the Debian package fonts-dejavu-core, as scripts/setup does)", found);
    return NV_OK;
}
int nv_page_class_of(const nv_page *r, const nv_map_muni *m)
{
    if (r->s->measure == NV_MEASURE_PRESENCE)
        return nv_classes_of_rank(&r->cl, m->tier);
    if (r->s->measure == NV_MEASURE_CHANGE)
        return nv_classes_of_change(&r->cl, m->change);
    if (r->cl.categories)
        return nv_classes_of_category(&r->cl, nv_mapdata_text(r->d, nv_mapdata_column(r->d, r->s->column), m));
    return nv_classes_of_value(&r->cl, nv_mapdata_value(r->d, r->s, m));
}
