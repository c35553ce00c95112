/* layout.c — placing the map, the legend panel and the two maps of plan = both. */
#include "layout.h"

#include <math.h>

nv_xform nv_layout_fit(nv_rect frame, const double *ext, int halign, int valign)
{
    double ew = ext[2] - ext[0], eh = ext[3] - ext[1];
    nv_xform t;
    t.s = fmin(frame.w / ew, frame.h / eh);
    double mw = t.s * ew, mh = t.s * eh;
    double left = frame.x + (halign < 0 ? 0 : halign > 0 ? frame.w - mw : (frame.w - mw) / 2);
    double top = frame.y + (valign < 0 ? 0 : valign > 0 ? frame.h - mh : (frame.h - mh) / 2);
    t.tx = left - t.s * ext[0];
    t.ty = top + t.s * ext[3];
    return t;
}

/* The occupied area of the map at scale s, one byte per point, the extent's top left at
 * (0, 0): focus polygons and their offices. Only the pixels the corner tests read matter
 * (n_boxes boxes of 4 ints x0, y0, x1, y1), so a polygon none of whose rows (a pixel more
 * above and below) is a row of a box is left out: cairo's scan converter works row by row
 * from the edges that cross the row, so the rows of the boxes come out the same, byte for
 * byte (checked on every shipped map, county maps included), and the middle of the map is
 * not rasterised, which was half of the layout's instructions. Rows only: a polygon beside
 * a box in its rows still changes how cairo steps through them (whole rows or sample rows),
 * and so the coverage at the box's edge by a few levels. */
typedef struct mask {
    cairo_surface_t *surf;
    unsigned char *data;
    int w, h, stride;
} mask;

static void mask_size(const double *ext, double s, mask *mk)
{
    mk->w = (int)ceil((ext[2] - ext[0]) * s) + 1;
    mk->h = (int)ceil((ext[3] - ext[1]) * s) + 1;
}

/* Whether the rows of bbox (CRS metres: min x, min y, max x, max y) drawn by t, a pixel
 * more above and below, meet the rows of one of the boxes. */
static int rows_meet_a_box(const double *bbox, nv_xform t, const int *boxes, int n_boxes)
{
    double y0 = t.ty - t.s * bbox[3] - 1, y1 = t.ty - t.s * bbox[1] + 1;
    for (int i = 0; i < n_boxes; i++) {
        const int *b = boxes + 4 * i;
        if (b[2] > b[0] && b[3] > b[1] && y1 >= b[1] && y0 <= b[3])
            return 1;
    }
    return 0;
}

static int make_mask(const nv_page *r, const double *ext, double s, const int *boxes, int n_boxes, mask *mk)
{
    mk->surf = cairo_image_surface_create(CAIRO_FORMAT_A8, mk->w, mk->h);
    if (cairo_surface_status(mk->surf) != CAIRO_STATUS_SUCCESS)
        return -1;
    cairo_t *cr = cairo_create(mk->surf);
    nv_xform t = {s, -s * ext[0], s * ext[3]};
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (size_t i = 0; i < r->d->nm; i++)
        if (nv_page_in_focus(r, &r->d->m[i]) && rows_meet_a_box(r->d->m[i].bbox, t, boxes, n_boxes))
            nv_page_path_muni(cr, r->d, &r->d->m[i], t, 0, 0);
    cairo_fill(cr);
    for (size_t i = 0; r->s->offices && i < r->d->no; i++) {
        if (!nv_page_office_in_focus(r, &r->d->o[i]))
            continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, t.tx + s * r->d->o[i].x, t.ty - s * r->d->o[i].y, r->sym_r + 1, 0, 2 * M_PI);
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_fill(cr);
    cairo_destroy(cr);
    cairo_surface_flush(mk->surf);
    mk->data = cairo_image_surface_get_data(mk->surf);
    mk->stride = cairo_image_surface_get_stride(mk->surf);
    return 0;
}

/* The mask pixels x0..x1-1, y0..y1-1 (into box) that rect b (page points) covers with
 * margin, the map's top left being at (left, top). */
static void hit_box(const mask *mk, nv_rect b, double left, double top, double margin, int *box)
{
    int x0 = (int)floor(b.x - margin - left), y0 = (int)floor(b.y - margin - top);
    int x1 = (int)ceil(b.x + b.w + margin - left), y1 = (int)ceil(b.y + b.h + margin - top);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > mk->w) x1 = mk->w;
    if (y1 > mk->h) y1 = mk->h;
    box[0] = x0, box[1] = y0, box[2] = x1, box[3] = y1;
}

/* Does the box touch the occupied area? */
static int mask_hits(const mask *mk, const int *box)
{
    for (int y = box[1]; y < box[3]; y++)
        for (int x = box[0]; x < box[2]; x++)
            if (mk->data[y * mk->stride + x])
                return 1;
    return 0;
}

/* The view: what the frame shows around the extent, in CRS metres. */
void nv_layout_set_view(nv_page *r)
{
    nv_rect f = r->frame;
    r->view[0] = (f.x - r->t.tx) / r->t.s;
    r->view[2] = (f.x + f.w - r->t.tx) / r->t.s;
    r->view[3] = (r->t.ty - f.y) / r->t.s;
    r->view[1] = (r->t.ty - f.y - f.h) / r->t.s;
}

/* Places the map and the panel: in a free corner of the frame at the largest scale if
 * one exists, else beside or below the map, whichever keeps the map larger. */
int nv_layout_place(nv_page *r, const double *ext, const nv_legend_metrics *p)
{
    nv_rect f = r->frame;
    double gap = 6;
    nv_xform full = nv_layout_fit(f, ext, 0, 0);
    mask mk = {0};
    static const int align[9][2] = {{0, 0}, {-1, 0}, {1, 0}, {0, 1}, {0, -1}, {-1, 1}, {1, 1}, {-1, -1}, {1, -1}};
    nv_rect corners[4] = {{f.x + f.w - p->w, f.y + f.h - p->h, p->w, p->h}, {f.x + f.w - p->w, f.y, p->w, p->h},
                       {f.x, f.y + f.h - p->h, p->w, p->h}, {f.x, f.y, p->w, p->h}};
    /* Every alignment has the full scale (the map only moves within the frame), so one
     * mask serves them all: the boxes each corner test reads. */
    int boxes[9][4][4];
    nv_xform fit[9];
    mask_size(ext, full.s, &mk);
    for (int a = 0; a < 9; a++) {
        fit[a] = nv_layout_fit(f, ext, align[a][0], align[a][1]);
        double left = fit[a].tx + fit[a].s * ext[0], top = fit[a].ty - fit[a].s * ext[3];
        for (int c = 0; c < 4; c++)
            hit_box(&mk, corners[c], left, top, 5, boxes[a][c]);
    }
    if (make_mask(r, ext, full.s, &boxes[0][0][0], 9 * 4, &mk) != 0) {
        cairo_surface_destroy(mk.surf);
        return -1;
    }
    int found = 0;
    for (int a = 0; a < 9 && !found; a++)
        for (int c = 0; c < 4 && !found; c++)
            if (!mask_hits(&mk, boxes[a][c])) {
                r->t = fit[a];
                r->panel = corners[c];
                found = 1;
            }
    cairo_surface_destroy(mk.surf);
    if (!found) {
        nv_rect side = {f.x, f.y, f.w - p->w - gap, f.h}, below = {f.x, f.y, f.w, f.h - p->h - gap};
        nv_xform ts = nv_layout_fit(side, ext, 0, 0), tb = nv_layout_fit(below, ext, 0, 0);
        r->panel = (nv_rect){f.x + f.w - p->w, f.y + f.h - p->h, p->w, p->h};
        r->t = side.w > 0 && (below.h <= 0 || ts.s >= tb.s) ? ts : tb;
    }
    nv_layout_set_view(r);
    return 0;
}


/* plan = both: the two maps side by side at one scale, each under its heading (head and
 * sum, wrapped to the map's width), the legend to the right of the second, and the group
 * centred across the frame. */
void nv_layout_place_pair(nv_page *r, const double *ext, const nv_legend_metrics *p, PangoLayout *const *head,
                       PangoLayout *const *sum)
{
    nv_rect f = r->frame;
    double gap = 6 * NV_MM, ew = ext[2] - ext[0], eh = ext[3] - ext[1], s = 0, head_h = 0;
    /* Narrower maps wrap the headings into more lines, which makes the maps smaller. */
    for (int pass = 0; pass < 4; pass++) {
        s = fmin((f.w - p->w - 2 * gap) / 2 / ew, (f.h - head_h) / eh);
        double h = 0;
        for (int k = 0; k < 2; k++) {
            double a, b;
            PangoLayout *l[2] = {head[k], sum[k]};
            for (int i = 0; i < 2; i++) {
                pango_layout_set_width(l[i], (int)(s * ew * PANGO_SCALE));
                pango_layout_set_wrap(l[i], PANGO_WRAP_WORD_CHAR);
            }
            nv_page_text_size(head[k], NULL, &a);
            nv_page_text_size(sum[k], NULL, &b);
            h = fmax(h, a + 1 + b + NV_LAYOUT_PANEL_HEAD_GAP);
        }
        if (h <= head_h)
            break;
        head_h = h;
    }
    double mw = s * ew, mh = s * eh, x0 = f.x + (f.w - (2 * mw + 2 * gap + p->w)) / 2;
    for (int k = 0; k < 2; k++) {
        r->pframe[k] = (nv_rect){x0 + k * (mw + gap), f.y + head_h, mw, mh};
        r->pt[k] = nv_layout_fit(r->pframe[k], ext, 0, 0);
    }
    r->panel = (nv_rect){x0 + 2 * (mw + gap), fmax(f.y, f.y + head_h + mh - p->h), p->w, p->h};
    r->frame = r->pframe[1];
    r->t = r->pt[1];
    nv_layout_set_view(r);
}

/* Page size and resolution from the spec and the options (see render.h). */
void nv_layout_page_size(const nv_mapspec *s, const nv_render_options *o, double *w_pt, double *h_pt, double *dpi)
{
    int cli = o->paper >= 0 || o->dpi > 0 || o->width_px > 0 || o->height_px > 0;
    nv_paper paper = o->paper >= 0 ? (nv_paper)o->paper : s->paper;
    int wpx = cli ? o->width_px : s->width_px, hpx = cli ? o->height_px : s->height_px;
    *w_pt = (paper == NV_PAPER_A3 ? 297 : 210) * NV_MM;
    *h_pt = (paper == NV_PAPER_A3 ? 420 : 297) * NV_MM;
    if (s->orientation == NV_LANDSCAPE) {
        double t = *w_pt;
        *w_pt = *h_pt;
        *h_pt = t;
    }
    *dpi = o->dpi > 0 ? o->dpi : s->dpi;
    if (wpx > 0 && hpx > 0) {
        *w_pt = *h_pt * wpx / hpx; /* the paper's height, the pixels' shape */
        *dpi = hpx / (*h_pt / 72);
    } else if (hpx > 0) {
        *dpi = hpx / (*h_pt / 72);
    } else if (wpx > 0) {
        *dpi = wpx / (*w_pt / 72);
    }
}

int nv_layout_extent(const nv_page *r, double *ext)
{
    if (r->county >= 0) {
        const double *cb = r->d->c[r->county].bbox;
        double pad = 0.06 * fmax(cb[2] - cb[0], cb[3] - cb[1]);
        ext[0] = cb[0] - pad, ext[1] = cb[1] - pad, ext[2] = cb[2] + pad, ext[3] = cb[3] + pad;
    } else {
        double pad = 0.01 * fmax(r->d->bbox[2] - r->d->bbox[0], r->d->bbox[3] - r->d->bbox[1]);
        ext[0] = r->d->bbox[0] - pad, ext[1] = r->d->bbox[1] - pad;
        ext[2] = r->d->bbox[2] + pad, ext[3] = r->d->bbox[3] + pad;
    }
    return ext[2] > ext[0] && ext[3] > ext[1] ? 0 : -1;
}
