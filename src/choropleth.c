/* choropleth.c — the map's polygons, edges and office symbols. */
#include "choropleth.h"

#include "labels.h"
#include "symbols.h"

static const unsigned MUNI_EDGE = 0xffffff, COUNTY_EDGE = 0x3a3a3a, CONTEXT_FILL = 0xe8e8e8;
static const unsigned MUNI_EDGE_ON_LIGHT = 0xc4c4c4;

/* Polylines along the rings of the municipalities in view, through the segments whose
 * flags hold all of need: each shared edge once (NV_EDGE_OWNED), or county borders too. */
static void path_edges(cairo_t *cr, const nv_page *r, unsigned char need)
{
    const nv_map_data *d = r->d;
    nv_xform t = r->t;
    for (size_t mi = 0; mi < d->nm; mi++) {
        const nv_map_muni *m = &d->m[mi];
        if (!nv_page_in_view(r, m->bbox))
            continue;
        for (size_t ri = m->ring0; ri < m->ring0 + m->nrings; ri++) {
            size_t pt0 = d->rings[ri].pt0;
            int open = 0;
            for (size_t k = 0; k + 1 < d->rings[ri].npts; k++) {
                const double *p = d->xy + 2 * (pt0 + k);
                if ((d->edge[pt0 + k] & need) != need) {
                    open = 0;
                    continue;
                }
                if (!open)
                    cairo_move_to(cr, t.tx + t.s * p[0], t.ty - t.s * p[1]);
                cairo_line_to(cr, t.tx + t.s * p[2], t.ty - t.s * p[3]);
                open = 1;
            }
        }
    }
}

void nv_choropleth_draw(nv_page *r)
{
    cairo_t *cr = r->cr;
    const nv_map_data *d = r->d;
    int zoomed = r->county >= 0;
    cairo_save(cr);
    if (zoomed) { /* the national map fits its frame by construction */
        cairo_rectangle(cr, r->frame.x, r->frame.y, r->frame.w, r->frame.h);
        cairo_clip(cr);
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    double edge = zoomed ? 0.6 : 0.3;
    /* Neighbours of a county, in grey: they give the zoomed map its setting. */
    if (zoomed) {
        for (size_t i = 0; i < d->nm; i++) {
            const nv_map_muni *m = &d->m[i];
            if (nv_page_in_focus(r, m) || !nv_page_in_view(r, m->bbox))
                continue;
            cairo_new_path(cr);
            nv_page_path_muni(cr, d, m, r->t, 0, 0);
            nv_page_set_color(cr, CONTEXT_FILL);
            cairo_fill(cr);
        }
    }
    /* One path per municipality, filled with its class colour. */
    for (size_t i = 0; i < d->nm; i++) {
        const nv_map_muni *m = &d->m[i];
        if (!nv_page_in_focus(r, m))
            continue;
        int c = nv_page_class_of(r, m);
        cairo_new_path(cr);
        nv_page_path_muni(cr, d, m, r->t, 0, 0);
        nv_page_set_color(cr, c >= 0 ? r->cl.cls[c].color : r->s->no_data_color);
        cairo_fill(cr);
    }
    /* Municipality edges in white, each shared edge once; county borders over them. */
    cairo_new_path(cr);
    path_edges(cr, r, NV_EDGE_OWNED);
    /* A change map's unchanged municipalities are near-white: white edges would merge them. */
    nv_page_set_color(cr, r->s->measure == NV_MEASURE_CHANGE ? MUNI_EDGE_ON_LIGHT : MUNI_EDGE);
    cairo_set_line_width(cr, edge);
    cairo_stroke(cr);
    if (r->s->county_borders) {
        cairo_new_path(cr);
        path_edges(cr, r, NV_EDGE_OWNED | NV_EDGE_BORDER);
        nv_page_set_color(cr, COUNTY_EDGE);
        cairo_set_line_width(cr, zoomed ? 1.1 : 0.65);
        cairo_stroke(cr);
    }
    if (r->s->offices)
        for (int k = NV_OFFICE_TYPES - 1; k >= -1; k--) { /* closed crosses under, staffed dots, new sites on top */
            int type = k < 0 ? NV_OFFICE_NEW : k == NV_OFFICE_NEW ? -1 : k;
            for (size_t i = 0; i < d->no && type >= 0; i++) {
                const nv_map_office *o = &d->o[i];
                if (nv_page_office_type(r, o) != type || !r->show_type[type])
                    continue;
                double bb[4] = {o->x, o->y, o->x, o->y};
                if (!nv_page_in_view(r, bb))
                    continue;
                nv_symbols_draw(cr, type, r->t.tx + r->t.s * o->x, r->t.ty - r->t.s * o->y, r->sym_r);
            }
        }
    if (r->labels)
        nv_labels_draw(r);
    cairo_restore(cr);
    if (zoomed) {
        cairo_new_path(cr);
        cairo_rectangle(cr, r->frame.x, r->frame.y, r->frame.w, r->frame.h);
        nv_page_set_color(cr, 0x9a9a9a);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    }
}
